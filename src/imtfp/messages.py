"""One catalogue of the messages a user reads, in Chinese and English (``messages.yaml``).

Errors, warnings, the console lines of a run, the run summary, the quality report and ``imtfp init``
take their text from here: each message has an id (``config.unknown_key``) and a ``zh`` and an
``en`` text with ``{fields}``. Nothing a user reads is assembled in two places.

The language is, in order: the environment variable ``IMTFP_LANG`` (``zh``/``en``), the language the
run set (:func:`use_language`, from the first of ``report.languages`` of the config),
else English. An error built by :func:`error` carries its id and arguments (``msg_id``,
``msg_args``), so :func:`render` can print it again in another language.

Examples
--------
>>> text("hint.did_you_mean", lang="en", names=quoted(["years"], lang="en"))
"; did you mean 'years'?"
>>> text("hint.did_you_mean", lang="zh", names=quoted(["years"], lang="zh"))
"；您是否指 'years'？"
>>> err = error(ImtfpError, "config.unknown_key", lang="en", key="panel.yeras", hint="")
>>> str(err), err.msg_id
("config key 'panel.yeras' is not a setting of this section", 'config.unknown_key')
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources

import yaml

from imtfp.errors import ImtfpError

LANGUAGES = ("zh", "en")
_STATE: dict[str, str | None] = {"language": None, "rendering": None}


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """The message catalogue: id -> {zh, en} (``messages.yaml``, package data)."""
    text = resources.files("imtfp").joinpath("messages.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _normal(lang: object) -> str | None:
    value = str(lang or "").strip().lower()
    if value in ("both", "zh_cn", "zh-cn", "chinese", "中文"):
        return "zh"
    return value if value in LANGUAGES else None


def language() -> str:
    """The language of messages now: ``IMTFP_LANG``, else the run's (:func:`use_language`), else en."""
    return _normal(os.environ.get("IMTFP_LANG")) or _STATE["language"] or "en"


def use_language(lang: object) -> str:
    """Set the run's language (``zh``, ``en``); return the language in force."""
    _STATE["language"] = _normal(lang)
    return language()


def language_of(config: object) -> str | None:
    """The first of ``report.languages`` of a config as a message language (None when absent or
    not understood)."""
    if not isinstance(config, Mapping):
        return None
    report = config.get("report")
    languages = report.get("languages") if isinstance(report, Mapping) else None
    if not isinstance(languages, list | tuple) or not languages:
        return None
    return _normal(languages[0])


def text(msg_id: str, *, lang: str | None = None, **args: object) -> str:
    """The message ``msg_id`` in ``lang`` (default :func:`language`) with its fields filled.

    A field may itself be a message (:class:`Suggestion`): it is written in the same language.
    """
    chosen = _normal(lang) or language()
    template = catalogue()[msg_id][chosen]
    outer = _STATE.get("rendering")
    _STATE["rendering"] = chosen
    try:
        return template.format(**args) if args else template
    finally:
        _STATE["rendering"] = outer


def render(exc: BaseException, lang: str | None = None) -> str:
    """An error's message in ``lang`` if it came from the catalogue, else its text as raised."""
    msg_id = getattr(exc, "msg_id", None)
    if msg_id:
        return text(msg_id, lang=lang, **(getattr(exc, "msg_args", None) or {}))
    return str(exc)


def error(cls: type[ImtfpError], msg_id: str, *, lang: str | None = None, **args: object):
    """An instance of ``cls`` whose message is ``msg_id`` (its id and arguments kept on it)."""
    exc = cls(text(msg_id, lang=lang, **args))
    exc.msg_id = msg_id
    exc.msg_args = dict(args)
    return exc


def quoted(names: Iterable[object], *, lang: str | None = None) -> str:
    """``'a'、'b' 或 'c'`` / ``'a', 'b' or 'c'``: names for a sentence."""
    items = [f"'{n}'" for n in names]
    if len(items) < 2:
        return "".join(items)
    sep, last = ("、", " 或 ") if (_normal(lang) or language()) == "zh" else (", ", " or ")
    return sep.join(items[:-1]) + last + items[-1]


def closest(name: object, known: Iterable[object], *, n: int = 3, cutoff: float = 0.6) -> list[str]:
    """The known names closest to ``name`` (difflib's ratio, best first; case ignored)."""
    pool = {str(k).lower(): str(k) for k in known}
    target = str(name).lower()
    found = difflib.get_close_matches(target, list(pool), n=n, cutoff=cutoff)
    if not found:
        return []
    # keep the names about as close as the closest one (not every name past the cutoff)
    ratio = [difflib.SequenceMatcher(None, target, f).ratio() for f in found]
    return [pool[f] for f, r in zip(found, ratio) if r >= ratio[0] - 0.08]


class Suggestion:
    """ "Did you mean …" for the closest names, written in the language of the message it is a field
    of (so an error re-rendered in another language suggests in that language too)."""

    def __init__(self, names: list[str]):
        self.names = names

    def __format__(self, spec: str) -> str:
        if not self.names:
            return ""
        lang = _STATE.get("rendering") or language()
        return text("hint.did_you_mean", lang=lang, names=quoted(self.names, lang=lang))

    def __str__(self) -> str:
        return format(self, "")

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    __hash__ = None  # type: ignore[assignment]


def did_you_mean(name: object, known: Iterable[object]) -> Suggestion:
    """``；您是否指 'years'？`` / ``; did you mean 'years'?``, or nothing when no name is close."""
    return Suggestion(closest(name, known))
