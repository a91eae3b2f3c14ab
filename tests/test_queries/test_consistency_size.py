"""One question, three doors: ``capsize ... --json``, the Python API and the report agree.

The rotation score is asked on a home whose ``config.toml`` sets ``[rotation.weights]``:
the CLI, the API and the report's rating card must all apply them (the rating card used
to ignore them). Size-factor figures are asked without configuration. Each pair checks
the value (to 1e-12) and the provenance.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

WEIGHTS = {
    "relative_strength": 0.40,
    "breadth": 0.10,
    "rates_regime": 0.10,
    "flows": 0.05,
    "valuation": 0.15,
    "size_factor_regime": 0.20,
}
"""Configured weights, far enough from the defaults to change every score."""

COMPONENTS = tuple(WEIGHTS)


@contextmanager
def _home(path: Path) -> Iterator[None]:
    saved = os.environ.get("CAPSIZE_HOME")
    os.environ["CAPSIZE_HOME"] = str(path)
    try:
        yield
    finally:
        if saved is None:
            del os.environ["CAPSIZE_HOME"]
        else:
            os.environ["CAPSIZE_HOME"] = saved


@pytest.fixture(scope="module")
def weighted_home(store_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("weighted_home")
    (home / "capsize.duckdb").symlink_to(store_home / "capsize.duckdb")
    lines = ["[rotation.weights]", *(f"{k} = {v}" for k, v in WEIGHTS.items())]
    (home / "config.toml").write_text("\n".join(lines) + "\n")
    return home


@pytest.fixture(scope="module")
def weighted(
    weighted_home: Path, cli_json: Callable[..., dict[str, Any]]
) -> Callable[[str], tuple[Any, Any, dict[str, Any]]]:
    """``weighted(D)`` -> (report context, API result, CLI JSON) on the weighted home."""
    from capsize.data.store import Store
    from capsize.queries import rotation_score
    from capsize.report.context import build_context

    made: dict[str, tuple[Any, Any, dict[str, Any]]] = {}

    def get(day: str) -> tuple[Any, Any, dict[str, Any]]:
        if day not in made:
            with _home(weighted_home):
                store = Store.open(weighted_home / "capsize.duckdb", read_only=True)
                try:
                    ctx = build_context(store, as_of=day)
                    api = rotation_score(store, day)
                finally:
                    store.close()
            made[day] = (ctx, api, cli_json(weighted_home, "rotation", "--as-of", day))
        return made[day]

    return get


@pytest.fixture(scope="module")
def factor_doors(
    store_home: Path, cli_json: Callable[..., dict[str, Any]]
) -> Callable[[str], tuple[Any, dict[str, Any]]]:
    """``factor_doors(D)`` -> (API result, CLI JSON) of the size factor's history."""
    from capsize.data.store import Store
    from capsize.queries import factor_history

    made: dict[str, tuple[Any, dict[str, Any]]] = {}

    def get(day: str) -> tuple[Any, dict[str, Any]]:
        if day not in made:
            store = Store.open(store_home / "capsize.duckdb", read_only=True)
            try:
                api = factor_history(store, day)
            finally:
                store.close()
            made[day] = (api, cli_json(store_home, "factor", "--as-of", day))
        return made[day]

    return get


def _same_api_json(api_fig: Any, json_fig: dict[str, Any]) -> None:
    if api_fig.value is None:
        assert json_fig["value"] is None
    else:
        assert abs(float(api_fig.value) - float(json_fig["value"])) <= 1e-12
    assert json_fig["provenance"] == api_fig.provenance.to_dict()


# ---------------------------------------------------------------------------
# rotation score with [rotation.weights]: CLI, API and report
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["2026-08-21", "2025-10-08", "2025-06-26"])
def test_rotation_score_applies_configured_weights(
    day: str, weighted: Any, report_figure: Any, same_figure: Any
) -> None:
    ctx, api, js = weighted(day)
    same_figure(report_figure(ctx, "rating.score"), api.fig("score"), js["figures"]["score"])
    assessed = [c for c in api.components if c.status == "ASSESSED"]
    total = sum(WEIGHTS[c.name] * float(c.score.value) for c in assessed)
    total /= sum(WEIGHTS[c.name] for c in assessed)
    assert abs(float(api.value("score")) - round(total, 10)) <= 1e-12
    assert api.weights_origin == "[rotation.weights] of config.toml"


