"""Type aliases shared across capsize."""

from __future__ import annotations

import datetime as dt
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

DateLike: TypeAlias = str | dt.date | dt.datetime | pd.Timestamp | np.datetime64
"""Anything :func:`pandas.Timestamp` accepts as a calendar date."""

FloatArray: TypeAlias = npt.NDArray[np.float64]
"""A float64 numpy array."""

__all__ = ["DateLike", "FloatArray"]
