"""The rule kinds, one small module per concept, collected in one table.

=================  ===========  =======================================================
kind               watches      fires when
=================  ===========  =======================================================
price_level        symbols      the close crosses a level
price_ma           symbols      the close crosses its N-day average
new_extreme        symbols      a new 52-week or all-time high/low (close or intraday)
rs_cross           A/B          the ratio A/B crosses its N-day average
volume_surge       symbols      volume >= multiple x its N-day average
breadth_level      universe     % of members above their N-day average crosses a level
breadth_thrust     universe     the Zweig breadth thrust
net_highs          universe     new highs minus new lows crosses a level
flow_record        segment      a record weekly/monthly inflow or outflow
filing_8k          symbols      a new 8-K reporting an item
rating_change      symbols      a rating card field changes
rotation_sign      score        the rotation score changes sign
=================  ===========  =======================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from capsize.alerts._kind import Kind
from capsize.alerts._rule import AlertRuleError
from capsize.alerts.kinds._breadth import BREADTH_LEVEL, BREADTH_THRUST, NET_HIGHS
from capsize.alerts.kinds._extremes import NEW_EXTREME
from capsize.alerts.kinds._filings import FILING_8K
from capsize.alerts.kinds._flows import FLOW_RECORD
from capsize.alerts.kinds._price import PRICE_LEVEL, PRICE_MA
from capsize.alerts.kinds._relative import RS_CROSS
from capsize.alerts.kinds._states import RATING_CHANGE, ROTATION_SIGN
from capsize.alerts.kinds._volume import VOLUME_SURGE

__all__ = ["KINDS", "kind_of"]

KINDS: Mapping[str, Kind] = MappingProxyType(
    {
        k.name: k
        for k in (
            PRICE_LEVEL,
            PRICE_MA,
            NEW_EXTREME,
            RS_CROSS,
            VOLUME_SURGE,
            BREADTH_LEVEL,
            BREADTH_THRUST,
            NET_HIGHS,
            FLOW_RECORD,
            FILING_8K,
            RATING_CHANGE,
            ROTATION_SIGN,
        )
    }
)
"""Every rule kind by name."""


def kind_of(name: str) -> Kind:
    """Return the kind ``name`` (raises :class:`AlertRuleError` naming the known ones)."""
    found = KINDS.get(str(name))
    if found is None:
        raise AlertRuleError(f"rule kind {name!r} is unknown; use one of {', '.join(KINDS)}")
    return found
