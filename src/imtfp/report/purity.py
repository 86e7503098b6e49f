"""One language per table: what a Chinese table may keep in Latin letters, and the check.

A journal table is in one language. A Chinese table (``report.languages: [zh]``) prints no
English word and no raw code (``broadband_city``, ``real_nbs``), only what Chinese journals print
in Latin letters themselves: variable symbols, the standard abbreviations of the field and the
names of the people an estimator or test is named after. An English table prints no Chinese
character or Chinese punctuation.

:data:`ALLOWED_LATIN` is the one list of those words: a run of three or more Latin letters in a
Chinese table must be one of them (shorter runs — ``p``, ``F``, ``N``, ``R²``, ``IV``, ``FE``,
``M̄``, ``ln`` — are symbols and always allowed). Add a word here, with its reason in the group
it belongs to, rather than printing an English word in a Chinese table.
"""

from __future__ import annotations

import re

#: Abbreviations of methods, models and measures (≥ 3 letters; shorter ones are always allowed).
ABBREVIATIONS = frozenset(
    {
        # models and estimators
        "OLS", "SLS", "GMM", "SFA", "SAR", "SDM", "SEM", "SDEM", "SLX", "DID", "TWFE", "BJS",
        "LSDV", "GLS", "FGLS", "MLE", "DEA", "SBM", "GML", "TOPSIS", "CRITIC", "PCA",
        # quantities and tests
        "TFP", "MDE", "ATT", "ATE", "GDP", "GRP", "CCD", "NQPF", "ICT", "WCR", "ARP", "FLCI",
        "AIC", "BIC", "VIF", "RMSE", "CPI", "PPI", "FDI", "FTE", "LIML", "SARMA",
    }
)  # fmt: skip
#: Surnames of the people estimators and tests are named after (as Chinese journals print them).
EPONYMS = frozenset(
    {
        "Driscoll", "Kraay", "Sobel", "Aroian", "Goodman", "Bacon", "Oster", "Kleibergen", "Paap",
        "Cragg", "Donald", "Hansen", "Hausman", "Wald", "Malmquist", "Luenberger", "Callaway",
        "Sant", "Anna", "Abraham", "Borusyak", "Jaravel", "Spiess", "Rambachan", "Roth", "Webb",
        "Pearson", "Spearman", "Moran", "Solow", "Durbin", "Arellano", "Bond", "Blundell",
        "Newey", "West", "Wooldridge", "Battese", "Coelli", "Tobit", "Probit", "Logit", "Sargan",
        "Anselin", "LeSage", "Pace", "Elhorst", "Lee", "Theil", "Herfindahl", "Cobb", "Douglas",
        "Sun", "Andrews", "Pakes", "Windmeijer", "Kodde", "Palm", "Caudill", "Ford", "Gropper",
        "Bartik",
        "Kernel", "Gaussian", "Epanechnikov", "Wilcoxon", "Bonferroni", "Holm", "Romano", "Wolf",
    }
)  # fmt: skip
#: Mathematical operators and units written in Latin letters.
MATH = frozenset({"min", "max", "sup", "inf", "exp", "log", "sgn"})
#: Every word of three or more Latin letters a Chinese table may print.
ALLOWED_LATIN = ABBREVIATIONS | EPONYMS | MATH

_LATIN_RUN = re.compile(r"[A-Za-z]{3,}")
# CJK ideographs, CJK symbols and punctuation (、。「」…), full-width forms （），：；
_CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff5e]+")


def foreign_text(text: str, language: str) -> list[str]:
    """The pieces of ``text`` that do not belong in a table in ``language``, in order.

    ``zh``: runs of three or more Latin letters not in :data:`ALLOWED_LATIN` (a raw code such as
    ``broadband_city`` gives ``broadband`` and ``city``); ``en``: runs of Chinese characters
    or Chinese punctuation.
    """
    if language == "zh":
        return [w for w in _LATIN_RUN.findall(text) if w not in ALLOWED_LATIN]
    return _CHINESE.findall(text)
