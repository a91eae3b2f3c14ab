"""Report sections on what moves small caps: risk, rates, the size factor; sources.

The code lives in private modules, re-exported here: ``_sec_risk``, ``_sec_rates``,
``_sec_size`` and ``_sec_sources``.
"""

from __future__ import annotations

from capsize.report._sec_rates import rates_section
from capsize.report._sec_risk import risk_section
from capsize.report._sec_size import size_factor_section
from capsize.report._sec_sources import sources_section

__all__ = ["rates_section", "risk_section", "size_factor_section", "sources_section"]
