"""``capsize rates``: payload builder and tables (private; see :mod:`capsize._cli.drivers`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import pandas as pd

from capsize._cli._common import console, print_table
from capsize._cli.drivers.base import after_data_note, date_text, num, source_of
from capsize._format import fmt_date, fmt_num, fmt_pct
from capsize.errors import DataNotFound, InputError

if TYPE_CHECKING:
    from capsize.data.store import Store

__all__ = ["print_rates", "rates_payload"]

_TURNS_SINCE = "1988-01-01"
_FREQ = {"M": ("monthly", 36, "months"), "W": ("weekly", 156, "weeks"), "D": ("daily", 252, "days")}


def rates_payload(
    store: Store,
    *,
    as_of: pd.Timestamp | None = None,
    small: str = "IWM",
    large: str = "SPY",
    series: tuple[str, ...] = ("DGS2", "DGS10"),
    threshold_bp: float = 10.0,
    frequency: str = "M",
    window: int | None = None,
) -> dict[str, Any]:
    """Build the rates-driver payload from the store.

    Parameters
    ----------
    store : Store
        Open store holding ``small``/``large`` closes and FRED DGS2, DGS10 and
        DFF (or FEDFUNDS).
    as_of : Timestamp, optional
        Only data dated on or before it.
    small, large : str
        The two legs (adjusted closes for ETFs, levels for indices such as
        ``^RUT``/``^GSPC``, which carry no dividends).
    series : tuple of str
        FRED yield series (percent) whose changes are the regressors; any
        series imported into the store can be added.
    threshold_bp : float
        Regime threshold, basis points per month.
    frequency : {"M", "W", "D"}
        Sampling of the regression and rolling fits (the regime table and the
        event study are monthly by construction).
    window : int, optional
        Rolling window in periods; default 36 months, 156 weeks or 252 days.

    Returns
    -------
    dict
        ``regression``, ``rolling``, ``regimes``, ``turns``, ``events``,
        ``provenance``, ``notes``.
    """
    from capsize.analytics import rates as R

    notes: list[str] = []
    if small == large:
        raise InputError(
            f"rates needs two different legs; --small and --large are both {small} "
            "(e.g. --small IWM --large SPY)"
        )
    requested = as_of
    closes = store.closes([small, large], basis="auto", as_of=as_of)
    bases = dict(closes.attrs.get("basis", {}))
    s, lg = closes[small].dropna(), closes[large].dropna()
    if s.empty or lg.empty:
        full = store.closes([small, large], basis="auto")
        starts = {k: full[k].first_valid_index() for k in (small, large)}
        if any(v is None for v in starts.values()):
            missing = small if starts[small] is None else large
            raise DataNotFound(f"no closes for {missing} in the store; run 'capsize data import'")
        joint = max(pd.Timestamp(str(v)) for v in starts.values())
        raise DataNotFound(
            f"the data for {small}/{large} starts {fmt_date(joint)} ({small} "
            f"{fmt_date(starts[small])}, {large} {fmt_date(starts[large])}); "
            f"--as-of {fmt_date(as_of)} is before it, pick a later --as-of"
        )
    latest = pd.Timestamp(min(s.index[-1], lg.index[-1]))
    as_of_note = after_data_note(as_of, latest)
    if as_of_note is not None:
        as_of = latest
    if not series:
        raise InputError("--series is empty; pass FRED ids such as DGS2,DGS10")
    ylds = store.macro(list(series), as_of=as_of)
    if frequency not in _FREQ:
        raise InputError(f"--frequency {frequency!r} is not one of M, W, D")
    freq = cast("R.Frequency", frequency)
    win = window if window is not None else _FREQ[frequency][1]
    reg = R.rate_sensitivity(s, lg, ylds, frequency=freq)
    roll = R.rolling_rate_sensitivity(s, lg, ylds, window=win, frequency=freq)
    corr = R.rolling_rate_correlation(s, lg, ylds, window=win, frequency=freq)
    regimes = R.rate_regime_table(s, lg, ylds, threshold_bp=threshold_bp)
    policy_id = "DFF"
    try:
        policy = store.macro("DFF", as_of=as_of)["DFF"]
    except DataNotFound:
        policy_id = "FEDFUNDS"
        policy = store.macro("FEDFUNDS", as_of=as_of)["FEDFUNDS"]
        notes.append("DFF not in the store: policy turns detected on monthly FEDFUNDS (month only)")
    policy = policy[policy.index >= pd.Timestamp(_TURNS_SINCE)].dropna()
    turns = R.detect_policy_turns(policy)
    study = R.policy_event_study(s, lg, turns)
    last_roll = roll.iloc[-1]
    payload: dict[str, Any] = {
        "small": small,
        "large": large,
        "as_of": date_text(as_of) if as_of is not None else date_text(latest),
        "requested_as_of": date_text(requested),
        "as_of_note": as_of_note,
        "data_end": date_text(latest),
        "regression": {
            "frequency": _FREQ[frequency][0],
            "coefficients": {k: num(v) for k, v in reg.coefficients.items()},
            "t_stats": {k: num(v) for k, v in reg.t_stats.items()},
            "r_squared": reg.r_squared,
            "n_obs": reg.n_obs,
            "start": date_text(reg.start),
            "end": date_text(reg.end),
            "cov_type": reg.cov_type,
            "partial_effects": (
                "each coefficient is the effect of its yield's change holding the other yields "
                "fixed (a partial effect), so the 2-year and 10-year coefficients can have "
                "opposite signs even though the yields move together"
            )
            if len(series) > 1
            else "",
            "formula": reg.formula
            + f"; spread = r_small - r_large ({_FREQ[frequency][0]}), d_* in pp",
        },
        "rolling": {
            "window": win,
            "window_unit": _FREQ[frequency][2],
            "start": date_text(roll.index[-win]) if len(roll) >= win else None,
            "end": date_text(roll.index[-1]),
            "coefficients": {
                str(k).removeprefix("coef_"): num(v)
                for k, v in last_roll.items()
                if str(k).startswith("coef_")
            },
            "t_stats": {
                str(k).removeprefix("t_"): num(v)
                for k, v in last_roll.items()
                if str(k).startswith("t_")
            },
            "correlation": {k: num(v) for k, v in corr.iloc[-1].items()},
            "t_note": "rolling t-statistics use classical (nonrobust) standard errors",
            "correlation_formula": (
                f"Pearson correlation of the {_FREQ[frequency][0]} spread with each yield change "
                f"over the last {win} {_FREQ[frequency][2]}"
            ),
        },
        "regimes": {
            "threshold_bp": threshold_bp,
            "start": date_text(regimes.attrs["start"]),
            "end": date_text(regimes.attrs["end"]),
            "formula": regimes.attrs["formula"],
            "rows": [
                {
                    "series": str(idx[0]),  # type: ignore[index]
                    "regime": str(idx[1]),  # type: ignore[index]
                    **{str(k): num(v) for k, v in row.items()},
                }
                for idx, row in regimes.iterrows()
            ],
        },
        "turns": {
            "series": policy_id,
            "since": _TURNS_SINCE,
            "rule": turns.attrs.get("rule", ""),
            "rows": [
                {
                    "date": date_text(r["date"]),
                    "kind": r["kind"],
                    "from_level": num(r["from_level"]),
                    "to_level": num(r["to_level"]),
                }
                for _, r in turns[turns["kind"] != ""].iterrows()
            ],
        },
        "events": {
            "base_rule": study.base_rule,
            "offsets": list(study.offsets),
            "rows": [
                {
                    "date": date_text(d),
                    "kind": study.kinds.get(d, ""),
                    **{str(o): num(row[o]) for o in study.offsets},
                }
                for d, row in study.paths.iterrows()
            ],
            "summary": [
                {"kind": k, **{str(c): num(v) for c, v in row.items()}}
                for k, row in study.summary.iterrows()
            ],
        },
        "provenance": {
            "symbols": [small, large],
            "basis": {
                k: ("total return (adjusted)" if v == "adjusted" else f"{v} (price only)")
                for k, v in bases.items()
            },
            "sources": {
                small: source_of(store, "bars", small),
                large: source_of(store, "bars", large),
                **{sid: source_of(store, "macro", sid) for sid in series},
                policy_id: source_of(store, "macro", policy_id),
            },
            "as_of": date_text(as_of)
            if as_of is not None
            else date_text(min(s.index[-1], lg.index[-1])),
        },
        "notes": notes,
    }
    first_event = study.paths.index.min() if len(study.paths) else None
    if first_event is not None:
        notes.append(
            f"event study limited to turns after {small}'s first close "
            f"({date_text(s.index[0])}); earliest event used {date_text(first_event)}"
        )
    return payload


def _end_label(end: str | None, data_end: str | None) -> str:
    """Label a period end after the last close as partial, with the real last day."""
    if end is None:
        return "n/a"
    if data_end is not None and end > data_end:
        return f"partial (to {data_end})"
    return end


def print_rates(p: dict[str, Any]) -> None:
    reg = p["regression"]
    data_end = p.get("data_end")
    ro = p["rolling"]
    if p.get("as_of_note"):
        console.print(f"note: {p['as_of_note']}", highlight=False)
    pair = f"{p['small']} - {p['large']}"
    rows = []
    for k in reg["coefficients"]:
        roll_c = p["rolling"]["coefficients"].get(k, float("nan"))
        roll_t = p["rolling"]["t_stats"].get(k, float("nan"))
        label = "constant (per period)" if k == "const" else f"per +1 pp {k.removeprefix('d_')}"
        rows.append(
            [
                label,
                fmt_pct(reg["coefficients"][k], 2),
                fmt_num(reg["t_stats"][k], 2, sign=True),
                fmt_pct(roll_c, 2),
                fmt_num(roll_t, 2, sign=True),
            ]
        )
    print_table(
        rows,
        [
            f"{reg['frequency']} spread",
            "full period",
            "t",
            f"last {p['rolling']['window']} {p['rolling']['window_unit']}",
            "t",
        ],
        title=f"Rates sensitivity of {pair} ({reg['frequency']} returns)",
        caption=(
            f"{reg['start']}..{_end_label(reg['end'], data_end)}, n={reg['n_obs']}, "
            f"R²={reg['r_squared']:.3f}; "
            f"basis: {', '.join(f'{k} {v}' for k, v in p['provenance']['basis'].items())}; "
            f"full-period t: {reg['cov_type']}; {ro['t_note']}.\n"
            + (f"Joint fit: {reg['partial_effects']}.\n" if reg.get("partial_effects") else "")
            + f"Rolling correlation with ΔDGS10 over the last {ro['window']} "
            f"{ro['window_unit']} ({ro.get('start') or 'n/a'}..{_end_label(ro['end'], data_end)}): "
            f"{fmt_num(ro['correlation'].get('d_DGS10'), 2, sign=True, reason='DGS10 not used')}"
        ),
        right_align=(1, 2, 3, 4),
    )
    rg = p["regimes"]
    horizons = sorted({int(k[5:-1]) for r in rg["rows"] for k in r if k.startswith("mean_")})
    rows = []
    for r in rg["rows"]:
        cells = [r["series"], r["regime"], str(int(r["months"]))]
        for h in horizons:
            n = int(r[f"n_{h}m"])
            cells.append(
                f"{fmt_pct(r[f'mean_{h}m'], 1, reason='no months')} / "
                f"{fmt_pct(r[f'hit_{h}m'], 0, sign=False, reason='no months')} (n={n})"
            )
        rows.append(cells)
    print_table(
        rows,
        ["yield", "month was", "months", *[f"next {h}m: avg / hit" for h in horizons]],
        title=f"{pair} after yields rose / fell (threshold ±{rg['threshold_bp']:g} bp in a month)",
        caption=(
            f"{rg['start']}..{_end_label(rg['end'], data_end)}; {rg['formula']}; "
            "hit = share of months small led"
        ),
        right_align=tuple(range(2, 3 + len(horizons))),
    )
    ev = p["events"]
    shown = [o for o in ("-3", "0", "1", "3", "6", "12") if o in {str(x) for x in ev["offsets"]}]
    rows = [
        [
            r["date"],
            r["kind"].replace("_", " "),
            *[fmt_pct(r[o], 1, reason="beyond data") for o in shown],
        ]
        for r in ev["rows"]
    ]
    for s in ev["summary"]:
        rows.append(
            [
                f"average (n={int(s['n'])})",
                s["kind"].replace("_", " "),
                *[fmt_pct(s[o], 1, reason="no events") for o in shown],
            ]
        )
    print_table(
        rows,
        ["turn", "kind", *[f"{o}m" for o in shown]],
        title=f"{p['small']} vs {p['large']} around Fed policy turns ({p['turns']['series']})",
        caption=(
            "value = (small/large) at the offset / (small/large) on the last close before the "
            "turn - 1 (negative offsets: where the ratio stood before); "
            f"turns: {p['turns']['rule']}"
        ),
        right_align=tuple(range(2, 2 + len(shown))),
    )
    for n in p["notes"]:
        console.print(f"note: {n}", highlight=False)
    pv = p["provenance"]
    console.print(
        f"as of {pv['as_of']}; sources: " + "; ".join(f"{k} {v}" for k, v in pv["sources"].items()),
        highlight=False,
    )
