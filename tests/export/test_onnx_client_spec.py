"""The ONNX file plus docs/serving.md's spec is enough to score without findeep.

``client_inputs`` below is a non-Python client's preprocessing, written from the section
"Preparing the inputs without Python" of docs/serving.md and fed only the file's metadata:
plain Python, numpy and scipy's normal quantile, no findeep call. If findeep's
preprocessing changes, these tests fail until the spec (and this client) say the same.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.special import ndtri

import findeep
from findeep.export import export_onnx
from findeep.testing import make_credit_frame

onnx = pytest.importorskip("onnx")
onnxruntime = pytest.importorskip("onnxruntime")
# the rows to score hold unseen, blank and unreadable values on purpose: findeep warns
pytestmark = pytest.mark.filterwarnings("ignore::findeep.data.schema.FindeepWarning")

SPECIAL_CODE = 99.0  # "open_accounts" = 99: a code, not a count
DATE_PARTS = ("days", "year", "month", "dayofweek")


# ---- the client: docs/serving.md, "Preparing the inputs without Python" ----------------------
def client_inputs(metadata: Mapping[str, str], records: Sequence[Mapping[str, Any]],
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(x_num float32, x_cat int64) for ``records`` (dicts of plain values: numbers, date
    text, category values; None or NaN for missing), from the metadata alone."""
    state = json.loads(metadata["findeep.preprocessing"])
    rules = json.loads(metadata["findeep.scoring_rules"])
    raw: dict[str, list[float]] = {}
    for name in state["numeric_columns"]:
        raw[name] = [_number(record[name]) for record in records]
    for name in state["datetime_columns"]:
        day_first = rules["day_first"].get(name)
        parts = [_date_parts(_read_date(record[name], day_first)) for record in records]
        for i, part in enumerate(DATE_PARTS):
            raw[f"{name}__{part}"] = [p[i] for p in parts]
    scaled, missing_indicators, special_indicators = [], [], []
    for numeric in state["numeric"]:
        values = np.array(raw[numeric["name"]], dtype=np.float64)
        missing = ~np.isfinite(values)
        off_scale = missing.copy()
        for code in numeric["special"]:
            is_code = values == code
            special_indicators.append(is_code)
            off_scale |= is_code
        values = np.where(off_scale, numeric["median"], values)
        scaled.append(_scale(values, numeric, state["scaling"], state.get("tie_rule", "mid")))
        if numeric["indicator"]:
            missing_indicators.append(missing)
    columns = [*scaled, *missing_indicators, *special_indicators]
    x_num = np.stack(columns, axis=1).astype(np.float32)
    x_cat = np.zeros((len(records), len(state["categorical"])), dtype=np.int64)
    for j, categorical in enumerate(state["categorical"]):
        levels, rare = categorical["levels"], categorical["rare"]
        known = {*levels, *rare}
        codes = {level: i + 1 for i, level in enumerate(levels)}
        yes_no = len(known) <= 3 and any(k.lower() in ("true", "false") for k in known)
        for i, record in enumerate(records):
            text = _level_text(record[categorical["name"]])
            if not text.strip() and text not in known:
                text = "<missing>"
            if yes_no and text.lower() in ("true", "false"):
                text = next((k for k in known if k.lower() == text.lower()), text)
            x_cat[i, j] = codes.get(text, 0)
    return x_num, x_cat


def _number(value: Any) -> float:
    return math.nan if value is None else float(value)


def _read_date(text: str | None, day_first: bool | None) -> dt.datetime | None:
    if text is None or (isinstance(text, float) and math.isnan(text)) or not text.strip():
        return None
    if day_first is None:  # the dates told no order: ISO 8601
        return dt.datetime.fromisoformat(text.strip())
    try:
        return dt.datetime.strptime(text.strip(), "%d/%m/%Y" if day_first else "%m/%d/%Y")
    except ValueError:  # no date in that order: missing
        return None


def _date_parts(stamp: dt.datetime | None) -> tuple[float, float, float, float]:
    if stamp is None:
        return (math.nan,) * 4
    days = (stamp - dt.datetime(1970, 1, 1)).total_seconds() / 86400.0
    return days, float(stamp.year), float(stamp.month), float(stamp.weekday())


def _scale(values: np.ndarray, numeric: Mapping[str, Any], scaling: str,
           tie_rule: str = "mid") -> np.ndarray:
    if scaling == "standard":
        return np.clip((values - numeric["mean"]) / numeric["std"], -10.0, 10.0)
    q = np.asarray(numeric["quantiles"], dtype=np.float64)
    n = q.size
    if n < 2 or q[0] == q[-1]:
        return np.zeros_like(values)
    uniform = np.empty_like(values)
    distinct = sorted(set(q.tolist()))
    middle = {d: (np.searchsorted(q, d, "left") + np.searchsorted(q, d, "right") - 1)
              / 2.0 / (n - 1) for d in distinct}
    for i, v in enumerate(values):
        first, last = np.searchsorted(q, v, "left"), np.searchsorted(q, v, "right") - 1
        if first <= last:  # v is knot(s) q[first..last]: the middle of their ranks
            uniform[i] = (first + last) / 2.0 / (n - 1)
        elif tie_rule == "continuous":  # the line between the neighbours' middles
            if v < distinct[0] or v > distinct[-1]:
                uniform[i] = middle[distinct[0] if v < distinct[0] else distinct[-1]]
            else:
                j = int(np.searchsorted(distinct, v)) - 1
                low, high = distinct[j], distinct[j + 1]
                uniform[i] = middle[low] + (v - low) / (high - low) * (middle[high]
                                                                       - middle[low])
        elif first == 0:
            uniform[i] = 0.0
        elif first == n:
            uniform[i] = 1.0
        else:  # q[first - 1] < v < q[first]
            below = first - 1
            uniform[i] = (below + (v - q[below]) / (q[first] - q[below])) / (n - 1)
    return np.clip(ndtri(np.clip(uniform, 1e-7, 1 - 1e-7)), -5.0, 5.0)


