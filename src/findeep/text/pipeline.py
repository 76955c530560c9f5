"""A fitted text model end to end: schema, target, tokenizer, other columns, network.

``fit_text`` is the one training path behind ``findeep text train``, the benchmark and the
Python API. The table must hold one text column (inferred, or named); its other usable
columns (numeric, categorical, dates) are preprocessed as for tabular models and read by
the same network. Everything is fitted on the fit rows only: the tokenizer's vocabulary and
truncation length, the scalers and category codes, the network; calibration on the
validation rows.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import torch

from findeep.data.leakage import warn_if_leaking
from findeep.data.profile import build_profile, numeric_bins
from findeep.data.row_sample import sample_rows
from findeep.data.schema import FindeepWarning, Schema, infer_schema, missing_columns_message
from findeep.data.splits import split_validation
from findeep.data.target import TargetSpec, infer_target
from findeep.errors import ConfigError, DataError, TargetError
from findeep.evaluate.metrics import (
    at_or_above,
    binary_metrics,
    calibration_table,
    gains_table,
    regression_metrics,
)
from findeep.evaluate.overlap import RowSketch, row_hashes
from findeep.features.tabular import ScoringRules, TabularPreprocessor, TransformReport
from findeep.features.text import Encoded, TextReport, TextTokenizer, clean_texts
from findeep.long_work import long_work_starts
from findeep.models.text_network import TextNetwork
from findeep.pipeline import TRAIN_OPTIONS, check_features, data_fingerprint
from findeep.text.metrics import multiclass_report
from findeep.text.recipes import RECIPES, split_options
from findeep.text.trainer import TextData, fit_text_network, predict_text_logits
from findeep.train.losses import check_loss, default_loss
from findeep.train.progress import epoch_progress
from findeep.train.trainer import TrainConfig, fit_temperature, logits_to_prediction

# at most this many fit rows (a seeded sample) are profiled for drift, so a tall MiniLM table
# does not pay a second scoring pass over every training row; a quantile edge from 5,000 rows
# has a standard error of at most 0.7 percentile points (sqrt(p(1-p)/n), p = 0.5)
PROFILE_ROWS = 5_000


@dataclass
class TextInputs:
    """A frame turned into the network's inputs."""

    data: TextData
    encoded: Encoded
    unseen_categories: dict[str, int] = field(default_factory=dict)
    # what reading the other columns absorbed, as the tabular server reports it (empty for a
    # text-only model): unseen_categories, missing_categories, empty_columns, off_scale
    reading: dict[str, Any] = field(default_factory=dict)

    @property
    def report(self) -> TextReport:
        return self.encoded.report

    def warn_categories(self, stacklevel: int = 2) -> None:
        """The other columns' levels scored as the unknown level, as one ``FindeepWarning``
        (what a tabular model's scoring says of its rows; nothing for a text-only model)."""
        message = TransformReport(
            unseen_categories=self.reading.get("unseen_categories") or {},
            missing_categories=self.reading.get("missing_categories") or {},
            rows=len(self.encoded.ids)).category_message()
        if message:
            warnings.warn(message, FindeepWarning, stacklevel=stacklevel + 1)


