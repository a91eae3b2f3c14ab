"""``capsize backtest``: options and TOML grids, JSON equal to the API, charts, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from capsize.cli import app

runner = CliRunner()


def _invoke(home: Path, *args: str) -> Any:
    return runner.invoke(app, ["backtest", *args], env={"CAPSIZE_HOME": str(home)})


def _json(home: Path, *args: str) -> dict[str, Any]:
    res = _invoke(home, *args, "--json")
    assert res.exit_code == 0, res.output
    out: dict[str, Any] = json.loads(res.stdout)
    return out


def _api(home: Path, query: str, **kwargs: Any) -> dict[str, Any]:
    import capsize.queries as Q
    from capsize.data.store import Store

    store = Store.open(home / "capsize.duckdb", read_only=True)
    try:
        out: dict[str, Any] = getattr(Q, query)(store, **kwargs).to_dict()
    finally:
        store.close()
    return out


def test_run_json_equals_the_api(store_home: Path) -> None:
    cli = _json(
        store_home, "run", "--strategy", "sleeve", "--weight", "0.3", "--rebalance", "Q",
        "--cost-bps", "5", "--as-of", "2024-12-31",
    )  # fmt: skip
    api = _api(
        store_home, "backtest", as_of="2024-12-31", strategy="sleeve", weight=0.3,
        rebalance="Q", cost_bps=5.0,
    )  # fmt: skip
    assert cli == api
    assert cli["as_of"] <= "2024-12-31"
    assert cli["figures"]["exposure"]["value"] == pytest.approx(0.3, abs=0.05)


def test_french_run_json_equals_the_api_and_grid_text_shows_the_reality_check(
    store_home: Path,
) -> None:
    args = ("--universe", "french", "--small", "Q1", "--large", "Q5", "--strategy", "sleeve")
    cli = _json(store_home, "run", *args, "--weight", "0.2", "--as-of", "2024-12-31")
    api = _api(
        store_home, "backtest", as_of="2024-12-31", universe="french", small="Q1", large="Q5",
        strategy="sleeve", weight=0.2,
    )  # fmt: skip
    assert cli == api
    assert cli["as_of"] == "2024-10-31" and "Q5.cagr" in cli["figures"]
    res = _invoke(store_home, "run", *args, "--weight", "0,0.2", "--rebalance", "A,none")
    assert res.exit_code == 0, res.output
    line = next(x for x in res.stdout.splitlines() if "reality check p =" in x)
    assert "buy and hold of Q5" in line and "SPA p = 0." in line
    # the sentence states the outcome of the reality check's p-value, not a legend
    p = float(line.split("reality check p = ")[1].split(",")[0])
    verdict = "— an edge beyond luck at 5 %" if p < 0.05 else "— no edge beyond luck at 5 %"
    assert line.rstrip().endswith(verdict) and "below 0.05" not in line, line


def test_toml_grid_with_charts(store_home: Path, tmp_path: Path) -> None:
    grid = tmp_path / "grid.toml"
    grid.write_text(
        'strategy = "sleeve"\nstart = 2010-01-04\nweight = [0.0, 0.1, 0.2, 0.3]\n'
        'band = [0.0, 0.05]\nrebalance = ["M", "A"]\ncost_bps = 5\n',
        encoding="utf-8",
    )
    out = tmp_path / "charts"
    # an option wins over the file: three weights instead of four
    res = _invoke(
        store_home, "run", "--config", str(grid), "--weight", "0,0.15,0.3", "--out", str(out),
        "--as-of", "2024-12-31", "--json",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    answer = json.loads(res.stdout)
    assert answer["query"] == "backtest_grid"
    assert answer["figures"]["n_configs"]["value"] == 3 * 2 * 2
    # a 0 % sleeve is one strategy under all four rebalancing rules and bands
    assert answer["figures"]["n_distinct"]["value"] <= 3 * 2 * 2 - 3
    assert answer["params"]["start"] == "2010-01-04"
    assert len(answer["tables"]["grid"]["rows"]) == 12
    dsr = answer["figures"]["best.deflated_sharpe"]["value"]
    assert 0.0 <= dsr <= 1.0
    png = (out / "heatmap.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5_000
    html = (out / "backtest.html").read_text(encoding="utf-8")
    # the report's heatmap table (no plotly inlined: 4.8 MB before), the Sharpe named with its rf
    assert 'table class="heat"' in html and "Plotly" not in html
    assert "Sharpe (rf: 1-month T-bill, Ken French" in html
    assert len(html.encode()) < 100_000
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]  # no temp files left


def test_single_run_writes_equity_and_drawdown(store_home: Path, tmp_path: Path) -> None:
    res = _invoke(
        store_home, "run", "--signal", "rs_cross50_200", "--hold", "5", "--out", str(tmp_path),
        "--as-of", "2020-12-31",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "Sharpe ratio" in res.stdout and "IWM while rs_cross50_200 > 0" in res.stdout
    for name in ("equity.png", "drawdown.png", "backtest.html"):
        assert (tmp_path / name).stat().st_size > 5_000, name
    # the report's uPlot and chart driver, inlined once (opens offline), a payload per chart
    html = (tmp_path / "backtest.html").read_text(encoding="utf-8")
    assert (
        html.count("uPlot licence") == 1
        and html.count('<script type="application/json" class="chart-data"') == 2
    )
    assert "<script src=" not in html and len(html.encode()) < 1_000_000


def test_signals_command_says_which_signals_fail(store_home: Path) -> None:
    res = _invoke(store_home, "signals", "--as-of", "2008-12-31", "--oos-start", "2005-01-01")
    assert res.exit_code == 0, res.output
    assert "Out of sample" in res.stdout
    assert "Small-cap breadth" in res.stdout and "untested" in res.stdout
    assert "does not work" in res.stdout or "worked backwards" in res.stdout
    # the summary sentence once (above the table), the excess named against its 50/50 mix
    text = " ".join(res.stdout.split())
    first = res.stdout.splitlines()[0]
    assert text.count(first.strip()) == 1, res.stdout
    assert "excess/yr vs 50/50" in text


def test_deflated_sharpe_reads_as_a_capped_probability() -> None:
    from capsize._cli.backtest import probability_text

    assert probability_text(1.0) == "> 99.9 %" and probability_text(0.9995) == "> 99.9 %"
    assert probability_text(0.992) == "99.2 %" and probability_text(0.0) == "< 0.1 %"
    assert probability_text(None, "one strategy") == "n/a (one strategy)"


@pytest.mark.parametrize(
    ("toml", "args", "names"),
    [
        ("weight = [0.1,\n", (), "is not valid TOML"),
        ("[grid]\nweight = 0.1\n", (), "[grid] is a table"),
        ('strategy = "sleeve"\nwieght = 0.1\n', (), "bad.toml': key 'wieght' is unknown"),
        ('stratgy = "sleeve"\n', (), "did you mean 'strategy'? settings: strategy, start"),
        ('strategy = "sleeve"\nweight = ["a"]\n', (), "bad.toml': weight='a' is not a number"),
        (None, ("--as-of", "1999-01-04"), "before 1999-01-04; the first is 2000-05-26: give"),
        ('strategy = "sleeve"\nweight = []\n', (), "grid axis 'weight' is an empty list"),
        ('strategy = "sleeve"\nweight = "a lot"\n', (), "weight='a lot' is not a number"),
        (None, ("--threshold", "abc"), "--threshold 'abc' is not a number"),
        (None, ("--strategy", "rotation", "--weight", "0.2"), "does not apply to the rotation"),
        (None, ("--signal", "tea_leaves"), "signal 'tea_leaves' is unknown"),
        (None, ("--config", "/nonexistent/grid.toml"), "cannot read --config"),
        (b'strategy = "sleeve"\n# caf\xe9\n', (), "is not UTF-8 text (byte 0xe9"),
        (b"\xff", (), "is not UTF-8 text (byte 0xff at offset 0)"),
        (None, ("--threshold", "0", "--walk-forward", "5,1"), "--walk-forward needs a grid"),
        (None, ("--large", "ME10"), "add --universe french"),
        (None, ("--universe", "french", "--small", "ME0"), "'ME0' is not a French size"),
        ('universe = "french"\nsmall = ["ME1", "ME2"]\n', (), "small ['ME1', 'ME2'] must be one"),
        ('universe = "french"\nweighting = 1\n', (), "weighting 1 must be one string"),
        (None, ("--weight", "0.2", "--strategy", "sleeve", "--workers", "2"), "apply to grids"),
        (None, ("--scheduler", "tcp://127.0.0.1:1"), "--scheduler and --workers apply to grids"),
        (
            None,
            ("--universe", "french", "--as-of", "1920-01-01"),
            "the Ken French size portfolios start 1926-07; give --as-of on or after 1926-10-31",
        ),
    ],
)
def test_bad_options_and_toml_are_one_line_errors(
    store_home: Path, tmp_path: Path, toml: str | bytes | None, args: tuple[str, ...], names: str
) -> None:
    extra: tuple[str, ...] = ()
    if toml is not None:
        path = tmp_path / "bad.toml"
        path.write_bytes(toml if isinstance(toml, bytes) else toml.encode("utf-8"))
        extra = ("--config", str(path))
    res = _invoke(store_home, "run", *extra, *args)
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), res.output
    assert names in lines[0], lines[0]


def test_config_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    from capsize._cli.backtest import read_config

    path = tmp_path / "bom.toml"
    path.write_bytes(b'\xef\xbb\xbfstrategy = "sleeve"\nweight = [0.1, 0.2]\n')
    assert read_config(path) == {"strategy": "sleeve", "weight": [0.1, 0.2]}


def test_grid_text_and_charts_share_one_format_and_order(store_home: Path, tmp_path: Path) -> None:
    from capsize._cli.backtest import deflated_text, grid_rows, sharpe_label
    from capsize._cli.backtest_charts import grid_matrix, heatmap_html, heatmap_title
    from capsize.data.store import Store
    from capsize.queries import backtest_grid

    store = Store.open(store_home / "capsize.duckdb", read_only=True)
    try:
        r = backtest_grid(
            store, "2024-12-31", strategy="sleeve", start="2015-01-02",
            weight=[0.0, 0.1, 0.2], band=[0.0, 0.05],
        )  # fmt: skip
    finally:
        store.close()
    cols, rows = grid_rows(r)
    assert cols == ["weight", "band", "cagr", "sharpe", "max_drawdown", "configurations"]
    # CAGR and drawdown in percent, as a single run shows them; Sharpe a plain number
    assert all(row[2].endswith("%") and row[4].endswith("%") for row in rows)
    assert not any(row[3].endswith("%") for row in rows)
    # the deflated Sharpe reads the same in the terminal and on both charts
    dsr = deflated_text(r)
    assert dsr.endswith("%") and dsr in heatmap_title(r)
    table = heatmap_html(r)
    assert dsr in table
    # the HTML lists the rows top to bottom in the matrix's order, as imshow does in the PNG
    labels = [f"weight {i}" for i in grid_matrix(r.frame, r.axes).index]
    assert [table.index(f">{x}<") for x in labels] == sorted(table.index(f">{x}<") for x in labels)
    res = _invoke(store_home, "run", "--strategy", "sleeve", "--weight", "0,0.1",
                  "--start", "2015-01-02", "--as-of", "2024-12-31")  # fmt: skip
    assert res.exit_code == 0, res.output
    row = next(line for line in res.stdout.splitlines() if line.startswith("│ 0.1"))
    assert row.count("%") == 2, row  # CAGR and drawdown; the Sharpe ratio as in single runs
    # the risk-free rate of the Sharpe ratio is named everywhere: header, lines, charts, labels
    sharpe = sharpe_label(r)  # French's RF is published through October by the day
    assert sharpe == "Sharpe (rf: 1-month T-bill, Ken French; fed funds from 2024-11-01)"
    assert sharpe in heatmap_title(r) and sharpe in table
    header = next(line for line in res.stdout.splitlines() if "weight" in line and "cagr" in line)
    assert "Sharpe (rf: 1-month T-bill, Ken French)" in header, res.stdout
    text = " ".join(res.stdout.split())  # rich wraps long lines
    assert f"Best {sharpe} " in text and f"by {sharpe}" in text
    assert "2 configurations, 2 distinct strategies" in text
    # a 0 % sleeve is the same strategy with or without a band: 6 configurations, 5 strategies
    assert "6 configurations, 5 distinct strategies" in heatmap_title(r)
    for key in ("best.sharpe", "best.deflated_sharpe", "best.expected_max_sharpe", "IWM.sharpe"):
        assert "(rf: 1-month T-bill, Ken French; fed funds from 2024-11-01)" in r.fig(key).label
    zero = _invoke(store_home, "run", "--strategy", "sleeve", "--weight", "0.1", "--rf", "zero",
                   "--start", "2015-01-02", "--as-of", "2024-12-31")  # fmt: skip
    assert zero.exit_code == 0, zero.output
    assert "Sharpe ratio (rf 0)" in zero.stdout and "Sharpe (rf 0) " in zero.stdout
    assert "T-bill" not in zero.stdout


def test_dca_table_and_html_give_the_answer(store_home: Path, tmp_path: Path) -> None:
    args = ("run", "--strategy", "dca", "--segment", "small", "--n-buys", "12",
            "--start", "2021-11-08", "--as-of", "2024-12-31")  # fmt: skip
    figs = _json(store_home, *args)["figures"]
    dca, lump = figs["final_dca"]["value"], figs["final_lump_sum"]["value"]
    res = _invoke(store_home, *args, "--out", str(tmp_path))
    assert res.exit_code == 0, res.output
    text = " ".join(res.stdout.split())
    # the final values and the advantage in the table and the sentence; no empty leg columns
    assert f"final value of the lump sum, growth of 1 │ {lump:.3f}" in text, text
    assert f"Averaging in turned 1 into {dca:.3f}" in text and "IWM ┃" not in text
    adv = f"{figs['advantage']['value'] * 100:+.1f}%"
    assert f"averaging {'ahead' if dca >= lump else 'behind'} by {adv}" in text
    html = (tmp_path / "backtest.html").read_text(encoding="utf-8")
    assert f"{dca:.3f}" in html and f"{lump:.3f}" in html and adv in html
    assert "<td>annualised volatility</td>" in html  # the statistics table


def test_grid_rows_one_per_strategy_and_html_has_the_tests(
    store_home: Path, tmp_path: Path
) -> None:
    from capsize._cli.backtest import sharpe_decimals
    from capsize._cli.backtest_charts import MIN_SPAN, shade_range

    out = tmp_path / "charts"
    res = _invoke(store_home, "run", "--strategy", "sleeve", "--weight", "0,0.05",
                  "--rebalance", "M,Q,A", "--start", "2015-01-02", "--as-of", "2024-12-31",
                  "--out", str(out))  # fmt: skip
    assert res.exit_code == 0, res.output
    rows = [x for x in res.stdout.splitlines() if x.startswith("│ 0")]
    # the 0 % sleeve is one strategy under M, Q and A: one row standing for 3 configurations
    assert [x.split("│")[1].strip() for x in rows].count("0.0") == 1, res.stdout
    zero = next(x for x in rows if x.startswith("│ 0.0 "))
    assert zero.rstrip("│ ").endswith("3"), zero
    html = (out / "backtest.html").read_text(encoding="utf-8")
    for words in ("6 configurations, 4 distinct strategies", "deflated Sharpe (probability",
                  "reality check p = ", "SPA p = ", "max_drawdown", "configurations"):  # fmt: skip
        assert words in html, words
    # ties at 2 decimals get more; a tiny spread is shaded pale, never red against green
    assert sharpe_decimals([0.4328, 0.4311, 0.4298]) == 3
    assert sharpe_decimals([0.43001, 0.42999]) == 4
    lo, hi = shade_range([0.4298, 0.4328])
    assert hi - lo == pytest.approx(MIN_SPAN) and (lo + hi) / 2 == pytest.approx(0.4313)
    assert shade_range([0.2, 0.9]) == (0.2, 0.9)


def test_start_before_the_data_says_where_the_run_starts(store_home: Path) -> None:
    res = _invoke(store_home, "run", "--strategy", "sleeve", "--weight", "0.1",
                  "--start", "1990-01-02", "--as-of", "2010-12-31")  # fmt: skip
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[0] == (
        "Note: --start 1990-01-02 is before the first day with data for this run; it starts "
        "2000-05-30."
    ), res.stdout
    later = _invoke(store_home, "run", "--strategy", "sleeve", "--weight", "0.1",
                    "--start", "2005-01-03", "--as-of", "2010-12-31")  # fmt: skip
    assert later.exit_code == 0 and "Note: --start" not in later.stdout, later.output


def test_help_shows_the_query_defaults_and_that_signals_make_a_grid() -> None:
    from capsize._cli.backtest import DEFAULTS
    from capsize.queries.backtesting import PARAMS

    for name, p in PARAMS.items():
        shown = DEFAULTS[name].split(" ")[0]
        assert shown == (f"{p.default:g}" if isinstance(p.default, float) else str(p.default))
    res = runner.invoke(app, ["backtest", "run", "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    text = " ".join(res.stdout.split())
    for default in ("[default: (0.2)]", "[default: (M)]", "[default: (tbill)]"):
        assert default in text, default
    assert "frictionless" in text and "make a grid" in text and "not a combined signal" in text
