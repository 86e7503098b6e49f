"""Our provincial contiguity list against ``../shared/data/panels/W_adj.csv`` (a third party's).

W_adj.csv (from RenJiyi163/panel_data_analysis_for_thesis, see ../shared/data/README.md) is a
row-normalised 31 × 31 adjacency matrix with rows and columns 1..31 in GB/T 2260 order. Binarised,
it agrees with ``imtfp/data/province_neighbours.csv`` on every pair but two:

* Hainan–Guangdong: ours links them by the usual convention (Hainan has no land border); W_adj
  leaves Hainan's row empty, which a row-normalised W cannot have — ours is the usable one;
* Qinghai–Ningxia: W_adj links them, but they share no border (Gansu lies between; Qinghai
  borders Gansu, Xinjiang, Tibet and Sichuan) — W_adj is wrong there.

The test pins exactly these two differences, so a change to either list shows up.
"""

import numpy as np
import pandas as pd
import pytest

from imtfp import provinces
from imtfp.weights import contiguity_weights

pytestmark = pytest.mark.realdata


def test_contiguity_against_w_adj(shared_data):
    theirs = pd.read_csv(shared_data / "panels" / "W_adj.csv", index_col="id").to_numpy(float) > 0
    ours = contiguity_weights(normalize=False).to_numpy() > 0
    codes = provinces.codes()
    diff = {tuple(sorted((codes[i], codes[j]))) for i, j in zip(*np.nonzero(theirs != ours))}
    assert diff == {("44", "46"), ("63", "64")}
    i, j = codes.index("44"), codes.index("46")
    assert ours[i, j] and not theirs[i, j] and theirs[j].sum() == 0  # W_adj: Hainan an island
    i, j = codes.index("63"), codes.index("64")
    assert theirs[i, j] and not ours[i, j]
