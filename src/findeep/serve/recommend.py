"""``POST /v1/recommend``: a customer record -> the top products with scores and reasons.

``findeep serve`` on a recommendation bundle builds this app (``create_app`` hands a
``kind: recommend`` bundle here; the model is ``findeep.recommend``'s). It keeps the
scoring API's rules — request validation generated from the training schema (missing
fields listed, wrong types refused, unknown fields ignored with an ``X-Findeep-Warning``
header or refused under ``strict``), row and byte limits (413), the ``X-API-Key`` check
(401), one-sentence errors and never a 500 for bad input — by reusing its parser, guard
and error handlers.

A record holds the customer columns plus ``holdings`` (products held now) and optionally
``previous_holdings`` (one list per past month, most recent first; by default the current
holdings; a list longer than the model's ``lags`` is cut with an ``X-Findeep-Warning``
header, or refused under ``strict``). Products the model never saw are ignored: named with
their counts in ``unknown_product_counts`` (``unknown_products`` keeps their total, the
field's meaning before). What the customer columns held that the model cannot score as
meant comes back as ``/v1/predict``'s fields (``unseen_categories``,
``missing_categories``, ``empty_columns``, ``off_scale``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any, NotRequired

import numpy as np
import pandas as pd
from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from pydantic import ConfigDict, Field, StrictStr, TypeAdapter
from typing_extensions import TypedDict

from findeep._version import __version__
from findeep.errors import ConfigError
from findeep.features.tabular import TransformReport
from findeep.recommend.metrics import top_k
from findeep.recommend.panel import Design, eligibility_mask
from findeep.serve.contract import RecordContract, build_contract
from findeep.serve.errors import ApiError

MAX_REASON_ROWS = 100


def record_contract(recommender: Any, *, strict: bool) -> RecordContract:
    """The scoring contract of the customer columns, plus the holdings fields."""
    ranker = recommender.ranker_
    fields: dict[str, Any] = {}
    used: tuple[str, ...] = ()
    known: frozenset[str] = frozenset()
    dates: dict[str, Any] = {}  # the date columns, read as the scoring API reads them
    if getattr(ranker, "schema_", None) is not None:
        base = build_contract(SimpleNamespace(schema=ranker.schema_,
                                              preprocessor=ranker.preprocessor_), strict=strict)
        fields |= dict(base.record_type.__annotations__)
        used, known = base.used_names, base.known_names
        dates = {"date_columns": base.date_columns, "day_first": base.day_first}
    products = ", ".join(recommender.products_)
    fields["holdings"] = NotRequired[Annotated[list[StrictStr], Field(
        description=f"products held now (known: {products}); others are ignored and counted")]]
    fields["previous_holdings"] = NotRequired[Annotated[list[list[StrictStr]], Field(
        description="products held 1, 2, … months ago (most recent first); default: as now")]]
    fields[recommender.columns_.customer_id] = NotRequired[Annotated[Any, Field(
        description="echoed back in the response")]]
    # the eligibility rules read the columns the model was trained beside, also those the
    # ranker does not (a popularity model reads none; a network drops a constant): accepted,
    # never "unknown"
    for name in recommender.feature_columns_:
        fields.setdefault(name, NotRequired[Annotated[Any, Field(
            description="read only by the eligibility rules")]])
    known |= frozenset(recommender.feature_columns_)
    record_type = TypedDict("CustomerRecord", fields)  # type: ignore[operator]
    record_type.__pydantic_config__ = ConfigDict(  # type: ignore[attr-defined]
        extra="forbid" if strict else "allow", title="CustomerRecord")
    extra = {"holdings", "previous_holdings", recommender.columns_.customer_id}
    return RecordContract(
        record=TypeAdapter(record_type),
        records=TypeAdapter(Annotated[list[record_type], Field(min_length=1)]),  # type: ignore[valid-type]
        record_type=record_type, used_names=used + tuple(sorted(extra)),
        known_names=known | extra, strict=strict, **dates)


def records_frame(recommender: Any, records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The customer columns of ``records``, one row per record: those the ranker reads, and
    the others sent that the model was trained beside, which its eligibility rules may read
    (all of them for a popularity model, which reads none)."""
    from findeep.serve.app import _frame

    schema = getattr(recommender.ranker_, "schema_", None)
    frame = None
    if schema is not None:
        frame = _frame(records, list(schema.used_names), schema.names_of("datetime"))
        if len(frame) != len(records):
            frame = None
    if frame is None:
        frame = pd.DataFrame(index=pd.RangeIndex(len(records)))
    # the columns trained beside that the ranker does not read, for the eligibility rules
    for name in recommender.feature_columns_:
        if name not in frame.columns and any(name in r for r in records):
            frame[name] = [r.get(name) for r in records]
    return frame


