"""A gradient-boosting partner inside a findeep bundle: ``default+catboost`` as a model.

The benchmark's blend row (``evaluate/blends.py``) shows whether the network adds anything to
CatBoost on a user's own folds; on issue 12's 22 credit tables `default` and CatBoost half
each were ahead of CatBoost beyond the noise on 15 and behind on none. This module makes that
blend a model one can deploy: ``findeep train DATA --model default+catboost`` fits the network
as usual and CatBoost (its defaults, the benchmark's columns) on the same training rows, and
the bundle scores their blend exactly as the benchmark row does (``blend_prediction``: logits
averaged for a binary target, probabilities for multiclass, values for a regression).

A regression's prediction intervals are calibrated on rows neither half trained on: CatBoost
is fitted on the network's training rows only (not its early-stopping rows), and the
split-conformal residuals are the blend's on those held-out rows
(``pipeline._with_partner_fitted``). So a regression blend trains one network (a bag's
out-of-fold rows have no CatBoost prediction to pair with) and takes split-conformal intervals
(CQR's quantile network has no CatBoost half).

CatBoost is saved in its own binary format (``partner.cbm``, listed in the bundle's
checksums and verified before it is read): a CatBoost model file holds trees and numbers,
never code, so reading it runs nothing, unlike a pickle.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from findeep.data.number_text import numbers_of
from findeep.data.schema import Schema, parse_datetimes
from findeep.errors import BundleError, ConfigError
from findeep.evaluate.baselines import (
    BaselineInputs,
    CatBoostAdapter,
    make_baseline,
)
from findeep.evaluate.blends import blend_parts, blend_prediction, is_blend
from findeep.features.tabular import (
    MISSING_LEVEL,
    SPECIAL_MARK,
    date_parts,
    refuse_date_part_names,
    special_input_name,
)

PARTNERS = {"catboost": "partner.cbm"}  # name -> its file in the bundle
SHARE = 0.5  # the benchmark's blend: half each
EXTRA_HINT = "pip install 'findeep[baselines]'"
LIST_ROWS = 64  # up to this many rows, CatBoost gets plain lists (no DataFrame to build)


def split_blend_model(model: str) -> tuple[str, str] | None:
    """``"default+catboost"`` -> ``("default", "catboost")`` (network, partner); None for a
    plain model name; ``ConfigError`` for a blend findeep cannot train as one model."""
    if not is_blend(model):
        return None
    parts = blend_parts(model)
    partners = [p for p in parts if p in PARTNERS]
    networks = [p for p in parts if p not in PARTNERS]
    if len(parts) != 2 or len(partners) != 1 or len(networks) != 1:
        raise ConfigError(f"'{model}' cannot be trained as one model: a blend to deploy is a "
                          f"network and one of {', '.join(PARTNERS)}, as in "
                          "'default+catboost' (findeep benchmark --models compares any blend).")
    return networks[0], partners[0]


def check_partner_available(name: str) -> None:
    if importlib.util.find_spec(name) is None:
        raise ConfigError(f"a blend with {name} needs {name}: {EXTRA_HINT}.")


def check_blend_options(*, task: str, class_weight: Any, interval_method: str = "split-conformal",
                        bagging: int | str = "auto") -> None:
    """One sentence for what a network+GBDT blend cannot honour."""
    if task == "regression" and interval_method != "split-conformal":
        raise ConfigError("a regression blend's intervals are split-conformal, calibrated on "
                          "rows neither half trained on: CQR's quantile network has no "
                          "CatBoost half (leave --interval-method out).")
    if task == "regression" and str(bagging) not in ("1", "auto"):
        raise ConfigError("a regression blend trains one network, whose early-stopping rows "
                          "calibrate the blend's intervals (a bag's out-of-fold rows have no "
                          "CatBoost prediction to pair with): use bagging 1 or auto.")
    if class_weight is not None and class_weight != "balanced":
        raise ConfigError("a blend with CatBoost takes class_weight 'balanced' or none.")


@dataclass
class BlendPartner:
    """A fitted CatBoost beside the network; ``raw_prediction`` gives ``predict_raw``'s
    layout, ``blend`` the bundle's output."""

    name: str
    task: str
    adapter: CatBoostAdapter  # the fitted catboost.CatBoostClassifier and its categoricals
    columns: list[str]  # its input columns, in order
    special_values: dict[str, list[float]]
    share: float = SHARE
    monotone: dict[str, int] | None = None  # input column -> +1/-1 on P(code 1), if any
    # each category column's texts in the rows CatBoost was fitted on: what an ONNX export
    # needs to look up CatBoost's hashes (None in bundles written before it was kept)
    levels: dict[str, list[str]] | None = None

    @classmethod
    def fit(cls, name: str, *, task: str, frame: pd.DataFrame, schema: Schema,
            y_codes: np.ndarray, seed: int, special_values: dict[str, list[float]],
            sample_weight: np.ndarray | None = None, balanced: bool = False,
            monotone: dict[str, int] | None = None,
            progress: Callable[[int], Any] | None = None) -> BlendPartner:
        """``progress(trees)``: a context manager yielding ``advance(done)`` or None
        (``train.progress.count_progress`` with its description bound), for the fit's bar.

        ``monotone`` (input column -> +1/-1, the direction of P(code 1), as the network's
        constraints): CatBoost's own constraints on those columns, with its category
        statistics one column at a time so that they hold (``make_baseline``); the blend of
        two logits each monotone in a column is monotone in it."""
        check_partner_available(name)
        table = pd.DataFrame(_catboost_columns(frame, schema, special_values))
        categorical = schema.names_of("categorical")
        # the names are the network's, checked by its fit (a date's part included)
        monotone = {str(k): int(v) for k, v in (monotone or {}).items()} or None
        adapter = make_baseline(name, task, BaselineInputs(
            table, categorical, [c for c in table.columns if c not in categorical]), seed,
            monotone=monotone)
        if balanced:
            adapter.model.set_params(auto_class_weights="Balanced")
        with progress(adapter.planned_trees) if progress else nullcontext() as advance:
            adapter.fit(table, np.asarray(y_codes), sample_weight=sample_weight,
                        on_tree=advance)
        levels = {column: sorted({str(text) for text in table[column]})
                  for column in categorical}
        return cls(name, task, adapter, list(table.columns),
                   {k: list(v) for k, v in special_values.items()}, monotone=monotone,
                   levels=levels)

    def raw_prediction(self, frame: pd.DataFrame, schema: Schema) -> np.ndarray:
        """The partner's own output: P(code 1) for binary, (n, classes) for multiclass, values
        for a regression.

        Reads ``frame`` as training did (``_catboost_columns``: the benchmark's numbers,
        date parts, codes and category strings, as arrays, not pandas categories: a served
        record costs ~1 ms here instead of ~9 ms), and a request of a few rows goes to
        CatBoost as plain lists, which skips building a DataFrame."""
        return self._predict(_catboost_columns(frame, schema, self.special_values), len(frame))

    def raw_prediction_of_records(self, records: Sequence[Mapping[str, Any]],
                                  raw_numbers: np.ndarray, raw_names: list[str],
                                  schema: Schema) -> np.ndarray:
        """``raw_prediction`` of served records, whose numbers and date parts the network's
        record encoder has already read (``RecordEncoder.raw_numbers``, columns
        ``raw_names``): served, a record's median latency rises 0.1-0.8 ms over the network's. A
        categorical field whose texts a table of the records could read otherwise (numbers of
        mixed types, a number beside a null: ``_record_texts``) goes the table's way."""
        def the_table_way() -> np.ndarray:
            table = pd.DataFrame.from_records(list(records)).reindex(columns=schema.used_names)
            return self.raw_prediction(table, schema)

        columns = dict(zip(raw_names, raw_numbers.T, strict=True))
        for name in schema.names_of("categorical"):
            texts = _record_texts([record.get(name) for record in records])
            if texts is None:
                return the_table_way()
            columns[name] = texts
        _mark_special_values(columns, self.special_values)
        if not set(self.columns) <= columns.keys():  # not the encoder's layout
            return the_table_way()
        return self._predict(columns, len(records))

    @property
    def number_columns(self) -> list[str]:
        """The partner's inputs that are numbers (numeric columns, date parts, special-value
        indicators), in its column order."""
        return [c for c in self.columns if c not in self.adapter.categorical]

    def input_arrays(self, frame: pd.DataFrame, schema: Schema) -> tuple[np.ndarray, np.ndarray]:
        """``frame`` as an ONNX export of the blend takes it: ``(numbers float32
        (n, len(number_columns)), texts str (n, len(adapter.categorical)))``, read as
        ``raw_prediction`` reads it."""
        columns = _catboost_columns(frame, schema, self.special_values)
        return self._arrays_of(columns, len(frame))

    def _arrays_of(self, columns: Mapping[str, np.ndarray], n: int
                   ) -> tuple[np.ndarray, np.ndarray]:
        """``input_arrays``' layout of ``_catboost_columns``' arrays."""
        numbers = np.zeros((n, 0), dtype=np.float32) if not self.number_columns else \
            np.column_stack([np.asarray(columns[c], dtype=np.float64)
                             for c in self.number_columns]).astype(np.float32)
        texts = np.empty((n, 0), dtype=object) if not self.adapter.categorical else \
            np.column_stack([np.asarray(columns[c], dtype=object)
                             for c in self.adapter.categorical])
        return numbers, texts

    def raw_prediction_of_arrays(self, numbers: np.ndarray, texts: np.ndarray) -> np.ndarray:
        """``raw_prediction`` of inputs already in ``input_arrays``' layout (an ONNX
        export's parity check)."""
        columns: dict[str, np.ndarray] = {
            name: numbers[:, j].astype(np.float64) for j, name in enumerate(self.number_columns)}
        columns.update({name: texts[:, j] for j, name in enumerate(self.adapter.categorical)})
        return self._predict(columns, len(numbers))

    def _predict(self, columns: dict[str, np.ndarray], n: int) -> np.ndarray:
        data = [columns[name] for name in self.columns]
        if n <= LIST_ROWS:
            rows: Any = [list(row) for row in zip(*(c.tolist() for c in data), strict=True)]
        else:
            rows = pd.DataFrame(dict(zip(self.columns, data, strict=True)))
        if self.task == "regression":
            return np.asarray(self.adapter.model.predict(rows), dtype=np.float64)
        probabilities = np.asarray(self.adapter.model.predict_proba(rows), dtype=np.float64)
        return probabilities[:, 1] if self.task == "binary" else probabilities

    def blend(self, network_prediction: np.ndarray, partner_prediction: np.ndarray
              ) -> np.ndarray:
        """The network's ``predict_raw`` output blended with the partner's on the same rows
        (``raw_prediction`` or ``raw_prediction_of_records``), in the network's dtype; a
        binary blend, whose network half comes in float64 (``logits_to_prediction``), in
        float32 as the network alone gives it."""
        blended = blend_prediction(self.task, [network_prediction, partner_prediction])
        dtype = np.float32 if self.task == "binary" else np.asarray(network_prediction).dtype
        return blended.astype(dtype, copy=False)

    def shap_by_column(self, frame: pd.DataFrame, schema: Schema, columns: list[str]
                       ) -> tuple[np.ndarray, np.ndarray, float]:
        """Binary or regression: CatBoost's own SHAP values for the rows of ``frame``,
        summed to ``columns`` (a date's parts and a code's 0/1 column to the column they
        came from), in the log-odds of classes[1] (a regression: in the target's units):
        ``(values (n, len(columns)), output (n,), expected output)``. Each row's values add
        up to its output less the expected."""
        import catboost

        inputs = pd.DataFrame(_catboost_columns(frame, schema, self.special_values))
        pool = catboost.Pool(inputs[self.columns], cat_features=self.adapter.categorical)
        shap = np.asarray(self.adapter.model.get_feature_importance(pool, type="ShapValues"),
                          dtype=np.float64)  # (n, inputs + 1): the last is the expected value
        position = {name: j for j, name in enumerate(columns)}
        mapping = np.zeros((len(self.columns), len(columns)))
        for i, name in enumerate(self.columns):
            mapping[i, position[source_column(name, position)]] = 1.0
        return shap[:, :-1] @ mapping, shap.sum(axis=1), float(shap[0, -1])

    @property
    def file(self) -> str:
        return PARTNERS[self.name]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "file": self.file, "share": self.share,
                "categorical": self.adapter.categorical, "columns": self.columns,
                "special_values": self.special_values,
                **({"monotone": self.monotone} if self.monotone else {}),
                **({"levels": self.levels} if self.levels is not None else {})}

    def writers(self) -> dict[str, Callable[[Path], None]]:
        """The bundle file this partner adds, as a function writing it to a given path."""
        return {self.file: lambda path: self.adapter.model.save_model(str(path), format="cbm")}

    @classmethod
    def read(cls, record: dict[str, Any], *, task: str, folder: Path,
             checksums: dict[str, str]) -> BlendPartner:
        """The partner a bundle's ``partner`` record names, from its verified file."""
        name = record.get("name")
        if name not in PARTNERS or record.get("file") != PARTNERS[name]:
            raise BundleError(f"'{folder}' names a blend partner findeep does not know "
                              f"({name!r}); the bundle is damaged or from a newer findeep.")
        share = float(record.get("share", SHARE))
        if not (math.isfinite(share) and share == SHARE):
            raise BundleError(f"'{folder}' gives its blend partner the share {share!r}; this "
                              f"findeep blends half each.")
        file = folder / PARTNERS[name]
        if PARTNERS[name] not in checksums or not file.is_file():
            raise BundleError(f"'{folder}' lacks its {name} part ({PARTNERS[name]}, listed in "
                              "its checksums); the bundle is incomplete.")
        check_partner_available(name)
        import catboost

        model = (catboost.CatBoostRegressor() if task == "regression"
                 else catboost.CatBoostClassifier())
        try:
            model.load_model(str(file), format="cbm")
        except catboost.CatBoostError as exc:
            raise BundleError(f"cannot read the {name} part of '{folder}': "
                              f"{' '.join(str(exc).split())}") from None
        return cls(name, task, CatBoostAdapter(model, [str(c) for c in record["categorical"]]),
                   [str(c) for c in record["columns"]],
                   {str(k): [float(c) for c in v]
                    for k, v in record.get("special_values", {}).items()}, share,
                   {str(k): int(v) for k, v in record["monotone"].items()}
                   if record.get("monotone") else None,
                   {str(k): [str(t) for t in v] for k, v in record["levels"].items()}
                   if isinstance(record.get("levels"), dict) else None)


