"""Text models beside TF-IDF + logistic regression on the same stratified folds.

Per model and fold: the headline metrics (accuracy and macro-F1 for classes; ROC-AUC for
binary; RMSE and R² for regression), fit seconds and scoring speed (rows per second over
the held-out fold, one batch). Summaries are mean ± std over folds, and every network's
accuracy is compared with the baseline's fold by fold.

A recipe must not be tuned on the folds it is judged on, so ``development=True`` trains on
part of one fold's *training* rows and scores the rest (``development_rows``): the fold's
held-out rows are never seen, and per-row predictions are kept for paired comparisons.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics as skm
from sklearn.model_selection import KFold, StratifiedKFold

from findeep.data.leakage import warn_if_leaking
from findeep.data.row_sample import check_max_rows, sample_rows
from findeep.data.schema import FindeepWarning, Schema, infer_schema
from findeep.data.splits import check_test_classes_trained, split_random
from findeep.data.target import TargetSpec, infer_target, locate_target
from findeep.errors import ConfigError
from findeep.features.tabular import date_part_names
from findeep.models.text_network import TEXT_MODELS
from findeep.text.pipeline import find_text_column, fit_text

BASELINE = "tfidf-lr"
ALIASES = {"minilm-frozen": ("minilm", {"frozen": True}),
           "minilm-bf16": ("minilm", {"precision": "bf16"}),
           "minilm-frozen-bf16": ("minilm", {"frozen": True, "precision": "bf16"})}
DEFAULT_MODELS = (BASELINE, "text-cnn", "text-bilstm")
# training options recorded with every network fold (the rest of TrainConfig is fixed)
RECIPE_KEYS = ("batch_size", "learning_rate", "weight_decay", "max_epochs", "patience",
               "warmup_fraction")


def model_choices() -> list[str]:
    return [BASELINE, *TEXT_MODELS, *ALIASES]


def _scores(task: str, y: np.ndarray, prediction: np.ndarray) -> dict[str, Any]:
    """The fold's headline metrics. Macro-F1 averages over the classes among the fold's
    true or predicted labels (``macro_f1_classes`` of ``n_classes``): a class with no test
    rows that is never predicted is left out, so a fold can read perfect without it."""
    if task == "regression":
        return {"rmse": float(np.sqrt(skm.mean_squared_error(y, prediction))),
                "r2": float(skm.r2_score(y, prediction))}
    labels = prediction.argmax(axis=1) if task == "multiclass" else (prediction >= 0.5)
    labels = labels.astype(np.asarray(y).dtype)
    out: dict[str, Any] = {
        "accuracy": float(skm.accuracy_score(y, labels)),
        "macro_f1": float(skm.f1_score(y, labels, average="macro", zero_division=0)),
        "macro_f1_classes": len(np.union1d(y, labels)),
        "n_classes": prediction.shape[1] if task == "multiclass" else 2}
    if task == "binary" and len(np.unique(y)) == 2:
        out["roc_auc"] = float(skm.roc_auc_score(y, prediction))
    return out


def _labelled(frame: pd.DataFrame, target: str, task: str
              ) -> tuple[pd.DataFrame, pd.Series, TargetSpec, np.ndarray]:
    """(features, target, its spec, target codes) of the rows that have a target."""
    y_all = locate_target(frame, target)
    keep = y_all.notna().to_numpy()
    frame, y_all = frame.loc[keep].reset_index(drop=True), y_all[keep].reset_index(drop=True)
    spec = infer_target(y_all, target, task)
    return frame.drop(columns=[target]), y_all, spec, spec.encode(y_all)


def _cv_folds(y_codes: np.ndarray, task: str, n_folds: int, seed: int
              ) -> list[tuple[np.ndarray, np.ndarray]]:
    splitter = (KFold(n_folds, shuffle=True, random_state=seed) if task == "regression"
                else StratifiedKFold(n_folds, shuffle=True, random_state=seed))
    return list(splitter.split(np.zeros(len(y_codes)), y_codes))


def development_rows(y_codes: np.ndarray, task: str, *, n_folds: int = 10, fold: int = 0,
                     seed: int = 0, valid_fraction: float = 0.2
                     ) -> tuple[np.ndarray, np.ndarray]:
    """(dev-train, dev-valid) row positions: fold ``fold``'s training rows of the
    ``n_folds``-fold split (seed ``seed``), split ``valid_fraction`` (stratified for classes,
    same seed). None of that fold's held-out rows is in either; the same inputs give the
    same rows."""
    if n_folds < 2:
        raise ConfigError(f"n_folds must be at least 2, however: {n_folds=}")
    if not 0 <= fold < n_folds:
        raise ConfigError(f"the development fold must lie in 0..{n_folds - 1}, however: "
                          f"{fold=}")
    train_rows, _ = _cv_folds(y_codes, task, n_folds, seed)[fold]
    dev_train, dev_valid = split_random(y_codes[train_rows], test_fraction=valid_fraction,
                                        seed=seed, stratify=task != "regression")
    return train_rows[dev_train], train_rows[dev_valid]


def development_frame(frame: pd.DataFrame, target: str, *, n_folds: int = 10, fold: int = 0,
                      seed: int = 0, valid_fraction: float = 0.2, task: str = "auto"
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(dev-train, dev-valid) frames of ``development_rows``, target column included.

    Rows without a target are left out first, as the benchmark does.

    >>> from findeep.testing import make_text_frame
    >>> dev_train, dev_valid = development_frame(make_text_frame(200), "sentiment", n_folds=5)
    >>> len(dev_train), len(dev_valid)
    (128, 32)
    """
    X, y_all, spec, y_codes = _labelled(frame, target, task)
    labelled = X.assign(**{target: y_all})
    dev_train, dev_valid = development_rows(y_codes, spec.task, n_folds=n_folds, fold=fold,
                                            seed=seed, valid_fraction=valid_fraction)
    return labelled.iloc[dev_train], labelled.iloc[dev_valid]


