"""City- and firm-sized simulated panels run through the estimate stage, timed and measured.

**Simulated data, not statistics.** ``make demo-scale`` (configuration:
``configs/scale/demo_scale.yaml``) writes for each panel an analysis frame
``<out_dir>/<panel>/analysis.parquet`` with a known truth,

.. math::
    m_{it} = 0.5\\,x_{it} + \\mu^m_i + e^m_{it},\\qquad
    y_{it} = 0.3\\,x_{it} + 0.2\\,m_{it} + 0.1\\,c_{1,it} + \\mu_i + \\lambda_t + \\varepsilon_{it},

where :math:`x` is endogenous (it loads on :math:`\\varepsilon` through
:math:`v`) and :math:`z` is a valid instrument, then runs the configured
stages of :mod:`imtfp.models.stages` on it, reading only the columns the
models spec names (:func:`imtfp.analysis.read_model_frame`), exactly as the
Snakemake ``estimate`` rule does. Each stage's wall time and peak resident
memory above what the process held before it are written to
``<out_dir>/<panel>/timings.csv`` and printed.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from imtfp.analysis import read_model_frame
from imtfp.models.registry import MODELS, model_spec

REGIONS = np.array(["east", "central", "west", "northeast"])


def simulate_panel(
    entities: int, periods: int, *, keep: float = 1.0, seed: int = 0
) -> pd.DataFrame:
    """An analysis frame with ``unit``, ``year``, ``region``, y, x, m, z, c1–c3 (see the module docstring)."""
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(entities, dtype=np.int64), periods)
    year = np.tile(np.arange(2001, 2001 + periods, dtype=np.int64), entities)
    if keep < 1.0:
        obs = rng.random(len(unit)) < keep
        unit, year = unit[obs], year[obs]
    n = len(unit)
    mu = rng.normal(size=entities)[unit]
    lam = rng.normal(size=periods)[year - 2001]
    c = rng.normal(size=(3, n)) + 0.3 * mu
    z = rng.normal(size=n)
    v = rng.normal(size=n)
    x = 0.8 * z + 0.5 * mu + 0.2 * c[0] + v
    m = 0.5 * x + rng.normal(size=entities)[unit] + rng.normal(size=n)
    eps = 0.5 * v + rng.normal(size=n)
    y = 0.3 * x + 0.2 * m + 0.1 * c[0] + mu + lam + eps
    return pd.DataFrame(
        {
            "unit": unit,
            "year": year,
            "region": REGIONS[np.arange(entities) % 4][unit],
            "y": y,
            "x": x,
            "m": m,
            "z": z,
            "c1": c[0],
            "c2": c[1],
            "c3": c[2],
        }
    )


def _status_kb(field: str) -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _reset_peak() -> None:
    try:  # Linux: make VmHWM restart from the current resident size
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def run_stage(path: Path, spec: dict, stage: str, *, seed: int) -> tuple[pd.DataFrame, dict]:
    """Read the projected frame and run one stage; returns its tidy output and time/memory facts."""
    base = _status_kb("VmRSS:")
    _reset_peak()
    t0 = time.perf_counter()
    frame = read_model_frame(path, spec)
    out = MODELS[stage].stage_function()(frame, model_spec(spec), seed=seed)
    seconds = time.perf_counter() - t0
    peak = max(_status_kb("VmHWM:") - base, 0) / 1024
    return out, {
        "stage": stage,
        "rows": len(frame),
        "columns_read": frame.shape[1],
        "seconds": round(seconds, 3),
        "peak_mb_above_start": round(peak, 1),
    }


def run(config: dict) -> pd.DataFrame:
    """Simulate every configured panel, run its stages, write outputs and timings; return the timings."""
    out_dir = Path(config.get("out_dir", "data/derived/scale"))
    spec, seed = config["models"], int(config.get("seed", 0))
    rows = []
    for name, p in config["panels"].items():
        folder = out_dir / name
        (folder / "models").mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        frame = simulate_panel(
            int(p["entities"]), int(p["periods"]), keep=float(p.get("keep", 1.0)), seed=seed
        )
        path = folder / "analysis.parquet"
        frame.to_parquet(path, index=False)
        nrows = len(frame)
        del frame
        print(
            f"{name}: {nrows:,} rows simulated in {time.perf_counter() - t0:.1f} s -> {path}",
            flush=True,
        )
        timings = []
        for stage in p.get("stages", ["baseline"]):
            out, facts = run_stage(path, spec, stage, seed=seed)
            out.to_parquet(folder / "models" / f"{stage}.parquet", index=False)
            timings.append({"panel": name, **facts})
            print(
                f"  {stage:<14} {facts['seconds']:>8.2f} s  {facts['peak_mb_above_start']:>8.0f} MB",
                flush=True,
            )
        pd.DataFrame(timings).to_csv(folder / "timings.csv", index=False)
        rows += timings
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="configs/scale/demo_scale.yaml")
    parser.add_argument("--panels", nargs="*", help="run only these panels of the config")
    args = parser.parse_args(argv)
    config = yaml.safe_load(Path(args.config).read_text(encoding="utf-8"))
    if args.panels:
        config["panels"] = {k: v for k, v in config["panels"].items() if k in args.panels}
    run(config)


if __name__ == "__main__":
    main()
