"""Extract the efficiency estimates printed by R ``frontier``'s stored test output.

Source: ``tests/frontierTest.Rout.save`` of the CRAN package frontier 0.997-14 (GitHub mirror
``cran/frontier``, commit 9e263aa2689ad8beaa82ca536d7c458e25c72869), written to
``riceProdPhil_frontier_efficiencies.csv``: ``round( efficiencies( bb5 ), 3 )`` (BC95, one value
per observation, the row order of ``riceProdPhil``), ``round( efficiencies( b1 ), 3 )`` (BC92
time-invariant, one value per farm) and ``round( efficiencies( b3 ), 3 )`` (BC92 time-varying,
farm × year; years 1999…2006 are YEARDUM 1…8). Run once by hand::

    git -C <mirror> show 9e263aa:tests/frontierTest.Rout.save > frontierTest.Rout.save
    python extract_frontier_efficiencies.py frontierTest.Rout.save
"""

import csv
import sys


def _block(lines, command):
    start = lines.index(command) + 1
    end = next(i for i in range(start, len(lines)) if lines[i].startswith(">"))
    return start, lines[start:end]


def main(path: str) -> None:
    lines = open(path, encoding="utf-8").read().splitlines()
    rows = []
    start, block = _block(lines, "> round( efficiencies( bb5 ), 3 )")
    for k, line in enumerate(block[1:], start=start + 2):
        obs, eff = line.split()
        rows.append(("bb5", int(obs), "", "", eff, k))
    start, block = _block(lines, "> round( efficiencies( b1 ), 3 )")
    for k, line in enumerate(block[1:], start=start + 2):
        farm, eff = line.split()
        rows.append(("b1", "", int(farm[2:]), "", eff, k))
    start, block = _block(lines, "> round( efficiencies( b3 ), 3 )")
    years = [int(y) for y in block[0].split()]
    for k, line in enumerate(block[1:], start=start + 2):
        farm, *effs = line.split()
        for year, eff in zip(years, effs, strict=True):
            rows.append(("b3", "", int(farm[2:]), year - 1998, eff, k))
    with open("riceProdPhil_frontier_efficiencies.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["model", "row", "FMERCODE", "YEARDUM", "efficiency", "rout_line"])
        w.writerows(rows)


if __name__ == "__main__":
    main(sys.argv[1])