def records_design(recommender: Any, records: Sequence[Mapping[str, Any]],
                   ) -> tuple[Design, dict[str, int]]:
    """(design, times each product the model never saw was named in the holdings)."""
    frame = records_frame(recommender, records)
    products = recommender.products_
    position = {p: j for j, p in enumerate(products)}
    lags = recommender.lags
    holdings = np.zeros((len(records), len(products) * (1 + lags)), dtype=np.float32)
    unknown: dict[str, int] = {}
    for i, record in enumerate(records):
        now = list(record.get("holdings", []))
        past = list(record.get("previous_holdings", []))
        for lag in range(1 + lags):
            held = now if lag == 0 else (past[lag - 1] if lag - 1 < len(past) else (
                past[-1] if past else now))
            for name in held:
                if name in position:
                    holdings[i, lag * len(products) + position[name]] = 1.0
                elif lag == 0 or lag - 1 < len(past):
                    unknown[name] = unknown.get(name, 0) + 1
    held_now = holdings[:, :len(products)] > 0.5
    eligible = ~held_now & eligibility_mask(frame, products, recommender.eligibility)
    ids = np.array([record.get(recommender.columns_.customer_id) for record in records],
                   dtype=object)
    design = Design(frame, holdings, eligible, None, ids,
                    np.full(len(records), np.datetime64("today", "M")), list(products))
    return design, unknown


def past_beyond_lags(records: Sequence[Mapping[str, Any]], lags: int, *, many: bool,
                     strict: bool) -> str | None:
    """The warning (``X-Findeep-Warning``) for ``previous_holdings`` listing more months
    than the model reads (its ``lags``), or None; under ``strict``, a 422 instead, as for
    unknown fields."""
    lengths = [len(record.get("previous_holdings", [])) for record in records]
    longest = max(lengths, default=0)
    if longest <= lags:
        return None
    reads = (f"only the last {lags} month(s) of past holdings (lags)" if lags
             else "no past holdings (lags 0)")
    said = f"previous_holdings lists {longest} month(s), but this model reads {reads}"
    if strict:
        first = next(i for i, n in enumerate(lengths) if n > lags)
        raise ApiError(422, f"{said}; send at most {lags} (strict mode).", [
            {"record": first if many else None, "field": "previous_holdings",
             "problem": "invalid", "message": f"at most {lags} month(s)"}])
    return f"{said}: the older month(s) were ignored"


def findings(report: TransformReport) -> dict[str, Any]:
    """What scoring the request's customer columns had to absorb, as ``/v1/predict``
    returns it (``Scorer.findings``): category values never seen in training and missing
    ones, columns with no value in any record, numeric columns far off their training
    scale (with the request's median). Every field is sent, empty when there is nothing
    to say; a model that reads no customer column (popularity) has nothing to say."""
    return {"unseen_categories": report.unseen_categories,
            "missing_categories": report.missing_categories,
            "empty_columns": report.empty_columns, "off_scale": report.off_scale}