def run_text_benchmark(
    frame: pd.DataFrame, target: str, *, models: tuple[str, ...] | list[str] = DEFAULT_MODELS,
    text_column: str | None = None, n_folds: int = 5, seed: int = 0, task: str = "auto",
    folds_to_run: int | None = None, train_options: dict[str, Any] | None = None,
    model_options: dict[str, Any] | None = None, fold_indices: list[int] | None = None,
    on_fold: Callable[[str, int, dict[str, Any]], None] | None = None, verbose: int = 0,
    development: bool = False, valid_fraction: float = 0.2, model_seed: int | None = None,
    max_rows: int | None = None,
) -> dict[str, Any]:
    """Every model on the same ``n_folds`` folds (stratified for classes) of ``frame``.

    ``folds_to_run`` stops after that many folds (the same first folds for every model).
    ``fold_indices`` runs only those folds (of the same split), e.g. to spread folds over
    processes. ``model_options`` are added to every network's own (e.g. ``{"dropout": 0.5}``).
    ``development=True`` instead trains on the development split of one fold
    (``development_rows``; the first of ``fold_indices``, else fold 0) and scores its
    dev-valid rows. Every classification fold keeps each scored row's prediction
    (``test_rows``, ``predicted``, ``correct``, and ``probabilities``: the class probabilities
    to 6 decimals), so stored runs can be paired, voted or blended without a refit.
    ``model_seed`` seeds the models' training (default: ``seed``) while ``seed`` keeps the
    split, so training-seed noise can be measured on the same rows.
    ``max_rows``: more labelled rows than that are compared on a seeded sample of about that
    many, each class at the same fraction (``data.row_sample``; ``sample`` and ``notes`` say
    so).
    """
    check_max_rows(max_rows)
    unknown = [m for m in models if m not in model_choices()]
    if unknown:
        raise ConfigError(f"unknown model(s) {', '.join(unknown)}; choose from "
                          f"{', '.join(model_choices())}.")
    repeated = sorted({m for m in models if list(models).count(m) > 1})
    if repeated:  # as the tabular benchmark refuses it: a model runs once on every fold
        raise ConfigError(f"model(s) named more than once: {', '.join(repeated)}; name each "
                          "model once (each runs once on every fold).")
    if n_folds < 2:
        raise ConfigError(f"n_folds must be at least 2, however: {n_folds=}")
    X, y_all, spec, y_codes = _labelled(frame, target, task)
    with warnings.catch_warnings():  # the whole table's: a sample's row numbers have gaps
        warnings.simplefilter("ignore", FindeepWarning)
        schema = infer_schema(X, text_columns=[text_column] if text_column else None,
                              text_ok=True)
    sample = sample_rows(len(X), max_rows, seed=seed,
                         labels=None if spec.task == "regression" else y_all,
                         min_per_class=n_folds)
    if sample is not None:
        X = X.iloc[sample.positions].reset_index(drop=True)
        y_all = y_all.iloc[sample.positions].reset_index(drop=True)
        y_codes = y_codes[sample.positions]
    column = text_column or find_text_column(schema, X)
    numeric = schema.names_of("numeric")
    categorical = [c for c in schema.names_of("categorical") if c != column]
    dates = schema.names_of("datetime")  # the baseline gets their parts, as networks do
    indices = list(fold_indices) if fold_indices is not None else list(range(n_folds))
    if any(not 0 <= k < n_folds for k in indices):
        raise ConfigError(f"fold indices must lie in 0..{n_folds - 1}, however: {indices}")
    if development:
        indices = indices[:1]
        folds = [development_rows(y_codes, spec.task, n_folds=n_folds, fold=indices[0],
                                  seed=seed, valid_fraction=valid_fraction)]
    else:
        indices = indices[:folds_to_run or len(indices)]
        all_folds = _cv_folds(y_codes, spec.task, n_folds, seed)
        folds = [all_folds[k] for k in indices]
    if spec.task != "regression":  # a class only in a fold's test rows: refuse, as tables do
        for train_rows, test_rows in folds:
            check_test_classes_trained(y_all.to_numpy(dtype=object), train_rows, test_rows,
                                       spec.name)
    results: dict[str, Any] = {"task": spec.task, "rows": len(X), "text_column": column,
                               "n_folds": n_folds, "folds_run": len(folds), "seed": seed,
                               "model_seed": seed if model_seed is None else model_seed,
                               "split": "development" if development else "cross-validation",
                               "models": {}}
    if development:
        results["valid_fraction"] = valid_fraction
    if sample is not None:
        results["sample"], results["notes"] = sample.to_dict(), [sample.note()]
    # a column (the text's words too) that tells the target alone: said before any fit
    screened = Schema([c for c in schema.columns if c.kind != "text" or c.name == column])
    if leak_note := warn_if_leaking(X, y_all, screened, task=spec.task, seed=seed, text=True):
        results["notes"] = [*results.get("notes", []), leak_note]
    for name in models:
        per_fold = []
        for k, (train_rows, test_rows) in zip(indices, folds, strict=True):
            fold = _run_fold(name, X, y_all, y_codes, spec.task, column, numeric, categorical,
                             train_rows, test_rows, seed if model_seed is None else model_seed,
                             train_options or {}, verbose,
                             model_options or {}, dates=dates)
            fold["fold"] = k
            per_fold.append(fold)
            if on_fold is not None:
                on_fold(name, k, fold)
        results["models"][name] = {"folds": per_fold, "summary": _summary(per_fold)}
    if BASELINE in results["models"] and spec.task != "regression":
        base = [f["accuracy"] for f in results["models"][BASELINE]["folds"]]
        for name, entry in results["models"].items():
            if name == BASELINE:
                continue
            diff = np.array([f["accuracy"] for f in entry["folds"]]) - np.array(base)
            entry["accuracy_minus_baseline"] = {"mean": float(diff.mean()),
                                                "std": float(diff.std(ddof=1))
                                                if len(diff) > 1 else 0.0}
    return results


