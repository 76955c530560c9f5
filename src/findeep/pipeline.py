"""A fitted tabular model end to end: schema, target, preprocessing, network, calibration.

``fit_tabular`` is the one training path behind the estimators, the CLI and benchmarks,
so every entry point drops the same rows, fits preprocessing on the same rows and
stops early on the same validation split.
"""

from __future__ import annotations

import hashlib
import math
import os
import time
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from findeep.bundle import CHECKSUMS_FILE, read_bundle, read_checksums, read_metrics
from findeep.data.io import has_infinite
from findeep.data.leakage import warn_if_leaking
from findeep.data.number_text import numbers_of
from findeep.data.profile import DECISION_THRESHOLD, build_profile
from findeep.data.protected_names import prohibited_basis_message
from findeep.data.schema import FindeepWarning, Schema, infer_schema
from findeep.data.sentinels import check_special_values, format_code, split_special
from findeep.data.splits import (
    GROUP_AND_TIME,
    check_fraction,
    checked_groups,
    period_end,
    read_times,
    split_validation,
)
from findeep.data.target import TargetSpec, infer_target
from findeep.errors import BundleError, ConfigError, DataError, did_you_mean
from findeep.evaluate.intervals import (
    ConformalIntervals,
    Intervals,
    QuantileConformalIntervals,
    check_level,
    check_method,
    cqr_quantiles,
    intervals_from_dict,
    negative_lower_ends,
    negative_lower_message,
    target_range,
)
from findeep.evaluate.metrics import (
    at_or_above,
    binary_metrics,
    calibration_table,
    check_threshold,
    gains_table,
    multiclass_metrics,
    regression_metrics,
)
from findeep.evaluate.overlap import RowSketch, row_hashes
from findeep.evaluate.partner import (
    BlendPartner,
    check_blend_options,
    check_partner_available,
    split_blend_model,
)
from findeep.features.tabular import ScoringRules, TabularPreprocessor, TransformReport
from findeep.models.registry import (
    build_model,
    check_model_options,
    get_spec,
    shared_architecture_options,
)
from findeep.train.bagging import (
    AUTO_FOLDS,
    MIN_AUTO_ROWS_PER_FOLD,
    auto_members,
    catboost_shape,
    check_bagging,
    cross_fit_folds,
    fit_bag,
    sure_of_one_member,
)
from findeep.train.losses import check_loss, default_loss
from findeep.train.progress import count_progress, epoch_progress
from findeep.train.trainer import (
    FitResult,
    TensorData,
    TrainConfig,
    epoch_rows,
    fit_network,
    fit_temperature,
    logits_to_prediction,
    planned_epochs,
    predict_logits,
    resolve_device,
)

BUNDLE_KIND = "tabular"
TRAIN_OPTIONS = ("max_epochs", "batch_size", "learning_rate", "weight_decay", "patience",
                 "early_stopping", "warmup_fraction", "schedule", "grad_clip", "stopping_metric",
                 "weight_average", "member_bootstrap")
CLASS_WEIGHTS = (None, "balanced")