@dataclass
class TextPipeline:
    """Everything needed to score new rows the way the training rows were scored."""

    model_name: str
    schema: Schema
    text_column: str
    target: TargetSpec
    tokenizer: TextTokenizer
    preprocessor: TabularPreprocessor
    network: TextNetwork
    temperature: float = 1.0
    y_mean: float = 0.0
    y_std: float = 1.0
    training: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    training_rows: RowSketch | None = None  # hashes to spot training rows in evaluation data
    # bins of the fit rows' other columns, score and text lengths (tokens), for drift
    profile: dict[str, Any] = field(default_factory=dict)

    @property
    def task(self) -> str:
        return self.target.task

    @property
    def other_columns(self) -> list[str]:
        return self.schema.used_names

    def check_frame(self, frame: pd.DataFrame) -> None:
        """The text and every other input column present, or one error naming the missing."""
        if message := missing_columns_message([self.text_column, *self.other_columns], frame,
                                               otherwise="Pass them."):
            raise DataError(message)

    def inputs(self, frame: pd.DataFrame, *, offsets: bool = False) -> TextInputs:
        """Tokens and tabular features of ``frame``; missing columns named in one error.
        ``offsets=True`` also keeps each token's character span (for explanations)."""
        self.check_frame(frame)
        others = frame[self.other_columns] if self.other_columns else None
        return self.inputs_of(frame[self.text_column], others, offsets=offsets)

    def inputs_of(self, texts: Sequence[Any] | pd.Series, others: pd.DataFrame | None, *,
                  offsets: bool = False) -> TextInputs:
        """``inputs`` from the text values and a frame of the other columns (``None`` for a
        text-only model, whose tabular inputs are then empty without running the
        preprocessor: 0.6 ms of pandas per one-record request, for nothing)."""
        cleaned, report = clean_texts(texts, self.text_column)
        if message := numbers_read_as_text(report, self.text_column):
            warnings.warn(message, FindeepWarning, stacklevel=3)
        encoded = self.tokenizer.encode(cleaned, report, offsets=offsets)
        if not self.other_columns:
            n = len(cleaned)
            x_num = np.zeros((n, self.network.config["n_num"]), dtype=np.float32)
            x_cat = np.zeros((n, len(self.preprocessor.categorical)), dtype=np.int64)
            return TextInputs(TextData.build(encoded.ids, x_num, x_cat), encoded)
        if others is None:
            raise DataError(f"this model also reads {', '.join(self.other_columns)}; pass "
                            "them beside the text.")
        check_features(others)
        # the other columns read as training read them: dates in its order, blank text as
        # missing, a column with no value in the batch or far off its training scale named
        # (as tabular scoring does; the scale is the fitted quantile scaler's)
        rules = ScoringRules(day_first=self.schema.day_first,
                             scale=self.preprocessor.training_scale())
        x_num, x_cat, tab_report = self.preprocessor.transform(others, rules)
        for message in tab_report.reading_messages(rules.scale):
            warnings.warn(message, FindeepWarning, stacklevel=3)
        reading = {"unseen_categories": dict(tab_report.unseen_categories or {}),
                   "missing_categories": dict(tab_report.missing_categories or {}),
                   "empty_columns": list(tab_report.empty_columns),
                   "off_scale": dict(tab_report.off_scale)}
        return TextInputs(TextData.build(encoded.ids, x_num, x_cat), encoded,
                          reading["unseen_categories"], reading)

    def logits(self, frame: pd.DataFrame) -> tuple[torch.Tensor, TextInputs]:
        inputs = self.inputs(frame)
        return predict_text_logits(self.network, inputs.data, lookup=True), inputs

    def quantize_int8(self) -> TextPipeline:
        """Serve a MiniLM model with int8 Linear layers (``MiniLM.quantize_int8``): about half
        the CPU per sentence, at an accuracy cost measured in BENCHMARKS.md. Scoring only."""
        encoder = self.network.encoder
        if not hasattr(encoder, "quantize_int8"):
            raise ConfigError(f"int8 scoring is for minilm models; this one is "
                              f"{self.model_name}, which is fast in float32.")
        encoder.quantize_int8()
        return self

    def prediction(self, logits: torch.Tensor) -> np.ndarray:
        prediction = logits_to_prediction(logits, self.task, self.temperature)
        if self.task == "regression":
            prediction = prediction * self.y_std + self.y_mean
        return prediction

    def predict_raw(self, frame: pd.DataFrame) -> tuple[np.ndarray, TextInputs]:
        """P(classes[1]) for binary, class probabilities for multiclass, values for regression."""
        logits, inputs = self.logits(frame)
        return self.prediction(logits), inputs

    def event_probability(self, prediction: np.ndarray) -> np.ndarray:
        return prediction if self.target.event_index == 1 else 1.0 - prediction

    def predict_labels(self, prediction: np.ndarray, threshold: float = 0.5) -> np.ndarray:
        """Each row's class (a regression's value): a binary model predicts its event class
        where the event's probability is at or above ``threshold``, as tabular models do."""
        if self.task == "regression":
            return prediction
        if self.task == "binary":
            event = at_or_above(self.event_probability(prediction), threshold)
            codes = np.where(event, self.target.event_index, 1 - self.target.event_index)
            return np.asarray(self.target.classes, dtype=object)[codes]
        return np.asarray(self.target.classes, dtype=object)[prediction.argmax(axis=1)]

    def evaluate(self, frame: pd.DataFrame, y: pd.Series, *, threshold: float = 0.5,
                 bands: int = 10,
                 scored: tuple[np.ndarray, TextInputs] | None = None) -> dict[str, Any]:
        """Held-out metrics; multiclass gets per-class precision/recall and a confusion matrix;
        a binary model's threshold metrics are taken at ``threshold``, and it gets a
        calibration curve and a gains table of ``bands`` score bands (none when 0), as a
        tabular model's evaluation has. ``scored``: ``predict_raw`` of the labelled rows,
        already computed (the report scores them once)."""
        if not isinstance(bands, int) or isinstance(bands, bool) or bands < 0:
            raise ConfigError(f"bands must be a whole number >= 0, however: {bands=}")
        keep = y.notna().to_numpy()
        if not keep.any():
            raise DataError(f"no row has a '{self.target.name}' value to evaluate against.")
        prediction, inputs = scored if scored is not None else self.predict_raw(frame.loc[keep])
        y_codes = self.target.encode(y[keep])
        if self.task == "binary":
            y_event = (y_codes == self.target.event_index).astype(int)
            p_event = self.event_probability(prediction)
            result = binary_metrics(y_event, p_event, threshold)
            result["calibration_curve"] = calibration_table(y_event, p_event)
            if bands and 0 < y_event.sum() < len(y_event):  # capture needs both classes
                result["gains_table"] = gains_table(y_event, p_event, bands)
        elif self.task == "multiclass":
            result = multiclass_report(y_codes, prediction, self.target.classes)
        else:
            result = regression_metrics(y_codes, prediction)
        result["rows_without_label"] = int((~keep).sum())
        result["text"] = inputs.report.to_dict()
        if self.training_rows is not None:  # as a tabular model says it
            texts, _ = clean_texts(frame.loc[keep, self.text_column], self.text_column)
            overlap = self.training_rows.overlap(text_row_hashes(
                texts, inputs.data.x_num.numpy(), inputs.data.x_cat.numpy()))
            result["training_overlap"] = overlap.to_dict()
            if overlap.likely_training_rows:
                warnings.warn(overlap.message(), FindeepWarning, stacklevel=2)
        return result


