"""The parameters of a backtest: one table, validated once for the API, the CLI and TOML.

A parameter has a type, a default, the strategies it applies to and its bounds or
choices (:data:`PARAMS`). :func:`resolve_params` checks a mapping of single values;
:func:`expand_grid` turns a mapping whose values may be lists (grid axes) into the
configurations of a sweep, in a stable order (the last axis varies fastest).

Signals a rotation can trade on (:func:`check_signal`):

* the rating card's month-end signals (:data:`~capsize.queries.backtesting.CARD_SIGNALS`:
  ``score``, ``relative_strength``, ``rates_regime``, ...), each -2..+2;
* ``rs_ma<N>``: the IWM/SPY ratio against its ``N``-session mean, daily (fraction);
* ``rs_cross<F>_<S>``: the ratio's ``F``-session mean against its ``S``-session mean
  minus one, daily (a moving-average crossover when the threshold is 0).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from capsize.errors import InputError
from capsize.queries.backtesting._signals import CARD_SIGNALS

__all__ = [
    "MAX_CONFIGS",
    "PARAMS",
    "STRATEGIES",
    "Param",
    "check_signal",
    "check_strategy",
    "expand_grid",
    "resolve_params",
]

STRATEGIES: tuple[str, ...] = ("rotation", "sleeve", "dca")
"""Strategies of :func:`capsize.queries.backtesting`."""

MAX_CONFIGS = 100_000
"""Largest grid :func:`expand_grid` accepts (a bigger one is refused with its size)."""

_ALL = STRATEGIES


@dataclass(frozen=True)
class Param:
    """One backtest parameter.

    Attributes
    ----------
    name : str
        Keyword of the query (``cost_bps``); the CLI option is ``--cost-bps``.
    kind : {"float", "int", "str"}
        Value type.
    default : float, int or str
        Value when not given.
    strategies : tuple of str
        Strategies that use it (given to another strategy: an error).
    help : str
        What it means, with units.
    low, high : float or None
        Inclusive bounds of a number.
    choices : tuple of str
        Allowed values of a text parameter (empty: any, checked elsewhere).
    monthly : float, int, str or None
        Default on monthly legs (the French universe), when ``default`` counts sessions
        (None: ``default`` on both).
    """

    name: str
    kind: str
    default: float | int | str
    strategies: tuple[str, ...]
    help: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    monthly: float | int | str | None = None

    def default_for(self, monthly: bool) -> float | int | str:
        """Return the default on monthly legs (``monthly=True``) or daily ones."""
        return self.monthly if monthly and self.monthly is not None else self.default


PARAMS: dict[str, Param] = {
    p.name: p
    for p in (
        Param(
            "signal",
            "str",
            "score",
            ("rotation",),
            "signal to trade: a rating-card signal (score, relative_strength, rates_regime, "
            "flows, size_factor_regime, ...), rs_ma<N> or rs_cross<F>_<S>",
        ),
        Param(
            "threshold",
            "float",
            0.0,
            ("rotation",),
            "small caps while the signal is above it (signal units)",
        ),
        Param(
            "below",
            "str",
            "large",
            ("rotation",),
            "held at or below the threshold",
            choices=("large", "cash"),
        ),
        Param(
            "hold",
            "int",
            1,
            ("rotation",),
            "minimum sessions a position is kept",
            low=1,
            high=2520,
        ),
        Param(
            "lag",
            "int",
            1,
            ("rotation",),
            "sessions from the signal's close to the trade",
            low=1,
            high=252,
        ),
        Param(
            "weight",
            "float",
            0.2,
            ("sleeve",),
            "small-cap sleeve weight (fraction)",
            low=0.0,
            high=1.0,
        ),
        Param(
            "rebalance",
            "str",
            "M",
            ("sleeve",),
            "calendar rebalancing: M, Q, A (first session of each month, quarter, year) or none",
            choices=("M", "Q", "A", "none"),
        ),
        Param(
            "band",
            "float",
            0.0,
            ("sleeve",),
            "rebalancing band, absolute weight (0: none; with rebalance=none the band alone "
            "triggers trades)",
            low=0.0,
            high=1.0,
        ),
        Param(
            "segment",
            "str",
            "small",
            ("dca",),
            "leg averaged into",
            choices=("small", "large"),
        ),
        Param(
            "n_buys",
            "int",
            12,
            ("dca",),
            "equal purchases (1: the lump sum itself)",
            low=1,
            high=1000,
        ),
        Param(
            "every",
            "int",
            21,
            ("dca",),
            "periods between purchases: sessions on IWM/SPY (default 21), months on the "
            "French legs (default 1)",
            low=1,
            high=2520,
            monthly=1,
        ),
        Param(
            "cost_bps",
            "float",
            0.0,
            _ALL,
            "commission per one-way trade, bps of value traded",
            low=0.0,
            high=10_000.0,
        ),
        Param(
            "slippage_bps",
            "float",
            0.0,
            _ALL,
            "slippage per one-way trade, bps",
            low=0.0,
            high=10_000.0,
        ),
        Param(
            "spread_bps",
            "float",
            0.0,
            _ALL,
            "full bid-ask spread, bps (a one-way trade pays half)",
            low=0.0,
            high=10_000.0,
        ),
    )
}
"""Every parameter, in the order the CLI lists them."""

_RS_MA = re.compile(r"rs_ma(\d+)")
_RS_CROSS = re.compile(r"rs_cross(\d+)_(\d+)")


def check_signal(name: str) -> str:
    """Return ``name`` when it names a signal (see the module docstring).

    Raises
    ------
    InputError
        Naming the signal and the known ones.

    Examples
    --------
    >>> check_signal("rs_cross50_200")
    'rs_cross50_200'
    """
    if name in CARD_SIGNALS:
        return name
    m, c = _RS_MA.fullmatch(name), _RS_CROSS.fullmatch(name)
    if m is not None and 2 <= int(m.group(1)) <= 1000:
        return name
    if c is not None and 1 <= int(c.group(1)) < int(c.group(2)) <= 1000:
        return name
    raise InputError(
        f"signal {name!r} is unknown; use one of {', '.join(CARD_SIGNALS)}, rs_ma<N> "
        "(e.g. rs_ma200) or rs_cross<F>_<S> with F < S (e.g. rs_cross50_200)"
    )


def _number(p: Param, value: object) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"{p.name}={value!r} is not a number; e.g. {p.name} = {p.default!r}")
    if p.kind == "int" and not float(value).is_integer():
        raise InputError(f"{p.name}={value!r} must be a whole number; e.g. {p.default!r}")
    v: float | int = int(value) if p.kind == "int" else float(value)
    ok = math.isfinite(v) and (p.low is None or v >= p.low) and (p.high is None or v <= p.high)
    if not ok:
        raise InputError(f"{p.name}={value!r} is out of range; use {p.low:g}..{p.high:g}")
    return v


def _check(p: Param, value: object) -> float | int | str:
    if p.kind != "str":
        return _number(p, value)
    if not isinstance(value, str):
        raise InputError(f"{p.name}={value!r} must be text; e.g. {p.name} = {p.default!r}")
    if p.choices and value not in p.choices:
        raise InputError(f"{p.name}={value!r} is not one of {', '.join(p.choices)}")
    return check_signal(value) if p.name == "signal" else value


def check_strategy(strategy: object) -> str:
    """Return ``strategy`` when it is one of :data:`STRATEGIES` (else InputError)."""
    if strategy not in STRATEGIES:
        raise InputError(f"strategy {strategy!r} is unknown; use one of {', '.join(STRATEGIES)}")
    return str(strategy)


def resolve_params(
    strategy: str, given: Mapping[str, object], *, monthly: bool = False
) -> dict[str, Any]:
    """Return every parameter of ``strategy``: the given values over the defaults, checked.

    ``monthly=True`` takes the defaults of monthly legs (:attr:`Param.monthly`).

    Raises
    ------
    InputError
        For an unknown strategy or parameter, a parameter of another strategy, a wrong
        type or a value out of range (the message names it and the accepted values).
    """
    strategy = check_strategy(strategy)
    out: dict[str, Any] = {}
    for key in given:
        p = PARAMS.get(key)
        if p is None:
            raise InputError(f"parameter {key!r} is unknown; known: {', '.join(PARAMS)}")
        if strategy not in p.strategies:
            raise InputError(
                f"parameter {key!r} does not apply to the {strategy} strategy "
                f"(it is for {', '.join(p.strategies)})"
            )
    for p in PARAMS.values():
        if strategy in p.strategies:
            out[p.name] = _check(p, given.get(p.name, p.default_for(monthly)))
    return out


def expand_grid(
    strategy: str, given: Mapping[str, object], *, monthly: bool = False
) -> list[dict[str, Any]]:
    """Return the configurations of a grid: the product of every list-valued parameter.

    Parameters
    ----------
    strategy : str
        One of :data:`STRATEGIES`.
    given : mapping
        Parameter -> a value, or a list of values (a grid axis; an empty list is an
        error, a list of one value is a fixed value).

    Returns
    -------
    list of dict
        Each a complete, checked parameter set (see :func:`resolve_params`); the last
        axis varies fastest.

    Raises
    ------
    InputError
        As :func:`resolve_params`, for an empty axis or more than :data:`MAX_CONFIGS`
        configurations.

    Examples
    --------
    >>> [c["threshold"] for c in expand_grid("rotation", {"threshold": [0, 0.5]})]
    [0.0, 0.5]
    """
    axes: dict[str, Sequence[object]] = {}
    for k, v in given.items():
        values = list(v) if isinstance(v, (list, tuple)) else [v]
        if not values:
            raise InputError(f"grid axis {k!r} is an empty list; give at least one value")
        if len({repr(x) for x in values}) != len(values):
            raise InputError(f"grid axis {k!r} lists a value twice; list each value once")
        axes[k] = values
    n = math.prod(len(v) for v in axes.values())
    if n > MAX_CONFIGS:
        raise InputError(
            f"the grid has {n:,} configurations, more than {MAX_CONFIGS:,}; shorten an axis"
        )
    keys = list(axes)
    return [
        resolve_params(strategy, dict(zip(keys, combo, strict=True)), monthly=monthly)
        for combo in itertools.product(*(axes[k] for k in keys))
    ]
