"""The alert rule: validated on creation, one-line errors, defaults filled, round trip."""

from __future__ import annotations

import importlib

import pytest

from capsize.alerts import KINDS, AlertRuleError, Rule, check_channel, rule_id_from
from capsize.errors import InputError


def test_all_is_sorted_and_resolves() -> None:
    for name in ("capsize.alerts", "capsize.queries.alerts"):
        mod = importlib.import_module(name)
        names = list(mod.__all__)

        def key(n: str) -> tuple[int, str]:
            return (0 if n.isupper() else 1 if n[:1].isupper() else 2, n)

        assert names == sorted(set(names), key=key)
        assert all(getattr(mod, n) is not None for n in names)


def test_defaults_are_filled_and_equal_rules_compare_equal() -> None:
    a = Rule("r", "IWM 50d", "price_ma", symbols=("iwm",), params={})
    b = Rule(
        "r", "IWM  50d", "price_ma", symbols=["IWM"], params={"window": "50", "direction": "BOTH"}
    )  # type: ignore[arg-type]
    assert a == b
    assert a.params == (("direction", "both"), ("window", 50))
    assert a.cooldown == KINDS["price_ma"].default_cooldown
    assert a.channels == ("log",)


def test_round_trip_through_dict() -> None:
    r = Rule(
        "rs-200",
        "IWM/SPY 200",
        "rs_cross",
        symbols=("IWM", "SPY"),
        params={"window": 200, "direction": "up"},
        cooldown=3,
        channels=("log", "email:me@example.com", "webhook:https://example.com/hook"),
    )
    assert Rule.from_dict(r.to_dict()) == r


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"kind": "price_crosses"}, "kind 'price_crosses' is unknown"),
        ({"id": "Bad Id"}, "rule id 'Bad Id' is not valid"),
        ({"name": " "}, "rule name is empty"),
        ({"params": {}}, "needs level"),
        ({"params": {"level": "x"}}, "level='x' is not a number"),
        ({"params": {"level": -1}}, "outside"),
        ({"params": {"level": float("nan")}}, "outside"),
        ({"params": {"level": 1, "lvl": 2}}, "unknown parameter 'lvl'"),
        ({"params": {"level": 1, "direction": "sideways"}}, "is not one of up, down, both"),
        ({"symbols": ()}, "needs symbols or a watchlist"),
        ({"symbols": ("IWM",), "watchlist": "banks"}, "not both"),
        ({"symbols": ("IWM;DROP",)}, "is not a symbol"),
        ({"cooldown": -1}, "cool-down -1"),
        ({"channels": ("sms:123",)}, "alert channel 'sms:123' is not valid"),
        ({"channels": ("email:nobody",)}, "is not valid"),
        ({"channels": ()}, "no channel"),
    ],
)
def test_validation_errors_are_one_line_input_errors(fields: dict, words: str) -> None:
    base = {
        "id": "r1",
        "name": "IWM 250",
        "kind": "price_level",
        "symbols": ("IWM",),
        "params": {"level": 250},
    }
    with pytest.raises(AlertRuleError) as info:
        Rule(**{**base, **fields})
    assert isinstance(info.value, InputError)
    assert words in str(info.value)
    assert "\n" not in str(info.value)


def test_subjects_of_each_kind_are_checked() -> None:
    with pytest.raises(AlertRuleError, match="exactly two symbols"):
        Rule("r", "rs", "rs_cross", symbols=("IWM",))
    with pytest.raises(AlertRuleError, match="watches the universe"):
        Rule("r", "b", "breadth_thrust", symbols=("IWM",))
    with pytest.raises(AlertRuleError, match="needs item"):
        Rule("r", "f", "filing_8k", watchlist="banks")
    ok = Rule("r", "f", "filing_8k", watchlist="banks", params={"item": "3.03/5.03"})
    assert ok.watchlist == "banks" and ok.param("item") == "3.03/5.03"


def test_every_kind_builds_with_its_defaults() -> None:
    needs = {"level": 0.5, "item": "1.01"}
    for name, kind in KINDS.items():
        params = {p.name: needs[p.name] for p in kind.params if p.default is None}
        symbols = {"symbols": ("IWM",), "pair": ("IWM", "SPY")}.get(kind.subjects, ())
        rule = Rule(f"k-{name.replace('_', '-')}", name, name, symbols=symbols, params=params)
        assert {k for k, _ in rule.params} == {p.name for p in kind.params}


def test_ids_and_channels_helpers() -> None:
    assert rule_id_from("Small caps: thrust!") == "small-caps-thrust"
    with pytest.raises(AlertRuleError):
        rule_id_from("!!!")
    assert check_channel("log") == "log"
    assert check_channel("webhook:http://127.0.0.1:8080/x") == "webhook:http://127.0.0.1:8080/x"