def source_column(name: str, columns: dict[str, int] | list[str]) -> str:
    """The user's column a partner input came from: itself, or the column whose date part
    (``applied_on__year``) or special-value indicator (``late__special=98``) it is."""
    if name in columns:
        return name
    if SPECIAL_MARK in name:
        return name.split(SPECIAL_MARK)[0]
    return name.rpartition("__")[0]


def _catboost_columns(frame: pd.DataFrame, schema: Schema,
                      special_values: dict[str, list[float]]) -> dict[str, np.ndarray]:
    """What the benchmark gives CatBoost (``prepare_baseline_inputs``, ``with_special_values``
    and ``CatBoostAdapter.features``), as plain arrays: numbers as float64, a date as its
    four parts, a category as its text (missing as the missing level), each special code as
    missing plus its 0/1 column; a test pins the two equal."""
    refuse_date_part_names(frame.columns, schema.names_of("datetime"))
    columns: dict[str, np.ndarray] = {}
    for name in schema.names_of("numeric"):
        columns[name] = numbers_of(frame[name])
    for name in schema.names_of("datetime"):
        for part, values in date_parts(name, parse_datetimes(frame[name])).items():
            columns[part] = values.to_numpy(dtype=np.float64)
    for name in schema.names_of("categorical"):
        columns[name] = _category_text(frame[name])
    _mark_special_values(columns, special_values)
    return columns