def create_recommend_app(bundle: str | os.PathLike[str] | Any, *, api_key: str | None = None,
                         max_rows: int = 10_000, max_bytes: int = 8 * 2**20,
                         strict: bool = False) -> FastAPI:
    """The recommendation API over ``bundle`` (a path or a fitted ``NextProductRecommender``)."""
    from findeep.loading import load
    from findeep.request_body import WARNING_HEADER, header_text
    from findeep.serve.app import (
        _add_error_handlers,
        _api_key_guard,
        _jsonable,
        _parse,
        add_keyed_openapi,
        document_routes,
    )

    for name, value in (("max_rows", max_rows), ("max_bytes", max_bytes)):
        if not isinstance(value, int) or value < 1:
            raise ConfigError(f"{name} must be a positive integer, however: {name}={value!r}")
    if api_key is not None and not api_key.strip():
        raise ConfigError("api_key is empty; set a non-empty key or leave it unset.")
    source = str(Path(bundle)) if isinstance(bundle, str | os.PathLike) else None
    recommender = load(bundle) if source is not None else bundle
    recommender._check_fitted()
    contract = record_contract(recommender, strict=strict)
    n_products = len(recommender.products_)
    app = FastAPI(title=f"findeep recommendation API: {recommender.model}",
                  version=__version__,
                  description="Ranks the products a customer does not hold yet, best first.",
                  **document_routes(api_key))
    guard = [Depends(_api_key_guard(api_key))] if api_key is not None else []
    add_keyed_openapi(app, api_key, guard)

    _add_error_handlers(app)

    @app.get("/healthz", tags=["service"], summary="Liveness: the model is loaded.")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/model", tags=["model"], dependencies=guard,
             summary="The catalogue, model, training record and limits.")
    async def model_info() -> JSONResponse:
        return JSONResponse(_jsonable({
            "kind": "recommend", "model": recommender.model, "products": recommender.products_,
            "features": list(contract.used_names), "lags": recommender.lags,
            "eligibility": recommender.eligibility or {}, "training": recommender.training_,
            "bundle": source, "findeep_version": __version__,
            "limits": {"max_rows": max_rows, "max_bytes": max_bytes, "strict": strict}}))

    @app.post("/v1/recommend", tags=["scoring"], dependencies=guard,
              summary="Top products for one customer record (object) or several (array).")
    async def recommend(request: Request, top: int = Query(
                            7, ge=1, description="offers per customer at most (more than the "
                            "catalogue: all it may offer, as the command line does)"),
                        reasons: int = Query(3, ge=0, le=10)) -> JSONResponse:
        records, many, headers = await _parse(request, contract, max_rows, max_bytes)
        top = min(top, max(n_products, 1))
        ignored = past_beyond_lags(records, recommender.lags, many=many, strict=strict)
        if ignored is not None:
            said = [*(headers or {}).values(), header_text(ignored)]
            headers = {WARNING_HEADER: "; ".join(said)}
        design, unknown = records_design(recommender, records)
        scores, report = recommender.scores_reported(design)
        chosen = top_k(scores, design.eligible, top)
        explained = None
        if reasons and recommender.model == "network" and len(records) <= MAX_REASON_ROWS:
            from findeep.recommend.reasons import recommendation_reasons

            explained = recommendation_reasons(recommender, design, chosen, n_reasons=reasons)
        rows = []
        for i in range(len(records)):
            offers = []
            for r, j in enumerate(chosen[i]):
                if j < 0:
                    continue
                offer: dict[str, Any] = {"product": recommender.products_[j],
                                         "score": float(scores[i, j])}
                if explained is not None:
                    offer["reasons"] = explained[i][r]
                offers.append(offer)
            row: dict[str, Any] = {"recommendations": offers}
            if design.customer_ids[i] is not None:  # under the name the records use
                row[recommender.columns_.customer_id] = design.customer_ids[i]
            rows.append(row)
        body: dict[str, Any] = {"results": rows, "rows": len(rows)} if many else rows[0]
        body["unknown_products"] = sum(unknown.values())
        body["unknown_product_counts"] = dict(sorted(unknown.items()))
        body |= findings(report)
        return JSONResponse(_jsonable(body), headers=headers)

    app.state.recommender = recommender
    return app

