"""One question, one answer: CLI ``--json``, the Python API and the report agree (internals).

Each case asks one figure three ways on the full store: ``capsize CMD --as-of D --json``,
the query function, and the report for ``D`` (the figure it shows, by report id). Values
must agree to 1e-12 and provenance must be identical. The issue's examples are among
them: breadth on 2026-07-31 (the CLI used the 2026-08-20 member list: advancers 815 vs
818, McClellan -55.2 vs -55.4) and the A/D line on 2025-10-08 (-2,421 cumulated from
2018-01-02 vs -4,099 from 2024-10-04).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from capsize.data.store import Store
from capsize.queries import breadth, liquidity

# (case id, report day or None for the latest, CLI args, API call, API figure id, report id)
CASES: tuple[tuple[str, str | None, tuple[str, ...], str, str, str], ...] = (
    ("advancers-2026-07-31", "2026-07-31", ("breadth",), "breadth", "advancers", "breadth.advancers"),
    ("mcclellan-2026-07-31", "2026-07-31", ("breadth",), "breadth", "mcclellan", "breadth.mcclellan"),
    ("pct50-2026-07-31", "2026-07-31", ("breadth",), "breadth", "pct_above_50", "breadth.pct_above_50"),
    ("ad-line-2026-07-31", "2026-07-31", ("breadth",), "breadth", "ad_line", "breadth.ad_line"),
    ("ad-line-2025-10-08", "2025-10-08", ("breadth",), "breadth", "ad_line", "breadth.ad_line"),
    ("mcclellan-2025-10-08", "2025-10-08", ("breadth",), "breadth", "mcclellan", "breadth.mcclellan"),
    ("ad-line-2025-06-26", "2025-06-26", ("breadth",), "breadth", "ad_line", "breadth.ad_line"),
    ("pct50-2025-06-26", "2025-06-26", ("breadth",), "breadth", "pct_above_50", "breadth.pct_above_50"),
    ("ew-1Y-2025-06-26", "2025-06-26", ("breadth",), "breadth", "ew_minus_iwm.1Y", "breadth.ew_minus_iwm.1Y"),
    ("advancers-latest", None, ("breadth",), "breadth", "advancers", "breadth.advancers"),
    ("iwm-dv63-2025-06-26", "2025-06-26", ("liquidity", "IWM"), "liquidity:IWM:63", "IWM.adv_dollars", "volume.IWM.dv63"),
    ("iwm-yoy-2025-10-08", "2025-10-08", ("liquidity", "IWM"), "liquidity:IWM:63", "IWM.yoy_adv_dollars", "volume.IWM.yoy"),
    ("iwm-adv20-2026-07-31", "2026-07-31", ("liquidity", "IWM", "--window", "20"), "liquidity:IWM:20", "IWM.adv_shares", "volume.IWM.adv20"),
    ("iwm-dv63-latest", None, ("liquidity", "IWM"), "liquidity:IWM:63", "IWM.adv_dollars", "volume.IWM.dv63"),
    ("tier-high-2025-06-26", "2025-06-26", ("liquidity",), "liquidity:universe", "universe.tier.high", "volume.universe.tier.high"),
    ("tier-medium-2025-06-26", "2025-06-26", ("liquidity",), "liquidity:universe", "universe.tier.medium", "volume.universe.tier.medium"),
    ("universe-total-2025-06-26", "2025-06-26", ("liquidity",), "liquidity:universe", "universe.total_adv_dollars", "volume.universe.total"),
)  # fmt: skip


@pytest.fixture(scope="module")
def cli(cli_json: Callable[..., dict[str, Any]], store_home: Path) -> Callable[..., dict[str, Any]]:
    made: dict[tuple[str, ...], dict[str, Any]] = {}

    def run(*args: str) -> dict[str, Any]:
        if args not in made:
            made[args] = cli_json(store_home, *args)
        return made[args]

    return run


def _api(store: Store, day: str | None, call: str) -> Any:
    if call == "breadth":
        return breadth(store, day)
    _, what, *window = call.split(":")
    if what == "universe":
        return liquidity(store, day)
    return liquidity(store, day, symbols=[what], window=int(window[0]))


@pytest.mark.parametrize(
    ("case", "day", "args", "call", "fid", "rid"), CASES, ids=[c[0] for c in CASES]
)
def test_cli_api_and_report_agree(
    case: str,
    day: str | None,
    args: tuple[str, ...],
    call: str,
    fid: str,
    rid: str,
    store: Store,
    cli: Callable[..., dict[str, Any]],
    report_context: Callable[[str | None], Any],
    report_figure: Callable[[Any, str], Any],
    same_figure: Callable[[Any, Any, dict[str, Any]], None],
) -> None:
    as_of = ("--as-of", day) if day else ()
    payload = cli(*args, *as_of)
    api = _api(store, day, call)
    assert payload == api.to_dict()  # the CLI prints exactly the answer
    same_figure(report_figure(report_context(day), rid), api.fig(fid), payload["figures"][fid])


def test_issue_examples_now_agree(store: Store) -> None:
    """The figures the issue quotes, as they now stand for every front end."""
    b = breadth(store, "2026-07-31")
    assert b.list_date.strftime("%Y-%m-%d") == "2026-07-29"  # never the 2026-08-20 list
    assert b.value("advancers") == 818
    assert round(float(b.value("mcclellan") or 0), 1) == -55.4
    latest = breadth(store)
    assert latest.as_of.strftime("%Y-%m-%d") == "2026-07-31"
    assert latest.value("advancers") == 818 and latest.list_date == b.list_date
    ad = breadth(store, "2025-10-08").fig("ad_line")
    assert ad.value == -5153
    assert ad.provenance.window == "2024-10-04..2025-10-08"