def text_row_hashes(texts: Sequence[str], x_num: np.ndarray, x_cat: np.ndarray) -> np.ndarray:
    """One uint64 per row from its text as read (``clean_texts``) and its other inputs: a
    row the model was trained on hashes as it did then."""
    text_hash = pd.util.hash_array(np.asarray(list(texts), dtype=object))
    return row_hashes(np.asarray(x_num, dtype=np.float32),
                      np.asarray(x_cat, dtype=np.int64)) ^ text_hash


def numbers_read_as_text(report: TextReport, column: str) -> str | None:
    """The warning for numbers (or true/false) in the text column, which are read as their
    written form and counted (``converted_non_strings``), or None when there were none."""
    if not report.converted:
        return None
    return (f"{report.converted} of {report.rows} '{column}' value(s) are numbers or "
            "true/false, not text; each was read as its written form (5 as '5').")


def find_text_column(schema: Schema, frame: pd.DataFrame) -> str:
    text = schema.names_of("text")
    if not text:
        raise DataError("no column looks like free text (mostly-unique strings of several "
                        f"words); columns: {', '.join(map(str, frame.columns))}. Name it with "
                        "--text-column.")
    if len(text) > 1:
        raise DataError(f"{len(text)} columns look like free text ({', '.join(text)}); findeep "
                        "reads one: name it with --text-column (the others are then read as "
                        "categories), or join them into one column.")
    return text[0]


