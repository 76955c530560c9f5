"""Named hostile tables: each builds a file (or names a missing one) for the CLI to face.

``docs/hostile-inputs.md`` has one row per case, pinned by ``test_hostile_inputs.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


def good_frame(n: int = 120, seed: int = 0) -> pd.DataFrame:
    """The table the shared bundle is trained on: two numbers, a category, a 0/1 target."""
    rng = np.random.default_rng(seed)
    income = rng.normal(50, 15, n)
    return pd.DataFrame({"income": income, "age": rng.integers(20, 70, n),
                         "home": rng.choice(["rent", "own", "mortgage"], n),
                         "y": (income + rng.normal(0, 10, n) < 45).astype(int)})


def _csv(frame: pd.DataFrame) -> Callable[[Path], Path]:
    def build(directory: Path) -> Path:
        path = directory / "data.csv"
        frame.to_csv(path, index=False)
        return path
    return build


def _text(text: str | bytes, suffix: str = ".csv") -> Callable[[Path], Path]:
    def build(directory: Path) -> Path:
        path = directory / f"data{suffix}"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path
    return build


def _parquet(table: pa.Table) -> Callable[[Path], Path]:
    def build(directory: Path) -> Path:
        path = directory / "data.parquet"
        pq.write_table(table, path)
        return path
    return build


def _with(**changes: Callable[[pd.DataFrame], object]) -> pd.DataFrame:
    frame = good_frame()
    for column, make in changes.items():
        frame[column] = make(frame)
    return frame


def _good_csv_text() -> str:
    return good_frame().to_csv(index=False)


N = len(good_frame())
RNG = np.random.default_rng(1)
CASES: dict[str, Callable[[Path], Path]] = {
    "duplicate-column-names": _text(_good_csv_text().replace("income,age", "income,income", 1)),
    "unicode-column-names": _csv(good_frame().rename(
        columns={"income": "収入 €", "age": "âge 🙂"})),
    "empty-column-name": _text(_good_csv_text().replace("income,", ",", 1)),
    "blank-column-name": _text(_good_csv_text().replace("income,", "   ,", 1)),
    "markup-column-name": _csv(good_frame().rename(columns={"income": "[red]income[/red]"})),
    "very-long-column-name": _csv(good_frame().rename(columns={"income": "x" * 1000})),
    "numeric-column-names": _csv(good_frame().rename(columns={"income": "0", "age": "1"})),
    "all-nan-column": _csv(_with(income=lambda f: np.nan)),
    "all-nan-target": _csv(_with(y=lambda f: np.nan)),
    "some-nan-target": _csv(_with(y=lambda f: f["y"].where(f.index % 7 != 0))),
    "positive-inf": _csv(_with(income=lambda f: f["income"].where(f.index != 3, np.inf))),
    "negative-inf": _csv(_with(
        age=lambda f: f["age"].astype(float).where(f.index != 5, -np.inf))),
    "inf-in-target": _csv(_with(y=lambda f: f["y"].astype(float).where(f.index != 2, np.inf))),
    "one-row": _csv(good_frame().head(1)),
    "two-rows": _csv(good_frame().head(2)),
    "zero-rows": _csv(good_frame().head(0)),
    "empty-file": _text(""),
    "one-class-target": _csv(_with(y=lambda f: 1)),
    "10000-level-categorical": _csv(pd.concat([good_frame(10_000, seed=2)], ignore_index=True)
                                    .assign(home=[f"h{i}" for i in range(10_000)])),
    "mixed-types-in-column": _csv(_with(age=lambda f: [str(v) if i % 3 else f"age {v}"
                                                        for i, v in enumerate(f["age"])])),
    "numbers-as-text-in-one-row": _csv(_with(income=lambda f: f["income"].astype(object)
                                              .where(f.index != 4, "n/a"))),
    "utf8-bom": _text("\ufeff" + _good_csv_text()),
    "quoted-newlines": _csv(_with(home=lambda f: [f'{h}\nline two, "quoted"' for h in f["home"]])),
    "semicolon-decimal-commas": _text(good_frame().to_csv(index=False, sep=";", decimal=",")),
    "ragged-rows": _text(_good_csv_text() + "1.0,2,rent,0,extra,fields\n"),
    "binary-garbage": _text(bytes(RNG.integers(0, 256, 2048, dtype=np.uint8))),
    "latin-1-encoding": _text(_good_csv_text().replace("rent", "résidence").encode("latin-1")),
    "missing-file": lambda directory: directory / "absent.csv",
    "directory-not-file": lambda directory: directory,
    "unknown-extension": _text(_good_csv_text(), suffix=".xlsx"),
    "parquet-list-column": _parquet(pa.Table.from_pandas(good_frame()).append_column(
        "tags", pa.array([["a", "b"]] * N))),
    "parquet-struct-column": _parquet(pa.Table.from_pandas(good_frame()).append_column(
        "address", pa.array([{"city": "x", "zip": 1}] * N))),
    "parquet-list-as-only-extra-input": _parquet(pa.table({
        "income": pa.array(good_frame()["income"]), "scores": pa.array([[1.0, 2.0]] * N),
        "y": pa.array(good_frame()["y"])})),
    "missing-target-column": _csv(good_frame().drop(columns=["y"])),
    "missing-feature-column": _csv(good_frame().drop(columns=["income"])),
    "only-target-column": _csv(good_frame()[["y"]]),
    "all-constant-features": _csv(_with(income=lambda f: 1.0, age=lambda f: 1,
                                        home=lambda f: "x")),
    "unseen-categories": _csv(_with(home=lambda f: "castle")),
    "boolean-target": _csv(_with(y=lambda f: f["y"].astype(bool))),
    "text-target": _csv(_with(y=lambda f: np.where(f["y"] == 1, "bad", "good"))),
    "a-class-in-one-row": _csv(_with(y=lambda f: np.where(  # a third class, only in row 7
        f.index == 7, "rare", np.where(f["y"] == 1, "bad", "good")))),
    "huge-numbers": _csv(_with(income=lambda f: f["income"] * 1e300)),
    "mixed-timezone-dates": _csv(_with(age=lambda f: [
        "2024-01-01T00:00:00+01:00" if i % 2 else "2024-06-01 12:00" for i in range(len(f))])),
}
CASES["newline-in-column-name"] = _csv(good_frame().rename(columns={"y": "y\nsecond line"}))
# a column filled only for one class (an amount recovered on defaulted loans): a leak, warned
CASES["a-column-that-leaks-the-target"] = _csv(_with(
    recovered=lambda f: np.where(f["y"] == 1, 100.0 + f.index, 0.0)))
# the UCI repository's missing-value mark among numbers (over the 1% of stray values)
CASES["question-marks-among-numbers"] = _csv(_with(
    income=lambda f: f["income"].astype(object).where(f.index % 20 != 0, "?")))
# one event in ten rows: the stratified test split holds no event, so there is no gains table
CASES["no-event-in-the-test-split"] = _csv(good_frame().head(10).assign(y=[1] + [0] * 9))
