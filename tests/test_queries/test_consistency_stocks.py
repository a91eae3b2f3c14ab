"""Consistency of the stock questions: the CLI's ``--json`` and the Python API give one answer.

For each (question, as-of) pair the CLI JSON figure and the API figure have the same value
(to 1e-12) and the same provenance, and the whole CLI JSON equals the API's ``to_dict()``.
The report shows no stock figure (no screen, rating card, catalyst or segment-valuation
figure in ``report/sections``; its rating card's "valuation" is the rotation score's
relative-valuation component, another question), so there is no third side to compare.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from capsize.queries.result import Figure, QueryResult
from capsize.queries.stocks import catalysts, rating_card, screen, sec_source, valuation

D1 = "2025-06-26"
D2 = "2026-07-31"


@pytest.fixture(scope="module")
def sec_dir(fixtures_dir: Path) -> Path:
    return fixtures_dir / "sec"


Case = tuple[str, str, tuple[str, ...], Callable[..., QueryResult]]


def _cases(sec_dir: Path) -> dict[str, Case]:
    """Name -> (CLI command, as-of, CLI arguments, API call)."""
    sec = ["--sec-dir", str(sec_dir)]
    return {
        "screen-momentum-D1": (
            "screen",
            D1,
            ("--preset", "momentum-small", *sec),
            lambda s, src: screen(s, D1, preset="momentum-small", sec=src),
        ),
        "screen-momentum-D2": (
            "screen",
            D2,
            ("--preset", "momentum-small", *sec),
            lambda s, src: screen(s, D2, preset="momentum-small", sec=src),
        ),
        "screen-custom-D2": (
            "screen",
            D2,
            ("--tickers", "RXT,AEVA,BNED,UNCY", "--rule", "mom_12_1>-1", *sec),
            lambda s, src: screen(
                s, D2, tickers=["RXT", "AEVA", "BNED", "UNCY"], rules=["mom_12_1>-1"], sec=src
            ),
        ),
        "rate-UNCY-D1": (
            "rate",
            D1,
            ("UNCY", *sec),
            lambda s, src: rating_card(s, D1, ticker="UNCY", sec=src),
        ),
        "rate-RXT-D2": (
            "rate",
            D2,
            ("RXT", *sec),
            lambda s, src: rating_card(s, D2, ticker="RXT", sec=src),
        ),
        "catalysts-D1": (
            "catalysts",
            D1,
            ("IMNN", "UNCY", *sec),
            lambda s, src: catalysts(s, D1, tickers=["IMNN", "UNCY"], sec=src),
        ),
        "catalysts-all-D2": (
            "catalysts",
            D2,
            ("IMNN", "UNCY", "--all", "--since", "2025-01-01", *sec),
            lambda s, src: catalysts(
                s, D2, tickers=["IMNN", "UNCY"], since="2025-01-01", include_other=True, sec=src
            ),
        ),
        "valuation-D1": ("valuation", D1, tuple(sec), lambda s, src: valuation(s, D1, sec=src)),
        "valuation-D2": ("valuation", D2, tuple(sec), lambda s, src: valuation(s, D2, sec=src)),
    }


@pytest.fixture(scope="module")
def answers(
    store: Any, store_home: Path, sec_dir: Path, cli_json: Callable[..., dict[str, Any]]
) -> Callable[[str], tuple[dict[str, Any], QueryResult]]:
    """``answers(case)`` -> (CLI JSON, API result), each computed once per module."""
    made: dict[str, tuple[dict[str, Any], QueryResult]] = {}
    cases = _cases(sec_dir)

    def get(name: str) -> tuple[dict[str, Any], QueryResult]:
        if name not in made:
            cmd, day, args, api = cases[name]
            out = cli_json(store_home, cmd, *args, "--as-of", day)
            made[name] = (out, api(store, sec_source(sec_dir)))
        return made[name]

    return get


def _same(json_fig: dict[str, Any], api_fig: Figure) -> None:
    if api_fig.value is None:
        assert json_fig["value"] is None
    else:
        assert abs(float(json_fig["value"]) - float(api_fig.value)) <= 1e-12
    assert json_fig["provenance"] == api_fig.provenance.to_dict()
    assert json_fig["unit"] == api_fig.unit


def _check(out: dict[str, Any], api: QueryResult, ids: list[str]) -> None:
    assert ids
    for fid in ids:
        _same(out["figures"][fid], api.fig(fid))
    assert out == json.loads(json.dumps(api.to_dict()))
    assert out["as_of"] == f"{api.as_of:%Y-%m-%d}"


@pytest.mark.parametrize("case", ["screen-momentum-D1", "screen-momentum-D2"])
def test_screen_counts(case: str, answers: Callable[..., Any]) -> None:
    out, api = answers(case)
    ids = ["universe", "passed", "shown", "older_prices"]
    ids += [
        f"rule{i}.{k}" for i in (1, 2, 3) for k in ("entered", "passed", "failed", "not_assessed")
    ]
    _check(out, api, ids)
    assert api.value("passed") > 0


@pytest.mark.parametrize("case", ["screen-momentum-D1", "screen-momentum-D2", "screen-custom-D2"])
def test_screen_a_stocks_metrics(case: str, answers: Callable[..., Any]) -> None:
    out, api = answers(case)
    top = str(api.table("screen").rows[0][0])
    ids = [fid for fid in out["figures"] if fid.startswith(f"{top}.")]
    assert f"{top}.rs_6m" in ids and f"{top}.market_cap" in ids
    _check(out, api, ids)


@pytest.mark.parametrize("case", ["rate-UNCY-D1", "rate-RXT-D2"])
def test_rating_card(case: str, answers: Callable[..., Any]) -> None:
    out, api = answers(case)
    ticker = api.params["ticker"]
    _check(out, api, [fid for fid in out["figures"] if fid.startswith(f"{ticker}.")])
    assert out["tables"]["card"] == api.table("card").to_dict()


@pytest.mark.parametrize("case", ["catalysts-D1", "catalysts-all-D2"])
def test_catalysts(case: str, answers: Callable[..., Any]) -> None:
    out, api = answers(case)
    _check(out, api, ["events", "IMNN.events", "UNCY.events"])
    assert len(out["tables"]["events"]["rows"]) == api.value("events")


@pytest.mark.parametrize("case", ["valuation-D1", "valuation-D2"])
def test_valuation_by_segment(case: str, answers: Callable[..., Any]) -> None:
    out, api = answers(case)
    ids = [fid for fid in out["figures"] if fid.split(".")[0] in ("small", "large")]
    assert "small.pe_aggregate" in ids and "small.coverage_weight" in ids
    _check(out, api, ids)
