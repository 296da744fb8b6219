"""The CDNOW sample (tests/fixtures/cdnow/), loaded once per test session."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from numpy.typing import NDArray

CDNOW = Path(__file__).resolve().parent.parent / "fixtures" / "cdnow"
CALIBRATION_END = "1997-09-30"  # the end of week 39, as in Fader, Hardie & Lee (2005)
OBSERVATION_END = "1998-06-30"  # the end of week 78


@dataclass(frozen=True)
class Transactions:
    customer_id: NDArray[np.int64]
    day: NDArray[np.datetime64]
    amount: NDArray[np.float64]


@pytest.fixture(scope="session")
def cdnow_transactions() -> Transactions:
    rows = [line.split() for line in (CDNOW / "CDNOW_sample.txt").read_text().splitlines() if line]
    return Transactions(
        customer_id=np.array([int(r[1]) for r in rows]),
        day=np.array([f"{r[2][:4]}-{r[2][4:6]}-{r[2][6:]}" for r in rows], dtype="datetime64[D]"),
        amount=np.array([float(r[4]) for r in rows]),
    )


@pytest.fixture(scope="session")
def cdnow_summary() -> pl.DataFrame:
    """The published calibration summary: ID, frequency, recency, T (weeks, 2 decimals)."""
    return pl.read_csv(CDNOW / "cdnow_customers_summary.csv")


@pytest.fixture(scope="session")
def cdnow_summary_with_values() -> pl.DataFrame:
    """The published summary with zbar, the mean repeat-purchase value rounded to cents."""
    return pl.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")
