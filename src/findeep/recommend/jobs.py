"""The ``findeep recommend`` commands as library calls: read, one job, atomic write."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from findeep import json_text
from findeep.bundle import check_writable
from findeep.data.io import TableLike, check_output, ids_as_written, read_table, write_table
from findeep.errors import ConfigError, DataError
from findeep.output_paths import refuse_overwrite, write_text_atomic
from findeep.recommend.checks import check_counts, count_problem, parse_month
from findeep.recommend.estimator import (
    NextProductRecommender,
    offers_table,
    read_events,
    warn_report,
)
from findeep.recommend.evaluation import check_evaluation, evaluate_month, walk_forward
from findeep.recommend.panel import build_panel


def _panel(recommender: NextProductRecommender, customers: TableLike,
           events: TableLike | None) -> tuple[Any, Any]:
    customers_frame = read_table(customers)
    events_frame = read_events(events)
    if events_frame is None or len(events_frame) == 0:
        raise DataError("the events table is empty: there are no holdings to learn which "
                        "products customers take next from.")
    columns = recommender.columns(customers_frame)
    panel = build_panel(customers_frame, events_frame, columns,
                        events_mean=recommender.events_mean)  # type: ignore[arg-type]
    warn_report(panel.report)
    return panel, columns


def train_recommender(customers: TableLike, events: TableLike | None, *,
                      out: str | os.PathLike[str], force: bool = False, k: int = 7,
                      **params: Any) -> dict[str, Any]:
    """Rank the last month out of time (model and popularity trained on the months before),
    then refit on every month and save the bundle with those metrics."""
    from findeep.recommend.estimator import SAVABLE

    recommender = NextProductRecommender(**params)
    recommender._check_params(count_problem("k", k, 1))
    if recommender.model not in SAVABLE:
        raise ConfigError(f"train saves {' or '.join(SAVABLE)} models; compare "
                          f"{recommender.model} with 'findeep recommend benchmark'.")
    check_writable(out, force=force)
    panel, columns = _panel(recommender, customers, events)
    evaluation = None
    if len(panel.months) >= recommender.lags + 4:
        models = [recommender.model] + (["popularity"] if recommender.model != "popularity"
                                        else [])
        options = {"network": recommender._options()}
        evaluation = evaluate_month(panel, len(panel.months) - 2, models, lags=recommender.lags,
                                    train_months=recommender.train_months, k=k,
                                    eligibility=recommender.eligibility,
                                    seed=recommender.random_state, options=options,
                                    verbose=recommender.verbose)
    started = time.perf_counter()
    recommender.fit_panel(panel, columns)
    fit_seconds = time.perf_counter() - started
    from findeep.recommend.bundle import save_recommender

    metrics = None
    if evaluation is not None:
        metrics = {"k": k, "test_month": evaluation["test_month"],
                   "models": {name: {key: value for key, value in entry.items()}
                              for name, entry in evaluation["models"].items()}}
    path = save_recommender(recommender, out, metrics=metrics, force=force)
    return {"bundle": str(path), "model": recommender.model, "evaluation": evaluation,
            "fit_seconds": fit_seconds, "training": recommender.training_,
            "products": recommender.products_, "months": len(panel.months)}


def predict_offers(bundle: str | os.PathLike[str], customers: TableLike,
                   out: str | os.PathLike[str], *, events: TableLike | None = None,
                   top: int = 7, reasons: int = 0, as_of: str | None = None,
                   force: bool = False) -> dict[str, Any]:
    """Write ``top`` offers per customer (``<id>, rank, product, score[, reasons]``, the id
    column named and typed as the customer table's, e.g. ``id`` for ``--customer-id id``).

    The summary says what the offers rest on: ``month`` (None when neither table is dated)
    and ``holdings`` (``"events"``, ``"product columns"`` of the customer table, or
    ``"none"``: every customer scored as holding nothing).
    """
    from findeep.bundle import read_bundle
    from findeep.recommend.bundle import BUNDLE_KIND, recommender_from_bundle

    check_counts(top=(top, 1), reasons=(reasons, 0))
    if as_of is not None:
        parse_month(as_of)
    check_output(out, force=force)
    meta, tensors = read_bundle(bundle)
    if meta.get("kind") != BUNDLE_KIND:
        raise DataError(f"'{bundle}' holds a {meta.get('kind')!r} model, not a recommendation "
                        "bundle; train one with 'findeep recommend train'.")
    recommender = recommender_from_bundle(meta, tensors)
    if reasons and recommender.model != "network":
        raise ConfigError("reasons are available for network recommenders only; this "
                          f"{recommender.model} model ranks every customer the same way.")
    customers_frame = read_table(customers)
    events_frame = read_events(events)
    holdings = recommender.holdings_source(customers_frame, events_frame)
    design, report = recommender.design(customers_frame, events_frame, as_of=as_of)
    warn_report(report)
    scores = recommender.scores(design)
    id_column = customers_frame[recommender.columns_.customer_id]
    written = ids_as_written(customers, customers_frame, str(id_column.name))
    table = offers_table(design, scores, top, customers=id_column, written=written)
    if reasons:
        from findeep.recommend.metrics import top_k
        from findeep.recommend.reasons import recommendation_reasons

        chosen = top_k(scores, design.eligible, top)
        found = recommendation_reasons(recommender, design, chosen, n_reasons=reasons)
        rows, ranks = np.nonzero(chosen >= 0)
        table["reasons"] = ["; ".join(f"{r['feature']} = {r['value']} (+{r['contribution']:.3g})"
                                      for r in found[i][j]) for i, j in zip(rows, ranks,
                                                                            strict=True)]
    write_table(table, out, force=force, like=customers)  # a spreadsheet's dialect kept
    month = design.months[0] if len(design) else np.datetime64("NaT")
    return {"rows": len(table), "customers": len(design),
            "month": None if np.isnat(month) else str(month), "holdings": holdings,
            "no_offer": int(len(design) - table[id_column.name].nunique())}


def benchmark_recommenders(customers: TableLike, events: TableLike | None, *,
                           models: list[str], n_test_months: int = 3, k: int = 7,
                           out: str | os.PathLike[str] | None = None, force: bool = False,
                           **params: Any) -> dict[str, Any]:
    """Every model on the same walk-forward months; mean and std over months.

    ``out`` also writes the results: ``.json`` every fold (per product too), ``.csv`` /
    ``.parquet`` the summary, one row per model.
    """
    recommender = NextProductRecommender(**params)
    recommender._check_params(count_problem("k", k, 1),
                              count_problem("n_test_months (--test-months)", n_test_months, 1))
    check_evaluation(models, k=k, lags=recommender.lags, train_months=recommender.train_months,
                     n_test_months=n_test_months)
    if out is not None:
        check_results_path(out, force=force)
    panel, _ = _panel(recommender, customers, events)
    result = walk_forward(panel, models, n_test_months=n_test_months, lags=recommender.lags,
                          train_months=recommender.train_months, k=k,
                          eligibility=recommender.eligibility, seed=recommender.random_state,
                          options={"network": recommender._options()},
                          verbose=recommender.verbose)
    if out is not None:
        write_results(result, out, force=force)
    return result


def check_results_path(out: str | os.PathLike[str], *, force: bool) -> None:
    """Refuse, before any work, a results path of no known format, an existing file without
    ``force``, or a place nothing can be written to."""
    if Path(out).suffix.lower() == ".json":
        refuse_overwrite(out, force=force)
        return
    try:
        check_output(out, force=force)
    except DataError:  # it names only the table formats; results may also be JSON
        raise ConfigError(f"cannot tell the results format of '{out}'; use .json (every fold) "
                          "or .csv / .parquet (the summary).") from None


def write_results(document: dict[str, Any], out: str | os.PathLike[str], *,
                  force: bool) -> Path:
    """``.json``: the whole document, NaN as null (strict JSON); a table: the summary."""
    path = Path(out)
    if path.suffix.lower() != ".json":
        rows = [{"model": name, **values} for name, values in document["summary"].items()]
        return write_table(pd.DataFrame(rows), path, force=force)
    refuse_overwrite(path, force=force)
    return write_text_atomic(path, json_text.dumps(document) + "\n")
