"""Training and scoring on Parquet data that does not fit in memory, a row group at a time.

``train_streamed`` is ``findeep train --stream`` (and ``--nproc-per-node``, ``torchrun -m
findeep train``): one pass fits the preprocessing state (features/streaming.py), epochs
stream row groups through the shuffle buffer into the same network and trainer loop
(train/streaming.py), and a last pass scores the held-out rows. Test and validation rows
are drawn by a hash of each row's position (data/stream.row_uniform), so they are the
same in every pass and every process. The bundle is the same format as the in-memory
path's: ``findeep.load``, ``predict``, ``explain`` and ``serve`` cannot tell them apart.

``predict_streamed`` scores chunk by chunk into a temporary file that is renamed into
place only when complete; a failure (a full disk, a damaged input file) leaves no output.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import warnings
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from findeep.bundle import check_writable, write_bundle
from findeep.data.column_drop import drop_columns
from findeep.data.io import check_output
from findeep.data.leakage import warn_if_leaking
from findeep.data.number_text import looks_numeric, numbers_of, parse_number
from findeep.data.profile import DECISION_THRESHOLD
from findeep.data.protected_names import prohibited_basis_message
from findeep.data.row_weights import check_weight_column, no_weight_error, weight_numbers
from findeep.data.schema import MAX_INTEGER_LEVELS, FindeepWarning, Schema, infer_schema
from findeep.data.sentinels import check_special_values, format_code, warn_absent_codes
from findeep.data.splits import (
    check_fraction,
    parse_times,
    period_end,
    split_out_of_time,
    time_values,
    warn_if_dated,
)
from findeep.data.stream import ParquetSource, RowGroupUnit, row_uniform
from findeep.data.target import TargetSpec, infer_target
from findeep.errors import ConfigError, DataError, DataFileError, FindeepError, did_you_mean
from findeep.evaluate.intervals import (
    DEFAULT_LEVEL,
    ConformalIntervals,
    QuantileConformalIntervals,
    check_level,
    check_method,
    cqr_quantiles,
    interval_metrics,
    negative_lower_ends,
    negative_lower_message,
)
from findeep.evaluate.metrics import (
    binary_metrics,
    calibration_table,
    check_threshold,
    gains_table,
    multiclass_metrics,
    regression_metrics,
)
from findeep.evaluate.overlap import SKETCH_SIZE, RowSketch, row_hashes
from findeep.evaluate.partner import (
    check_blend_options,
    check_partner_available,
    split_blend_model,
)
from findeep.features.streaming import StreamedFit
from findeep.features.tabular import TabularPreprocessor, TransformReport
from findeep.models.registry import build_model, check_model_options, get_spec
from findeep.output_paths import clear_dead_temps, exclusive_temp, usual_mode
from findeep.pipeline import (
    BUNDLE_KIND,
    CLASS_WEIGHTS,
    TRAIN_OPTIONS,
    TabularPipeline,
    additive_by_default,
    check_additive,
    check_features,
    class_weights_by_code,
    decision_threshold,
    fit_partner,
    monotone_positions,
    monotone_record,
    score_table,
    training_profile,
)
from findeep.train.bagging import check_bagging
from findeep.train.checkpoint import LATEST, clear_checkpoints
from findeep.train.distributed import (
    Ranks,
    destroy_process_group,
    init_process_group,
    launched_ranks,
)
from findeep.train.losses import check_loss, default_loss
from findeep.train.progress import epoch_progress
from findeep.train.streaming import (
    Checkpointing,
    fit_network_streamed,
    prefetched,
    streamed_rounds,
)
from findeep.train.trainer import (
    TensorData,
    TrainConfig,
    auto_batch_size,
    fit_temperature,
    logits_to_prediction,
    predict_logits,
    resolve_device,
)

MAX_VALIDATION_ROWS = 200_000  # held in memory and scored every epoch
SCHEMA_ROWS = 50_000  # rows read to infer column kinds and the task
# later values kept per column whose kind they can change: in memory, a column's first 200
# values tell dates and its first 2,000 free text
KIND_EVIDENCE_ROWS = 2_000
SCORING_CHUNK_ROWS = 262_144
QUANTILE_CHECKPOINTS = "quantiles"  # CQR's second network's checkpoints, in --checkpoint-dir
_TEST, _VALID, _SAMPLE = 1, 2, 3  # salts of the row hashes


def train_streamed(
    data: str | os.PathLike[str], *, target: str | None, out: str | os.PathLike[str],
    task: str = "auto", test_fraction: float = 0.2, validation_fraction: float = 0.2,
    model: str = "default", seed: int = 0, device: str = "auto", force: bool = False,
    verbose: int = 1, scaling: str | None = None, loss: str | None = None,
    train_options: dict[str, Any] | None = None, row_sketch: bool = True,
    checkpoint_dir: str | os.PathLike[str] | None = None, resume: bool = False,
    model_options: dict[str, Any] | None = None, time_column: str | None = None,
    class_weight: str | dict[Any, float] | None = None, calibrate: bool = True,
    interval: float = DEFAULT_LEVEL, numeric_columns: list[str] | None = None,
    weight_column: str | None = None, event_class: Any = None,
    special_values: dict[str, list[float]] | str | None = None, bagging: int | str = "auto",
    interval_method: str = "split-conformal", drop: list[str] | None = None,
) -> dict[str, Any]:
    """Train on a Parquet file or directory without reading it whole; save a bundle.

    Returns the same report as ``workflow.train_and_evaluate``. Under torchrun every rank
    calls this; rank 0 writes the bundle and the others return ``{}``.

    ``time_column`` splits out-of-time as the in-memory path does: the latest
    ``test_fraction`` of the labelled rows are the test rows, the latest
    ``validation_fraction`` of the rest validate (one extra pass reads that column alone,
    8 bytes a row). ``class_weight`` ('balanced' or class -> weight) weights the loss as
    the in-memory path does, from the fit rows' class counts.

    As in memory, a classifier is temperature-scaled on the validation rows unless
    ``calibrate=False``, and a regression stores split-conformal intervals at level
    ``interval`` from the validation rows' absolute residuals (coverage tested on the
    test rows). ``numeric_columns`` are read as numbers whatever their values, as in memory.
    ``weight_column`` names a column of row weights (0 or more) for the training loss, times
    the class weight, as ``--weight-column`` does in memory: not a feature; early stopping,
    calibration and the test metrics read their rows unweighted, and weights all equal train
    as none. ``special_values`` (column -> codes, or ``"late_90:96,98"``) keeps those codes
    off their column's scale as in memory: each is a token of its own, left out of the
    quantiles and sums, counted exactly over the training rows (a code that never occurs is
    warned about).

    A binary ``default`` fit also fits the additive path beside its network, as in memory
    (``pipeline.additive_by_default``): the path on the preprocessing sample of the fit rows,
    its share chosen on the validation rows the network stopped on (a one-member bag's rule),
    then refitted on the sample and the validation rows together; ``bagging=1`` or
    ``model_options={"additive": False}`` leaves the network alone.

    ``interval_method="cqr"`` (regressions) trains a second network of the same model on the
    interval level's two quantiles (pinball loss) over the same streamed epochs, and
    calibrates its band on the validation rows, as in memory; with ``checkpoint_dir`` its
    epochs are checkpointed in the folder's ``quantiles`` subfolder, so a resume goes on from
    whichever of the two networks was training.

    ``model="default+catboost"`` (a blend) trains the network as above and CatBoost on the
    preprocessing sample of the fit rows (at most ``features.streaming.SAMPLE_ROWS``:
    CatBoost trains in memory), blended half each as in memory (``_with_sampled_partner``).
    """
    ranks = launched_ranks()
    if target is None:
        raise ConfigError("--target is required: name the column to predict.")
    if not isinstance(class_weight, dict) and class_weight not in CLASS_WEIGHTS:
        raise ConfigError("class_weight must be None, 'balanced' or a dict of class -> weight, "
                          f"however: {class_weight=}")
    check_level(interval)
    # every option is checked as the in-memory path checks it, before any data is read
    if check_bagging(bagging) not in ("auto", 1):  # cross-fitting needs every row in memory
        raise ConfigError(f"bagging={bagging!r} is not available with streamed training, "
                          "which trains one network ('auto' or 1); cross-fitted members need "
                          "the table in memory (fit_tabular, or drop --stream).")
    check_fraction(test_fraction, "test_fraction")
    check_fraction(validation_fraction, "validation_fraction")
    if resume and checkpoint_dir is None:
        raise ConfigError("--resume needs --checkpoint-dir: the directory to resume from.")
    check_method(interval_method)
    options = {k: v for k, v in (train_options or {}).items() if v is not None}
    unknown = set(options) - set(TRAIN_OPTIONS)
    if unknown:
        raise ConfigError(f"unknown training option(s): {', '.join(sorted(unknown))}.")
    partner = None  # `default+catboost`: CatBoost fitted on the preprocessing sample
    if (blend := split_blend_model(model)) is not None:
        model, partner = blend
        check_partner_available(partner)
        check_blend_options(task=task, class_weight=class_weight,
                            interval_method=interval_method, bagging=bagging)
    check_model_options(model, model_options)
    recipe = {k: v for k, v in {**get_spec(model).training, **options}.items() if k != "scaling"}
    TrainConfig(**recipe, seed=seed, device=device).check()  # the loss waits for the task
    out = check_writable(out, force=force)
    if checkpoint_dir is not None and not ranks.distributed:  # a launcher checked it for ranks
        from findeep.train.checkpoint import check_fresh_run

        check_fresh_run(checkpoint_dir, resume=resume, force=force)
    torch_device = resolve_device(device)
    init_process_group(ranks, torch_device)
    try:
        return _train(data, ranks=ranks, target=target, out=out, task=task,
                      test_fraction=test_fraction, validation_fraction=validation_fraction,
                      model=model, seed=seed, torch_device=torch_device, force=force,
                      verbose=verbose, scaling=scaling, loss=loss, options=options,
                      row_sketch=row_sketch, checkpoint_dir=checkpoint_dir, resume=resume,
                      model_options=model_options, time_column=time_column,
                      class_weight=class_weight, calibrate=calibrate, interval=interval,
                      numeric_columns=numeric_columns, weight_column=weight_column,
                      event_class=event_class, special_values=special_values,
                      bagging=bagging, interval_method=interval_method, partner=partner,
                      drop=drop)
    finally:
        destroy_process_group()


def _screen_head(features: pd.DataFrame, y: pd.Series, schema: Schema, *, task: str,
                 event_class: Any, seed: int) -> None:
    """The leak screen (``data.leakage``) on the rows read for the schema; a head whose
    target the task cannot be read from yet (one class so far) is not screened: the passes
    judge the whole table."""
    try:
        spec = infer_target(y.dropna(), str(y.name), task, event_class=event_class)
    except FindeepError:
        return
    warn_if_leaking(features, y, schema, task=spec.task, seed=seed)


def check_columns(source: ParquetSource, *, target: str, time_column: str | None = None,
                  weight_column: str | None = None,
                  special_columns: list[str] | None = None,
                  drop: list[str] | None = None) -> None:
    """Refuse a ``target``, ``time_column``, ``weight_column`` or special-value column that
    ``source`` lacks (or a weight column that is one of the other two), and a ``drop`` name
    that is no column or names one of them, from its schema alone (no rows read), so that
    ``findeep train --nproc-per-node`` can refuse them before it launches any rank."""
    drop_columns(pd.DataFrame(columns=source.columns), drop, roles=[
        ("target", target), ("--time-column", time_column), ("--weight-column", weight_column)])
    if target not in source.columns:
        raise DataError(f"target column '{target}' is not in the data."
                        + did_you_mean(target, source.columns))
    if time_column is not None and time_column not in source.columns:
        raise DataError(f"time column '{time_column}' is not in the data."
                        + did_you_mean(time_column, source.columns))
    if weight_column is not None:
        check_weight_column(weight_column, source.columns, target, time_column)
    for column in special_columns or ():
        if column not in source.columns:
            raise ConfigError(f"cannot give special values to '{column}': it is not a column "
                              "of the data." + did_you_mean(column, source.columns))


def interrupted_message(checkpoint_dir: str | os.PathLike[str] | None) -> str:
    """The one line (after "findeep: ") for a streamed training stopped by Ctrl-C or
    SIGTERM: with ``checkpoint_dir``, how to go on from its last saved epoch; without, no
    mention of --resume, which would have nothing to go on from."""
    if checkpoint_dir is None:
        return "interrupted; no bundle was written."
    return (f"interrupted; the epochs saved in '{checkpoint_dir}' are kept: rerun with "
            "--resume to go on from the last one.")


class _RowSplit:
    """Which rows of a row group are fit, validation and test rows: by a hash of the row's
    position, or out-of-time by cut-offs on ``time_column`` (``_time_cutoffs``)."""

    def __init__(self, *, seed: int, test_fraction: float, validation_fraction: float,
                 time_column: str | None = None, cutoffs: tuple[Any, Any] | None = None,
                 target: str = "") -> None:
        self.seed, self.test_fraction = seed, test_fraction
        self.validation_fraction = validation_fraction
        self.time_column, self.cutoffs, self.target = time_column, cutoffs, target

    def masks(self, unit: RowGroupUnit, frame: pd.DataFrame,
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.cutoffs is not None:  # rows without a label are on no side (left out)
            labelled = frame[self.target].notna().to_numpy()
            clock = _clock(frame.loc[labelled], self.time_column)
            test, valid = np.zeros(len(frame), bool), np.zeros(len(frame), bool)
            test[labelled] = clock >= self.cutoffs[0]
            valid[labelled] = (clock < self.cutoffs[0]) & (clock >= self.cutoffs[1])
            return labelled & ~test & ~valid, valid, test
        positions = np.arange(unit.start, unit.start + len(frame), dtype=np.uint64)
        test = row_uniform(positions, self.seed, _TEST) < self.test_fraction
        valid = ~test & (row_uniform(positions, self.seed, _VALID) < self.validation_fraction)
        return ~test & ~valid, valid, test

    def test_mask(self, unit: RowGroupUnit, frame: pd.DataFrame) -> np.ndarray:
        """Test rows of ``frame`` (unlabelled rows removed; index = row in its group)."""
        if self.cutoffs is not None:
            return _clock(frame, self.time_column) >= self.cutoffs[0]
        positions = np.asarray(frame.index, dtype=np.uint64) + np.uint64(unit.start)
        return row_uniform(positions, self.seed, _TEST) < self.test_fraction


def _clock(frame: pd.DataFrame, time_column: str | None) -> np.ndarray:
    """The split's clock for every row of ``frame``: dates as naive UTC, or numbers."""
    return time_values(frame, str(time_column)).to_numpy()


def _time_cutoffs(source: ParquetSource, time_column: str, target: str, *,
                  test_fraction: float, validation_fraction: float) -> tuple[Any, Any, Any]:
    """(test cut-off, validation cut-off, last training time), the in-memory split's: the
    test rows are the latest ``test_fraction`` of the labelled rows (ties on the later
    side), validation the latest ``validation_fraction`` of the rest."""
    parts: list[np.ndarray] = []
    unreadable, missing, example = 0, 0, None
    for _, frame in source.iter_frames(columns=[time_column, target]):
        values = frame.loc[frame[target].notna(), time_column]
        clock = parse_times(values)
        bad = clock.isna() & values.notna()
        if bad.any() and example is None:
            example = values[bad].iloc[0]
        unreadable += int(bad.sum())
        missing += int(values.isna().sum())
        if not unreadable and not missing:
            parts.append(clock.to_numpy())
    # time_values' sentences, with the whole table's counts (not one row group's)
    if unreadable:
        raise DataError(f"time column '{time_column}' has {unreadable} value(s) that are not "
                        f"dates, e.g. {example!r}.")
    if missing:
        raise DataError(f"time column '{time_column}' has {missing} missing value(s); an "
                        "out-of-time split needs a date on every row.")
    times = np.concatenate(parts)
    del parts
    train, test = split_out_of_time(pd.Series(times), test_fraction=test_fraction)
    test_cutoff = times[test].min()
    earlier = times[train]
    del times, train, test
    _, valid = split_out_of_time(pd.Series(earlier), test_fraction=validation_fraction)
    return test_cutoff, earlier[valid].min(), period_end(pd.Series(earlier))


def _infer_streamed_schema(source: ParquetSource, head: pd.DataFrame, *, warn: bool,
                           numeric_columns: list[str] | None = None) -> Schema:
    """``infer_schema`` of the whole table's columns ``head.columns``, in bounded memory.

    Kinds are told from the first rows (``head``), except where later rows can change what
    ``infer_column_kind`` decides: a column with no value yet, numbers written as text, at
    most ``MAX_INTEGER_LEVELS`` distinct numbers, a single value and none missing. One pass
    over the rest of the table reads just those columns and keeps the few values that
    decide (the first values of a column empty so far, values that are not numbers, new
    levels, a missing value); they stand in for repeated values of the head, and the kinds
    are inferred from that. So a column empty for its first rows, or numbers that turn into
    codes further down, gets the kind the in-memory path gives the whole table.
    ``numeric_columns`` are numeric whatever their values, as ``infer_schema`` reads them.
    """
    cap = max(1, min(KIND_EVIDENCE_ROWS, len(head) // 4))
    columns = {str(name): _LaterValues(head[name], cap) for name in head.columns}
    still_open = [name for name, values in columns.items() if values.open]
    for unit in source.units:
        if not still_open:
            break
        if unit.start + unit.rows <= len(head):
            continue
        frame = source.read_unit(unit, still_open)
        frame = frame.iloc[max(0, len(head) - unit.start):]
        for name in still_open:
            columns[name].add(frame[name])
        still_open = [name for name in still_open if columns[name].open]
    evidence = head.copy()
    for name, values in columns.items():
        if values.later:
            evidence[name] = values.in_place_of_repeats()
    return infer_schema(evidence, warn=warn, numeric_columns=numeric_columns)


class _LaterValues:
    """The values after a column's first rows that can change its inferred kind."""

    def __init__(self, head: pd.Series, cap: int) -> None:
        self.head = head.reset_index(drop=True)
        self.cap = cap
        self.later: list[pd.Series] = []
        self._judge(self.head)

    def _judge(self, values: pd.Series) -> None:
        """What decides the kind of ``values`` (the head and the values kept so far)."""
        present = values.dropna()
        self.present = len(present)
        self.missing = self.present < len(values)
        self.number_text = looks_numeric(values)
        levels = pd.unique(self._keys(present))
        # integers take up to MAX_INTEGER_LEVELS values as categories; anything with one
        # value and no missing one is a constant
        counted = pd.api.types.is_numeric_dtype(values) or self.number_text
        self.levels = (set(levels) if len(levels) <= (MAX_INTEGER_LEVELS if counted else 1)
                       else None)

    @property
    def open(self) -> bool:
        """Whether later values could still change the kind."""
        return self.present == 0 or self.number_text or self.levels is not None

    def _keys(self, present: pd.Series) -> np.ndarray:
        if not self.number_text:
            return present.to_numpy()
        numbers = numbers_of(present)
        return numbers[~np.isnan(numbers)]  # missing words ("n/a") are not levels

    def add(self, values: pd.Series) -> None:
        """Keep what in ``values`` (later rows, in order) could change the kind."""
        values = values.reset_index(drop=True)
        if self.present == 0:  # a column's first values, in order: they tell dates and text
            present_at = np.flatnonzero(values.notna().to_numpy())
            if present_at.size == 0:
                return
            stop = int(present_at[min(self.cap, present_at.size) - 1]) + 1
            self._keep(values.iloc[:stop].dropna())
            values = values.iloc[stop:]
            if not self.open:
                return
        present = values.dropna()
        pick = np.zeros(len(present), dtype=bool)
        if self.number_text:
            pick |= _not_numbers(present)
        if self.levels is not None:
            keys = pd.Series(numbers_of(present) if self.number_text else present.to_numpy())
            pick |= (keys.notna() & ~keys.isin(list(self.levels)) & ~keys.duplicated()).to_numpy()
        kept = [present[pick].iloc[:self.cap]]
        if not self.missing and len(present) < len(values):
            kept.append(values[values.isna()].iloc[:1])
        if sum(len(part) for part in kept):
            self._keep(pd.concat(kept))

    def _keep(self, values: pd.Series) -> None:
        self.later.append(values)
        self._judge(pd.concat([self.head, *self.later], ignore_index=True))

    def in_place_of_repeats(self) -> pd.Series:
        """The head with the kept values in place of its last repeated values (then of its
        last values), so that each value the head held is still there."""
        later = pd.concat(self.later, ignore_index=True).iloc[:len(self.head) - 1]
        repeated = np.flatnonzero(self.head.duplicated(keep="first").to_numpy())
        others = np.setdiff1d(np.arange(len(self.head)), repeated)
        places = np.sort(np.concatenate([repeated[::-1], others[::-1]])[:len(later)])
        order = np.arange(len(self.head))
        order[places] = len(self.head) + np.arange(len(later))
        combined = pd.concat([self.head, later], ignore_index=True)
        return combined.iloc[order].reset_index(drop=True)


def _not_numbers(values: pd.Series) -> np.ndarray:
    """Which of ``values`` (present, text) are not numbers written as text."""
    def unreadable(value: Any) -> bool:
        if isinstance(value, bool):
            return True
        return not isinstance(value, (int, float, np.number)) and parse_number(str(value)) is None

    bad = {value for value in pd.unique(values) if unreadable(value)}
    return values.isin(bad).to_numpy() if bad else np.zeros(len(values), dtype=bool)


def _train(data: Any, *, ranks: Ranks, target: str, out: Path, task: str, test_fraction: float,
           validation_fraction: float, model: str, seed: int, torch_device: torch.device,
           force: bool, verbose: int, scaling: str | None, loss: str | None,
           options: dict[str, Any], row_sketch: bool, checkpoint_dir: Any, resume: bool,
           model_options: dict[str, Any] | None = None, time_column: str | None = None,
           class_weight: str | dict[Any, float] | None = None, calibrate: bool = True,
           interval: float = DEFAULT_LEVEL, numeric_columns: list[str] | None = None,
           weight_column: str | None = None, event_class: Any = None,
           special_values: dict[str, list[float]] | str | None = None,
           bagging: int | str = "auto",
           interval_method: str = "split-conformal",
           partner: str | None = None, drop: list[str] | None = None) -> dict[str, Any]:
    source = ParquetSource(data)
    check_columns(source, target=target, time_column=time_column, weight_column=weight_column,
                  drop=drop)
    head = source.head(SCHEMA_ROWS)
    # the split's clock and the row weights are not features; --drop's columns are not read
    not_features = [c for c in (time_column, weight_column) if c is not None]
    features_head, dropped_columns = drop_columns(head.drop(columns=[target, *not_features]),
                                                  drop, roles=[])  # roles: check_columns
    check_features(features_head)
    schema = _infer_streamed_schema(source, features_head, warn=ranks.is_main,
                                    numeric_columns=numeric_columns)
    if ranks.is_main and time_column is None:
        warn_if_dated(head, schema.names_of("datetime"))
    if ranks.is_main:  # a column that tells the target alone, judged on the first rows
        _screen_head(features_head, head[target], schema, task=task, event_class=event_class,
                     seed=seed)
    if ranks.is_main and (message := prohibited_basis_message(schema.used_names)):
        warnings.warn(message, FindeepWarning, stacklevel=2)
    feature_columns = [c.name for c in schema.columns]
    columns = [*feature_columns, *not_features, target]
    train_share = (1 - test_fraction) * source.n_rows
    valid_fraction = min(validation_fraction, MAX_VALIDATION_ROWS / max(train_share, 1.0))
    cutoffs, last_time = None, None
    if time_column is not None:
        with warnings.catch_warnings():
            if not ranks.is_main:  # one warning about a lopsided split, not one per rank
                warnings.simplefilter("ignore", FindeepWarning)
            test_cutoff, valid_cutoff, last_time = _time_cutoffs(
                source, time_column, target, test_fraction=test_fraction,
                validation_fraction=valid_fraction)
        cutoffs = (test_cutoff, valid_cutoff)
    split = _RowSplit(seed=seed, test_fraction=test_fraction, validation_fraction=valid_fraction,
                      time_column=time_column, cutoffs=cutoffs, target=target)

    spec = get_spec(model)
    recipe = {**spec.training, **options}
    preprocessor = TabularPreprocessor(scaling=scaling or recipe.pop("scaling", "quantile"))
    recipe.pop("scaling", None)
    # the columns and codes checked now; whether each code occurs is counted in pass 1
    preprocessor.special_values = check_special_values(special_values, None, schema)

    # ---- pass 1: preprocessing state, target, validation rows, row counts ----------------
    fit_state = StreamedFit(schema, preprocessor)
    labels: Counter = Counter()
    y_sums = [0.0, 0.0, 0.0]
    y_range = [np.inf, -np.inf]  # the fit rows' lowest and highest target
    valid_parts: list[pd.DataFrame] = []
    fit_rows_per_unit: dict[RowGroupUnit, int] = {}
    dropped = 0
    weight_range = [np.inf, -np.inf]  # the fit rows' lowest and highest row weight
    bad_weights = 0  # labelled rows whose weight is missing, not a number or negative
    digest = hashlib.sha256("\x1f".join(columns).encode())
    for unit, frame in source.iter_frames(columns=columns):
        has_label = frame[target].notna().to_numpy()
        dropped += int((~has_label).sum())
        check_features(frame[feature_columns])
        fit, valid, _ = split.masks(unit, frame)
        fit &= has_label
        valid &= has_label
        fit_rows_per_unit[unit] = int(fit.sum())
        if weight_column is not None:  # every labelled row's weight is checked, as in memory
            weights, bad = weight_numbers(frame.loc[has_label, weight_column])
            bad_weights += bad
            fit_weights = weights[fit[has_label] & np.isfinite(weights)]
            if fit_weights.size:
                weight_range = [min(weight_range[0], float(fit_weights.min())),
                                max(weight_range[1], float(fit_weights.max()))]
        trained = frame.loc[fit | valid]
        digest.update(pd.util.hash_pandas_object(trained, index=False).to_numpy().tobytes())
        positions = np.arange(unit.start, unit.start + len(frame), dtype=np.uint64)
        fit_state.update(frame.loc[fit],
                         row_uniform(positions[fit], seed, _SAMPLE))
        y_fit = frame.loc[fit, target]
        if len(labels) <= 1000:
            labels.update(y_fit.value_counts().to_dict())
        if pd.api.types.is_numeric_dtype(y_fit):
            values = y_fit.to_numpy(dtype=np.float64)
            y_sums = [y_sums[0] + values.size, y_sums[1] + values.sum(),
                      y_sums[2] + np.square(values).sum()]
            if values.size:
                y_range = [min(y_range[0], float(values.min())),
                           max(y_range[1], float(values.max()))]
        valid_parts.append(frame.loc[valid])
    n_fit = sum(fit_rows_per_unit.values())
    validation = pd.concat(valid_parts, ignore_index=True)
    del valid_parts
    if n_fit == 0 or len(validation) == 0:
        raise DataError(f"'{data}' has too few rows with a '{target}' value to train on.")
    if dropped and ranks.is_main:
        warnings.warn(f"{dropped} row(s) with a missing target were left out of training.",
                      FindeepWarning, stacklevel=2)
    if bad_weights:
        raise no_weight_error(weight_column or "", bad_weights)
    if weight_column is not None and weight_range[1] == 0:
        raise DataError(f"weight column '{weight_column}' is 0 in every training row: no row "
                        "would be learned from.")
    # weights all equal are no weights: the same fit as none given, as in memory
    row_weighted = weight_column is not None and weight_range[0] != weight_range[1]

    special_counts = _special_counts(fit_state, validation, preprocessor)
    if ranks.is_main:
        warn_absent_codes(special_counts, n_fit + len(validation), stacklevel=3)
    sample = fit_state.sample
    target_spec = _infer_streamed_target(sample, labels, target, task, event_class)
    if partner is not None:  # the options a blend cannot honour, now that the task is known
        check_blend_options(task=target_spec.task, class_weight=class_weight,
                            interval_method=interval_method, bagging=bagging)
    loss = loss or default_loss(target_spec.task)
    check_loss(loss, target_spec.task)
    config = TrainConfig(**recipe, loss=loss, seed=seed, device=str(torch_device),
                         verbose=verbose)
    config.check()
    preprocessor = fit_state.finish()
    classification = target_spec.task != "regression"
    y_mean, y_std = 0.0, 1.0
    if target_spec.task == "regression":
        y_mean = y_sums[1] / y_sums[0]
        y_std = float(np.sqrt(max(y_sums[2] / y_sums[0] - y_mean**2, 0.0))) or 1.0

    def encode(values: pd.Series) -> np.ndarray:
        return _encode_target(target_spec, values, y_mean, y_std)

    weight_record = ({str(k): float(v) for k, v in class_weight.items()}
                     if isinstance(class_weight, dict) else class_weight)
    weight_of_code = None  # class code -> loss weight
    if class_weight is not None:
        if not classification:
            raise ConfigError("class_weight is for classification; this target is a "
                              "regression.")
        counts = dict(zip(encode(pd.Series(list(labels))).tolist(), labels.values(),
                          strict=True))
        by_code = class_weights_by_code(counts, class_weight, target_spec.classes)
        weight_of_code = np.array([by_code.get(code, 1.0)
                                   for code in range(len(target_spec.classes))],
                                  dtype=np.float32)

    def loss_weight(rows: pd.DataFrame, y: np.ndarray) -> np.ndarray | None:
        """Each row's loss weight: its class's, times its own (checked in pass 1)."""
        weight = None if weight_of_code is None else weight_of_code[y.astype(np.int64)]
        if row_weighted:
            own = numbers_of(rows[weight_column]).astype(np.float32)
            weight = own if weight is None else weight * own
        return weight

    # ---- the network and the epochs ------------------------------------------------------
    x_sample, _, _ = preprocessor.transform(sample[feature_columns])
    x_valid, c_valid, _ = preprocessor.transform(validation[feature_columns])
    y_valid_codes = encode(validation[target])
    torch.manual_seed(seed)
    n_out = len(target_spec.classes) if target_spec.task == "multiclass" else 1
    # as in memory: binary, no monotone constraints, and a time column (out-of-time
    # validation, which in memory is not cross-fitted) leaves the network alone
    one_network = 1 if time_column is not None else bagging
    check_additive(model_options, model=model, task=target_spec.task, bagging=one_network,
                   times=time_column is not None, streamed=True,
                   auto_reason="a time column makes validation out-of-time, which is not "
                   "cross-fitted" if time_column is not None else None)
    wanted = additive_by_default(model_options, model=model, task=target_spec.task,
                                 requested="auto", bagging=one_network)
    network_options = monotone_positions(wanted, preprocessor, schema, target_spec) or {}
    additive = bool(network_options.pop("additive", False))  # fitted after the network
    network = build_model(model, n_num=x_sample.shape[1],
                          cardinalities=preprocessor.cardinalities, n_out=n_out,
                          x_num_train=x_sample, options=network_options or None)
    valid_data = TensorData.from_numpy(x_valid, c_valid, y_valid_codes, task=target_spec.task,
                                       device=torch_device)
    global_batch = auto_batch_size(n_fit) if config.batch_size == "auto" else int(
        config.batch_size)
    batch_size = max(1, global_batch // ranks.world_size)
    my_units = source.units_for(ranks.rank, ranks.world_size)
    shares = [sum(fit_rows_per_unit[u] for u in source.units_for(r, ranks.world_size))
              for r in range(ranks.world_size)]
    steps_per_epoch = max(1, min(shares) // batch_size)
    # the epochs the progress bar counts to: rounds of a pass on a taller table, as in memory
    planned = streamed_rounds(steps_per_epoch, batch_size, config, len(validation),
                              ranks) * config.max_epochs
    if min(shares) < batch_size:
        raise DataError(f"rank {shares.index(min(shares))} gets {min(shares)} training rows, "
                        f"fewer than one batch of {batch_size} (the processes split the data "
                        f"by Parquet row groups, {len(source.units)} here); use fewer processes "
                        "or write the data with smaller row groups.")

    def chunks(epoch: int) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        order = np.random.default_rng([seed, epoch]).permutation(len(my_units))
        for index in order:
            unit = my_units[index]
            frame = source.read_unit(unit, columns)
            fit, _, _ = split.masks(unit, frame)
            fit &= frame[target].notna().to_numpy()
            rows = frame.loc[fit]
            x_num, x_cat, _ = preprocessor.transform(rows[feature_columns])
            y = encode(rows[target])
            weight = loss_weight(rows, y)
            if weight is None:
                yield x_num, x_cat, y
            else:
                yield x_num, x_cat, y, weight

    checkpointing = None
    if checkpoint_dir is not None:
        run = {"data_fingerprint": digest.hexdigest(), "model": model, "seed": seed,
               "world_size": ranks.world_size, "batch_size": global_batch,
               "time_column": time_column, "class_weight": weight_record,
               "weight_column": weight_column,
               "config": _config_record(config)}
        if preprocessor.special_values:  # other inputs: another run (absent: as before)
            run["special_values"] = preprocessor.special_values
        checkpointing = Checkpointing(checkpoint_dir, resume=resume, run=run)
        if not resume and ranks.is_main:  # a run started over: none of an earlier run's
            for folder in (Path(checkpoint_dir), Path(checkpoint_dir) / QUANTILE_CHECKPOINTS):
                clear_checkpoints(folder)
    with epoch_progress(f"training {model} (streamed)", planned,
                        verbose if ranks.is_main else 0) as hook:
        result = fit_network_streamed(
            network, chunks, valid_data, task=target_spec.task, config=config,
            steps_per_epoch=steps_per_epoch, batch_size=batch_size, ranks=ranks,
            checkpointing=checkpointing, on_epoch_end=hook)
    if not ranks.is_main:
        return {}
    network.cpu()
    temperature = 1.0
    valid_logits = predict_logits(network, valid_data.x_num.cpu(), valid_data.x_cat.cpu())
    additive_summary = None
    if additive:  # the blend's validation logits are the path's before its refit, as in memory
        network, valid_logits, additive_summary = _with_additive_path(
            network, valid_logits, preprocessor, feature_columns, sample=sample,
            validation=validation, y_sample=encode(sample[target]), y_valid=y_valid_codes,
            weight_of=loss_weight)
    if calibrate and classification:
        temperature = fit_temperature(valid_logits, y_valid_codes.astype(int), target_spec.task)
    intervals = None
    quantile_network = None
    if target_spec.task == "regression" and interval_method == "cqr":
        # CQR as in memory: the same model, two outputs, pinball loss, the same epochs
        torch.manual_seed(seed + 1)
        quantile_network = build_model(model, n_num=x_sample.shape[1],
                                       cardinalities=preprocessor.cardinalities, n_out=2,
                                       x_num_train=x_sample, options=network_options or None)
        quantile_config = replace(config, loss="pinball",
                                  quantiles=list(cqr_quantiles(interval)))
        with epoch_progress(f"training {model} quantiles (streamed)", planned,
                            verbose if ranks.is_main else 0) as hook:
            fit_network_streamed(
                quantile_network, chunks, valid_data, task="regression",
                config=quantile_config, steps_per_epoch=steps_per_epoch,
                batch_size=batch_size, ranks=ranks, on_epoch_end=hook,
                checkpointing=_quantile_checkpointing(checkpointing, quantile_config))
        quantile_network.cpu().eval()
        band = predict_logits(quantile_network, valid_data.x_num.cpu(),
                              valid_data.x_cat.cpu()).mean(dim=1).numpy() * y_std + y_mean
        intervals = QuantileConformalIntervals.fit(
            validation[target].to_numpy(dtype=np.float64), band, interval)
    elif target_spec.task == "regression":  # split-conformal on the validation rows
        intervals = ConformalIntervals.fit(
            validation[target].to_numpy(dtype=np.float64),
            logits_to_prediction(valid_logits, "regression") * y_std + y_mean, interval)
    training = {
        "rows": n_fit + len(validation), "fit_rows": n_fit, "validation_rows": len(validation),
        "dropped_missing_target": dropped, "seed": seed, "class_weight": weight_record,
        "validation_split": "out-of-time" if time_column else "hash of row position",
        "streamed": True, "sample_weight": row_weighted,
        "processes": ranks.world_size, "preprocessing_sample_rows": len(sample),
        "config": {**_config_record(config),
                   "batch_size": global_batch},
        "model_options": model_options or {}, "temperature": temperature,
        **monotone_record(model_options),
        "device": str(torch_device),
        **result.to_dict(),
        **({"additive": additive_summary} if additive_summary else {}),
    }
    if special_counts:  # as in memory: rows per code over the training rows
        training["special_values"] = {column: {format_code(code): count
                                               for code, count in by_code.items()}
                                      for column, by_code in special_counts.items()}
    if time_column is not None:  # `evaluate` checks later data by them, as in memory
        training.update(time_column=time_column, last_time=last_time)
    if weight_column is not None:  # a loss weight, not a feature
        training["weight_column"] = weight_column
    if dropped_columns:  # left out by the user, as in memory
        training["dropped_columns"] = dropped_columns
    if target_spec.task == "regression" and np.isfinite(y_range).all():
        training["target_range"] = y_range  # as in memory: scoring names impossible ends
    pipeline = TabularPipeline(model, schema, target_spec, preprocessor, network, temperature,
                               y_mean, y_std, training, {}, digest.hexdigest())
    pipeline.intervals = intervals
    pipeline.quantile_network = quantile_network
    if partner is not None:
        _with_sampled_partner(pipeline, partner, sample=sample, validation=validation,
                              feature_columns=feature_columns, target=target,
                              n_fit=n_fit, seed=seed, interval=interval,
                              weights=(numbers_of(sample[weight_column]) if row_weighted
                                       else None),
                              class_weight=class_weight, model_options=model_options,
                              verbose=verbose)
    pipeline.profile = training_profile(pipeline, sample[feature_columns])

    # ---- last pass: held-out metrics and the training-row sketch -------------------------
    test_metrics, sketch = _score_held_out(source, pipeline, split, feature_columns, target,
                                           row_sketch=row_sketch)
    pipeline.training_rows = sketch
    report = {
        "data": str(data), "target": target, "model": pipeline.display_name,
        "task": pipeline.task,
        "split": (f"out-of-time on {time_column} (streamed)" if time_column
                  else "hash of row position (streamed)"), "test_fraction": test_fraction,
        "seed": seed, "dropped_missing_target": dropped,
        **({"dropped_columns": dropped_columns} if dropped_columns else {}),
        "test": test_metrics,
        "training": {k: v for k, v in training.items() if k != "history"},
    }
    if pipeline.task == "binary":
        report["event_class"] = target_spec.event_class
        report["calibration_curve"] = test_metrics.pop("calibration_curve")
        report["gains_table"] = test_metrics.pop("gains_table", [])
    pipeline.metrics = report
    from findeep.pipeline import pipeline_files, pipeline_to_bundle

    meta, tensors = pipeline_to_bundle(pipeline)
    estimator = "TabularRegressor" if pipeline.task == "regression" else "TabularClassifier"
    meta["estimator"] = estimator
    meta["params"] = {"model": pipeline.display_name, "random_state": seed,
                      "device": str(torch_device), "scaling": scaling, "loss": loss,
                      "row_sketch": row_sketch,
                      **{k: v for k, v in options.items() if k in ("max_epochs", "batch_size",
                                                                   "learning_rate",
                                                                   "weight_decay",
                                                                   "patience")}}
    report["bundle"] = str(write_bundle(out, kind=BUNDLE_KIND, meta=meta, tensors=tensors,
                                        metrics=report, force=force,
                                        files=pipeline_files(pipeline)))
    return report


def _with_sampled_partner(pipeline: TabularPipeline, partner: str, *, sample: pd.DataFrame,
                          validation: pd.DataFrame, feature_columns: list[str], target: str,
                          n_fit: int, seed: int, interval: float,
                          weights: np.ndarray | None, class_weight: Any,
                          model_options: dict[str, Any] | None, verbose: int) -> None:
    """A blend's CatBoost, fitted on the preprocessing sample of the fit rows (a uniform
    sample of at most ``features.streaming.SAMPLE_ROWS``: CatBoost trains in memory),
    blended half each with the streamed network as in memory. A regression's intervals are
    re-calibrated on the validation rows, which neither half trained on, from the blend's
    residuals."""
    fit_partner(pipeline, partner, sample[feature_columns],
                pipeline.target.encode(sample[target]), seed=seed, sample_weight=weights,
                class_weight=class_weight, monotone=(model_options or {}).get("monotone"),
                verbose=verbose, description=f"training {partner} (the blend's other half) "
                f"on a sample of {len(sample):,} of the {n_fit:,} fit rows")
    pipeline.training["blend"]["partner_sample_of"] = n_fit
    if pipeline.task == "regression":
        blended, _ = pipeline.predict_raw(validation[feature_columns])
        pipeline.intervals = ConformalIntervals.fit(
            validation[target].to_numpy(dtype=np.float64), blended, interval)
        pipeline.training["blend"]["intervals_calibrated_on"] = len(validation)


def _config_record(config: TrainConfig) -> dict[str, Any]:
    """The training settings as a run records them (the bundle, a checkpoint's run)."""
    return {k: v for k, v in vars(config).items() if k != "verbose"}


def _quantile_checkpointing(checkpointing: Checkpointing | None,
                            quantile_config: TrainConfig) -> Checkpointing | None:
    """CQR's quantile network checkpointed beside the point network, in the folder's
    ``quantiles`` subfolder, as a run of its own (its loss and quantiles in the record).

    A resume continues it when it had begun; when it had not (the run stopped while the
    point network trained), it starts afresh without the empty folder's warning."""
    if checkpointing is None:
        return None
    directory = Path(checkpointing.directory) / QUANTILE_CHECKPOINTS
    run = {**(checkpointing.run or {}),
           "config": _config_record(quantile_config)}
    return Checkpointing(directory, resume=checkpointing.resume and (directory / LATEST).exists(),
                         run=run)


def _with_additive_path(network: torch.nn.Module, valid_logits: torch.Tensor,
                        preprocessor: TabularPreprocessor, features: list[str], *,
                        sample: pd.DataFrame, validation: pd.DataFrame, y_sample: np.ndarray,
                        y_valid: np.ndarray, weight_of: Any,
                        ) -> tuple[torch.nn.Module, torch.Tensor, dict[str, Any]]:
    """The network with an additive path when the validation rows say it helps (the rule
    of ``pipeline.fit_additive_path`` for a one-member bag): the path fitted on the sample of
    the fit rows, scored on the validation rows, its share chosen there, then refitted on the
    sample and the validation rows. Returns the network to keep, the validation logits of the
    blend (the path before its refit: out of sample, for the temperature) and a summary."""
    from findeep.models.additive import (
        MAX_BASIS_COLUMNS,
        SMOOTHINGS,
        AdditiveBlend,
        AdditivePath,
        basis_width,
        blend_choice,
    )

    cardinalities = list(preprocessor.cardinalities)
    x_sample, c_sample, _ = preprocessor.transform(sample[features])
    width = basis_width(x_sample.shape[1], cardinalities)
    if width > MAX_BASIS_COLUMNS:
        return network, valid_logits, {
            "weight": 0.0, "skipped": f"{width:,} basis columns, over {MAX_BASIS_COLUMNS:,}"}
    x_valid, c_valid, _ = preprocessor.transform(validation[features])
    raw_sample = preprocessor.unscaled(sample[features], x_sample)
    raw_valid = preprocessor.unscaled(validation[features], x_valid)
    w_sample, w_valid = weight_of(sample, y_sample), weight_of(validation, y_valid)

    def path_on(x: np.ndarray, c: np.ndarray, raw: np.ndarray, y: np.ndarray,
                w: np.ndarray | None, bin_scale: float) -> AdditivePath:
        path = AdditivePath(n_num=x.shape[1], cardinalities=cardinalities, x_num_train=x,
                            x_raw_train=raw, bin_scale=bin_scale)
        return path.fit(x, c, y, w)

    with torch.no_grad():
        by_scale = {scale: path_on(x_sample, c_sample, raw_sample, y_sample, w_sample, scale)(
            torch.as_tensor(x_valid), torch.as_tensor(c_valid)).numpy()
            for scale in SMOOTHINGS}
    bin_scale, share = blend_choice(valid_logits[..., 0].numpy(), by_scale, y_valid)
    summary = {"weight": share, "chosen_on": "the validation rows (streamed)"}
    if share == 0.0:
        return network, valid_logits, summary
    summary["bin_scale"] = bin_scale
    additive = by_scale[bin_scale]
    both = None if w_sample is None else np.concatenate([w_sample, w_valid])
    final = path_on(np.concatenate([x_sample, x_valid]), np.concatenate([c_sample, c_valid]),
                    np.concatenate([raw_sample, raw_valid]),
                    np.concatenate([y_sample, y_valid]), both, bin_scale)
    blended = ((1.0 - share) * valid_logits
               + share * torch.as_tensor(additive, dtype=torch.float32)[:, None, None])
    return AdditiveBlend(network, weight=share, path=final), blended, summary


def _special_counts(fit_state: StreamedFit, validation: pd.DataFrame,
                    preprocessor: TabularPreprocessor) -> dict[str, dict[float, int]]:
    """Rows per special value over the training rows: the fit rows' counts from the pass,
    plus the validation rows (in memory by now)."""
    counts = {column: dict(by_code) for column, by_code in fit_state.special_counts.items()}
    for column, by_code in counts.items():
        numbers = numbers_of(validation[column])
        for code in by_code:
            by_code[code] += int((numbers == code).sum())
    return counts


def _infer_streamed_target(sample: pd.DataFrame, labels: Counter, name: str, task: str,
                           event_class: Any = None) -> TargetSpec:
    """The task and classes from every label seen in the fit rows, not just the sample's
    (beyond 1,000 distinct values, the target is numeric and the sample tells)."""
    if len(labels) <= 1000:
        # each label as often as the fit rows hold it (scaled down past a million), so the
        # rarer class is the event as in memory, not the first in sorted order
        keys, counts = list(labels), np.array(list(labels.values()), dtype=float)
        scale = min(1.0, 1e6 / counts.sum())
        repeats = np.maximum(1, np.round(counts * scale)).astype(int)
        values = pd.Series(keys).repeat(repeats).reset_index(drop=True)
        return infer_target(values, name, task, warn=True, event_class=event_class)
    return infer_target(sample[name].dropna(), name, task, warn=True,
                        event_class=event_class)


def _encode_target(spec: TargetSpec, values: pd.Series, y_mean: float, y_std: float,
                   ) -> np.ndarray:
    """``spec.encode`` once per distinct value, not per row (10M rows an epoch)."""
    if spec.task == "regression":
        return ((values.to_numpy(dtype=np.float64) - y_mean) / y_std).astype(np.float32)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = spec.encode(pd.Series(uniques, dtype=values.dtype))
    encoded = mapped[codes]
    return encoded.astype(np.int64 if spec.task == "multiclass" else np.float32)


def _score_held_out(source: ParquetSource, pipeline: TabularPipeline, split: _RowSplit,
                    feature_columns: list[str], target: str, *, row_sketch: bool,
                    ) -> tuple[dict[str, Any], RowSketch | None]:
    """Metrics on the hash-drawn test rows; a bottom-k sketch of the training rows' hashes."""
    predictions, truths, bands = [], [], []
    kept = np.empty(0, dtype=np.uint64)  # smallest training-row hashes, repeats kept
    n_train = 0
    columns = [*feature_columns, *([split.time_column] if split.cutoffs else []), target]
    for unit, frame in source.iter_frames(columns=columns):
        frame = frame.loc[frame[target].notna()]
        positions_test = split.test_mask(unit, frame)
        x_num, x_cat, _ = pipeline.preprocessor.transform(frame[feature_columns])
        if row_sketch:
            hashes = row_hashes(x_num[~positions_test], x_cat[~positions_test])
            n_train += hashes.size
            kept = _merge_sketch(kept, hashes)
        if positions_test.any():
            logits = predict_logits(pipeline.network, torch.from_numpy(x_num[positions_test]),
                                    torch.from_numpy(x_cat[positions_test]))
            predictions.append(pipeline.with_partner(  # a blend's CatBoost half, if any
                pipeline._prediction(logits), frame.loc[positions_test, feature_columns]))
            if pipeline.quantile_network is not None:  # CQR's band for the test metrics
                bands.append(pipeline.interval_band(x_num[positions_test],
                                                    x_cat[positions_test]))
            truths.append(pipeline.target.encode(frame.loc[positions_test, target])
                          if pipeline.task != "regression"
                          else frame.loc[positions_test, target].to_numpy(dtype=float))
    if not predictions:
        raise DataError("no rows were drawn for the test split; raise --test-fraction.")
    prediction = np.concatenate(predictions)
    y = np.concatenate(truths)
    if pipeline.task == "binary":
        y_event = (y == pipeline.target.event_index).astype(int)
        p_event = pipeline.event_probability(prediction)
        metrics = binary_metrics(y_event, p_event, DECISION_THRESHOLD)
        metrics["calibration_curve"] = calibration_table(y_event, p_event)
        if 0 < y_event.sum() < len(y_event):
            metrics["gains_table"] = gains_table(y_event, p_event, 10)
    elif pipeline.task == "multiclass":
        metrics = multiclass_metrics(y, prediction, pipeline.target.classes)
    else:
        metrics = regression_metrics(y, prediction)
        if pipeline.intervals is not None:  # as train_and_evaluate reports them
            lower, upper = pipeline.intervals.interval(
                prediction, None, np.concatenate(bands) if bands else None)
            metrics |= {"interval_level": pipeline.intervals.level,
                        "interval_method": pipeline.intervals.method,
                        **interval_metrics(y, lower, upper)}
    metrics["rows_without_label"] = 0
    sketch = None
    if row_sketch:
        distinct, counts = np.unique(kept, return_counts=True)
        twin_share = float(counts[counts > 1].sum() / max(kept.size, 1))
        exact = distinct.size < SKETCH_SIZE
        sketch = RowSketch(n_train, twin_share,
                           int(np.iinfo(np.uint64).max) if exact else int(distinct[-1]),
                           distinct)
    return metrics, sketch


def _merge_sketch(kept: np.ndarray, hashes: np.ndarray) -> np.ndarray:
    """Every hash up to the SKETCH_SIZE-th smallest distinct one, repeats kept (twin rate)."""
    merged = np.sort(np.concatenate([kept, hashes]))
    distinct = np.unique(merged[: SKETCH_SIZE * 4]) if merged.size else merged
    if distinct.size <= SKETCH_SIZE:
        distinct = np.unique(merged)
        if distinct.size <= SKETCH_SIZE:
            return merged
    bound = distinct[SKETCH_SIZE - 1]
    return merged[merged <= bound]


# ---- scoring ---------------------------------------------------------------------------------
def predict_streamed(bundle: str | os.PathLike[str], data: str | os.PathLike[str],
                     out: str | os.PathLike[str], *, id_column: str | None = None,
                     force: bool = False, threshold: float | None = None,
                     chunk_rows: int = SCORING_CHUNK_ROWS,
                     interval: float | None = None, on_rows: Any = None) -> dict[str, Any]:
    """``predict_bundle`` for Parquet of any size: one chunk in memory at a time (with
    ``interval``, a regression's conformal ``lower`` and ``upper`` too).

    The output (Parquet or CSV) is written to a temporary sibling and renamed into place
    only when every row is scored; on any failure the temporary file is removed, and a
    rerun removes one that a killed run left. ``on_rows(rows scored, rows in all)`` is
    called after each chunk (the command line's progress bar).
    """
    from findeep.loading import load

    kind = check_output(out, force=force)
    if threshold is not None:
        check_threshold(threshold)
    if interval is not None:
        check_level(interval)
    pipeline: TabularPipeline = load(bundle).pipeline_
    threshold = decision_threshold(pipeline, threshold)
    if interval is not None and (pipeline.task != "regression" or pipeline.intervals is None):
        raise ConfigError("--interval applies to regression models (trained by this findeep "
                          "version); this one is not.")
    source = ParquetSource(data)
    if id_column is not None and id_column not in source.columns:
        raise DataError(f"id column '{id_column}' is not in the data."
                        + did_you_mean(id_column, source.columns))
    missing = [c for c in pipeline.schema.used_names if c not in source.columns]
    if missing:
        pipeline.schema.check_scoring_frame(pd.DataFrame(columns=source.columns))
    columns = list(dict.fromkeys([*pipeline.schema.used_names,
                                  *([id_column] if id_column else [])]))
    # summed over chunks (prepared one after another): one warning of each kind at the end
    seen = TransformReport()
    rules = pipeline.scoring_rules  # each batch read as training read its table

    def prepare(frame: pd.DataFrame) -> _Prepared:
        pipeline.check_frame(frame)
        x_num, x_cat, report = pipeline.preprocessor.transform(frame, rules)
        seen.add(report)
        return _Prepared(frame, x_num, x_cat)

    def score(chunk: _Prepared) -> pd.DataFrame:
        prediction = pipeline.with_partner(
            pipeline._prediction(pipeline._network_logits(chunk.x_num, chunk.x_cat)), chunk.frame)
        scores = score_table(pipeline, chunk.frame, prediction, id_column, threshold)
        if interval is not None and pipeline.intervals is not None:
            band = (pipeline.interval_band(chunk.x_num, chunk.x_cat)
                    if pipeline.quantile_network is not None else None)
            scores["lower"], scores["upper"] = pipeline.intervals.interval(
                prediction, interval, band)
            below_zero.append(negative_lower_ends(scores["lower"].to_numpy(),
                                                  pipeline.training.get("target_range")))
        return scores

    # three stages at once: the next chunks are read and preprocessed on a background
    # thread, this one goes through the network, the last one is written on another thread
    prepared = prefetched(map(prepare, _chunks(source, columns, chunk_rows)), depth=2)
    below_zero: list[int] = []  # per chunk: lower ends below 0 that training never was
    rows = write_chunked(prepared, score, out, kind, on_rows, source.n_rows)
    negative = (negative_lower_message(sum(below_zero), rows, pipeline.target.name,
                                       pipeline.training["target_range"][0])
                if sum(below_zero) else None)
    for message in [*seen.reading_messages(rules.scale), negative]:
        if message:
            warnings.warn(message, FindeepWarning, stacklevel=2)
    return {"rows": rows, "unseen_categories": seen.unseen_categories,
            "missing_categories": seen.missing_categories, "streamed": True}


@dataclass
class _Prepared:
    """A chunk read and preprocessed ahead of the network."""

    frame: pd.DataFrame
    x_num: np.ndarray
    x_cat: np.ndarray



def write_chunked(frames: Iterator[pd.DataFrame], job: Any, out: str | os.PathLike[str],
                  kind: str, on_rows: Any = None, total: int = 0) -> int:
    """Write ``job(frame)`` for every frame to ``out``, atomically: a temporary sibling is
    renamed into place only when all are written; on any failure it is removed, and the
    ones killed writes of ``out`` left are removed first (``clear_dead_temps``).
    ``on_rows(rows written so far, total)`` follows each frame (a progress bar's hook)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    clear_dead_temps(out)
    tmp = exclusive_temp(out)
    rows = 0
    writer = None
    pending: Future | None = None  # the previous chunk's write, running beside this job
    with ThreadPoolExecutor(1, thread_name_prefix="findeep-write") as pool:
        try:
            for frame in frames:
                result = job(frame)
                if pending is not None:
                    writer, pending = pending.result(), None
                pending = pool.submit(_write_chunk, writer, result, tmp, kind)
                rows += len(result)
                if on_rows is not None:
                    on_rows(rows, total)
            if pending is not None:
                writer, pending = pending.result(), None
            if writer is not None:
                writer.close()
            writer = None
            usual_mode(tmp)
            os.replace(tmp, out)
        except BaseException as exc:
            if pending is not None:  # let the write in flight finish before cleaning up
                with contextlib.suppress(BaseException):
                    writer = pending.result()
            _close_quietly(writer)
            tmp.unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise _write_error(exc, out, rows) from None
            raise
        finally:
            close = getattr(frames, "close", None)
            if close is not None:  # stop a reader thread that is working ahead
                close()
    return rows


def _write_error(exc: OSError, out: Path, rows: int) -> DataFileError:
    if exc.errno == errno.ENOSPC:
        return DataFileError(f"the disk filled up while writing '{out}' after {rows:,} rows; "
                             "nothing was written (free space and rerun).")
    return DataFileError(f"cannot write '{out}': {exc.strerror or exc}; nothing was written.")


def _close_quietly(writer: Any) -> None:
    if writer is not None:
        with contextlib.suppress(OSError, ValueError):
            writer.close()


def explain_streamed(bundle: str | os.PathLike[str], data: str | os.PathLike[str],
                     out: str | os.PathLike[str], *, top: int = 4, scorecard: Any = None,
                     reference: Any = None, id_column: str | None = None,
                     n_steps: int | None = None, force: bool = False,
                     target_class: str | None = None, on_rows: Any = None,
                     chunk_rows: int = 50_000) -> dict[str, Any]:
    """``explain_to_file`` for Parquet of any size: reason codes a chunk at a time.

    Each row's attributions depend only on that row and the reference, so chunked output
    equals the whole-table output row for row."""
    from findeep.data.io import read_table
    from findeep.explain.attributions import column_attributions
    from findeep.explain.commands import load_pipeline
    from findeep.explain.reasons import check_top, reasons_frame
    from findeep.explain.scorecard import points_frame

    kind = check_output(out, force=force)
    check_top(top)
    if scorecard is not None:
        scorecard.check()
    pipeline = load_pipeline(bundle)
    if scorecard is not None and pipeline.task != "binary":
        raise ConfigError("scorecard points need a binary model (odds of good to bad).")
    source = ParquetSource(data)
    if id_column is not None and id_column not in source.columns:
        raise DataError(f"id column '{id_column}' is not in the data."
                        + did_you_mean(id_column, source.columns))
    reference_rows = None if reference is None else read_table(reference)
    summary: dict[str, Any] = {}

    def explain(frame: pd.DataFrame) -> pd.DataFrame:
        attributions = column_attributions(pipeline, frame, reference=reference_rows,
                                           n_steps=n_steps, target_class=target_class)
        table = reasons_frame(pipeline, frame, attributions, top=top)
        if scorecard is not None:
            table = table.join(points_frame(attributions, scorecard, frame.index))
        if id_column is not None:
            table.insert(0, id_column, frame[id_column].to_numpy())
        summary.update(columns=attributions.columns, units=attributions.units,
                       baseline_output=attributions.baseline_output
                       if attributions.explained_class is None else None)
        return table

    rows = write_chunked(prefetched(_chunks(source, None, chunk_rows)), explain, out, kind,
                         on_rows, source.n_rows)
    return {"rows": rows, "out": str(out), **summary}

def _chunks(source: ParquetSource, columns: list[str] | None, chunk_rows: int,
            ) -> Iterator[pd.DataFrame]:
    """Frames of exactly ``chunk_rows`` rows (the last one fewer), read a row group at a
    time, whatever the groups' sizes: small groups are joined and big ones sliced. The
    network then sees the batches in-memory scoring gives it (``chunk_rows`` is a multiple
    of its 8,192-row batch), so the scores are the same to the bit; chunks cut at row
    groups of 300 rows differed in the last float32 digit."""
    def joined(parts: list[pd.DataFrame]) -> pd.DataFrame:
        return (pd.concat(parts, ignore_index=True) if len(parts) > 1
                else parts[0].reset_index(drop=True))

    pending: list[pd.DataFrame] = []
    held = 0
    for _, frame in source.iter_frames(columns=columns):
        start = 0
        while start < len(frame):  # each row sliced once, as big groups always were
            take = min(chunk_rows - held, len(frame) - start)
            pending.append(frame.iloc[start:start + take])
            held, start = held + take, start + take
            if held == chunk_rows:
                yield joined(pending)
                pending, held = [], 0
    if held:
        yield joined(pending)



class _CsvWriter:
    def __init__(self, path: Path, sep: str) -> None:
        self.stream = path.open("w", newline="")
        self.sep = sep
        self.header = True

    def write(self, frame: pd.DataFrame) -> None:
        frame.to_csv(self.stream, index=False, header=self.header, sep=self.sep)
        self.header = False

    def close(self) -> None:
        self.stream.close()


def _write_chunk(writer: Any, scores: pd.DataFrame, tmp: Path, kind: str) -> Any:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if kind == "parquet":
        table = pa.Table.from_pandas(scores, preserve_index=False)
        if writer is None:
            writer = pq.ParquetWriter(tmp, table.schema)
        elif not table.schema.equals(writer.schema):
            table = table.cast(writer.schema)  # e.g. a chunk where a column is all missing
        writer.write_table(table)
        return writer
    if writer is None:
        writer = _CsvWriter(tmp, "\t" if kind == "tsv" else ",")
    writer.write(scores)
    return writer
