"""One BLAS thread inside the estimators: fast and stable on a loaded or shared machine.

OpenBLAS runs a dot product or a matrix-vector product on a million rows with all its threads;
when the cores are busy (a Snakemake run, other jobs, other users) each such call waits for
threads to wake up: measured on 2 shared cores, ``np.dot`` of two 1M vectors took 8.0 ms with the
default threads against 0.4 ms with one, and a fit makes a dozen such calls. The estimators'
products are tall and thin (n × k with small k), memory-bound, so one thread loses nothing on a
quiet machine either, and results no longer depend on the number of threads.

:func:`single_blas_thread` limits BLAS to one thread for the duration of a call (threadpoolctl,
the library scikit-learn uses for this; its controller is built once, ~1 ms, and each limit
costs ~20 µs) and restores the previous setting afterwards.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable)

_controller = None


def _get_controller():
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    return _controller


def single_blas_thread(fn: F) -> F:
    """Decorator: run ``fn`` with BLAS limited to one thread (restored on return or raise)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with _get_controller().limit(limits=1, user_api="blas"):
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
