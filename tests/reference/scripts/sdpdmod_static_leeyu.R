# Reference numbers for test_spatial_sdpdmod.py::test_static_lee_yu_transformation: SDPDmod's
# Lee-Yu transformation approach for static models (LYtrans = TRUE, demn = TRUE: F_T for
# individual effects, F_N for time effects). Run from the repository root:
#   Rscript tests/reference/scripts/sdpdmod_static_leeyu.R
# (R 4.2.2, SDPDmod 0.0.6 installed from the CRAN source, Matrix 1.5-3, RSpectra 0.16-1.)
library(SDPDmod)
cigar <- read.csv("tests/data/reference/Cigar_plm.csv")
cigar$logc <- log(cigar$sales)
cigar$logp <- log(cigar$price / cigar$cpi)
cigar$logy <- log(cigar$ndi / cigar$cpi)
W <- rownor(as.matrix(read.csv("tests/data/reference/usa46_SDPDmod.csv", row.names = 1)))
for (mod in c("sar", "sdm")) for (eff in c("individual", "time")) {
  m <- SDPDm(logc ~ logp + logy, data = cigar, W = W, index = c("state", "year"),
             model = mod, effect = eff, LYtrans = TRUE, demn = TRUE)
  cat("==", mod, eff, "\n")
  print(signif(c(m$rho, m$coefficients, m$sige), 10))
  print(signif(c(m$rho.se, m$std), 10))
}
