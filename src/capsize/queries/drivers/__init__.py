"""The drivers of size rotation as questions: rates, fund flows, the crypto analogy.

* :func:`rates`: yield levels, the small-minus-large spread's sensitivity to yield
  changes, the regime table, Fed policy turns and the event study around them.
* :func:`flows`: ETF creations and redemptions by size segment (shares outstanding
  x NAV) over standard windows and calendar years, record months, the large-cap
  comparison where data exist, and what is not covered.
* :func:`crypto`: BTC and ETH against the rest (dominance, majors vs alts) beside
  small vs large stocks (leadership and streak tables).
* :func:`nport_flows`: monthly fund flows from SEC Form N-PORT filings (fetched live).
"""

from __future__ import annotations

from capsize.queries.drivers._crypto import crypto, load_alts, load_markets
from capsize.queries.drivers._flows import flows
from capsize.queries.drivers._nport import nport_flows
from capsize.queries.drivers._rates import RatesParams, rates

__all__ = [
    "RatesParams",
    "crypto",
    "flows",
    "load_alts",
    "load_markets",
    "nport_flows",
    "rates",
]
