"""One answer three ways for the drivers family: CLI ``--json``, Python API, report figure.

Each (question, as-of) pair asks the same figure of ``capsize <cmd> --as-of D --json``,
of ``capsize.queries.<cmd>(store, D)`` and, where the report shows it, of the report
for D; values agree to 1e-12 and provenance is identical.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from capsize.queries import crypto, flows, load_markets, rates

# (command, as-of, query figure id, report figure id or None when the report does not show it)
PAIRS: list[tuple[str, str, str, str | None]] = [
    ("rates", "2025-10-08", "beta.d_DGS2", "rates.beta.d_DGS2"),
    ("rates", "2026-08-21", "beta.d_DGS2", "rates.beta.d_DGS2"),
    ("rates", "2025-10-08", "DGS2.level", "rates.DGS2.level"),
    ("rates", "2026-08-21", "corr52w.DGS2", "rates.corr.DGS2"),
    ("rates", "2026-08-21", "turns.latest", "rates.turns.latest"),
    ("rates", "2026-08-21", "turn.2019-07-31.date", "rates.turn.2019-07-31.date"),
    ("rates", "2026-08-21", "turn.avg.first_cut.12m", "rates.turn.avg.first_cut.12m"),
    ("rates", "2025-06-26", "regime.DGS2.rising.mean_1m", "rates.regime.DGS2.rising.mean_1m"),
    ("flows", "2025-12-31", "small.net.YTD", "flows.small.net.YTD"),
    ("flows", "2026-08-21", "small.net.YTD", "flows.small.net.YTD"),
    ("flows", "2026-08-21", "small.record.inflow", "flows.small.record.inflow"),
    ("flows", "2026-08-21", "small.record.inflow_month", "flows.small.record.inflow_month"),
    ("flows", "2025-12-31", "large.net.Y2025", "flows.large.net.Y2025"),
    ("crypto", "2026-08-21", "eth_btc.streak", None),
    ("crypto", "2025-10-08", "stocks.small_led", None),
    ("crypto", "2026-08-21", "dominance.bitcoin", None),
]

QUERIES = {"rates": rates, "flows": flows, "crypto": crypto}


@pytest.fixture(scope="module")
def markets_file(fixtures_dir: Path) -> Path:
    return fixtures_dir / "coingecko" / "coins_markets_dashbrd.json"


def _api(store: Any, cmd: str, day: str, markets_file: Path) -> Any:
    if cmd == "crypto":
        frame, src = load_markets(markets_file)
        return crypto(store, day, markets=frame, markets_source=src)
    return QUERIES[cmd](store, day)


@pytest.mark.parametrize(("cmd", "day", "fid", "report_fid"), PAIRS)
def test_one_answer_three_ways(
    cmd: str,
    day: str,
    fid: str,
    report_fid: str | None,
    store_home: Path,
    markets_file: Path,
    cli_json: Any,
    open_store: Any,
    report_context: Any,
    report_figure: Any,
    same_figure: Any,
) -> None:
    extra = ["--markets", str(markets_file)] if cmd == "crypto" else []
    out = cli_json(store_home, cmd, "--as-of", day, *extra)
    assert out["as_of"] == day and out["requested_as_of"] == day
    with open_store(store_home) as store:
        api = _api(store, cmd, day, markets_file).fig(fid)
    assert api.value is not None, api.note
    json_fig = out["figures"][fid]
    if report_fid is None:
        assert abs(float(json_fig["value"]) - float(api.value)) <= 1e-12
        assert json_fig["provenance"] == api.provenance.to_dict()
        return
    same_figure(report_figure(report_context(day), report_fid), api, json_fig)
