"""Performance questions: scoreboard, window returns, relative strength, highs, risk, ...

The questions: proxies, scoreboard, window returns, relative strength, leadership,
highs, drawdowns, risk and the tape.

Every answer follows one window convention (:data:`CONVENTION`): the base is the last
close on or before the window start, the end the last close on or before the window end
(default: the as-of day), and daily returns are those after the base. The answer's
``as_of`` is the last date it uses.

Examples
--------
>>> from capsize.queries import open_session, scoreboard   # doctest: +SKIP
>>> with open_session("2025-10-08") as s:                   # doctest: +SKIP
...     scoreboard(s).value("IWM.YTD.total")
0.1044...
"""

from __future__ import annotations

from capsize.queries.performance._common import (
    CONVENTION,
    DAILY_LIMIT,
    STANDARD_WINDOWS,
    Prices,
    date_figure,
    day_text,
    load_prices,
    narrowed,
    number_figure,
    return_figure,
    sources_of,
    span,
)
from capsize.queries.performance._common import (
    load_many as load_many_prices,
)
from capsize.queries.performance._highs import DrawdownsResult, HighsResult, drawdowns, highs
from capsize.queries.performance._proxies import (
    ProxiesResult,
    ProxyChoice,
    candidate_symbols,
    proxies,
)
from capsize.queries.performance._relative import (
    LeadershipResult,
    RelativeStrengthResult,
    leadership,
    relative_strength,
)
from capsize.queries.performance._returns import WindowReturnsResult, window_returns
from capsize.queries.performance._risk import PERIODS, RiskResult, risk
from capsize.queries.performance._scoreboard import ScoreboardResult, ScoreRow, scoreboard
from capsize.queries.performance._tape import TapeResult, tape

__all__ = [
    "CONVENTION",
    "DAILY_LIMIT",
    "PERIODS",
    "STANDARD_WINDOWS",
    "DrawdownsResult",
    "HighsResult",
    "LeadershipResult",
    "Prices",
    "ProxiesResult",
    "ProxyChoice",
    "RelativeStrengthResult",
    "RiskResult",
    "ScoreRow",
    "ScoreboardResult",
    "TapeResult",
    "WindowReturnsResult",
    "candidate_symbols",
    "date_figure",
    "day_text",
    "drawdowns",
    "highs",
    "leadership",
    "load_many_prices",
    "load_prices",
    "narrowed",
    "number_figure",
    "proxies",
    "relative_strength",
    "return_figure",
    "risk",
    "scoreboard",
    "sources_of",
    "span",
    "tape",
    "window_returns",
]
