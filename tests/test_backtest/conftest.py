"""Shared data of the backtest tests: IWM/SPY daily and French size portfolios monthly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest


def _closes(shared_data: Path, symbol: str) -> pd.Series:
    # prices/<SYM>.csv: `close` is the split- and dividend-adjusted (total-return) close
    df = pd.read_csv(shared_data / "prices" / f"{symbol}.csv", parse_dates=["date"])
    return df.set_index("date")["close"].rename(symbol)


@pytest.fixture(scope="session")
def iwm_spy(shared_data: Path) -> pd.DataFrame:
    """Daily total returns of IWM (small) and SPY (large) on their common sessions."""
    closes = pd.concat(
        [_closes(shared_data, "IWM"), _closes(shared_data, "SPY")], axis=1, sort=True
    )
    return closes.dropna().pct_change().iloc[1:]


@pytest.fixture(scope="session")
def iwm_close(shared_data: Path, iwm_spy: pd.DataFrame) -> pd.Series:
    return _closes(shared_data, "IWM").reindex(iwm_spy.index)


@pytest.fixture(scope="session")
def french_size(shared_data: Path) -> pd.DataFrame:
    """Monthly value-weighted returns of the bottom and top size deciles since 1926."""
    df = pd.read_csv(
        shared_data / "macro" / "Portfolios_Formed_on_ME_VW_monthly.csv", parse_dates=["date"]
    )
    out = df.set_index("date")[["Lo 10", "Hi 10"]] / 100.0
    assert np.isfinite(out.to_numpy()).all()
    return out.rename(columns={"Lo 10": "small", "Hi 10": "large"})


@pytest.fixture(scope="session")
def french_rf(shared_data: Path) -> pd.Series:
    df = pd.read_csv(shared_data / "macro" / "FF3_monthly.csv", parse_dates=["date"])
    return df.set_index("date")["RF"] / 100.0
