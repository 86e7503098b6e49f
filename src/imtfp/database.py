"""DuckDB connections that cannot reach outside the process: every connection in imtfp opens here.

``enable_external_access = false`` forbids reading or writing any file other than the database
itself (no ``read_csv('/etc/passwd')``, no ``COPY … TO``, no ``https://``), and extension
autoloading/autoinstalling is off, so nothing is fetched from the network. Registered pandas
frames remain readable.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

SAFE_CONFIG = {
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
}


def connect(
    path: str | Path | None = None, *, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """An in-memory (``path=None``) or file DuckDB connection with external access disabled."""
    database = ":memory:" if path is None else str(path)
    return duckdb.connect(database, read_only=read_only, config=dict(SAFE_CONFIG))
