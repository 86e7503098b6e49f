"""R's default random numbers (Mersenne-Twister, Inversion) in numpy, for reference tests only.

HonestDiD draws its least-favourable critical values with ``set.seed(0)`` and
``mvtnorm::rmvnorm``; to compare with the numbers its README prints, a test can feed our
implementation the very same standard normals. R's ``set.seed(s)`` scrambles the seed with the
linear congruential generator :math:`s \\leftarrow 69069 s + 1 \\pmod{2^{32}}` (50 times, then once
per state word), fills the 624 Mersenne-Twister words and starts at position 624; ``unif_rand``
is ``genrand_int32 / 2^32`` (kept inside (0, 1)); ``norm_rand`` by inversion uses two uniforms,
:math:`u = \\lfloor 2^{27}u_1\\rfloor + u_2`, :math:`z = \\Phi^{-1}(u / 2^{27})` (R's RNG.c and
snorm.c). Checked against ``set.seed(0); rnorm(5)`` and ``runif(3)`` as R prints them.
"""

from __future__ import annotations

import numpy as np
from scipy import special

_BIG = 134217728  # 2^27
_I2_32M1 = 2.328306437080797e-10  # 1 / (2^32 - 1): R's fixup for 0 and 1


def _mt_state(seed: int) -> np.random.MT19937:
    s = seed & 0xFFFFFFFF
    for _ in range(50):
        s = (69069 * s + 1) & 0xFFFFFFFF
    words = []
    for _ in range(625):
        s = (69069 * s + 1) & 0xFFFFFFFF
        words.append(s)
    bitgen = np.random.MT19937(0)
    state = bitgen.state
    state["state"] = {"key": np.array(words[1:], dtype=np.uint32), "pos": 624}
    bitgen.state = state
    return bitgen


def r_runif(n: int, seed: int) -> np.ndarray:
    """``set.seed(seed); runif(n)``."""
    raw = _mt_state(seed).random_raw(n).astype(np.float64)
    u = raw * 2.3283064365386963e-10
    u = np.where(u <= 0.0, 0.5 * _I2_32M1, u)
    return np.where(1.0 - u <= 0.0, 1.0 - 0.5 * _I2_32M1, u)


def r_rnorm(n: int, seed: int) -> np.ndarray:
    """``set.seed(seed); rnorm(n)`` (normal.kind "Inversion", R's default)."""
    u = r_runif(2 * n, seed)
    big = np.floor(_BIG * u[0::2]) + u[1::2]
    return special.ndtri(big / _BIG)


def r_qfoldednormal(seed: int = 0, n: int = 10**6):
    """HonestDiD's ``.qfoldednormal(p, mu)``: ``set.seed(seed)``, n normal draws, the type-7 quantile
    of ``abs(draws + mu)`` — as a function ``(p, mu) -> float``, O(log n) per call.

    With ``a = sort(draws) + mu`` the values ``|a|`` are two sorted runs (the negative part
    reversed, the non-negative part); an order statistic of their merge is found by bisection.
    """
    z = np.sort(r_rnorm(n, seed))

    def order_stat(mu: float, k: int) -> float:
        m = int(np.searchsorted(z, -mu))  # a[:m] < 0
        na, nb = m, n - m

        def A(i: int) -> float:  # ascending |a| of the negative run
            return -(z[m - 1 - i] + mu)

        def B(j: int) -> float:
            return z[m + j] + mu

        lo, hi = max(0, k + 1 - nb), min(k + 1, na)
        while lo < hi:  # i values from A, k + 1 - i from B
            i = (lo + hi) // 2
            j = k + 1 - i
            if j > 0 and i < na and B(j - 1) > A(i):
                lo = i + 1
            else:
                hi = i
        i, j = lo, k + 1 - lo
        return max(A(i - 1) if i > 0 else -np.inf, B(j - 1) if j > 0 else -np.inf)

    def quantile(p: float, mu: float) -> float:
        h = (n - 1) * p
        k = int(np.floor(h))
        lo = order_stat(mu, k)
        return lo if h == k else lo + (h - k) * (order_stat(mu, k + 1) - lo)

    return quantile