@pytest.mark.parametrize("day", ["2025-10-08", "2025-06-26"])
@pytest.mark.parametrize("name", COMPONENTS)
def test_component_score_and_weight_used(
    day: str, name: str, weighted: Any, report_figure: Any, same_figure: Any
) -> None:
    ctx, api, js = weighted(day)
    same_figure(
        report_figure(ctx, f"rating.{name}.score"),
        api.fig(f"{name}.score"),
        js["figures"][f"{name}.score"],
    )
    same_figure(
        report_figure(ctx, f"rating.{name}.weight"),
        api.fig(f"{name}.weight_used"),
        js["figures"][f"{name}.weight_used"],
    )
    c = api.component(name)
    assert c.weight.value == WEIGHTS[name]
    if c.status == "ASSESSED":
        used = sum(WEIGHTS[x.name] for x in api.components if x.status == "ASSESSED")
        assert abs(float(c.weight_used.value) - WEIGHTS[name] / used) <= 1e-12


@pytest.mark.parametrize("name", COMPONENTS)
def test_component_fields_cli_and_api(name: str, weighted: Any) -> None:
    _, api, js = weighted("2026-08-21")
    for part in (
        "reading",
        "as_of",
        "status",
        "contribution",
        *(f"threshold.{i}" for i in range(1, 5)),
    ):
        _same_api_json(api.fig(f"{name}.{part}"), js["figures"][f"{name}.{part}"])


def test_weights_change_the_score(weighted: Any, report_context: Any, report_figure: Any) -> None:
    """drift: the rating card ignored [rotation.weights]; with them the score moves."""
    ctx, api, _ = weighted("2025-06-26")
    default = report_figure(report_context("2025-06-26"), "rating.score")
    assert report_figure(ctx, "rating.score").value == api.value("score")
    assert default.value != api.value("score")


# ---------------------------------------------------------------------------
# size factor: CLI, API and (where it shows them) the report
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["2025-06-30", "2025-10-08"])
@pytest.mark.parametrize(
    ("report_id", "query_id"),
    [
        ("size.10y.ann", "smb.trailing_10y.ann"),
        ("size.10y.pctl", "smb.trailing_10y.pctl"),
        ("size.50y.cum", "smb.trailing_50y.cum"),
        ("size.cycle.months", "smb.cycle.months"),
        ("size.cycle.rank", "smb.cycle.rank"),
    ],
)
def test_size_factor_figures(
    day: str,
    report_id: str,
    query_id: str,
    factor_doors: Any,
    report_context: Any,
    report_figure: Any,
    same_figure: Any,
) -> None:
    api, js = factor_doors(day)
    ctx = report_context(day)
    same_figure(report_figure(ctx, report_id), api.fig(query_id), js["figures"][query_id])


@pytest.mark.parametrize("day", ["2025-06-30", "2026-08-21"])
@pytest.mark.parametrize(
    "query_id",
    ["smb.cumulative", "smb.growth", "smb.streak.current.years", "decile_vw.cumulative"],
)
def test_size_factor_cli_and_api(day: str, query_id: str, factor_doors: Any) -> None:
    """SMB cumulative since 1926 and the large-cap streak: not in the report, CLI = API."""
    api, js = factor_doors(day)
    _same_api_json(api.fig(query_id), js["figures"][query_id])
    assert js["as_of"] == api.to_dict()["as_of"]
    assert js["sources"] == list(api.sources)


def test_streak_is_large_caps(factor_doors: Any) -> None:
    api, _ = factor_doors("2025-06-30")
    streak = api.fig("smb.streak.current.years")
    assert streak.value == 4 and "large caps" in streak.label
    assert streak.provenance.window.startswith("2021..2024")
