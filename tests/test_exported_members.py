"""The public API: every exported name exists, and __all__ lists are sorted and complete."""

from __future__ import annotations

import importlib

import pytest

PACKAGES = [
    "capsize",
    "capsize.data",
    "capsize.analytics",
    "capsize.data.providers",
    "capsize.stocks",
    "capsize.report",
    "capsize.backtest",
    "capsize.backtest.sweep",
    "capsize.scale",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_names_resolve(name: str) -> None:
    mod = importlib.import_module(name)
    for member in mod.__all__:
        assert getattr(mod, member) is not None, f"{name}.{member}"


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_sorted_and_unique(name: str) -> None:
    names = importlib.import_module(name).__all__
    assert len(set(names)) == len(names)

    # isort style (ruff RUF022): CONSTANTS, then Classes, then functions
    def key(n: str) -> tuple[int, str]:
        return (0 if n.isupper() else 1 if n[:1].isupper() else 2, n)

    assert list(names) == sorted(names, key=key)


def test_errors_are_capsize_errors() -> None:
    import capsize

    for n in ("DataNotFound", "InputError", "ProviderError", "SchemaError", "StoreError"):
        assert issubclass(getattr(capsize, n), capsize.CapsizeError)


def test_api_round_trip() -> None:
    import pandas as pd

    import capsize

    closes = pd.Series(
        [100.0, 101.0, 103.0], index=pd.to_datetime(["2024-12-31", "2025-01-02", "2025-01-03"])
    )
    r = capsize.window_return(adjusted=closes, window=capsize.ytd("2025-01-03"), symbol="X")
    assert r.total.value == pytest.approx(0.03)