@dataclass
class TabularPipeline:
    """Everything needed to score a new table the way the training table was scored."""

    model_name: str
    schema: Schema
    target: TargetSpec
    preprocessor: TabularPreprocessor
    network: nn.Module
    temperature: float = 1.0
    y_mean: float = 0.0
    y_std: float = 1.0
    training: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    data_fingerprint: str = ""
    profile: dict[str, Any] = field(default_factory=dict)  # training-data bins, see data/profile
    training_rows: RowSketch | None = None  # hashes to spot training rows in evaluation data
    intervals: Intervals | None = None  # regression: split-conformal residuals or CQR scores
    quantile_network: nn.Module | None = None  # CQR: the (lower, upper) quantile network
    partner: BlendPartner | None = None  # `default+catboost`: CatBoost, blended half each
    # a fitted network's early-stopping rows (positions among the rows with a target; None
    # for a bag or a loaded bundle): a regression blend calibrates its intervals on them.
    # Never saved
    validation_positions: np.ndarray | None = field(default=None, repr=False)

    @property
    def task(self) -> str:
        return self.target.task

    @property
    def display_name(self) -> str:
        """The model as trained: ``default``, or ``default+catboost`` for a blend."""
        return self.model_name if self.partner is None else \
            f"{self.model_name}+{self.partner.name}"

    def with_partner(self, prediction: np.ndarray, frame: pd.DataFrame) -> np.ndarray:
        """The network's ``predict_raw``-style output for the rows of ``frame``, blended with
        the partner's where the model is a blend (``evaluate.partner``)."""
        if self.partner is None:
            return prediction
        return self.partner.blend(prediction, self.partner.raw_prediction(frame, self.schema))

    def check_frame(self, frame: pd.DataFrame) -> None:
        """Raise ``DataError`` for scoring data that cannot be scored."""
        self.schema.check_scoring_frame(frame)
        check_features(frame[self.schema.used_names])

    @property
    def scoring_rules(self) -> ScoringRules:
        """How data to score is read (``features.tabular.ScoringRules``): each text date
        column in the order training read it, and each column's training share missing and
        10th-90th percentiles (from the profile; older bundles without one: the quantile
        scaler's, else no scale check)."""
        columns = self.profile.get("columns", {})
        shares = {name: float(entry.get("missing", 0.0)) for name, entry in columns.items()}
        scale = self.preprocessor.training_scale()
        for state in self.preprocessor.numeric:
            edges = columns.get(state.name, {}).get("edges")
            if edges and state.name in self.preprocessor.numeric_columns:
                scale[state.name] = (float(edges[0]), float(edges[-1]))
        return ScoringRules(day_first=self.schema.day_first, missing_shares=shares,
                            scale=scale)

    def transform(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, TransformReport]:
        """The network's inputs for rows to score, read as training read its table
        (``scoring_rules``). Warns, never silently, when numeric columns held values that
        are not numbers (scored as missing), when a column has no value at all in a batch
        big enough for that to be suspicious, and when a numeric column sits far off its
        training scale; the report holds the same, for callers that pass it on."""
        self.check_frame(frame)
        rules = self.scoring_rules
        x_num, x_cat, report = self.preprocessor.transform(frame, rules)
        for message in report.reading_messages(rules.scale):
            warnings.warn(message, FindeepWarning, stacklevel=3)
        return x_num, x_cat, report

    def logits(self, frame: pd.DataFrame) -> tuple[torch.Tensor, TransformReport]:
        x_num, x_cat, report = self.transform(frame)
        return self._network_logits(x_num, x_cat), report

    def _network_logits(self, x_num: np.ndarray, x_cat: np.ndarray) -> torch.Tensor:
        return predict_logits(self.network, torch.from_numpy(x_num), torch.from_numpy(x_cat))

    def ids_as_text(self, id_column: str | None) -> list[str]:
        """The columns a scoring read keeps as the text written: the id column, unless the
        model reads it as an input (account "00000001" is copied out as that, not 1)."""
        return [] if id_column is None or id_column in self.schema.used_names else [id_column]

    def predict_raw(self, frame: pd.DataFrame) -> tuple[np.ndarray, TransformReport]:
        """P(classes[1]) for binary, class probabilities for multiclass, values for regression."""
        logits, report = self.logits(frame)
        return self.with_partner(self._prediction(logits), frame), report

    def _prediction(self, logits: torch.Tensor) -> np.ndarray:
        # a blend's network half in float64 (``logits_to_prediction``), the blend in float32
        prediction = logits_to_prediction(logits, self.task, self.temperature,
                                          float64=self.partner is not None)
        if self.task == "regression":
            prediction = prediction * self.y_std + self.y_mean
        return prediction

    def predict_interval(self, frame: pd.DataFrame, level: float | None = None,
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Regression: (prediction, lower, upper) at ``level`` (default: the stored one)."""
        prediction, lower, upper, _ = self.predict_interval_report(frame, level)
        return prediction, lower, upper

    def predict_interval_report(self, frame: pd.DataFrame, level: float | None = None,
                                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, TransformReport]:
        """``predict_interval`` and the scoring report, the rows read once."""
        if self.task != "regression" or self.intervals is None:
            raise ConfigError("prediction intervals are for regression models trained by this "
                              "findeep version; retrain to get them.")
        x_num, x_cat, report = self.transform(frame)
        prediction = self.with_partner(self._prediction(self._network_logits(x_num, x_cat)),
                                       frame)
        band = None if self.quantile_network is None else self.interval_band(x_num, x_cat)
        lower, upper = self.intervals.interval(prediction, level, band)
        return prediction, lower, upper, report

    def interval_ends(self, frame: pd.DataFrame, prediction: np.ndarray,
                      level: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper ends for rows already predicted (CQR also reads ``frame``)."""
        if self.intervals is None:
            raise ConfigError("this model stores no prediction intervals.")
        band = None
        if self.quantile_network is not None:
            x_num, x_cat, _ = self.transform(frame)
            band = self.interval_band(x_num, x_cat)
        return self.intervals.interval(prediction, level, band)

    def negative_lower_message(self, lower: np.ndarray) -> str | None:
        """A sentence when scored interval ends fall below 0 although no training value did
        (``evaluate.intervals.negative_lower_ends``), else None."""
        trained = self.training.get("target_range")
        count = negative_lower_ends(lower, trained)
        if not count:
            return None
        return negative_lower_message(count, len(lower), self.target.name, trained[0])

    def interval_band(self, x_num: np.ndarray, x_cat: np.ndarray) -> np.ndarray:
        """CQR: the quantile network's (lower, upper) quantiles, (n, 2) in target units."""
        if self.quantile_network is None:
            raise ConfigError("this model has no quantile network (split-conformal intervals).")
        logits = predict_logits(self.quantile_network, torch.from_numpy(x_num),
                                torch.from_numpy(x_cat))
        return np.sort(logits.mean(dim=1).numpy() * self.y_std + self.y_mean, axis=1)

    def event_probability(self, prediction: np.ndarray) -> np.ndarray:
        """P(event) from ``predict_raw``'s binary output (the event may be classes[0])."""
        return prediction if self.target.event_index == 1 else 1.0 - prediction

    def decide(self, p_event: np.ndarray, threshold: float = DECISION_THRESHOLD) -> np.ndarray:
        """Binary labels: the event class where ``p_event >= threshold``, else the other."""
        other = self.target.classes[1 - self.target.event_index]
        return np.where(at_or_above(p_event, threshold), self.target.event_class, other)

    def evaluate(self, frame: pd.DataFrame, y: pd.Series, *, bands: int = 10,
                 threshold: float = DECISION_THRESHOLD,
                 prediction: np.ndarray | None = None) -> dict[str, Any]:
        """Metrics on labelled rows; rows with a missing label are left out and counted.

        A binary model's result also holds a calibration curve and a gains table of
        ``bands`` score bands (none when 0); its accuracy, precision, recall and F1 call an
        event probability at or above ``threshold`` the event. ``prediction``: the model's
        output (``predict_raw``'s) for the labelled rows, in order, when the caller scored
        them already (the report does), so they are not scored twice.
        """
        if not isinstance(bands, int) or bands < 0:
            raise ConfigError(f"bands must be a whole number >= 0, however: {bands=}")
        check_threshold(threshold)
        keep = y.notna().to_numpy()
        if not keep.any():
            raise DataError(f"no row of the data has a '{self.target.name}' value to evaluate "
                            "against.")
        x_num, x_cat, report = self.transform(frame.loc[keep])
        report.warn_categories()  # the metrics count these rows as the model scored them
        if prediction is None:
            prediction = self.with_partner(
                self._prediction(self._network_logits(x_num, x_cat)), frame.loc[keep])
        elif len(prediction) != int(keep.sum()):
            raise ConfigError(f"prediction holds {len(prediction):,} row(s) but the data has "
                              f"{int(keep.sum()):,} labelled row(s).")
        y_codes = self.target.encode(y[keep])
        if self.task == "binary":
            y_event = (y_codes == self.target.event_index).astype(int)
            p_event = self.event_probability(prediction)
            result = binary_metrics(y_event, p_event, threshold)
            result["calibration_curve"] = calibration_table(y_event, p_event)
            if bands and 0 < y_event.sum() < len(y_event):  # capture needs both classes
                result["gains_table"] = gains_table(y_event, p_event, bands)
        elif self.task == "multiclass":
            result = multiclass_metrics(y_codes, prediction, self.target.classes)
        else:
            result = regression_metrics(y_codes, prediction)
        result["rows_without_label"] = int((~keep).sum())
        if report.unseen_categories:
            result["unseen_categories"] = report.unseen_categories
        if report.missing_categories:  # counted apart: a gap is not a new level
            result["missing_categories"] = report.missing_categories
        if report.empty_columns:
            result["empty_columns"] = report.empty_columns
        if self.training_rows is not None:
            overlap = self.training_rows.overlap(row_hashes(x_num, x_cat))
            result["training_overlap"] = overlap.to_dict()
            if overlap.likely_training_rows:
                warnings.warn(overlap.message(), FindeepWarning, stacklevel=2)
        return result


def data_fingerprint(frame: pd.DataFrame, y: pd.Series) -> str:
    """sha256 over the training rows' content and column names."""
    digest = hashlib.sha256()
    digest.update("\x1f".join(map(str, frame.columns)).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    digest.update(pd.util.hash_pandas_object(y, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def check_features(frame: pd.DataFrame) -> None:
    bad = has_infinite(frame)
    if bad:
        raise DataError(f"column(s) {', '.join(bad)} hold infinite values; replace them with a "
                        "number or leave them empty (missing).")


def fit_tabular(
    X: pd.DataFrame, y: pd.Series, *, task: str = "auto", model: str = "default",
    seed: int = 0, validation_fraction: float = 0.2, times: pd.Series | None = None,
    class_weight: str | None = None, loss: str | None = None, scaling: str | None = None,
    calibrate: bool = True, device: str = "auto", verbose: int = 1, row_sketch: bool = True,
    model_options: dict[str, Any] | None = None,
    special_values: dict[str, list[float]] | str | None = None,
    interval_method: str = "split-conformal", interval: float = 0.9,
    bagging: int | str = "auto", numeric_columns: list[str] | None = None,
    sample_weight: Any = None, event_class: Any = None, groups: Any = None,
    screen_leaks: bool = True, **train_options: Any,
) -> TabularPipeline:
    """Fit a tabular network on ``X`` (features) and ``y`` (target).

    ``event_class`` names a binary target's event — the class whose probability is the
    risk, the PD of ``--lgd`` and the direction of ``monotone`` — where the labels and
    counts would choose otherwise (``data.target.infer_target``).

    ``bagging=m`` (m >= 2) cross-fits m networks, member i early-stopped on fold i of the
    rows and trained on the others, joined into one network (``train.bagging``); the
    preprocessing is then fitted on all rows and the temperature on the out-of-fold
    scores. ``"auto"`` (the default) bags the ``default`` model's classifiers while the
    projected fit time stays within CatBoost's (see ``train.bagging``), and quietly trains
    one network where bagging does not apply: another model, a regression, ``times``
    (out-of-time validation), or fewer than 100 rows or 5 of a class. 1 trains one network.
    ``training["bagging"]`` records what was asked for and the members trained.

    ``groups`` (one value per row: the customer, applicant or account it belongs to) keeps
    each group's rows on one side of the early-stopping split and in one bagging fold, so
    early stopping and the out-of-fold choices are made on customers the network did not
    fit; not with ``times`` (out-of-time validation already holds later rows).

    ``numeric_columns`` are read as numbers whatever their values: a count with a few
    whole-number values (late payments 0-4) is otherwise read as categories, and a later 5
    then scores as the unknown level.

    ``special_values`` (column -> codes, or ``"col:96,98;other:-1"``) keeps those codes off
    the column's numeric scale: each becomes a learned token of its own (see
    ``features.tabular``).

    ``screen_leaks``: warn about a column that tells ``y`` almost alone (``data.leakage``);
    ``findeep benchmark`` screens its table once and turns it off in its folds' fits.

    Rows with a missing target are dropped (warned, counted in ``training``); nothing
    else is dropped. A single network stops early on ``validation_fraction`` of the rows —
    the latest ones when ``times`` is given, a stratified sample otherwise; a bag's members
    each stop on their own cross-fitting fold.

    A regression also gets prediction intervals calibrated on the validation rows:
    split-conformal (``interval_method``'s default), or ``"cqr"``, which trains a second
    network of the same model on the ``interval`` level's two quantiles.

    A blend (``model="default+catboost"``) fits the network as above and CatBoost on the same
    rows (a regression's on the network's training rows only, the blend's intervals then
    calibrated on the rest: ``_with_partner_fitted``); the pipeline scores their blend
    (``evaluate.partner``).
    """
    if (blend := split_blend_model(model)) is not None:
        network_model, partner_name = blend
        check_partner_available(partner_name)
        labelled = pd.Series(np.asarray(y)).dropna()
        check_blend_options(
            task=infer_target(labelled, "target", task, event_class=event_class).task
            if len(labelled) else task, class_weight=class_weight,
            interval_method=interval_method, bagging=bagging)
        pipeline = fit_tabular(
            X, y, task=task, model=network_model, seed=seed,
            validation_fraction=validation_fraction, times=times, class_weight=class_weight,
            loss=loss, scaling=scaling, calibrate=calibrate, device=device, verbose=verbose,
            row_sketch=row_sketch, model_options=model_options, special_values=special_values,
            interval_method=interval_method, interval=interval, bagging=bagging,
            numeric_columns=numeric_columns, sample_weight=sample_weight,
            event_class=event_class, groups=groups, screen_leaks=screen_leaks,
            **train_options)
        return _with_partner_fitted(pipeline, partner_name, X, y, seed=seed,
                                    class_weight=class_weight, sample_weight=sample_weight,
                                    monotone=(model_options or {}).get("monotone"),
                                    interval=interval, verbose=verbose)
    check_method(interval_method)
    check_level(interval)
    check_fraction(validation_fraction, "validation_fraction")  # a bag does not use it
    spec = get_spec(model)
    check_model_options(model, model_options)
    _check_fit_options(train_options, class_weight)
    if len(X) != len(y):
        raise DataError(f"X has {len(X)} rows but y has {len(y)}.")
    X = X.reset_index(drop=True)
    y = pd.Series(np.asarray(y), name=getattr(y, "name", None) or "target")
    # text dates ("03/15/2021") are read as dates: sorted as text, the validation rows were
    # not the latest
    times = None if times is None else read_times(pd.Series(np.asarray(times)),
                                                  allow_missing=True)
    row_weight = checked_sample_weight(sample_weight, len(X))
    group_values = None if groups is None else checked_groups(groups, len(X))
    if group_values is not None and times is not None:
        raise ConfigError(GROUP_AND_TIME)
    check_features(X)
    if row_weight is not None:
        row_weight = row_weight[y.notna().to_numpy()]  # as the rows without a target go
    if group_values is not None:
        group_values = group_values[y.notna().to_numpy()]
    X, y, times, n_dropped = _drop_missing_target(X, y, times)

    target = infer_target(y, str(y.name), task, warn=True, event_class=event_class)
    if class_weight is not None and target.task == "regression":
        raise ConfigError("class_weight weights the classes of a classifier; this target is a "
                          "regression's (numbers): leave class_weight (--class-weight) out.")
    y_codes = target.encode(y)
    # every option error comes before any warning about the data
    preprocessor, config = _training_setup(spec.training, target.task, loss, scaling,
                                           train_options, seed=seed, device=device,
                                           verbose=verbose)
    torch_device = resolve_device(device)

    schema = infer_schema(X, numeric_columns=numeric_columns)
    if message := prohibited_basis_message(schema.used_names):
        warnings.warn(message, FindeepWarning, stacklevel=2)
    if screen_leaks:  # a column that tells y alone; a customer's rows in one half, as in folds
        warn_if_leaking(X, y, schema, task=target.task, seed=seed, groups=group_values)
    config = narrow_table_config(model, config, schema, train_options)
    preprocessor.special_values = check_special_values(special_values, X, schema)
    classification = target.task != "regression"
    requested = check_bagging(bagging)
    auto_reason = None if requested != "auto" else _auto_not_applicable(
        model=model, task=target.task, times=times, y_codes=y_codes)
    bagging = _effective_bagging(requested, auto_reason=auto_reason, task=target.task,
                                 times=times, interval_method=interval_method)
    check_additive(model_options, model=model, task=target.task, bagging=bagging,
                   auto_reason=auto_reason, times=times is not None)
    model_options = additive_by_default(model_options, model=model, task=target.task,
                                        requested=requested, bagging=bagging)
    if bagging != 1:
        return _fit_bagged(
            X, y, y_codes, target, schema, preprocessor, config, bagging=bagging, model=model,
            seed=seed, model_options=model_options, class_weight=class_weight,
            calibrate=calibrate, torch_device=torch_device, verbose=verbose,
            row_sketch=row_sketch, interval=interval, n_dropped=n_dropped,
            train_options=train_options, row_weight=row_weight, groups=group_values)
    fit_rows, valid_rows = split_validation(
        y_codes, np.arange(len(y_codes)), fraction=validation_fraction, seed=seed,
        stratify=classification, times=times, groups=group_values)
    preprocessor.fit(X.iloc[fit_rows], schema)
    network_options = narrow_table_options(
        model, monotone_positions(model_options, preprocessor, schema, target), schema)
    x_num, x_cat, _ = preprocessor.transform(X)
    # hashes that let `evaluate` spot training rows later; off for bundles that leave the
    # organisation (a hash confirms a full record was trained on)
    training_rows = RowSketch.from_hashes(row_hashes(x_num, x_cat)) if row_sketch else None

    y_train, y_mean, y_std = _network_target(y_codes, target.task, fit_rows)
    trained_range = target_range(y_codes[fit_rows]) if target.task == "regression" else None
    weights = _row_weights(y_codes[fit_rows], class_weight, target.classes,
                           None if row_weight is None else row_weight[fit_rows])
    torch.manual_seed(seed)  # weight initialisation
    n_out = len(target.classes) if target.task == "multiclass" else 1
    network = build_model(model, n_num=x_num.shape[1], cardinalities=preprocessor.cardinalities,
                          n_out=n_out, x_num_train=x_num[fit_rows], options=network_options)
    train_data = TensorData.from_numpy(x_num[fit_rows], x_cat[fit_rows], y_train[fit_rows],
                                       task=target.task, weight=weights, device=torch_device)
    valid_data = TensorData.from_numpy(x_num[valid_rows], x_cat[valid_rows],
                                       y_train[valid_rows], task=target.task, device=torch_device)
    with epoch_progress(f"training {model}",
                        planned_epochs(len(fit_rows), config, len(valid_rows)), verbose) as hook:
        result: FitResult = fit_network(network, train_data, valid_data, task=target.task,
                                        config=config, on_epoch_end=hook)
    network.cpu()
    temperature = 1.0
    if calibrate and classification:
        valid_logits = predict_logits(network, valid_data.x_num.cpu(), valid_data.x_cat.cpu())
        temperature = fit_temperature(valid_logits, y_codes[valid_rows], target.task)
    intervals: Intervals | None = None
    quantile_network = None
    if target.task == "regression" and interval_method == "cqr":
        quantile_network = _fit_quantile_network(
            model, x_num, preprocessor, network_options, fit_rows, train_data, valid_data,
            config, interval, seed, verbose)
        band = _band(quantile_network, valid_data, y_mean, y_std)
        intervals = QuantileConformalIntervals.fit(y_codes[valid_rows], band, interval)
    elif target.task == "regression":  # split-conformal on the validation rows (unfitted on)
        valid_logits = predict_logits(network, valid_data.x_num.cpu(), valid_data.x_cat.cpu())
        intervals = ConformalIntervals.fit(
            y_codes[valid_rows], logits_to_prediction(valid_logits, "regression") * y_std + y_mean,
            interval)

    training = {
        "rows": len(y_codes), "fit_rows": len(fit_rows), "validation_rows": len(valid_rows),
        "dropped_missing_target": n_dropped, "seed": seed,
        "sample_weight": row_weight is not None, "class_weight": (
            {str(k): float(v) for k, v in class_weight.items()}
            if isinstance(class_weight, dict) else class_weight),
        "validation_split": _validation_split_name(times, classification),
        "config": {k: v for k, v in vars(config).items() if k not in ("verbose",)},
        "model_options": model_options or {}, "temperature": temperature,
        **monotone_record(model_options), **special_value_counts(preprocessor, X),
        "device": str(torch_device), **result.to_dict(),
        # what was asked for, and why "auto" kept one network
        "bagging": {"requested": requested, "members": 1,
                    **({"reason": auto_reason} if requested == "auto" else {})},
    }
    if times is not None:  # lets evaluation tell an out-of-time test from one that is not
        training["last_time"] = period_end(times)
    if trained_range is not None:  # scoring names interval ends no training value reached
        training["target_range"] = trained_range
    pipeline = TabularPipeline(model, schema, target, preprocessor, network, temperature, y_mean,
                               y_std, training, {}, data_fingerprint(X, y))
    pipeline.profile = training_profile(pipeline, X.iloc[fit_rows])
    pipeline.training_rows = training_rows
    pipeline.intervals = intervals
    pipeline.quantile_network = quantile_network
    pipeline.validation_positions = valid_rows
    return pipeline


def _with_partner_fitted(pipeline: TabularPipeline, partner_name: str, X: pd.DataFrame,
                         y: pd.Series, *, seed: int, class_weight: Any,
                         sample_weight: Any, monotone: dict[str, Any] | str | None,
                         interval: float, verbose: int) -> TabularPipeline:
    """``pipeline`` with a partner fitted on the rows its network was trained on (those with
    a target), on the network's schema and special values, under the network's monotone
    constraints (already checked by its fit); with ``verbose``, a bar counting its trees.

    A regression's partner leaves out the network's early-stopping rows too, and the
    blend's intervals are calibrated on them (split-conformal on the blend's residuals):
    rows neither half trained on, so the intervals keep their coverage."""
    labelled = np.flatnonzero(pd.Series(np.asarray(y)).notna().to_numpy())
    frame = X.reset_index(drop=True).iloc[labelled].reset_index(drop=True)
    y_codes = pipeline.target.encode(pd.Series(np.asarray(y)[labelled]))
    weight = checked_sample_weight(sample_weight, len(X))
    weight = None if weight is None else weight[labelled]
    rows = np.arange(len(labelled))
    held_out = pipeline.validation_positions
    if pipeline.task == "regression":
        assert held_out is not None  # check_blend_options keeps a regression blend to one network
        rows = np.setdiff1d(rows, held_out)
    fit_partner(pipeline, partner_name, frame.iloc[rows], y_codes[rows], seed=seed,
                sample_weight=None if weight is None else weight[rows],
                class_weight=class_weight, monotone=monotone, verbose=verbose,
                description=f"training {partner_name} (the blend's other half) on "
                            f"{len(rows):,} rows")
    if pipeline.task == "regression":
        calibration = frame.iloc[held_out]
        blended, _ = pipeline.predict_raw(calibration)
        pipeline.intervals = ConformalIntervals.fit(y_codes[held_out], blended, interval)
        pipeline.training["blend"]["intervals_calibrated_on"] = len(held_out)
    return pipeline


def fit_partner(pipeline: TabularPipeline, partner_name: str, frame: pd.DataFrame,
                y_codes: np.ndarray, *, seed: int, sample_weight: np.ndarray | None,
                class_weight: Any, monotone: dict[str, Any] | str | None, verbose: int,
                description: str) -> None:
    """Fit ``pipeline``'s blend partner on ``frame`` (the network's schema, special values and
    monotone directions; with ``verbose``, a bar counting its trees, ``description``) and
    record it in ``training["blend"]``: the in-memory and the streamed blend alike."""
    started = time.perf_counter()
    pipeline.partner = BlendPartner.fit(
        partner_name, task=pipeline.task, frame=frame, schema=pipeline.schema,
        y_codes=y_codes, seed=seed, special_values=pipeline.preprocessor.special_values,
        sample_weight=sample_weight, balanced=class_weight == "balanced",
        monotone=_partner_monotone(monotone, pipeline.target.code_sign),
        progress=lambda trees: count_progress(description, trees, "trees", verbose))
    pipeline.training["blend"] = {"parts": [pipeline.model_name, partner_name],
                                  "share": pipeline.partner.share, "partner_rows": len(frame),
                                  "partner_fit_seconds": round(time.perf_counter() - started, 3)}


def _partner_monotone(wanted: dict[str, Any] | str | None, code_sign: int
                      ) -> dict[str, int] | None:
    """The user's directions (of the event probability) as the partner's, on the
    probability of code 1, which it learns: turned where the event is the first class."""
    if not wanted:
        return None
    if isinstance(wanted, str):
        wanted = parse_monotone(wanted)
    return {str(column): MONOTONE_WORDS[str(direction).strip().lower()] * code_sign
            for column, direction in wanted.items()}


def _auto_not_applicable(*, model: str, task: str, times: pd.Series | None,
                         y_codes: np.ndarray) -> str | None:
    """Why ``bagging="auto"`` trains one network on this fit, or None where it may bag."""
    # the cost model was measured for `default`; out-of-time validation cannot be
    # cross-fitted; the measured gain is for classifiers
    if model != "default":
        return "bagging 'auto' applies to the default model only"
    if times is not None:
        return "a time column makes validation out-of-time, which is not cross-fitted"
    if task == "regression":
        return "bagging 'auto' applies to classifiers"
    if len(y_codes) < AUTO_FOLDS * MIN_AUTO_ROWS_PER_FOLD or (
            np.unique(y_codes, return_counts=True)[1].min() < AUTO_FOLDS):
        return (f"too few rows for {AUTO_FOLDS} folds: it needs "
                f"{AUTO_FOLDS * MIN_AUTO_ROWS_PER_FOLD} rows and {AUTO_FOLDS} of every class")
    return None


def _effective_bagging(bagging: int | str, *, auto_reason: str | None, task: str,
                       times: pd.Series | None, interval_method: str) -> int | str:
    """The members to train: an explicit value is checked against the fit; ``"auto"``
    becomes 1 where ``auto_reason`` says the budget rule does not apply."""
    if bagging == "auto":
        return 1 if auto_reason else "auto"
    if bagging == 1:
        return 1
    if times is not None:
        raise ConfigError("bagging cross-fits random folds, but with a time column validation "
                          "is out-of-time (the latest rows); use bagging=1 with times.")
    if task == "regression" and interval_method == "cqr":
        raise ConfigError("bagging with CQR intervals is not supported; use "
                          "interval_method='split-conformal' (calibrated on the out-of-fold "
                          "predictions) or bagging=1.")
    return bagging


def _fit_bagged(X: pd.DataFrame, y: pd.Series, y_codes: np.ndarray, target: TargetSpec,
                schema: Schema, preprocessor: TabularPreprocessor, config: TrainConfig, *,
                bagging: int | str, model: str, seed: int,
                model_options: dict[str, Any] | None, class_weight: Any, calibrate: bool,
                torch_device: torch.device, verbose: int, row_sketch: bool, interval: float,
                n_dropped: int, train_options: dict[str, Any],
                row_weight: np.ndarray | None = None,
                groups: np.ndarray | None = None) -> TabularPipeline:
    """``fit_tabular`` with cross-fitted members (``train.bagging``): preprocessing fitted
    once on all rows, calibration and intervals on the out-of-fold predictions."""
    classification = target.task != "regression"
    n_folds = AUTO_FOLDS if bagging == "auto" else int(bagging)
    folds = cross_fit_folds(y_codes, n_folds, seed=seed, stratify=classification,
                            groups=groups)
    preprocessor.fit(X, schema)
    network_options = narrow_table_options(
        model, monotone_positions(model_options, preprocessor, schema, target), schema)
    additive = bool(network_options.pop("additive", False))  # fitted after the bag, below
    x_num, x_cat, _ = preprocessor.transform(X)
    training_rows = RowSketch.from_hashes(row_hashes(x_num, x_cat)) if row_sketch else None
    all_rows = np.arange(len(y_codes))
    y_train, y_mean, y_std = _network_target(y_codes, target.task, all_rows)
    trained_range = target_range(y_codes) if target.task == "regression" else None
    weights = _row_weights(y_codes, class_weight, target.classes, row_weight)
    n_out = len(target.classes) if target.task == "multiclass" else 1
    # one architecture for every member, read from all rows; bin edges from each member's own
    member_options = shared_architecture_options(model, x_num, network_options)

    def build(_: int, fit_rows: np.ndarray) -> nn.Module:
        return build_model(model, n_num=x_num.shape[1], cardinalities=preprocessor.cardinalities,
                           n_out=n_out, x_num_train=x_num[fit_rows], options=member_options)

    def progress(i: int, planned: int) -> Any:
        return epoch_progress(f"training {model}, member {i + 1} of {planned}",
                              planned_epochs(len(y_codes) - len(folds[i]), config,
                                             len(folds[i])), verbose)

    numeric, categorical = schema.names_of("numeric"), schema.names_of("categorical")
    table_shape = {"rows": len(y_codes), "numeric": len(numeric),
                   "categorical": len(categorical), **catboost_shape(X, numeric, categorical)}

    def choose(first: FitResult, fit_rows: int, d_in: int) -> int:
        return auto_members(first, fit_rows=fit_rows, d_in=d_in, **table_shape)

    single = one_network_config(model, config, schema, train_options)

    def alone(network: nn.Module, fit_rows: int) -> TrainConfig | None:
        if single is None or not sure_of_one_member(
                config.patience + 1,
                fit_rows=epoch_rows(fit_rows, single, len(y_codes) - fit_rows),
                d_in=len(network.embedding_slots()), **table_shape):
            return None
        return single

    bag = fit_bag(build, x_num, x_cat, y_train, folds, task=target.task, config=config,
                  n_members=bagging, weight=weights, device=torch_device, progress=progress,
                  choose_members=choose, one_network_recipe=alone)
    y_covered = y_codes[bag.covered_rows]
    network, out_of_fold, additive_summary = bag.network, bag.out_of_fold_logits, None
    if additive:
        network, out_of_fold, additive_summary = fit_additive_path(
            bag, folds, x_num, x_cat, y_codes, weights, x_raw=preprocessor.unscaled(X, x_num))
    temperature = 1.0
    if calibrate and classification:
        temperature = fit_temperature(out_of_fold, y_covered, target.task)
    intervals: Intervals | None = None
    if target.task == "regression":
        out_of_fold = logits_to_prediction(bag.out_of_fold_logits, "regression") * y_std + y_mean
        intervals = ConformalIntervals.fit(y_covered, out_of_fold, interval)
    first = bag.members[0]
    training = {
        "rows": len(y_codes), "fit_rows": len(y_codes) - len(folds[0]),
        "validation_rows": len(bag.covered_rows), "dropped_missing_target": n_dropped,
        "seed": seed, "sample_weight": row_weight is not None,
        "class_weight": ({str(k): float(v) for k, v in class_weight.items()}
                         if isinstance(class_weight, dict) else class_weight),
        "validation_split": f"{n_folds}-fold cross-fitting"
                            + (" (stratified)" if classification else ""),
        "config": {k: v for k, v in vars(bag.one_network_recipe or config).items()
                   if k not in ("verbose",)},
        "model_options": model_options or {}, "temperature": temperature,
        **monotone_record(model_options), **special_value_counts(preprocessor, X),
        "device": str(torch_device), **first.to_dict(),
        "seconds": sum(r.seconds for r in bag.members),
        "bagging": {"requested": bagging, **bag.summary()},
        **({"additive": additive_summary} if additive_summary else {}),
        **({"target_range": trained_range} if trained_range is not None else {}),
    }
    pipeline = TabularPipeline(model, schema, target, preprocessor, network, temperature,
                               y_mean, y_std, training, {}, data_fingerprint(X, y))
    pipeline.profile = training_profile(pipeline, X)
    pipeline.training_rows = training_rows
    pipeline.intervals = intervals
    return pipeline


def additive_by_default(model_options: dict[str, Any] | None, *, model: str, task: str,
                        requested: int | str, bagging: int | str) -> dict[str, Any] | None:
    """``model_options`` with the additive path switched on where it is the default: a binary
    ``default`` fit with ``bagging="auto"`` that trains cross-fitted members and has no
    monotone constraints (issue 12, adopted on 22 tables by the rule declared before its runs:
    BENCHMARKS, fourteenth and fifteenth sessions). ``{"additive": False}`` turns it off;
    ``{"additive": True}`` asks for it elsewhere (``check_additive``)."""
    options = dict(model_options or {})
    if "additive" in options:
        if options["additive"] is False:
            del options["additive"]
        return options or None
    if (model == "default" and task == "binary" and requested == "auto" and bagging != 1
            and not options.get("monotone")):
        options["additive"] = True
    return options or None


def check_additive(model_options: dict[str, Any] | None, *, model: str, task: str,
                   bagging: int | str, auto_reason: str | None, times: bool = False,
                   streamed: bool = False) -> None:
    """Refuse ``model_options={"additive": True}`` where it cannot be fitted and weighed:
    it needs a binary target, cross-fitted members (whose out-of-fold rows choose its
    weight; streamed training's 'auto' weighs it on its validation rows instead) and no
    monotone constraints (the path is not monotone). ``times`` (a time column) and
    ``streamed`` shape the remedy the refusal names."""
    options = model_options or {}
    if not options.get("additive"):
        return
    if options.get("additive") is not True:
        raise ConfigError(f"additive is True or False, however: {options['additive']!r}")
    if model not in ("default", "mlp"):
        raise ConfigError(f"the additive path sits beside the default and mlp networks; "
                          f"model '{model}' does not take it.")
    if task != "binary":
        raise ConfigError(f"the additive path applies to binary classification; this "
                          f"target is {task}.")
    if options.get("monotone"):
        raise ConfigError("the additive path is not monotone; use it without monotone "
                          "constraints.")
    if bagging == 1:
        reason = f" ({auto_reason})" if auto_reason else ""
        if times:  # out-of-time validation is never cross-fitted, whatever bagging says
            remedy = "drop the time column or the additive path"
        elif streamed:  # streamed training takes 'auto' or 1 only
            remedy = "use bagging='auto'"
        elif auto_reason:  # 'auto' cannot bag this fit; an explicit count may
            remedy = "use bagging >= 2"
        else:
            remedy = "use bagging='auto' or >= 2"
        raise ConfigError("the additive path's weight is chosen on cross-fitted members' "
                          f"out-of-fold rows, and this fit trains one network{reason}; "
                          f"{remedy}.")


def fit_additive_path(bag: Any, folds: list[np.ndarray], x_num: np.ndarray, x_cat: np.ndarray,
                      y_codes: np.ndarray, weights: np.ndarray | None, *,
                      x_raw: np.ndarray) -> tuple[nn.Module, torch.Tensor, dict[str, Any]]:
    """The bag with an additive path (``models/additive.py``) when its out-of-fold rows say
    it helps: the path is fitted on each member's fit rows and scored on that member's
    validation fold, the share chosen on those out-of-fold rows, then the path is refitted
    on every row. ``x_raw`` (the numeric inputs before scaling,
    ``TabularPreprocessor.unscaled``) gives the path each column on its own scale. Returns
    the network to keep, its out-of-fold logits, and a summary."""
    from findeep.models.additive import (
        MAX_BASIS_COLUMNS,
        SMOOTHINGS,
        AdditiveBlend,
        AdditivePath,
        basis_width,
        blend_choice,
    )

    width = basis_width(x_num.shape[1], list(bag.network.config["cardinalities"]))
    if width > MAX_BASIS_COLUMNS:  # too wide to fit in closed form: the network alone
        return bag.network, bag.out_of_fold_logits, {
            "weight": 0.0, "skipped": f"{width:,} basis columns, over {MAX_BASIS_COLUMNS:,}"}

    def path_on(rows: np.ndarray, bin_scale: float) -> AdditivePath:
        path = AdditivePath(n_num=x_num.shape[1], cardinalities=list(
            bag.network.config["cardinalities"]), x_num_train=x_num[rows],
            x_raw_train=x_raw[rows], bin_scale=bin_scale)
        return path.fit(x_num[rows], x_cat[rows], y_codes[rows],
                        None if weights is None else weights[rows])

    # each candidate smoothing's path, fitted on each member's fit rows and scored on its fold
    oof_by_scale = {scale: np.zeros(len(y_codes)) for scale in SMOOTHINGS}
    for i in range(len(bag.members)):
        fit_rows = np.setdiff1d(np.arange(len(y_codes)), folds[i])
        for scale, additive_oof in oof_by_scale.items():
            with torch.no_grad():
                additive_oof[folds[i]] = path_on(fit_rows, scale)(
                    torch.as_tensor(x_num[folds[i]]),
                    torch.as_tensor(x_cat[folds[i]])).numpy()
    covered = bag.covered_rows
    network_oof = bag.out_of_fold_logits[..., 0].numpy()  # (n_covered, k)
    bin_scale, share = blend_choice(
        network_oof, {scale: oof[covered] for scale, oof in oof_by_scale.items()},
        y_codes[covered])
    summary = {"weight": share, "chosen_on": "the out-of-fold rows of the cross-fitted members"}
    if share == 0.0:
        return bag.network, bag.out_of_fold_logits, summary
    summary["bin_scale"] = bin_scale
    additive_oof = oof_by_scale[bin_scale]
    blend = AdditiveBlend(bag.network, weight=share,
                          path=path_on(np.arange(len(y_codes)), bin_scale))
    out_of_fold = ((1.0 - share) * bag.out_of_fold_logits
                   + share * torch.as_tensor(additive_oof[covered],
                                             dtype=torch.float32)[:, None, None])
    return blend, out_of_fold, summary


def special_value_counts(preprocessor: TabularPreprocessor, X: pd.DataFrame) -> dict[str, Any]:
    """``{"special_values": {column: {code: rows}}}`` for the training summary, or ``{}``."""
    if not preprocessor.special_values:
        return {}
    counts = {}
    for column, codes in preprocessor.special_values.items():
        numbers = numbers_of(X[column])
        counts[column] = {format_code(c): int((numbers == c).sum()) for c in codes}
    return {"special_values": counts}
def _fit_quantile_network(model: str, x_num: np.ndarray, preprocessor: TabularPreprocessor,
                          options: dict[str, Any], fit_rows: np.ndarray, train: TensorData,
                          valid: TensorData, config: TrainConfig, level: float, seed: int,
                          verbose: int) -> nn.Module:
    """CQR's quantile network: the same model and recipe, two outputs, pinball loss."""
    torch.manual_seed(seed + 1)
    network = build_model(model, n_num=x_num.shape[1], cardinalities=preprocessor.cardinalities,
                          n_out=2, x_num_train=x_num[fit_rows], options=options)
    quantile_config = replace(config, loss="pinball", quantiles=list(cqr_quantiles(level)))
    with epoch_progress(f"training {model} quantiles",
                        planned_epochs(len(fit_rows), config, len(valid)), verbose) as hook:
        fit_network(network, train, valid, task="regression", config=quantile_config,
                    on_epoch_end=hook)
    return network.cpu().eval()


def _band(network: nn.Module, data: TensorData, y_mean: float, y_std: float) -> np.ndarray:
    logits = predict_logits(network, data.x_num.cpu(), data.x_cat.cpu())
    return logits.mean(dim=1).numpy() * y_std + y_mean


# `default` on narrow tables (issue 12): with few input columns a step's cost is the
# k x 2x128 backbone, not the inputs; k=2 fitted ISLR Default (10,000 x 3, a development table)
# in 0.68x the CPU of k=4 at -0.0006 AUC (fold std 0.005; benchmarks/tall_narrow.py). Widened
# to 8 columns in the seventeenth session (the four real tables of 5-8 columns): 0.56-0.77x
# the fit wall, but AUC down on 14 of 16 folds (-0.0014, 2.8 s.e.), so not kept (BENCHMARKS,
# "k=2 on tables of at most 8 columns"; benchmarks/issue12_s17_narrow_summary.py)
NARROW_MAX_COLUMNS = 4
NARROW_K = 2


def narrow_table_options(model: str, options: dict[str, Any], schema: Schema
                         ) -> dict[str, Any]:
    """The network options with ``k=2`` for ``default`` on a table of at most
    ``NARROW_MAX_COLUMNS`` input columns; a caller's ``k`` wins."""
    if model != "default" or "k" in options or len(schema.used_names) > NARROW_MAX_COLUMNS:
        return options
    return {**options, "k": NARROW_K}


# `default` warms its learning rate up over 1% of the planned steps (one epoch at
# max_epochs 100; models/registry.py), but narrow tables keep the loop's 5%: over the 23
# tables of issue 12 the short warm-up was level on AUC (-0.0002 per fold), 0.92x the CPU, and
# took sample:creditcard and MEPS under CatBoost's fit wall, but it cost all three narrow
# tables AUC (credit_cards -0.0028 against a fold std of 0.0011; BENCHMARKS, "a one-epoch
# warm-up", where this carve-out is said to be shaped after that run)
NARROW_WARMUP_FRACTION = 0.05


def narrow_table_config(model: str, config: TrainConfig, schema: Schema,
                        train_options: dict[str, Any]) -> TrainConfig:
    """``config`` with ``NARROW_WARMUP_FRACTION`` for ``default`` on a table of at most
    ``NARROW_MAX_COLUMNS`` input columns; a caller's ``warmup_fraction`` wins."""
    if (model != "default" or train_options.get("warmup_fraction") is not None
            or len(schema.used_names) > NARROW_MAX_COLUMNS):
        return config
    return replace(config, warmup_fraction=NARROW_WARMUP_FRACTION)


# `default`'s recipe for a bag known to be one network before it trains (the budget cannot
# afford a second member even if the first stopped at patience + 1 epochs:
# bagging.sure_of_one_member): twice the learning rate and one epoch less patience. On the
# two single-network tables over CatBoost's fit wall (VietNamI, DoctorVisits) it cut the
# counted steps to 0.65x / 0.67x at level AUC (twenty-second session's probe, which chose it
# there), and on the development panel's one-network tables it was level or better; on bags
# every member trained on it was worse, which is why it is kept to the one-network case
# (BENCHMARKS, "Issue 12, twenty-third session"). Narrow tables keep their own recipe
# (NARROW_WARMUP_FRACTION); a caller's learning rate, patience or batch size wins.
ONE_NETWORK_RECIPE = {"learning_rate": 4e-3, "patience": 3}


def one_network_config(model: str, config: TrainConfig, schema: Schema,
                       train_options: dict[str, Any]) -> TrainConfig | None:
    """``ONE_NETWORK_RECIPE`` over ``config`` for ``default`` on a table of more than
    ``NARROW_MAX_COLUMNS`` columns whose caller set none of its learning rate, patience or
    batch size; None where it does not apply."""
    if (model != "default" or len(schema.used_names) <= NARROW_MAX_COLUMNS
            or any(train_options.get(name) is not None
                   for name in ("learning_rate", "patience", "batch_size"))):
        return None
    return replace(config, **ONE_NETWORK_RECIPE)


MONOTONE_WORDS = {"+": 1, "increasing": 1, "1": 1, "-": -1, "decreasing": -1, "-1": -1}


def parse_monotone(text: str) -> dict[str, int]:
    """``"months_delinquent:+,income:-"`` as ``{"months_delinquent": 1, "income": -1}``."""
    constraints: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, direction = part.rpartition(":")
        if not name or direction.strip().lower() not in MONOTONE_WORDS:
            raise ConfigError(f"monotone constraints read COLUMN:+ or COLUMN:- separated by "
                              f"commas, however: {part!r}")
        if name.strip() in constraints:
            raise ConfigError(f"'{name.strip()}' is constrained twice in {text!r}; give each "
                              "column one direction.")
        constraints[name.strip()] = MONOTONE_WORDS[direction.strip().lower()]
    if not constraints:
        raise ConfigError("name at least one column to constrain, e.g. 'income:-'.")
    return constraints


def monotone_positions(model_options: dict[str, Any] | None, preprocessor: TabularPreprocessor,
                       schema: Schema, target: TargetSpec) -> dict[str, Any]:
    """The network's options with ``monotone`` column names turned into numeric input
    positions (+1 non-decreasing, -1 non-increasing), every name checked.

    A direction is the event probability's (``Debt:+``: the risk of ``bad`` never falls as
    debt grows). A binary network scores the second class, so where the event is the first
    (classes ``['bad', 'good']``) every sign is turned for the network."""
    options = dict(model_options or {})
    wanted = options.get("monotone")
    if not wanted:
        return options
    if isinstance(wanted, str):
        wanted = parse_monotone(wanted)
    task = target.task
    if task == "multiclass":
        raise ConfigError("monotone constraints apply to binary and regression models; a "
                          "multiclass score has no single direction.")
    kinds = {c.name: c.kind for c in schema.columns}
    names = preprocessor.numeric_feature_names
    positions: dict[int, int] = {}
    for column, direction in wanted.items():
        sign = MONOTONE_WORDS.get(str(direction).strip().lower())
        if sign is None:
            raise ConfigError(f"the direction for '{column}' must be '+' or '-', however: "
                              f"{direction!r}")
        if column not in kinds and column in names:  # a date's part: applied_on__days
            positions[names.index(column)] = sign * target.code_sign
            continue
        if column not in kinds:
            raise ConfigError(f"cannot constrain '{column}': it is not a column of the data."
                              + did_you_mean(str(column), list(kinds)))
        if kinds[column] == "datetime":
            raise ConfigError(f"'{column}' is a date, which the model reads as four numbers: "
                              f"constrain one of them, e.g. '{column}__days:+' (also __year, "
                              "__month, __dayofweek).")
        if kinds[column] != "numeric" or column not in names:
            # a count of a few whole numbers is read as categories unless asked otherwise
            hint = (f" If it is a count or a grade, read it as a number: --numeric-columns "
                    f"{column} (numeric_columns=['{column}'] from Python)."
                    if kinds[column] == "categorical" else "")
            raise ConfigError(f"monotone constraints apply to numeric columns; '{column}' is "
                              f"{kinds[column]}.{hint}")
        positions[names.index(column)] = sign * target.code_sign
    options["monotone"] = positions
    return options


def monotone_record(model_options: dict[str, Any] | None) -> dict[str, Any]:
    """The training record's mark that monotone directions are the event probability's
    (bundles without it, trained before the fix, may hold them turned: ``legacy_monotone``)."""
    return {"monotone_of": "event_probability"} if (model_options or {}).get("monotone") else {}


def legacy_monotone_message(pipeline: TabularPipeline) -> str | None:
    """For a bundle trained before monotone directions were read as the event probability's,
    on a binary target whose event is the first class: its constraints run the other way."""
    constrained = bool((pipeline.training.get("model_options") or {}).get("monotone"))
    if (pipeline.task != "binary" or pipeline.target.event_index != 0 or not constrained
            or "monotone_of" in pipeline.training):
        return None
    return (f"this bundle's monotone constraints were trained by an earlier findeep that read "
            f"them for the class '{pipeline.target.classes[1]}', not the event "
            f"'{pipeline.target.event_class}': each runs the other way; train it again.")


def _check_fit_options(train_options: dict[str, Any],
                       class_weight: str | dict[Any, float] | None) -> None:
    """Refuse training options fit_tabular does not know, before any work."""
    unknown = set(train_options) - set(TRAIN_OPTIONS)
    if unknown:
        raise ConfigError(f"unknown training option(s): {', '.join(sorted(unknown))}.")
    if not isinstance(class_weight, dict) and class_weight not in CLASS_WEIGHTS:
        raise ConfigError("class_weight must be None, 'balanced' or a dict of class -> weight, "
                          f"however: {class_weight=}")


def _drop_missing_target(X: pd.DataFrame, y: pd.Series, times: pd.Series | None
                         ) -> tuple[pd.DataFrame, pd.Series, pd.Series | None, int]:
    """The rows with a target (warned about the others), and how many were left out."""
    has_label = y.notna().to_numpy()
    n_dropped = int((~has_label).sum())
    if n_dropped:
        # stacklevel 3: the warning points at fit_tabular's caller
        warnings.warn(f"{n_dropped} row(s) with a missing target were left out of training.",
                      FindeepWarning, stacklevel=3)
        X, y = X.loc[has_label].reset_index(drop=True), y[has_label].reset_index(drop=True)
        times = None if times is None else times[has_label].reset_index(drop=True)
    return X, y, times, n_dropped


def _training_setup(recipe: dict[str, Any], task: str, loss: str | None, scaling: str | None,
                    train_options: dict[str, Any], *, seed: int, device: str, verbose: int
                    ) -> tuple[TabularPreprocessor, TrainConfig]:
    """The model's training recipe overridden by the caller's options, checked."""
    loss = loss or default_loss(task)
    check_loss(loss, task)
    recipe = {**recipe, **{k: v for k, v in train_options.items() if v is not None}}
    preprocessor = TabularPreprocessor(scaling=scaling or recipe.pop("scaling", "quantile"))
    recipe.pop("scaling", None)
    config = TrainConfig(**recipe, loss=loss, seed=seed, device=device, verbose=verbose)
    config.check()
    return preprocessor, config


def _validation_split_name(times: pd.Series | None, classification: bool) -> str:
    if times is not None:
        return "out-of-time"
    return "stratified random" if classification else "random"


def _network_target(y_codes: np.ndarray, task: str, fit_rows: np.ndarray
                    ) -> tuple[np.ndarray, float, float]:
    """The target as the network sees it: regression standardised on the fit rows."""
    y_train = y_codes.astype(np.float32 if task != "multiclass" else np.int64)
    y_mean, y_std = 0.0, 1.0
    if task == "regression":
        y_mean = float(y_train[fit_rows].mean())
        y_std = float(y_train[fit_rows].std()) or 1.0
        y_train = ((y_train - y_mean) / y_std).astype(np.float32)
    return y_train, y_mean, y_std


def training_profile(pipeline: TabularPipeline, frame: pd.DataFrame) -> dict[str, Any]:
    """Bins of the fit rows and of the model's score on them, for drift and explanations.

    Special values are profiled apart: the bins cover the other values, and each code's
    share of the rows is kept under the column's ``special``.
    """
    special = pipeline.preprocessor.special_values
    masked, shares = frame, {}
    if special:
        masked = frame.copy()
        for column, codes in special.items():
            masked[column], code_shares = split_special(
                numbers_of(frame[column]), codes)
            shares[column] = dict(zip(map(format_code, codes), code_shares, strict=True))
    if pipeline.task == "multiclass":
        score, low_risk = None, None
    else:
        score, _ = pipeline.predict_raw(frame)
        low_risk = None
        if pipeline.task == "binary":
            score = pipeline.event_probability(score)
            low_risk = score < DECISION_THRESHOLD
    profile = build_profile(masked, pipeline.schema, score=score, low_risk=low_risk)
    reference = np.ones(len(frame), dtype=bool)  # the reference rows, as build_profile picks
    if low_risk is not None and np.asarray(low_risk).any():
        reference = np.asarray(low_risk, dtype=bool)
    for column, code_shares in shares.items():
        entry = profile["columns"][column]
        entry["missing"] = max(entry["missing"] - sum(code_shares.values()), 0.0)
        entry["special"] = code_shares
        # the explanations' reference population holds ordinary values, not codes
        numbers = numbers_of(frame[column])
        coded = np.isin(numbers[reference], special[column]).mean()
        entry["reference"]["missing"] = max(entry["reference"]["missing"] - coded, 0.0)
    return profile


def checked_sample_weight(sample_weight: Any, n_rows: int) -> np.ndarray | None:
    """``sample_weight`` as one float per row of ``X``, or one ``DataError`` sentence: finite,
    0 or more, not all 0, one per row. Weights all equal are no weights (None): the same fit,
    to the bit, as none given."""
    if sample_weight is None:
        return None
    weights = np.asarray(sample_weight)
    if weights.ndim != 1 or len(weights) != n_rows:
        raise DataError(f"sample_weight must hold one weight per row of X ({n_rows}), "
                        f"however its shape is {weights.shape}.")
    try:
        weights = weights.astype(np.float64)
    except (TypeError, ValueError):
        raise DataError("sample_weight must hold numbers.") from None
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise DataError("sample_weight must be finite and 0 or more in every row.")
    if not weights.any():
        raise DataError("sample_weight is zero in every row: no row would be learned from.")
    return None if np.all(weights == weights[0]) else weights


def _row_weights(y_codes: np.ndarray, class_weight: str | dict[Any, float] | None,
                 classes: list[Any], sample_weight: np.ndarray | None) -> np.ndarray | None:
    """Each row's weight in the training loss: its class's weight times its own
    ``sample_weight`` (either may be absent)."""
    weights = None if class_weight is None else _class_weights(y_codes, class_weight, classes)
    if sample_weight is None:
        return weights
    combined = sample_weight if weights is None else weights * sample_weight
    return combined.astype(np.float32)


def _class_weights(y_codes: np.ndarray, class_weight: str | dict[Any, float],
                   classes: list[Any]) -> np.ndarray:
    """Row weights for the fit rows: 'balanced' is n / (n_classes * count of the row's class);
    a dict gives each class label its weight (classes it omits weigh 1)."""
    codes, counts = np.unique(y_codes, return_counts=True)
    per_class = class_weights_by_code(dict(zip(codes.tolist(), counts.tolist(), strict=True)),
                                      class_weight, classes)
    return np.array([per_class[c] for c in y_codes], dtype=np.float32)


def class_weights_by_code(counts: dict[int, int], class_weight: str | dict[Any, float],
                          classes: list[Any]) -> dict[int, float]:
    """Each class code's weight, from the fit rows' count per code (streamed training
    counts them in a pass; ``_class_weights`` from the rows in memory)."""
    if class_weight == "balanced":
        total = sum(counts.values())
        per_class = {code: total / (len(counts) * count) for code, count in counts.items()}
    else:
        by_text = {str(label): weight for label, weight in class_weight.items()}
        unknown = sorted(set(by_text) - {str(c) for c in classes})
        if unknown:
            raise ConfigError(f"class_weight names class(es) {', '.join(unknown)} that the target "
                              f"does not have; its classes are {', '.join(map(str, classes))}.")
        per_class = {code: float(by_text.get(str(label), 1.0))
                     for code, label in enumerate(classes)}
    return per_class


def pipeline_to_bundle(pipeline: TabularPipeline) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """The JSON document and tensors that ``write_bundle`` stores for a tabular model."""
    meta = {
        "model": {"name": pipeline.model_name, "config": pipeline.network.config},
        "task": pipeline.task,
        "schema": pipeline.schema.to_dict(),
        "target": pipeline.target.to_dict(),
        "preprocessing": pipeline.preprocessor.to_dict(),
        "calibration": {"temperature": pipeline.temperature},
        "target_scaling": {"mean": pipeline.y_mean, "std": pipeline.y_std},
        "training": pipeline.training,
        "data_fingerprint": pipeline.data_fingerprint,
        "metrics": pipeline.metrics,
        "profile": pipeline.profile,
    }
    if pipeline.training_rows is not None:
        meta["training_rows"] = pipeline.training_rows.to_dict()
    if pipeline.partner is not None:  # its model file: ``pipeline_files``
        meta["partner"] = pipeline.partner.to_dict()
    tensors = dict(pipeline.network.state_dict())
    if pipeline.intervals is not None:
        meta["intervals"] = pipeline.intervals.to_dict()
    if pipeline.quantile_network is not None:  # CQR: its weights beside the main network's
        meta["intervals"]["model_config"] = pipeline.quantile_network.config
        tensors |= {QUANTILE_PREFIX + k: v
                    for k, v in pipeline.quantile_network.state_dict().items()}
    return meta, tensors


QUANTILE_PREFIX = "interval_quantiles."  # CQR network tensors in a tabular bundle


def pipeline_files(pipeline: TabularPipeline) -> dict[str, Any]:
    """The files a tabular bundle holds beside its JSON and tensors (``write_bundle``'s
    ``files``): a blend's partner model."""
    return {} if pipeline.partner is None else pipeline.partner.writers()


def _with_empty_buffers(network: nn.Module, tensors: dict[str, torch.Tensor],
                        ) -> dict[str, torch.Tensor]:
    """``tensors`` plus the empty buffers a later findeep added and an older bundle lacks
    (``level_values``, empty unless a column is one-hot read): an empty tensor carries no
    weight, so the older bundle scores as it was trained. A missing non-empty one is left
    missing, and refused by the strict load."""
    missing = {name: value for name, value in network.state_dict().items()
               if name not in tensors and value.numel() == 0}
    return {**tensors, **missing} if missing else tensors


def _network_from(name: str, config: dict[str, Any], tensors: dict[str, torch.Tensor],
                  ) -> nn.Module:
    config = dict(config)
    if "monotone" in config:  # saved before the interaction network: additive only
        config.setdefault("interactions", False)
    try:
        network = build_model(name, n_num=config.pop("n_num"),
                              cardinalities=config.pop("cardinalities"),
                              n_out=config.pop("n_out"), options=config)
        network.load_state_dict(_with_empty_buffers(network, tensors), strict=True)
    except (RuntimeError, KeyError, ConfigError) as exc:
        reason = " ".join(str(exc).split())  # one line: PyTorch's message spans several
        raise BundleError(f"the bundle's weights do not fit its model config: {reason}") from None
    return network.eval()


def pipeline_from_bundle(meta: dict[str, Any], tensors: dict[str, torch.Tensor],
                         path: str | os.PathLike[str] | None = None) -> TabularPipeline:
    """Rebuild a pipeline from a verified bundle; the network gets its saved weights.

    With the bundle's ``path``, metrics come from its metrics.json when bundle.json has none.
    A document whose values cannot be what findeep wrote (a text where a number belongs, a
    task findeep does not know, a temperature or a weight that is not a finite number) is
    one ``BundleError``: checksums say a file is unchanged, not that its values make sense
    (they can be recomputed after an edit), and such a bundle must not score quietly.
    """
    where = f"'{os.path.join(path, 'bundle.json')}'" if path is not None else "the bundle document"
    try:
        pipeline = _pipeline_from_document(meta, tensors, path)
    except BundleError:
        raise
    except (TypeError, ValueError, IndexError, AttributeError, RuntimeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BundleError(f"{where} holds values this findeep cannot use ({first}); the bundle "
                          "is damaged or was edited by hand (save it again from the model).") \
            from None
    problem = _implausible(pipeline)
    if problem:
        raise BundleError(f"{where} {problem}; the bundle is damaged or was edited by hand "
                          "(save it again from the model).")
    if message := legacy_monotone_message(pipeline):
        warnings.warn(message, FindeepWarning, stacklevel=2)
    return pipeline


def _implausible(pipeline: TabularPipeline) -> str | None:
    """What in a rebuilt pipeline no training could have written, or None."""
    if pipeline.task not in ("binary", "multiclass", "regression"):
        return f"names the task {pipeline.task!r}, which findeep does not know"
    if not (math.isfinite(pipeline.temperature) and pipeline.temperature > 0):
        return f"gives the calibration temperature {pipeline.temperature!r}, not a positive number"
    scaling = (pipeline.y_mean, pipeline.y_std)
    if not (all(math.isfinite(v) for v in scaling) and pipeline.y_std > 0):
        return "gives a target scaling that is not a pair of finite numbers"
    if pipeline.task != "regression" and len(pipeline.target.classes) < 2:
        return "lists fewer than two classes for a classifier"
    for name, tensor in pipeline.network.named_parameters():  # buffers may hold ±inf bounds
        if not bool(torch.isfinite(tensor).all()):
            return f"comes with weights that are not finite numbers ({name})"
    for name, tensor in pipeline.network.named_buffers():
        if tensor.is_floating_point() and bool(torch.isnan(tensor).any()):
            return f"comes with weights that are not numbers ({name})"
    return None


def _pipeline_from_document(meta: dict[str, Any], tensors: dict[str, torch.Tensor],
                            path: str | os.PathLike[str] | None) -> TabularPipeline:
    model = meta["model"]
    intervals = meta.get("intervals")  # older bundles and classifiers lack it
    quantile_tensors = {k.removeprefix(QUANTILE_PREFIX): v for k, v in tensors.items()
                        if k.startswith(QUANTILE_PREFIX)}
    tensors = {k: v for k, v in tensors.items() if not k.startswith(QUANTILE_PREFIX)}
    network = _network_from(model["name"], model["config"], tensors)
    quantile_network = None
    if intervals is not None and intervals.get("method") == "cqr":
        quantile_network = _network_from(model["name"], intervals.get("model_config", {}),
                                         quantile_tensors)
    sketch = meta.get("training_rows")  # older bundles lack it: no overlap check
    pipeline = TabularPipeline(
        model["name"], Schema.from_dict(meta["schema"]), TargetSpec.from_dict(meta["target"]),
        TabularPreprocessor.from_dict(meta["preprocessing"]), network,
        float(meta["calibration"]["temperature"]), float(meta["target_scaling"]["mean"]),
        float(meta["target_scaling"]["std"]), meta.get("training", {}), meta.get("metrics", {}),
        meta.get("data_fingerprint", ""), meta.get("profile", {}),
        None if sketch is None else RowSketch.from_dict(sketch))
    pipeline.intervals = None if intervals is None else intervals_from_dict(intervals)
    pipeline.quantile_network = quantile_network
    if (partner := meta.get("partner")) is not None:
        if path is None:
            raise BundleError("a blend's bundle is read from its folder (its CatBoost part is "
                              "a file there).")
        folder = Path(path)
        pipeline.partner = BlendPartner.read(partner, task=pipeline.task, folder=folder,
                                             checksums=read_checksums(folder / CHECKSUMS_FILE))
    if path is not None and not pipeline.metrics:
        pipeline.metrics = read_metrics(path)
    return pipeline


def read_pipeline(path: str | os.PathLike[str], *, refusal: str = "this needs a tabular model"
                  ) -> tuple[TabularPipeline, dict[str, Any]]:
    """A tabular bundle on disk (checksums verified first) as its pipeline, plus bundle.json.

    Another kind of bundle raises ``BundleError``: "'PATH' holds a 'forecast' model; "
    followed by ``refusal``.
    """
    meta, tensors = read_bundle(path)
    if meta.get("kind") != BUNDLE_KIND:
        raise BundleError(f"'{path}' holds a {meta.get('kind')!r} model; {refusal}"
                          f"{other_kind_hint(meta.get('kind'))}.")
    return pipeline_from_bundle(meta, tensors, path), meta


def decision_threshold(pipeline: Any, threshold: float | None) -> float:
    """The cut-off a binary model's labels use: ``threshold`` when one was given (binary
    models only: a multiclass or regression model has no cut-off to move), else 0.5.
    ``pipeline``: anything with a ``task`` (a tabular or a text pipeline)."""
    if threshold is None:
        return 0.5
    if pipeline.task != "binary":
        raise ConfigError(f"--threshold applies to binary models; this one is a {pipeline.task} "
                          "model (drop --threshold).")
    check_threshold(threshold)
    return threshold


# the commands that read each other kind of bundle, for a refusal that says where to go
_COMMANDS_OF_KIND = {
    "forecast": "'findeep forecast predict', 'forecast backtest' or 'forecast report'",
    "recommend": "'findeep recommend predict', 'findeep serve' or findeep.load in Python",
    "pricing": "'findeep pricing price', 'pricing calibrate', 'pricing check' or 'findeep "
               "export'",
}


def other_kind_hint(kind: object) -> str:
    """" (a KIND model is read by ...)" for a bundle kind with its own commands, else ""."""
    commands = _COMMANDS_OF_KIND.get(str(kind))
    return f" (a {kind} model is read by {commands})" if commands else ""


def score_table(pipeline: TabularPipeline, frame: pd.DataFrame, prediction: np.ndarray,
                id_column: str | None, threshold: float) -> pd.DataFrame:
    """What ``findeep predict`` writes per row, whether the table is scored whole,
    streamed in chunks or in Spark: the id column if asked, the event probability and the
    predicted label at ``threshold`` (binary), each class's probability and the most likely
    class (multiclass), or the prediction (regression)."""
    scores = pd.DataFrame(index=range(len(frame)))
    target = pipeline.target
    if target.task == "binary":
        p_event = pipeline.event_probability(prediction)
        scores[f"probability_{target.event_class}"] = p_event
        scores["predicted"] = pipeline.decide(p_event, threshold)
    elif target.task == "multiclass":
        for i, label in enumerate(target.classes):
            scores[f"probability_{label}"] = prediction[:, i]
        scores["predicted"] = np.asarray(target.classes, dtype=object)[prediction.argmax(axis=1)]
    else:
        scores["prediction"] = prediction
    if id_column is not None:
        # a regression's interval ends are added beside these by the callers
        written = [*map(str, scores.columns),
                   *(("lower", "upper") if target.task == "regression" else ())]
        if str(id_column) in written:
            raise ConfigError(f"--id-column '{id_column}' has the name of a column predict "
                              f"writes ({', '.join(written)}); rename it in the data, or "
                              "copy it under another name.")
        scores.insert(0, id_column, frame[id_column].to_numpy())
    return scores
