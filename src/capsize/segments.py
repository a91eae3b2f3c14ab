"""Size segments (micro, small, mid, large, mega): market-cap bands and proxy symbols.

The default bands follow common usage (they are conventions, not official
definitions; index providers draw their own lines each year):

========  =====================  ===========================================
segment   market cap (USD)       default proxies
========  =====================  ===========================================
micro     $50M to $300M          IWC
small     $300M to $2B           IWM, IJR, VB, ^RUT; value VBR, IWN; growth IWO
mid       $2B to $10B            IJH, MDY
large     $10B to $200B          SPY, IWB, ^GSPC; equal weight RSP
mega      $200B and above        OEF, QQQ
========  =====================  ===========================================

Bands are half-open ``[min_cap, max_cap)``. A company below the lowest band
(under $50M, "nano-cap") belongs to no default segment; its cap band is ``"nano"``
(:mod:`capsize.rules.cap_bands`, the one cap-band rule, used by :func:`classify_market_cap`
and the screener).

Everything here is immutable: to change a band or add a proxy, build a new
:class:`SegmentSet` with :meth:`SegmentSet.with_band`,
:meth:`SegmentSet.with_proxy` or :meth:`SegmentSet.with_segment`.

Examples
--------
>>> from capsize.segments import DEFAULT_SEGMENTS
>>> DEFAULT_SEGMENTS.classify(1.2e9).key
'small'
>>> DEFAULT_SEGMENTS.get("micro").primary().symbol
'IWC'
>>> custom = DEFAULT_SEGMENTS.with_proxy("micro", Proxy("FDM", "First Trust Micro Cap"))
>>> [p.symbol for p in custom.get("micro").proxies]
['IWC', 'FDM']
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from capsize.errors import DataNotFound, InputError

if TYPE_CHECKING:
    from collections.abc import Collection, Iterator, Mapping


__all__ = [
    "DEFAULT_SEGMENTS",
    "Proxy",
    "ProxyKind",
    "Segment",
    "SegmentSet",
    "Style",
    "classify_market_cap",
    "default_segments",
]

ProxyKind: TypeAlias = Literal["etf", "index"]
Style: TypeAlias = Literal["blend", "value", "growth", "equal-weight"]

_STYLES = ("blend", "value", "growth", "equal-weight")


@dataclass(frozen=True)
class Proxy:
    """A symbol that tracks a size segment.

    Parameters
    ----------
    symbol : str
        Ticker as stored (``"IWM"``, ``"^RUT"``).
    name : str
        What it tracks.
    kind : {"etf", "index"}
        An ETF has dividend-adjusted (total-return) closes; an index is a price
        level (price return only).
    style : {"blend", "value", "growth", "equal-weight"}
        Style tilt.
    """

    symbol: str
    name: str
    kind: ProxyKind = "etf"
    style: Style = "blend"

    def __post_init__(self) -> None:
        if not isinstance(self.symbol, str) or not self.symbol.strip():
            raise InputError(f"proxy symbol must be a non-empty string, got {self.symbol!r}")
        if self.kind not in ("etf", "index"):
            raise InputError(f"proxy kind must be 'etf' or 'index', got {self.kind!r}")
        if self.style not in _STYLES:
            raise InputError(f"proxy style must be one of {_STYLES}, got {self.style!r}")

    @property
    def has_total_return(self) -> bool:
        """Return True for ETFs (adjusted closes include dividends), False for index levels."""
        return self.kind == "etf"


@dataclass(frozen=True)
class Segment:
    """A size segment: a market-cap band and the symbols that proxy it.

    Parameters
    ----------
    key : str
        Short name (``"micro"``).
    label : str
        Display name (``"Micro-cap"``).
    min_cap, max_cap : float
        Band ``[min_cap, max_cap)`` in USD; ``max_cap`` may be ``math.inf``.
    proxies : tuple of Proxy
        In order of preference; the first blend proxy is the default.
    """

    key: str
    label: str
    min_cap: float
    max_cap: float
    proxies: tuple[Proxy, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not self.key:
            raise InputError(f"segment key must be a non-empty string, got {self.key!r}")
        lo, hi = float(self.min_cap), float(self.max_cap)
        if math.isnan(lo) or math.isnan(hi) or lo < 0 or hi <= lo:
            raise InputError(
                f"segment {self.key!r}: band must satisfy 0 <= min_cap < max_cap, "
                f"got [{self.min_cap}, {self.max_cap})"
            )
        symbols = [p.symbol for p in self.proxies]
        if len(set(symbols)) != len(symbols):
            raise InputError(f"segment {self.key!r} lists a proxy twice: {symbols}")

    def contains(self, market_cap: float) -> bool:
        """Return True when ``market_cap`` (USD) is in ``[min_cap, max_cap)``."""
        return self.min_cap <= market_cap < self.max_cap

    def primary(self, style: Style = "blend") -> Proxy:
        """Return the first proxy of ``style`` (default: blend).

        Raises
        ------
        DataNotFound
            When the segment has no proxy of that style.
        """
        for p in self.proxies:
            if p.style == style:
                return p
        raise DataNotFound(
            f"segment {self.key!r} has no {style} proxy; add one with SegmentSet.with_proxy()"
        )

    @property
    def symbols(self) -> tuple[str, ...]:
        """Proxy symbols in order."""
        return tuple(p.symbol for p in self.proxies)

    def band_label(self) -> str:
        """Return the band as text, e.g. ``"$300M-$2B"``.

        Examples
        --------
        >>> DEFAULT_SEGMENTS.get("mega").band_label()
        '$200B+'
        """
        if math.isinf(self.max_cap):
            return f"{_money(self.min_cap)}+"
        return f"{_money(self.min_cap)}-{_money(self.max_cap)}"


def _money(v: float) -> str:
    for div, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M")):
        if v >= div:
            return f"${v / div:g}{suffix}"
    return f"${v:g}"


@dataclass(frozen=True)
class SegmentSet:
    """An ordered, non-overlapping set of segments (smallest band first).

    Parameters
    ----------
    segments : tuple of Segment
        Segments; bands must not overlap and keys must be unique.
    """

    segments: tuple[Segment, ...]

    def __post_init__(self) -> None:
        keys = [s.key for s in self.segments]
        if len(set(keys)) != len(keys):
            raise InputError(f"segment keys must be unique, got {keys}")
        ordered = sorted(self.segments, key=lambda s: s.min_cap)
        for a, b in itertools.pairwise(ordered):
            if b.min_cap < a.max_cap:
                raise InputError(
                    f"segments {a.key!r} ({a.band_label()}) and {b.key!r} "
                    f"({b.band_label()}) overlap"
                )
        object.__setattr__(self, "segments", tuple(ordered))

    def __iter__(self) -> Iterator[Segment]:
        return iter(self.segments)

    def __len__(self) -> int:
        return len(self.segments)

    @property
    def keys(self) -> tuple[str, ...]:
        """Segment keys, smallest band first."""
        return tuple(s.key for s in self.segments)

    def get(self, key: str) -> Segment:
        """Return the segment named ``key``.

        Raises
        ------
        InputError
            Unknown key; the message lists the known ones.
        """
        for s in self.segments:
            if s.key == key:
                return s
        raise InputError(f"unknown segment {key!r}; known: {', '.join(self.keys)}")

    def classify(self, market_cap: float) -> Segment | None:
        """Return the segment whose band holds ``market_cap`` (USD), or None.

        Raises
        ------
        InputError
            When ``market_cap`` is negative, NaN or not a number.
        """
        if isinstance(market_cap, bool) or not isinstance(market_cap, (int, float)):
            raise InputError(f"market_cap must be a number of USD, got {market_cap!r}")
        if math.isnan(market_cap) or market_cap < 0:
            raise InputError(f"market_cap must be >= 0 USD, got {market_cap!r}")
        for s in self.segments:
            if s.contains(market_cap):
                return s
        return None

    def segment_of(self, symbol: str) -> Segment | None:
        """Return the segment that lists ``symbol`` as a proxy, or None."""
        for s in self.segments:
            if symbol in s.symbols:
                return s
        return None

    def symbols(self) -> tuple[str, ...]:
        """Return all proxy symbols, smallest segment first."""
        return tuple(sym for s in self.segments for sym in s.symbols)

    def with_segment(self, segment: Segment) -> SegmentSet:
        """Return a new set with ``segment`` added, or replacing the one with its key."""
        rest = tuple(s for s in self.segments if s.key != segment.key)
        return SegmentSet((*rest, segment))

    def with_band(self, key: str, min_cap: float, max_cap: float) -> SegmentSet:
        """Return a new set where segment ``key`` has the band ``[min_cap, max_cap)``."""
        return self.with_segment(replace(self.get(key), min_cap=min_cap, max_cap=max_cap))

    def with_proxy(self, key: str, proxy: Proxy, *, first: bool = False) -> SegmentSet:
        """Return a new set where segment ``key`` also lists ``proxy`` (last, or ``first``)."""
        seg = self.get(key)
        others = tuple(p for p in seg.proxies if p.symbol != proxy.symbol)
        proxies = (proxy, *others) if first else (*others, proxy)
        return self.with_segment(replace(seg, proxies=proxies))

    def with_overrides(self, overrides: Mapping[str, Mapping[str, Any]]) -> SegmentSet:
        """Return a new set with bands and proxies overridden, e.g. from ``config.toml``.

        Parameters
        ----------
        overrides : mapping of segment key to mapping
            Per segment, optional ``label``, ``min_cap``, ``max_cap`` (USD) and
            ``proxies`` (list of symbols; known symbols keep their description,
            new ones are added as blend ETFs). An unknown key adds a segment,
            which then needs ``min_cap`` and ``max_cap``.

        Raises
        ------
        InputError
            Unknown fields, bad values, or overlapping bands.

        Examples
        --------
        >>> s = DEFAULT_SEGMENTS.with_overrides({"micro": {"max_cap": 250e6,
        ...                                                "proxies": ["IWC", "FDM"]}})
        >>> s.get("micro").band_label(), s.get("micro").symbols
        ('$50M-$250M', ('IWC', 'FDM'))
        """
        out = self
        known = {p.symbol: p for seg in self.segments for p in seg.proxies}
        for key, fields in overrides.items():
            extra = set(fields) - {"label", "min_cap", "max_cap", "proxies"}
            if extra:
                raise InputError(
                    f"segment {key!r}: unknown field(s) {sorted(extra)}; "
                    "use label, min_cap, max_cap, proxies"
                )
            current = next((s for s in out.segments if s.key == key), None)
            if current is None and not {"min_cap", "max_cap"} <= set(fields):
                raise InputError(f"new segment {key!r} needs min_cap and max_cap (USD)")
            syms = fields.get("proxies")
            if syms is not None and (
                isinstance(syms, str) or not all(isinstance(x, str) for x in syms)
            ):
                raise InputError(f"segment {key!r}: proxies must be a list of symbols")
            proxies = (
                tuple(known.get(x, Proxy(x, x)) for x in syms)
                if syms is not None
                else (current.proxies if current else ())
            )
            try:
                seg = Segment(
                    key,
                    str(fields.get("label", current.label if current else key)),
                    float(fields.get("min_cap", current.min_cap if current else 0.0)),
                    float(fields.get("max_cap", current.max_cap if current else 0.0)),
                    proxies,
                )
            except (TypeError, ValueError) as exc:
                if isinstance(exc, InputError):
                    raise
                raise InputError(f"segment {key!r}: min_cap/max_cap must be numbers") from None
            out = out.with_segment(seg)
        return out

    def proxies_with_data(self, key: str, available: Collection[str]) -> tuple[Proxy, ...]:
        """Return the proxies of ``key`` whose symbols are in ``available``.

        Parameters
        ----------
        key : str
            Segment key.
        available : collection of str
            Symbols that have data (e.g. the columns of a closes frame).

        Raises
        ------
        DataNotFound
            When none of the segment's proxies has data; names them.
        """
        seg = self.get(key)
        found = tuple(p for p in seg.proxies if p.symbol in available)
        if not found:
            listed = ", ".join(seg.symbols) or "none"
            raise DataNotFound(
                f"no data for any proxy of segment {key!r} ({listed}); import prices for one "
                "of them (capsize data import) or add a proxy with SegmentSet.with_proxy()"
            )
        return found


def default_segments() -> SegmentSet:
    """Return the default segments (see the module docstring for bands and proxies)."""
    return SegmentSet(
        (
            Segment(
                "micro",
                "Micro-cap",
                50e6,
                300e6,
                (Proxy("IWC", "iShares Micro-Cap ETF (Russell Microcap)"),),
            ),
            Segment(
                "small",
                "Small-cap",
                300e6,
                2e9,
                (
                    Proxy("IWM", "iShares Russell 2000 ETF"),
                    Proxy("IJR", "iShares Core S&P Small-Cap ETF (S&P 600)"),
                    Proxy("VB", "Vanguard Small-Cap ETF (CRSP US Small Cap)"),
                    Proxy("^RUT", "Russell 2000 index (price level)", kind="index"),
                    Proxy("VBR", "Vanguard Small-Cap Value ETF", style="value"),
                    Proxy("IWN", "iShares Russell 2000 Value ETF", style="value"),
                    Proxy("IWO", "iShares Russell 2000 Growth ETF", style="growth"),
                ),
            ),
            Segment(
                "mid",
                "Mid-cap",
                2e9,
                10e9,
                (
                    Proxy("IJH", "iShares Core S&P Mid-Cap ETF (S&P 400)"),
                    Proxy("MDY", "SPDR S&P MidCap 400 ETF"),
                ),
            ),
            Segment(
                "large",
                "Large-cap",
                10e9,
                200e9,
                (
                    Proxy("SPY", "SPDR S&P 500 ETF"),
                    Proxy("IWB", "iShares Russell 1000 ETF"),
                    Proxy("^GSPC", "S&P 500 index (price level)", kind="index"),
                    Proxy("RSP", "Invesco S&P 500 Equal Weight ETF", style="equal-weight"),
                ),
            ),
            Segment(
                "mega",
                "Mega-cap",
                200e9,
                math.inf,
                (
                    Proxy("OEF", "iShares S&P 100 ETF"),
                    Proxy("QQQ", "Invesco QQQ (Nasdaq-100)"),
                ),
            ),
        )
    )


DEFAULT_SEGMENTS: SegmentSet = default_segments()
"""The default, immutable segment set."""


def classify_market_cap(market_cap: float, segments: SegmentSet = DEFAULT_SEGMENTS) -> str | None:
    """Return the band of ``market_cap`` (USD): the one cap-band rule, :mod:`capsize.rules.cap_bands`.

    A cap below the lowest band is ``"nano"`` (below the micro band with the defaults); a
    zero cap, or one in a gap between two bands, has no band (None).

    Raises
    ------
    InputError
        When ``market_cap`` is negative, NaN or not a number.

    Examples
    --------
    >>> classify_market_cap(150e6), classify_market_cap(5e9), classify_market_cap(10e6)
    ('micro', 'mid', 'nano')
    """
    from capsize.rules.cap_bands import cap_band

    segments.classify(market_cap)  # validates the input (typed error naming it)
    return cap_band(market_cap, segments)