def _level_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "<missing>"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
        return str(int(number)) if number.is_integer() and abs(number) < 2**53 else repr(number)
    return str(value)


# ---- a bundle with every kind of input -------------------------------------------------------
def _table(n: int, seed: int) -> pd.DataFrame:
    """The credit table with day-first text dates, a yes/no column and a special code."""
    frame = make_credit_frame(n, seed=seed)
    rng = np.random.default_rng(seed + 100)
    frame["applied_on"] = pd.to_datetime(frame["applied_on"]).dt.strftime("%d/%m/%Y")
    frame["has_car"] = rng.random(n) < 0.4
    frame["open_accounts"] = frame["open_accounts"].astype(float)
    frame.loc[rng.random(n) < 0.05, "open_accounts"] = SPECIAL_CODE
    frame["home"] = frame["home"].astype(object)
    frame.loc[rng.random(n) < 0.06, "home"] = None  # enough for a "<missing>" level
    return frame


def _rows_to_score() -> pd.DataFrame:
    """Rows that exercise each rule: days of 12 or less (order matters), blank and unseen
    categories, yes/no spellings, special codes, values beyond the training range."""
    frame = _table(240, seed=4).drop(columns="default")
    stamps = pd.to_datetime(frame["applied_on"], format="%d/%m/%Y")
    frame["applied_on"] = [f"{s.month % 12 + 1:02d}/{s.day % 12 + 1:02d}/{s.year}"
                           for s in stamps]  # day first, every day 12 or less
    frame.loc[0:4, "applied_on"] = ["", "  ", None, "31/12/2021", "13/13/2021"]
    frame.loc[10:29, "home"] = [" ", ""] * 10  # blank: missing
    frame.loc[30:39, "home"] = "boat"  # never seen
    frame["has_car"] = frame["has_car"].astype(object)
    frame.loc[40:47, "has_car"] = ["TRUE", "false", "True", "FALSE", "true", "False", None, "yes"]
    frame.loc[50:54, "open_accounts"] = SPECIAL_CODE
    frame.loc[55:59, "age"] = [150, 5, -1, 19, 79]  # beyond, at the ends of the training range
    frame.loc[60:64, "debt_to_income"] = [-50.0, 500.0, np.nan, 0.0, 95.0]
    return frame


@pytest.fixture(scope="module", params=["quantile", "standard"])
def exported(request, tmp_path_factory):
    train = _table(600, seed=0)
    y = train.pop("default")
    model = findeep.TabularClassifier(
        max_epochs=2, bagging=1, scaling=request.param,
        special_values={"open_accounts": [SPECIAL_CODE]}).fit(train, y)
    path = tmp_path_factory.mktemp("client") / "model.onnx"
    export_onnx(model.pipeline_, path)
    metadata = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    return model, path, metadata


def test_the_file_carries_the_scoring_rules_beside_the_preprocessing_state(exported):
    """day_first (kept in bundle.json's schema, not in the preprocessor) is in the metadata."""
    model, _, metadata = exported
    rules = json.loads(metadata["findeep.scoring_rules"])
    assert rules["day_first"] == {"applied_on": True}
    assert set(rules) == {"day_first", "missing_shares", "scale"}
    assert rules["missing_shares"]["home"] == pytest.approx(
        model.pipeline_.scoring_rules.missing_shares["home"])


def test_a_client_following_the_documented_spec_gets_findeeps_inputs(exported):
    """The spec's inputs equal findeep's scoring inputs (codes exactly, values to float32)."""
    model, _, metadata = exported
    frame = _rows_to_score()
    x_num, x_cat = client_inputs(metadata, frame.to_dict("records"))
    expected_num, expected_cat, _ = model.pipeline_.transform(frame)
    np.testing.assert_array_equal(x_cat, expected_cat)
    np.testing.assert_allclose(x_num, expected_num, rtol=1e-6, atol=1e-6)


def test_a_client_following_the_documented_spec_gets_findeeps_scores(exported):
    """Spec inputs through onnxruntime give findeep's event probabilities within 1e-5."""
    model, path, metadata = exported
    frame = _rows_to_score()
    x_num, x_cat = client_inputs(metadata, frame.to_dict("records"))
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (probability,) = session.run(None, {"x_num": x_num, "x_cat": x_cat})
    np.testing.assert_allclose(probability, model.event_probability(frame), atol=1e-5, rtol=0)


def test_the_documented_python_recipe_scores_as_findeep(exported):
    """pipeline.transform (the preprocessor with the scoring rules) feeds the graph; the
    preprocessor alone reads blank categories and day-first dates as a training table."""
    model, path, _ = exported
    frame = _rows_to_score()
    pipeline = model.pipeline_
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x_num, x_cat, _ = pipeline.preprocessor.transform(frame, pipeline.scoring_rules)
    (probability,) = session.run(None, {"x_num": x_num, "x_cat": x_cat})
    np.testing.assert_allclose(probability, model.event_probability(frame), atol=1e-5, rtol=0)
    bare_num, bare_cat, _ = pipeline.preprocessor.transform(frame)
    assert not (np.array_equal(bare_num, x_num) and np.array_equal(bare_cat, x_cat))