def _run_fold(name: str, X: pd.DataFrame, y_all: pd.Series, y_codes: np.ndarray, task: str,
              column: str, numeric: list[str], categorical: list[str], train_rows: np.ndarray,
              test_rows: np.ndarray, seed: int, train_options: dict[str, Any], verbose: int,
              model_options: dict[str, Any] | None = None, *, dates: list[str] | None = None,
              ) -> dict[str, Any]:
    from findeep.text import baseline

    dates = dates or []
    X_train, X_test = X.iloc[train_rows], X.iloc[test_rows]
    started, cpu_started = time.perf_counter(), time.process_time()
    if name == BASELINE:
        used = [column, *numeric, *categorical, *dates]
        model = baseline.tfidf_model(column, [*numeric, *date_part_names(dates)],
                                     categorical, task, seed)
        model.fit(baseline.prepare(X_train[used], column, categorical, dates),
                  y_codes[train_rows])
        fit_seconds = time.perf_counter() - started
        fit_cpu_seconds = time.process_time() - cpu_started
        ready = baseline.prepare(X_test[used], column, categorical, dates)
        started = time.perf_counter()
        prediction = baseline.predict(model, ready, task)
        extra: dict[str, Any] = {}
    else:
        model_name, options = ALIASES.get(name, (name, {}))
        options = {**options, **(model_options or {})}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FindeepWarning)
            pipeline = fit_text(X_train, y_all.iloc[train_rows], model=model_name,
                                text_column=column, task=task, seed=seed, verbose=verbose,
                                model_options=options, screen_leaks=False,
                                **train_options)
        fit_seconds = time.perf_counter() - started
        fit_cpu_seconds = time.process_time() - cpu_started
        started = time.perf_counter()
        prediction, _ = pipeline.predict_raw(X_test)
        config = pipeline.training["config"]
        extra = {"epochs_run": pipeline.training["epochs_run"],
                 "best_epoch": pipeline.training["best_epoch"],
                 "max_length": pipeline.training["max_length"],
                 # the recipe that ran (recipes.py, with any override), for the record
                 "recipe": {**{k: config[k] for k in RECIPE_KEYS},
                            **pipeline.training["fit_options"]}}
    score_seconds = time.perf_counter() - started
    y_test = y_codes[test_rows]
    if task == "binary":
        y_test = y_test.astype(int)
    if task != "regression":  # every scored row's label and probabilities, for pairing
        labels = prediction.argmax(axis=1) if task == "multiclass" else (prediction >= 0.5)
        probabilities = (prediction if task == "multiclass"
                         else np.stack([1.0 - prediction, prediction], axis=1))
        extra |= {"test_rows": [int(r) for r in test_rows],
                  "predicted": [int(v) for v in labels],
                  "correct": [int(v) for v in labels == y_test],
                  "probabilities": np.round(probabilities.astype(float), 6).tolist()}
    return {**_scores(task, y_test, prediction), "fit_seconds": fit_seconds,
            "fit_cpu_seconds": fit_cpu_seconds,
            "score_rows_per_second": len(test_rows) / max(score_seconds, 1e-9), **extra}


def _summary(folds: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    keys = [k for k in folds[0] if isinstance(folds[0][k], float)]
    out = {}
    for key in keys:
        values = np.array([f[key] for f in folds], dtype=float)
        out[key] = {"mean": float(values.mean()),
                    "std": float(values.std(ddof=1)) if len(values) > 1 else 0.0}
    return out
