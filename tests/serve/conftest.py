"""One small trained bundle shared by the serving tests (fitting is the slow part)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import findeep
from findeep.testing import json_record, make_credit_frame


@pytest.fixture(scope="session")
def scoring_frame() -> pd.DataFrame:
    """Rows to score (no target), never seen in training."""
    return make_credit_frame(200, seed=11).drop(columns="default")


@pytest.fixture(scope="session")
def credit_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    frame = make_credit_frame(800, seed=0)
    y = frame.pop("default")
    path = tmp_path_factory.mktemp("serve") / "bundle"
    # one network: bags are served, saved, explained and exported in tests/train/test_bagging.py
    findeep.TabularClassifier(max_epochs=3, bagging=1).fit(frame, y).save(
        path, metrics={"roc_auc": 0.7})
    return path


@pytest.fixture(scope="session")
def credit_model(credit_bundle: Path) -> Any:
    return findeep.load(credit_bundle)


@pytest.fixture(scope="session")
def records(scoring_frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [json_record(row) for row in scoring_frame.to_dict(orient="records")]
