"""What one raw cell is: the one number grammar, whole years, bad worksheet cells, blank cells.

Every reader (NBS exports, tidy, wide, columns; CSV, Excel and Stata files) decides what a cell
holds with these functions, so a cell that is a value in one file is a value in every file:

* :func:`parse_number` — optional sign, ASCII digits with optional thousands groups of exactly
  three digits, optional ``.`` decimals, optional exponent; the result must be finite. ``NaN``,
  ``inf``, ``NA``, ``N/A``, ``null``, ``1,5``, ``1_000`` and full-width digits are not numbers.
* :func:`parse_year` — four ASCII digits, optionally ``.0`` (how Excel stores a whole number) or
  ``年``: ``2019.5`` or ``inf`` are not years.
* :class:`BadCell` — a worksheet cell that cannot be a value (error, boolean, date, formula
  without a cached value) carries its reason with it.

:func:`names_the_file` turns whatever a library raises on a malformed file (``OverflowError``,
``BadZipFile``, ``XLRDError`` …) into an :class:`~imtfp.errors.IngestError` naming the file.
"""

from __future__ import annotations

import functools
import math
import re

from imtfp.errors import ImtfpError, IngestError

#: Characters a cell may consist of and still be empty (ideographic space, BOM, no-break space).
BLANKS = " \t\u3000\ufeff\xa0"

_NUMBER = re.compile(
    r"^[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$", re.ASCII
)
_YEAR = re.compile(r"^([0-9]{4})(?:\.0+)?\s*年?$", re.ASCII)


class BadCell(str):
    """A worksheet cell that is not a number (error, boolean, date, formula without a cached value).

    It is a non-empty string (so it is counted) that carries the reason it cannot be a value.
    """

    reason: str

    def __new__(cls, text: str, reason: str):
        obj = super().__new__(cls, text)
        obj.reason = reason
        return obj


def filled(cell: str) -> bool:
    """True if the cell holds anything but blanks."""
    return cell.strip(BLANKS) != ""


def parse_number(raw: str) -> float | None:
    """The value of a cell under the strict grammar, or ``None`` if it is not a number.

    Accepted: ``-1234.5``, ``1,234,567.8``, ``1.2e+05``. Rejected: ``1,5``, ``1,2345``,
    ``123,``, ``1_000``, full-width or other non-ASCII digits, ``NaN``, ``inf``, ``NA``, a result
    that overflows to infinity.

    Examples
    --------
    >>> parse_number("1,234.5"), parse_number("1,5"), parse_number("NaN"), parse_number("1e999")
    (1234.5, None, None, None)
    """
    if isinstance(raw, BadCell) or not _NUMBER.match(raw):
        return None
    value = float(raw.replace(",", ""))
    return value if math.isfinite(value) else None


def number_problem(raw: str) -> str:
    """Why ``raw`` is not a value (for the reject's reason)."""
    if isinstance(raw, BadCell):
        return raw.reason
    if raw.strip().lower().lstrip("+-") in ("nan", "inf", "infinity"):
        return "not a finite number (NaN/inf)"
    if _NUMBER.match(raw):
        return "not a finite number (overflow)"
    return "non-numeric cell"


def parse_year(raw: str) -> int | None:
    """A whole calendar year (``2019``, ``2019.0``, ``2019年``), or ``None``.

    Examples
    --------
    >>> parse_year("2019"), parse_year("2019.0"), parse_year("2019年"), parse_year("2019.5")
    (2019, 2019, 2019, None)
    """
    if isinstance(raw, BadCell):
        return None
    m = _YEAR.match(str(raw).strip(BLANKS))
    return int(m.group(1)) if m else None


def names_the_file(reader):
    """Any failure of ``reader(path, …)`` other than an :class:`ImtfpError` becomes an
    :class:`~imtfp.errors.IngestError` naming the file: a malformed file never escapes as a bare
    library error."""

    @functools.wraps(reader)
    def read(path, *args, **kwargs):
        try:
            return reader(path, *args, **kwargs)
        except ImtfpError:
            raise
        except Exception as exc:  # the libraries raise many types; name the file either way
            raise IngestError(
                f"cannot read the file ({type(exc).__name__}: {exc})", file=str(path)
            ) from exc

    return read
