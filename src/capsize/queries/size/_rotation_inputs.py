"""What the rotation score is built from, read once through the session, point in time.

Each input is read by one small reader; a missing input is not an error but a reason
(the component is NOT ASSESSED and its weight renormalised). The readers compute the
inputs the way :mod:`capsize.analytics.rotation` expects them (adjusted IWM/SPY closes,
FRED DGS2, French FF3 monthly, IWM shares outstanding, closes of the IWM member list
dated on or before the day).

Configuration: ``[rotation.weights]`` of ``config.toml`` in the session's home (read once
per session, validated against the components).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from capsize.analytics import rotation as R
from capsize.errors import DataNotFound, InputError
from capsize.queries.result import iso
from capsize.queries.size._sources import factor_source, macro_source, price_source
from capsize.rules.staleness import freshness

if TYPE_CHECKING:
    from capsize.queries.session import Session

__all__ = [
    "BREADTH_LOOKBACK_DAYS",
    "LARGE",
    "SMALL",
    "RotationData",
    "configured_weights",
    "read_rotation_data",
    "share_sources",
    "weights_in_force",
]

SMALL, LARGE = "IWM", "SPY"
"""The small- and large-cap proxies of the score."""

BREADTH_LOOKBACK_DAYS = 400
"""Calendar days of member closes read for the breadth component (200-day means need ~290)."""


def _read_weights(s: Session) -> dict[str, float] | None:
    path = s.settings.home / "config.toml"
    if not path.is_file():
        return None
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"config file {str(path)!r} is not valid TOML: {exc}") from exc
    table = raw.get("rotation", {})
    weights = table.get("weights") if isinstance(table, dict) else None
    if weights is None:
        return None
    if not isinstance(weights, dict):
        raise InputError(f"[rotation.weights] in {path} must be a table of component = weight")
    try:
        R.resolve_weights(weights)
    except InputError as exc:
        raise InputError(f"[rotation.weights] in {path}: {exc}") from None
    return {str(k): float(v) for k, v in weights.items()}


def configured_weights(s: Session) -> dict[str, float] | None:
    """Return ``[rotation.weights]`` from the home's ``config.toml`` (None: not set).

    Read once per session.

    Raises
    ------
    InputError
        When the file is not valid TOML, the table is not a table, or it names an
        unknown component or a negative weight.
    """
    weights: dict[str, float] | None = s.cached(
        ("config", "rotation.weights"), lambda: _read_weights(s)
    )
    return None if weights is None else dict(weights)


@dataclass
class RotationData:
    """The score's inputs on its day, with the reasons of the missing ones.

    Attributes
    ----------
    day : Timestamp
        The score date: the last day with both IWM and SPY closes on or before the
        requested day (the requested day itself when there are none).
    inputs : RotationInputs
        Frames for :func:`capsize.analytics.rotation.build_readings`.
    missing : dict
        Component -> why it has no input.
    sources : dict
        Component -> source files of its input.
    symbols : dict
        Component -> symbols or series of its input.
    notes : list of str
        Notes for the reader (universe of breadth, as-of after the data).
    """

    day: pd.Timestamp
    inputs: R.RotationInputs
    missing: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    symbols: dict[str, tuple[str, ...]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    share_sources: pd.Series | None = None
    """Source file of each shares-outstanding observation (dated index)."""


def _prices(s: Session) -> tuple[pd.Series, pd.Series] | None:
    held = set(s.symbols())
    if SMALL not in held or LARGE not in held:
        return None
    px = s.closes([SMALL, LARGE], basis="adjusted")
    return px[SMALL].dropna(), px[LARGE].dropna()


def _score_day(s: Session, prices: tuple[pd.Series, pd.Series] | None) -> pd.Timestamp:
    common = None
    if prices is not None:
        both = pd.concat(prices, axis=1, join="inner")
        common = None if both.empty else pd.Timestamp(both.index[-1])
    if common is not None:
        return common
    if s.requested is not None:
        return s.requested
    raise DataNotFound(
        f"no {SMALL} and {LARGE} closes in the store; run 'capsize data import DIR' or give --as-of"
    )


def _rates(s: Session, d: RotationData) -> pd.Series | None:
    try:
        y = s.macro(["DGS2"])["DGS2"].dropna()
    except DataNotFound:
        d.missing["rates_regime"] = "no DGS2 (2-year Treasury yield) in the store"
        return None
    d.sources["rates_regime"], d.symbols["rates_regime"] = macro_source(s, "DGS2"), ("DGS2",)
    return y


def _french(s: Session, d: RotationData) -> pd.DataFrame | None:
    try:
        ff = s.factors("FF3", "monthly")
    except DataNotFound:
        d.missing["size_factor_regime"] = "no French FF3 monthly factors in the store"
        return None
    d.sources["size_factor_regime"] = factor_source(s, "FF3", "monthly")
    d.symbols["size_factor_regime"] = ("SMB",)
    return ff


def _shares(s: Session, d: RotationData) -> pd.Series | None:
    fs = s.fund_shares(SMALL)
    if fs.empty:
        d.missing["flows"] = f"no {SMALL} shares outstanding in the store by the day"
        return None
    # one observation per day: the daily fund history first, then snapshots
    fs = fs.sort_values(["date", "source"]).drop_duplicates("date", keep="first")
    fs = fs.set_index("date")
    d.share_sources = fs["source"].astype(str)
    d.symbols["flows"] = (SMALL,)
    return fs["shares_outstanding"].astype("float64")


def _member_panel(s: Session, d: RotationData) -> pd.DataFrame | None:
    """Read the small-cap universe's closes by the one member-list rule (queries.internals)."""
    from capsize.queries.internals import universe_frame

    try:
        uf = universe_frame(s)
    except DataNotFound as exc:
        d.missing["breadth"] = str(exc).split(";")[0]
        return None
    snap = pd.Timestamp(uf.listed.snapshot_date)
    fresh = freshness(snap, d.day, "snapshot")
    if fresh.stale:
        d.missing["breadth"] = (
            f"stale member list: {uf.list_what}, {fresh.age_days} days before "
            f"the score date (limit {fresh.limit_days} days for member lists)"
        )
        return None
    c = uf.closes
    d.sources["breadth"] = uf.source
    d.symbols["breadth"] = (f"{SMALL} members",)
    d.notes.append(
        f"Breadth universe: {uf.list_what}, members with prices in the store "
        "(delisted names are missing: survivorship bias); the same list as the breadth section."
    )
    return pd.DataFrame(c.values, index=c.dates, columns=c.tickers)


