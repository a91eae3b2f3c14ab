"""Which funds count for which size segment's flows: one rule for the CLI, the report and the API.

The rule (:data:`RULE`): a segment's fund flows are the sum over its ETF proxies (every
style: blend, value, growth, equal weight), taken from :mod:`capsize.segments` with the
``[segments]`` table of ``config.toml`` applied, plus the large ETFs of that segment that
are not price proxies (:data:`FLOW_EXTRAS`: small VTWO, SCHA; mid VO; large IVV, VOO, VV).
Index symbols (``^RUT``, ``^GSPC``) have no flows and are never listed.

Examples
--------
>>> segment_funds()["small"]
('IWM', 'IJR', 'VB', 'VBR', 'IWN', 'IWO', 'VTWO', 'SCHA')
>>> segment_funds({"micro": {"proxies": ["IWC", "FDM"]}})["micro"]
('IWC', 'FDM')
>>> segment_funds({"small": ["iwm", "ijr"]})["small"]
('IWM', 'IJR')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from capsize.errors import InputError
from capsize.segments import SegmentSet, default_segments

__all__ = ["FLOW_EXTRAS", "RULE", "segment_funds"]

FLOW_EXTRAS: dict[str, tuple[str, ...]] = {
    "small": ("VTWO", "SCHA"),
    "mid": ("VO",),
    "large": ("IVV", "VOO", "VV"),
}
"""Large ETFs of each segment that matter for flows but are not price proxies."""

RULE = (
    "A segment's flows are summed over its ETF proxies (capsize.segments with config "
    "[segments] applied) plus its large ETFs that are not price proxies (small: VTWO, SCHA; "
    "mid: VO; large: IVV, VOO, VV); indices have no flows."
)
"""The rule in one sentence, for method notes."""


def _from_segments(segments: SegmentSet) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for seg in segments:
        funds = [p.symbol.upper() for p in seg.proxies if p.kind == "etf"]
        funds += [f for f in FLOW_EXTRAS.get(seg.key, ()) if f not in funds]
        out[seg.key] = tuple(funds)
    return out


def _proxies_override(key: str, table: Mapping[str, Any]) -> tuple[str, ...] | None:
    """Return the ETF symbols of a ``proxies = [...]`` override (indices dropped), or None."""
    proxies = table.get("proxies")
    if proxies is None:
        return None
    if isinstance(proxies, str) or not isinstance(proxies, Sequence):
        raise InputError(f"segment {key!r}: proxies must be a list of symbols")
    funds = [str(p).strip().upper() for p in proxies if not str(p).startswith("^")]
    funds += [f for f in FLOW_EXTRAS.get(key, ()) if f not in funds]
    return tuple(funds)


def segment_funds(
    config: Mapping[str, object] | None = None,
    *,
    segments: SegmentSet | None = None,
) -> dict[str, tuple[str, ...]]:
    """Return the funds whose flows count for each size segment.

    Parameters
    ----------
    config : Mapping, optional
        The ``[segments]`` table of ``config.toml``: per segment either a table whose
        ``proxies = [...]`` replace the segment's proxies as
        :meth:`~capsize.segments.SegmentSet.with_overrides` does (its ETFs, then the
        segment's :data:`FLOW_EXTRAS`; bands and labels do not change which funds
        count), or a plain list of fund tickers that sets the segment's funds exactly.
    segments : SegmentSet, optional
        The segments to start from (default :func:`capsize.segments.default_segments`).

    Returns
    -------
    dict
        Segment key -> upper-case fund tickers, smallest segment first.

    Raises
    ------
    InputError
        A segment entry that is neither a table nor a list, or proxies that are not a list.
    """
    out = _from_segments(segments if segments is not None else default_segments())
    for name, value in (config or {}).items():
        key = str(name)
        if isinstance(value, Mapping):
            funds = _proxies_override(key, value)
            if funds is not None:
                out[key] = funds
        elif isinstance(value, Sequence) and not isinstance(value, str):
            out[key] = tuple(str(f).strip().upper() for f in value)
        else:
            raise InputError(
                f'segment {key!r} must be a list of fund tickers, e.g. small = ["IWM", "IJR"], '
                "or a table with proxies = [...]"
            )
    return out