def fit_text(
    X: pd.DataFrame, y: pd.Series, *, model: str = "text-cnn", text_column: str | None = None,
    task: str = "auto", seed: int = 0, validation_fraction: float = 0.1,
    class_weight: str | None = None, calibrate: bool = True, verbose: int = 1,
    model_options: dict[str, Any] | None = None, row_sketch: bool = True,
    event_class: Any = None, screen_leaks: bool = True, **train_options: Any,
) -> TextPipeline:
    """Fit a text network on ``X`` (a text column, maybe other columns) and ``y``;
    ``event_class`` names a binary target's event, as for ``fit_tabular``.
    ``screen_leaks``: warn about a column (the text's words too) that tells ``y`` alone
    (``data.leakage``); the benchmark screens its table once and turns it off in its folds.

    Rows with a missing target are dropped and counted; empty texts are kept (and counted).
    """
    network_options, fit_options, recipe_key = split_options(model, model_options)
    unknown = set(train_options) - set(TRAIN_OPTIONS)
    if unknown:
        raise ConfigError(f"unknown training option(s): {', '.join(sorted(unknown))}.")
    if class_weight not in (None, "balanced"):
        raise ConfigError(f"class_weight must be None or 'balanced', however: {class_weight=}")
    if len(X) != len(y):
        raise DataError(f"X has {len(X)} rows but y has {len(y)}.")
    X = X.reset_index(drop=True)
    y = pd.Series(np.asarray(y), name=getattr(y, "name", None) or "target")
    has_label = y.notna().to_numpy()
    n_dropped = int((~has_label).sum())
    if not has_label.any():  # refused before the warning about dropped rows
        raise TargetError(f"0 row(s) of the data have a '{y.name}' value "
                          f"({f'all {len(y)} are missing' if len(y) else 'it has no rows'}); "
                          "training needs labelled rows.")
    if n_dropped:
        warnings.warn(f"{n_dropped} row(s) with a missing target were left out of training.",
                      FindeepWarning, stacklevel=2)
        X, y = X.loc[has_label].reset_index(drop=True), y[has_label].reset_index(drop=True)
    target = infer_target(y, str(y.name), task, event_class=event_class)
    y_codes = target.encode(y)
    loss = default_loss(target.task)
    check_loss(loss, target.task)
    recipe = {**RECIPES[recipe_key], **{k: v for k, v in train_options.items() if v is not None}}
    config = TrainConfig(**recipe, loss=loss, seed=seed, device="cpu", verbose=verbose)
    config.check()

    schema = infer_schema(X, text_columns=[text_column] if text_column else None, text_ok=True)
    column = text_column or find_text_column(schema, X)
    # the text column is read by the encoder; every other usable column by the head
    screened = Schema([c for c in schema.columns if c.kind != "text" or c.name == column])
    schema = Schema([c for c in schema.columns if c.name != column])
    check_features(X[schema.used_names])  # ±inf refused as scoring refuses it, not learnt
    if screen_leaks:  # the text and every other column alone against y: a leak, said first
        warn_if_leaking(X, y, screened, task=target.task, seed=seed, text=True)
    texts, text_report = clean_texts(X[column], column)
    if message := numbers_read_as_text(text_report, column):
        warnings.warn(message, FindeepWarning, stacklevel=2)
    if text_report.empty:
        warnings.warn(f"{text_report.empty} row(s) have an empty '{column}' text; they are "
                      "scored from their other columns only.", FindeepWarning, stacklevel=2)
    classification = target.task != "regression"
    fit_rows, valid_rows = split_validation(
        y_codes, np.arange(len(y_codes)), fraction=validation_fraction, seed=seed,
        stratify=classification)

    fit_texts = [texts[i] for i in fit_rows]
    if model == "minilm":
        from findeep.models.minilm import base_files

        tokenizer_json = base_files()["tokenizer"].read_text(encoding="utf-8")
        tokenizer = TextTokenizer.pretrained(tokenizer_json, fit_texts,
                                             length_cap=int(fit_options["length_cap"]))
    else:
        tokenizer = TextTokenizer.fit(fit_texts, vocab_size=int(fit_options["vocab_size"]),
                                      length_cap=int(fit_options["length_cap"]))
    encoded = tokenizer.encode(texts, text_report)
    if text_report.truncated:
        warnings.warn(f"{text_report.truncated} of {len(texts)} text(s) are longer than "
                      f"{tokenizer.max_length} tokens (the 95th percentile of the training "
                      "texts, capped) and were cut.", FindeepWarning, stacklevel=2)
    preprocessor = TabularPreprocessor(scaling="quantile")
    preprocessor.fit(X.iloc[fit_rows], schema)
    x_num, x_cat, _ = preprocessor.transform(X[schema.used_names])

    y_train = y_codes.astype(np.float32 if target.task != "multiclass" else np.int64)
    y_mean, y_std = 0.0, 1.0
    if target.task == "regression":
        y_mean = float(y_train[fit_rows].mean())
        y_std = float(y_train[fit_rows].std()) or 1.0
        y_train = ((y_train - y_mean) / y_std).astype(np.float32)
    weights = None
    if class_weight == "balanced":
        classes, counts = np.unique(y_codes[fit_rows], return_counts=True)
        per_class = dict(zip(classes, len(fit_rows) / (len(classes) * counts), strict=True))
        weights = np.array([per_class.get(c, 1.0) for c in y_codes], dtype=np.float32)

    torch.manual_seed(seed)
    n_out = len(target.classes) if target.task == "multiclass" else 1
    network = TextNetwork(encoder=model, vocab_size=tokenizer.vocab_size,
                          pad_id=tokenizer.pad_id, n_num=x_num.shape[1],
                          cardinalities=preprocessor.cardinalities, n_out=n_out,
                          **network_options)
    data = TextData.build(encoded.ids, x_num, x_cat, y_train, task=target.task, weight=weights)
    train_data, valid_data = data.subset(fit_rows), data.subset(valid_rows)
    encoder_options = {k: fit_options[k] for k in ("encoder_learning_rate", "layer_decay")
                       if k in fit_options and not network.frozen_encoder}
    encoder_options["calibrated_stopping"] = bool(fit_options.get("calibrated_stopping"))
    long_work_starts()  # the inputs passed their checks: held warnings may be shown now
    with epoch_progress(f"training {model}", config.max_epochs, verbose) as hook:
        result = fit_text_network(network, train_data, valid_data, task=target.task,
                                  config=config, options=encoder_options, on_epoch_end=hook)
    temperature = 1.0
    if calibrate and classification:
        valid_logits = predict_text_logits(network, valid_data)
        temperature = fit_temperature(valid_logits, y_codes[valid_rows], target.task)
    training = {
        "rows": len(y_codes), "fit_rows": len(fit_rows), "validation_rows": len(valid_rows),
        "validation_split": "stratified random" if classification else "random",
        "dropped_missing_target": n_dropped, "seed": seed, "class_weight": class_weight,
        "text_column": column, "text": text_report.to_dict(),
        "max_length": tokenizer.max_length, "vocab_size": tokenizer.vocab_size,
        "config": {k: v for k, v in vars(config).items() if k != "verbose"},
        "model_options": model_options or {}, "fit_options": fit_options,
        "temperature": temperature, **result.to_dict(),
        "data_fingerprint": data_fingerprint(X, y),  # the model card's record of the rows
    }
    # hashes of the rows trained on, so `evaluate` can say when it is given them again; off
    # for bundles that leave the organisation (a hash confirms a sentence was trained on)
    sketch = RowSketch.from_hashes(text_row_hashes(texts, x_num, x_cat)) if row_sketch else None
    pipeline = TextPipeline(model, schema, column, target, tokenizer, preprocessor, network,
                            temperature, y_mean, y_std, training, training_rows=sketch)
    drawn = sample_rows(len(fit_rows), PROFILE_ROWS, seed=seed)
    pipeline.profile = text_training_profile(
        pipeline, X.iloc[fit_rows if drawn is None else fit_rows[drawn.positions]])
    return pipeline


def text_training_profile(pipeline: TextPipeline, frame: pd.DataFrame) -> dict[str, Any]:
    """Bins of the fit rows, as a tabular model keeps them (``data.profile``): the other
    columns, the score (a binary model's event probability, a regression's value; none for
    multiclass, whose rows are then only tokenised), and the texts' lengths in tokens."""
    with warnings.catch_warnings():  # training has said what these rows hold
        warnings.simplefilter("ignore", FindeepWarning)
        inputs = pipeline.inputs(frame)
    score = None
    if pipeline.task != "multiclass":
        prediction = pipeline.prediction(predict_text_logits(pipeline.network, inputs.data,
                                                             lookup=True))
        score = (pipeline.event_probability(prediction) if pipeline.task == "binary"
                 else prediction)
    profile = build_profile(frame, pipeline.schema, score=score, low_risk=None)
    profile["text_tokens"] = numeric_bins(inputs.encoded.lengths.astype(float))
    return profile