def read_rotation_data(s: Session, *, breadth: bool = True) -> RotationData:
    """Read every input of the score on the session's day.

    ``breadth=False`` skips the member closes (a month-end history leaves breadth out).

    Raises
    ------
    DataNotFound
        When no day can be set: no IWM and SPY closes and no requested day.
    """
    prices = _prices(s)
    d = RotationData(_score_day(s, prices), R.RotationInputs())
    if prices is None:
        d.missing["relative_strength"] = f"no {SMALL} and {LARGE} closes in the store"
    else:
        d.sources["relative_strength"] = price_source(s, SMALL, LARGE)
        d.symbols["relative_strength"] = (SMALL, LARGE)
    d.missing["valuation"] = "no small/large valuation history in the store"
    d.inputs = R.RotationInputs(
        small_prices=None if prices is None else prices[0],
        large_prices=None if prices is None else prices[1],
        yields_2y=_rates(s, d),
        ff_monthly=_french(s, d),
        breadth_panel=_member_panel(s, d) if breadth else None,
        small_shares=_shares(s, d),
    )
    if s.requested is not None and s.requested > d.day:
        d.notes.append(
            f"as-of {iso(s.requested)} is after the latest {SMALL}/{LARGE} close "
            f"({iso(d.day)}); the score is as of {iso(d.day)}"
        )
    return d


def share_sources(d: RotationData, first: pd.Timestamp | None, last: pd.Timestamp | None) -> str:
    """Return the files of the shares-outstanding observations a flows reading used."""
    if d.share_sources is None or last is None:
        return "store"
    days = [x for x in (first, last) if x is not None and x in d.share_sources.index]
    return "; ".join(dict.fromkeys(str(x) for x in d.share_sources.loc[days])) or "store"


def weights_in_force(
    s: Session, weights: Mapping[str, float] | None
) -> tuple[dict[str, float], str]:
    """Return the weights in force over the defaults, and where they come from.

    ``weights`` (an argument) wins over ``[rotation.weights]`` of ``config.toml``.
    """
    if weights is not None:
        return R.resolve_weights(weights), "argument"
    conf = configured_weights(s)
    if conf is None:
        return R.resolve_weights(None), "defaults"
    return R.resolve_weights(conf), "[rotation.weights] of config.toml"
