"""One question, one answer: the CLI's ``--json``, the Python API and the report agree.

Each case asks a performance question at a day three ways and requires the same value
(to 1e-12) and the same provenance (source, symbols, window, as-of, formula).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import capsize.queries as Q

LATE = "2026-08-21"  # latest data; IWC and IJH end 2026-07-31, OEF substituted by QQQ
EARLY = "2025-10-08"

# (case id, day, CLI args, API call, API/CLI figure id, report figure id or None)
CASES: list[tuple[str, str, tuple[str, ...], Callable[[Any, str], Any], str, str | None]] = [
    ("scoreboard IWM YTD", EARLY, ("perf", "--segments"), lambda s, d: Q.scoreboard(s, d),
     "IWM.YTD.total", "score.IWM.YTD"),
    ("scoreboard IWM YTD", LATE, ("perf", "--segments"), lambda s, d: Q.scoreboard(s, d),
     "IWM.YTD.total", "score.IWM.YTD"),
    ("scoreboard stale IWC YTD (to its last close)", LATE, ("perf", "--segments"),
     lambda s, d: Q.scoreboard(s, d), "IWC.YTD.total", "score.IWC.YTD"),
    ("scoreboard small - large 1Y", EARLY, ("perf", "--segments"),
     lambda s, d: Q.scoreboard(s, d), "IWM-SPY.1Y", "score.IWM-SPY.1Y"),
    ("tape 1D spread", EARLY, ("tape",), lambda s, d: Q.tape(s, d), "IWM-SPY.1D",
     "score.IWM-SPY.1D"),
    ("tape 1D spread", LATE, ("tape",), lambda s, d: Q.tape(s, d), "IWM-SPY.1D",
     "score.IWM-SPY.1D"),
    ("tape IWM move", LATE, ("tape",), lambda s, d: Q.tape(s, d), "IWM.1D.total", "score.IWM.1D"),
    ("tape IWM volume ratio", EARLY, ("tape",), lambda s, d: Q.tape(s, d), "IWM.volume_ratio",
     "tape.IWM.volume_ratio"),
    ("relative strength days since crossover", EARLY, ("compare", "IWM", "SPY"),
     lambda s, d: Q.relative_strength(s, d), "ma.cross.sessions", "rs.small.days_since_cross"),
    ("relative strength days since crossover", LATE, ("compare", "IWM", "SPY"),
     lambda s, d: Q.relative_strength(s, d), "ma.cross.sessions", "rs.small.days_since_cross"),
    ("relative strength vs 200-day", LATE, ("compare", "IWM", "SPY"),
     lambda s, d: Q.relative_strength(s, d), "ratio.vs200", "rs.small.vs200"),
    ("micro relative strength (stale IWC)", LATE, ("compare", "IWC", "SPY"),
     lambda s, d: Q.relative_strength(s, d, a="IWC"), "ratio.vs50", "rs.micro.vs50"),
    ("leadership streak", LATE, ("compare", "IWM", "SPY"), lambda s, d: Q.leadership(s, d),
     "streak.current", "years.streak"),
    ("leadership 2024 IWM", EARLY, ("compare", "IWM", "SPY"), lambda s, d: Q.leadership(s, d),
     "2024.IWM", "years.2024.IWM"),
    ("highs IWM all-time close", EARLY, ("highs", "IWM"),
     lambda s, d: Q.highs(s, d, symbols="IWM"), "IWM.all_time_close", "highs.IWM.all-time_close"),
    ("highs IWM all-time close", LATE, ("highs", "IWM"),
     lambda s, d: Q.highs(s, d, symbols="IWM"), "IWM.all_time_close", "highs.IWM.all-time_close"),
    ("drawdown ^RUT", LATE, ("highs", "^RUT"), lambda s, d: Q.drawdowns(s, d, symbols="^RUT"),
     "^RUT.drawdown", "highs.^RUT.drawdown"),
    ("risk beta IWM vs SPY 1Y", EARLY, ("risk", "IWM", "--vs", "SPY", "--period", "1Y"),
     lambda s, d: Q.risk(s, d, symbol="IWM", period="1Y"), "beta", "risk.IWM.1Y.beta"),
    ("risk beta IWM vs SPY 3Y (weekend start)", EARLY,
     ("risk", "IWM", "--vs", "SPY", "--period", "3Y"),
     lambda s, d: Q.risk(s, d, symbol="IWM", period="3Y"), "beta", "risk.IWM.3Y.beta"),
    ("risk IWC volatility 1Y (stale proxy)", LATE, ("risk", "IWC", "--period", "1Y"),
     lambda s, d: Q.risk(s, d, symbol="IWC", period="1Y"), "volatility", "risk.IWC.1Y.vol"),
    ("window returns between (no report figure)", EARLY,
     ("perf", "IWC", "IWM", "--between", "2025-06-30", "2025-09-30"),
     lambda s, d: Q.window_returns(s, symbols=["IWC", "IWM"], between=("2025-06-30", "2025-09-30")),
     "IWC.between.total", None),
]  # fmt: skip


@pytest.fixture(scope="module")
def answers(store_home: Path, cli_json: Any) -> Callable[[tuple[str, ...], str], dict[str, Any]]:
    """CLI answers, each command run once per day."""
    made: dict[tuple[tuple[str, ...], str], dict[str, Any]] = {}

    def get(args: tuple[str, ...], day: str) -> dict[str, Any]:
        if (args, day) not in made:
            with_day = args if "--between" in args else (*args, "--as-of", day)
            made[(args, day)] = cli_json(store_home, *with_day)
        return made[(args, day)]

    return get


@pytest.mark.parametrize(
    ("case", "day", "args", "call", "fid", "report_fid"),
    CASES,
    ids=[f"{c[0]} @ {c[1]}" for c in CASES],
)
def test_cli_api_and_report_agree(
    case: str,
    day: str,
    args: tuple[str, ...],
    call: Callable[[Any, str], Any],
    fid: str,
    report_fid: str | None,
    store: Any,
    answers: Any,
    report_context: Any,
    report_figure: Any,
    same_figure: Any,
) -> None:
    cli = answers(args, day)
    api = call(store, day)
    assert cli["as_of"] == api.to_dict()["as_of"]
    api_fig = api.fig(fid)
    json_fig = cli["figures"][fid]
    if report_fid is None:
        assert json_fig == api_fig.to_dict()
        return
    same_figure(report_figure(report_context(day), report_fid), api_fig, json_fig)


def test_enough_cases() -> None:
    assert len({(c[0], c[1]) for c in CASES if c[5] is not None}) >= 8
