"""Compare a computed number with a number as printed in a published output.

The tolerance is half a unit in the last printed digit (the printed value is the rounding of
the true one), plus an explicit ``slack`` where a test says why the inputs differ slightly.
"""

from __future__ import annotations


def half_unit(printed: str) -> float:
    """Half a unit in the last digit of ``printed`` ("0.08418" → 5e-6, "123.2" → 0.05)."""
    text = printed.strip().lstrip("+-")
    decimals = len(text.split(".")[1]) if "." in text else 0
    return 0.5 * 10.0**-decimals


def assert_printed(value: float, printed: str, *, slack: float = 0.0, what: str = "") -> None:
    """``value`` rounds to ``printed`` (within half a unit of its last digit, plus ``slack``)."""
    target = float(printed)
    tol = half_unit(printed) + slack + 1e-12
    assert abs(value - target) <= tol, (
        f"{what}: computed {value!r}, printed {printed} (|diff| {abs(value - target):.3g} > {tol:.3g})"
    )