def _record_texts(values: list[Any]) -> np.ndarray | None:
    """A categorical field of served records as ``_category_text`` reads the table of them,
    where that is certain without building it: text or null (the missing level), or numbers
    or booleans all of one Python type with none missing or NaN (a column pandas keeps as
    that type, each value its ``str``: a code 7 is ``"7"``, as training read an integer
    column). None otherwise — mixed types, where the table would read ints with a null or
    beside floats as floats (``"7.0"``)."""
    if all(value is None or type(value) is str for value in values):
        return np.array([MISSING_LEVEL if value is None else value for value in values],
                        dtype=object)
    kinds = {type(value) for value in values}
    if len(kinds) == 1 and kinds <= {int, float, bool} and not (
            float in kinds and any(math.isnan(value) for value in values)):
        return np.array([str(value) for value in values], dtype=object)
    return None


def _category_text(values: pd.Series) -> np.ndarray:
    """Each value as its text (``str``), missing as the missing level. A column of text
    converts each distinct value once (1M rows, 4 levels: 0.02-0.05 s, not 0.17-0.19 s); one
    holding anything else (1 and 1.0, equal keys with different texts) value by value."""
    codes, levels = pd.factorize(values)
    if all(type(level) is str for level in levels):
        return np.array([*levels, MISSING_LEVEL], dtype=object)[codes]  # code -1: missing
    objects = values.to_numpy(dtype=object)
    return np.array([MISSING_LEVEL if missing else str(value) for value, missing
                     in zip(objects, pd.isna(objects), strict=True)], dtype=object)


def _mark_special_values(columns: dict[str, np.ndarray],
                         special_values: dict[str, list[float]]) -> None:
    """Each special code of a numeric column as missing plus its 0/1 column, in place
    (``with_special_values``, on arrays)."""
    for column, codes in special_values.items():
        values = columns[column]
        for code in codes:
            columns[special_input_name(column, code)] = (values == code).astype(np.float64)
        columns[column] = np.where(np.isin(values, codes), np.nan, values)
