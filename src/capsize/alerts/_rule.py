"""The alert rule: what to watch, when it fires, how long it stays quiet, where it goes.

A :class:`Rule` is frozen and validated when it is built: a bad name, kind, symbol,
parameter, cool-down or channel raises :class:`AlertRuleError` (an
:class:`~capsize.errors.InputError`) with a one-line message naming the input and
the fix. Parameters are checked against the table of their kind
(:mod:`capsize.alerts.kinds`): unknown names are refused, missing ones take the
kind's default, so two rules that mean the same thing compare equal.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from capsize.errors import InputError

__all__ = [
    "CHANNEL_KINDS",
    "MAX_COOLDOWN",
    "MAX_SYMBOLS",
    "AlertRuleError",
    "Param",
    "ParamValue",
    "Rule",
    "check_channel",
    "rule_id_from",
]

ParamValue: TypeAlias = "float | int | str"
"""A rule parameter value: a number (threshold, window) or a choice."""

MAX_COOLDOWN = 2520
"""Longest cool-down, sessions (about ten years)."""
MAX_SYMBOLS = 500
"""Most symbols one rule names."""
CHANNEL_KINDS = ("log", "email", "webhook")
"""Where an alert can go: the store's log, an e-mail address, a webhook URL."""

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")
_SYMBOL = re.compile(r"^[A-Z0-9^][A-Z0-9^.=_\-]{0,19}$")
_EMAIL = re.compile(r"^[^@\s:,;<>]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_URL = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+(/\S*)?$")


class AlertRuleError(InputError):
    """An alert rule (or one of its fields) is invalid."""


@dataclass(frozen=True)
class Param:
    """One parameter of a rule kind.

    Attributes
    ----------
    name : str
        Key in ``Rule.params``.
    type : {"float", "int", "choice"}
        Value type.
    default : float, int, str or None
        Value when the rule does not set it (None: required).
    low, high : float
        Inclusive bounds of a number.
    choices : tuple of str
        Allowed values of a choice.
    help : str
        What it means, with its unit.
    """

    name: str
    type: Literal["float", "int", "choice"]
    default: ParamValue | None
    low: float = float("-inf")
    high: float = float("inf")
    choices: tuple[str, ...] = ()
    help: str = ""

    def clean(self, kind: str, value: object) -> ParamValue:
        """Return ``value`` converted and checked (raises :class:`AlertRuleError`)."""
        if self.type == "choice":
            text = str(value).strip().lower()
            if text not in self.choices:
                raise AlertRuleError(
                    f"{kind} rule: {self.name}={value!r} is not one of {', '.join(self.choices)}"
                )
            return text
        try:
            num: float | int = int(str(value)) if self.type == "int" else float(str(value))
        except ValueError:
            raise AlertRuleError(
                f"{kind} rule: {self.name}={value!r} is not {'an integer' if self.type == 'int' else 'a number'}"
                f"; {self.help or 'give a number'}"
            ) from None
        if not (self.low <= num <= self.high):  # also refuses NaN
            raise AlertRuleError(
                f"{kind} rule: {self.name}={value!r} is outside {self.low:g}..{self.high:g}; "
                f"{self.help or 'give a value in range'}"
            )
        return num


def rule_id_from(name: str) -> str:
    """Return a rule id made from ``name`` (lower case, runs of other characters as ``-``).

    Examples
    --------
    >>> rule_id_from("IWM breaks 250!")
    'iwm-breaks-250'
    """
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48].strip("-")
    if not slug:
        raise AlertRuleError(f"rule name {name!r} gives no id; use letters or digits, or --id")
    return slug


def check_channel(channel: str) -> str:
    """Return ``channel`` stripped, or raise when it is not ``log``, ``email:ADDR`` or ``webhook:URL``.

    Examples
    --------
    >>> check_channel(" email:ops@example.com ")
    'email:ops@example.com'
    """
    text = str(channel).strip()
    kind, _, target = text.partition(":")
    if kind == "log" and not target:
        return "log"
    if kind == "email" and _EMAIL.match(target):
        return text
    if kind == "webhook" and _URL.match(target):
        return text
    shown = text if len(text) <= 60 else text[:60] + "..."
    raise AlertRuleError(
        f"alert channel {shown!r} is not valid; use 'log', 'email:you@example.com' "
        "or 'webhook:https://host/path'"
    )


def _printable(text: str, what: str, limit: int) -> str:
    out = " ".join(str(text).split())
    if any(unicodedata.category(ch).startswith("C") for ch in out):
        raise AlertRuleError(f"rule {what} contains control characters; use printable text")
    if len(out) > limit:
        raise AlertRuleError(f"rule {what} has {len(out)} characters; use at most {limit}")
    return out


