"""Exceptions that name where bad input came from; all derive from :class:`ImtfpError`."""


class ImtfpError(Exception):
    """Base class of every error imtfp raises on purpose (catch this to catch them all).

    An error built from the message catalogue (:func:`imtfp.messages.error`) carries the message's
    id and arguments, so the console can print it in the run's language (:func:`imtfp.messages.render`).
    """

    msg_id: str | None = None
    msg_args: dict | None = None


class IngestError(ImtfpError, ValueError):
    """A raw file cannot be read as declared; the message names file and line."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None):
        where = ", ".join(
            p for p in (f"file {file}" if file else "", f"line {line}" if line else "") if p
        )
        super().__init__(f"{where}: {message}" if where else message)
        self.file = file
        self.line = line


class ConfigError(ImtfpError, ValueError):
    """The configuration names something the data or the schema does not have."""


class EstimationError(ImtfpError, ValueError):
    """A model cannot be estimated on the data given (rank, balance, infeasibility)."""


class ReportError(ImtfpError, ValueError):
    """A table or figure cannot be built from the results or the options given."""


class InputTypeError(ImtfpError, TypeError):
    """An argument is of a type the function cannot use; the message names the type expected."""


class MissingColumnError(ConfigError):
    """The data lack a column the configuration or the call names; the message lists them.

    Examples
    --------
    >>> err = MissingColumnError("baseline", ["tfp"], available=["province", "year"])
    >>> str(err)
    "baseline: missing column(s) ['tfp']; available: ['province', 'year']"
    >>> isinstance(err, ImtfpError), err.columns
    (True, ['tfp'])
    """

    def __init__(self, what: str, columns, *, available=None):
        self.what = what
        self.columns = list(columns)
        tail = f"; available: {list(available)}" if available is not None else ""
        super().__init__(f"{what}: missing column(s) {self.columns}{tail}")
