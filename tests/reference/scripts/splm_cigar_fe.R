# Reference numbers for tests/reference/test_spatial_splm.py: fixed-effects spatial panels on
# the Cigar data by R splm 1.6-5 (Millo and Piras 2012, J. Stat. Softw. 47(1)), an
# implementation independent of ours. Run from the repository root:
#   Rscript tests/reference/scripts/splm_cigar_fe.R
# (R 4.2.2, splm 1.6-5 from CRAN source, spdep 1.2-7, spatialreg 1.2-6, plm 2.6-2.)
library(splm)
library(spdep)
cigar <- read.csv("tests/data/reference/Cigar_plm.csv")
cigar$logc <- log(cigar$sales)
cigar$logp <- log(cigar$price / cigar$cpi)
cigar$logy <- log(cigar$ndi / cigar$cpi)
B <- as.matrix(read.csv("tests/data/reference/usa46_SDPDmod.csv", row.names = 1))
lw <- mat2listw(B, style = "W")
show <- function(label, m) {
  cat("==", label, "\n")
  print(signif(c(coef(m), m$sigma2), 10))
  print(signif(sqrt(diag(vcov(m))), 10))
  cat("logLik", format(m$logLik, digits = 12), "\n")
}
for (eff in c("individual", "time", "twoways")) {
  m <- spml(logc ~ logp + logy, data = cigar, index = c("state", "year"), listw = lw,
            model = "within", effect = eff, lag = FALSE, spatial.error = "b", LeeYu = FALSE)
  show(paste("sem", eff), m)
  m <- spml(logc ~ logp + logy, data = cigar, index = c("state", "year"), listw = lw,
            model = "within", effect = eff, lag = TRUE, spatial.error = "none", LeeYu = FALSE)
  show(paste("sar", eff), m)
}