def _symbols(kind: str, symbols: Sequence[str]) -> tuple[str, ...]:
    if isinstance(symbols, str):
        symbols = symbols.replace(",", " ").split()
    out: dict[str, None] = {}
    for raw in symbols:
        sym = str(raw).strip().upper()
        if not sym:
            continue
        if not _SYMBOL.match(sym):
            shown = sym if len(sym) <= 24 else sym[:24] + "..."
            raise AlertRuleError(
                f"{kind} rule: {shown!r} is not a symbol; use e.g. IWM, ^RUT, BRK.B"
            )
        out[sym] = None
    if len(out) > MAX_SYMBOLS:
        raise AlertRuleError(f"{kind} rule names {len(out)} symbols; use at most {MAX_SYMBOLS}")
    return tuple(out)


@dataclass(frozen=True)
class Rule:
    """One alert rule, validated on creation.

    Parameters
    ----------
    id : str
        Stable key: lower-case letters, digits, ``-`` and ``_`` (at most 48);
        see :func:`rule_id_from`.
    name : str
        What the user calls it (printable, at most 80 characters).
    kind : str
        One of :data:`capsize.alerts.KINDS` (``price_level``, ``rs_cross``, ...).
    symbols : tuple of str
        Symbols it watches (per its kind: one or more, exactly two for a ratio, none
        for universe-wide kinds). Mutually exclusive with ``watchlist``.
    watchlist : str or None
        Name of a watchlist whose symbols it watches (resolved when evaluated).
    params : tuple of (name, value)
        Thresholds and windows, sorted by name, every parameter of the kind present.
        Pass a mapping; missing ones take the kind's defaults.
    cooldown : int or None
        Sessions after a fire during which the rule stays quiet for that subject
        (None: the kind's default).
    channels : tuple of str
        Where its alerts go: ``log``, ``email:ADDR``, ``webhook:URL``.
    enabled : bool
        Disabled rules are kept but not evaluated.

    Raises
    ------
    AlertRuleError
        On any invalid field.
    """

    id: str
    name: str
    kind: str
    symbols: tuple[str, ...] = ()
    watchlist: str | None = None
    params: tuple[tuple[str, ParamValue], ...] = field(default=())
    cooldown: int | None = None
    channels: tuple[str, ...] = ("log",)
    enabled: bool = True

    def __post_init__(self) -> None:
        from capsize.alerts.kinds import kind_of

        spec = kind_of(self.kind)
        if not isinstance(self.id, str) or not _ID.match(self.id):
            raise AlertRuleError(
                f"rule id {self.id!r} is not valid; use lower-case letters, digits, - and _ "
                "(at most 48), e.g. iwm-breakout"
            )
        name = _printable(self.name, "name", 80)
        if not name:
            raise AlertRuleError("rule name is empty; name the rule, e.g. 'IWM above 250'")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "symbols", _symbols(self.kind, self.symbols))
        wl = None if self.watchlist is None else _printable(self.watchlist, "watchlist", 80)
        object.__setattr__(self, "watchlist", wl or None)
        raw = dict(self.params.items() if isinstance(self.params, Mapping) else self.params)
        object.__setattr__(self, "params", spec.clean_params(raw))
        spec.check_subjects(self.symbols, self.watchlist)
        cd = spec.default_cooldown if self.cooldown is None else self.cooldown
        if isinstance(cd, bool) or not isinstance(cd, int) or not 0 <= cd <= MAX_COOLDOWN:
            raise AlertRuleError(
                f"rule cool-down {self.cooldown!r} is not a number of sessions in 0..{MAX_COOLDOWN}"
            )
        object.__setattr__(self, "cooldown", cd)
        chans = tuple(dict.fromkeys(check_channel(c) for c in self.channels))
        if not chans:
            raise AlertRuleError("rule has no channel; use at least 'log'")
        object.__setattr__(self, "channels", chans)

    def param(self, name: str) -> ParamValue:
        """Return parameter ``name`` (every parameter of the kind is present)."""
        for key, value in self.params:
            if key == name:
                return value
        raise AlertRuleError(f"{self.kind} rule {self.id!r} has no parameter {name!r}")

    def number(self, name: str) -> float:
        """Return numeric parameter ``name`` as a float."""
        return float(self.param(name))

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict (what the store and the API keep)."""
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "symbols": list(self.symbols),
            "watchlist": self.watchlist,
            "params": dict(self.params),
            "cooldown": self.cooldown,
            "channels": list(self.channels),
            "enabled": self.enabled,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Rule:
        """Build a rule from :meth:`to_dict` output (validated again)."""
        params = data.get("params") or {}
        if not isinstance(params, Mapping):
            raise AlertRuleError("rule params must be a mapping of name to value")
        symbols = data.get("symbols") or ()
        channels = data.get("channels") or ("log",)
        cooldown = data.get("cooldown")
        return cls(
            id=str(data.get("id", "")),
            name=str(data.get("name", "")),
            kind=str(data.get("kind", "")),
            symbols=tuple(str(x) for x in symbols),  # type: ignore[attr-defined]
            watchlist=None if data.get("watchlist") in (None, "") else str(data["watchlist"]),
            params=tuple(params.items()),
            cooldown=None if cooldown is None else int(str(cooldown)),
            channels=tuple(str(x) for x in channels),  # type: ignore[attr-defined]
            enabled=bool(data.get("enabled", True)),
        )
