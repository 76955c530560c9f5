"""``create_app(bundle) -> FastAPI``: a validated, size-limited REST API over one trained model.

Nothing is loaded when this module is imported; ``create_app`` loads the bundle, prepares
the scorer once, and returns an app whose routes only encode rows and run one forward.

Endpoints: ``POST /v1/predict``, ``POST /v1/explain``, ``GET /v1/model``, ``GET /healthz``.
Status codes: 401 wrong or missing ``X-API-Key`` (when a key is set), 413 too many rows or
bytes, 422 any invalid body (missing fields listed, wrong types, unknown fields under
``strict``), 501 explanations not installed. Bad input never produces a 500.
"""

from __future__ import annotations

import json
import math
import os
import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pydantic_core
from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from pydantic import ValidationError

from findeep._version import __version__
from findeep.errors import ConfigError, FindeepError, NotFittedError
from findeep.evaluate.metrics import check_threshold
from findeep.pipeline import TabularPipeline, decision_threshold, read_pipeline
from findeep.request_body import (
    BODY_SECONDS,
    DEFAULT_MAX_BYTES,
    WARNING_HEADER,
    BodyTooLarge,
    BodyTooSlow,
    ClientGone,
    header_text,
    read_bounded,
)
from findeep.serve.batching import RequestCoalescer
from findeep.serve.contract import RecordContract, UnreadableDate, build_contract
from findeep.serve.errors import ApiError, validation_problem
from findeep.serve.offload import OffLoop
from findeep.serve.responses import response_models
from findeep.serve.scorer import Scorer

API_KEY_HEADER = "X-API-Key"
DEFAULT_MAX_ROWS = 10_000
DEFAULT_MAX_EXPLAIN_ROWS = 100
OFF_LOOP_BYTES = 64 * 2**10  # request bodies above this are validated on a worker thread
_PARSER = OffLoop(2)


class ServedModel:
    """A pipeline plus what the bundle says about it (when it came from a bundle)."""

    def __init__(self, pipeline: TabularPipeline, meta: Mapping[str, Any] | None = None,
                 source: str | None = None) -> None:
        self.pipeline = pipeline
        self.meta = dict(meta or {})
        self.source = source


def _bundle_kind(bundle: Any) -> str | None:
    """The ``kind`` a bundle directory declares (checksums are verified when it loads)."""
    if type(bundle).__name__ == "NextProductRecommender":
        return "recommend"
    if not isinstance(bundle, str | os.PathLike):
        return None
    try:
        return json.loads((Path(bundle) / "bundle.json").read_text()).get("kind")
    except (OSError, ValueError, AttributeError):
        return None  # load_served_model explains what is wrong with it


def load_served_model(bundle: Any) -> ServedModel:
    """A bundle path, a fitted estimator or a ``TabularPipeline`` -> ``ServedModel``."""
    if isinstance(bundle, TabularPipeline):
        return ServedModel(bundle)
    if isinstance(bundle, str | os.PathLike):
        pipeline, meta = read_pipeline(bundle, refusal="the server scores tabular models only")
        return ServedModel(pipeline, meta, str(Path(bundle)))
    pipeline = getattr(bundle, "pipeline_", None)
    if isinstance(pipeline, TabularPipeline):
        return ServedModel(pipeline)
    if hasattr(bundle, "get_params"):
        raise NotFittedError(f"this {type(bundle).__name__} is not fitted yet; fit or load it "
                             "before serving it.")
    raise ConfigError("create_app needs a bundle directory, a fitted TabularClassifier/"
                      "TabularRegressor or a TabularPipeline, however got "
                      f"{type(bundle).__name__}.")


def create_app(bundle: Any, *, api_key: str | None = None, max_rows: int = DEFAULT_MAX_ROWS,
               max_bytes: int = DEFAULT_MAX_BYTES, strict: bool = False,
               max_explain_rows: int = DEFAULT_MAX_EXPLAIN_ROWS,
               threshold: float | None = None) -> FastAPI:
    """An ASGI app scoring ``bundle`` (path, fitted estimator or pipeline).

    ``api_key`` requires that exact ``X-API-Key`` on every ``/v1`` route; ``max_rows`` and
    ``max_bytes`` bound one request (413 beyond; ``/v1/explain`` takes at most
    ``max_explain_rows`` of those records); ``strict`` rejects unknown fields (422)
    instead of ignoring them with an ``X-Findeep-Warning`` header; a binary model's
    ``predicted`` is its event class at or above ``threshold`` (0.5 when not given; other
    models have no cut-off, and refuse one as ``findeep predict`` does). Explanations and
    big requests run on worker threads, so they never hold up other clients' small requests.
    """
    _check_settings(api_key=api_key, max_rows=max_rows, max_bytes=max_bytes,
                    max_explain_rows=max_explain_rows, threshold=threshold)
    if _bundle_kind(bundle) == "recommend":  # POST /v1/recommend instead of /v1/predict
        from findeep.serve.recommend import create_recommend_app

        if threshold is not None:  # a ranking has no cut-off to move
            raise ConfigError("--threshold applies to binary models; this one is a "
                              "next-best-offer ranking (drop --threshold).")
        return create_recommend_app(bundle, api_key=api_key, max_rows=max_rows,
                                    max_bytes=max_bytes, strict=strict)
    served = load_served_model(bundle)
    pipeline = served.pipeline
    cutoff = decision_threshold(pipeline, threshold)  # refused unless binary, as in predict
    scorer = Scorer(pipeline, cutoff)
    contract = build_contract(pipeline, strict=strict)
    # the limits each route applies: /v1/explain never takes more records than /v1/predict
    limits = {"max_rows": max_rows, "max_bytes": max_bytes,
              "max_explain_rows": min(max_rows, max_explain_rows), "strict": strict,
              "threshold": cutoff if pipeline.task == "binary" else None}
    app = FastAPI(
        title=f"findeep scoring API: {pipeline.display_name} ({pipeline.task})",
        version=__version__,
        description="Scores one record or a list of records with a trained findeep model. "
                    "Fields are the model's training columns; `null` means missing.",
        **document_routes(api_key),
    )
    guard = [Depends(_api_key_guard(api_key))] if api_key is not None else []
    add_keyed_openapi(app, api_key, guard)
    _add_error_handlers(app)
    _add_service_routes(app, served, limits, guard)
    _add_scoring_routes(app, scorer, contract, limits, guard)
    app.openapi = _openapi_with_request_body(app, contract)  # type: ignore[method-assign]
    app.state.served = served
    app.state.scorer = scorer
    app.state.limits = limits
    return app


def _check_settings(*, api_key: str | None, max_rows: int, max_bytes: int,
                    max_explain_rows: int, threshold: float | None) -> None:
    if threshold is not None:  # before the bundle loads; the task is checked once it has
        check_threshold(threshold)
    for name, value in (("max_rows", max_rows), ("max_bytes", max_bytes),
                        ("max_explain_rows", max_explain_rows)):
        if not isinstance(value, int) or value < 1:
            raise ConfigError(f"{name} must be a positive integer, however: {name}={value!r}")
    if api_key is not None and not api_key.strip():
        raise ConfigError("api_key is empty; set a non-empty key or leave it unset.")


def _add_error_handlers(app: FastAPI) -> None:
    """Every error is JSON ``{"detail", "errors"}``; an unexpected one hides its internals."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": ".".join(str(p) for p in e.get("loc", ())), "problem": "invalid",
                   "message": str(e.get("msg", ""))} for e in exc.errors()]
        return JSONResponse({"detail": "the request's parameters are invalid.", "errors": errors},
                            status_code=422)

    @app.exception_handler(FindeepError)
    async def _findeep_error(request: Request, exc: FindeepError) -> JSONResponse:
        return JSONResponse({"detail": str(exc), "errors": []}, status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": "internal error while scoring; see the server log.",
                             "errors": []}, status_code=500)


def _add_service_routes(app: FastAPI, served: ServedModel, limits: dict[str, Any],
                        guard: list[Any]) -> None:
    @app.get("/healthz", tags=["service"], summary="Liveness: the model is loaded.")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/model", tags=["model"], dependencies=guard,
             summary="The model's schema, task, metrics, version and training date.")
    async def model_info() -> JSONResponse:
        return JSONResponse(_jsonable(_model_info(served, limits)))


def _add_scoring_routes(app: FastAPI, scorer: Scorer, contract: RecordContract,
                        limits: dict[str, Any], guard: list[Any]) -> None:
    pipeline = scorer.pipeline
    max_rows, max_bytes = limits["max_rows"], limits["max_bytes"]
    coalescer = RequestCoalescer(scorer)
    explain_frame = _find_explainer()
    # one explanation at a time: several at once would only split the same cores (and the
    # interpreter) between them, each finishing later; the others wait off the loop
    explainer = OffLoop(1)
    single, batch, explained, explained_batch = response_models(pipeline)

    @app.post("/v1/predict", tags=["scoring"], dependencies=guard,
              response_model=single | batch, openapi_extra=_body_doc(),
              summary="Score one record (JSON object) or a list of records (JSON array).",
              responses=_error_docs())
    async def predict(request: Request) -> JSONResponse:
        records, many, headers = await _parse(request, contract, max_rows, max_bytes)
        outputs, findings = await coalescer.outputs(records)
        body: dict[str, Any] = outputs if many else {k: v[0] for k, v in outputs.items()}
        if many:
            body["rows"] = len(records)
        body |= findings
        return JSONResponse(body, headers=headers)

    @app.post("/v1/explain", tags=["scoring"], dependencies=guard,
              response_model=explained | explained_batch, openapi_extra=_body_doc(),
              summary="Scores with the top reason codes behind each one.",
              responses={**_error_docs(), 501: {
                  "description": "explanations not installed, or not possible for this model"}})
    async def explain(request: Request, top: int = Query(4, ge=1, le=20)) -> JSONResponse:
        if explain_frame is None:
            raise ApiError(501, "reason codes are not available: this findeep installation "
                                "lacks findeep.explain.reasons.")
        records, many, headers = await _parse(request, contract, limits["max_explain_rows"],
                                              max_bytes)
        body = await explainer.run(_explain_body, explain_frame, scorer, contract, records,
                                   many, top)
        return JSONResponse(body, headers=headers)


def _explain_body(explain_frame: Any, scorer: Scorer, contract: RecordContract,
                  records: Sequence[Mapping[str, Any]], many: bool, top: int) -> Any:
    """The /v1/explain response body (JSON-ready); runs on a worker thread. It carries the
    same findings as /v1/predict's (``Scorer.findings``): an explanation of scores read
    from a broken join or a decimal-comma column is as wrong as the scores."""
    pipeline = scorer.pipeline
    frame = _frame(records, contract.used_names, pipeline.schema.names_of("datetime"))
    try:
        table = explain_frame(pipeline, frame, top=top)
    except FindeepError as exc:  # the input was valid, so this is about the model
        raise ApiError(501, f"cannot explain this model's scores: {exc}") from None
    rows = _explained_rows(table)
    if many:
        body: dict[str, Any] = {key: [row[key] for row in rows] for key in rows[0]}
        body["rows"] = len(rows)
    else:
        body = rows[0]
    _, _, unseen = scorer.encoder.encode_rows(records)
    return _jsonable(body | scorer.findings(unseen, records))


def _openapi_with_request_body(app: FastAPI, contract: RecordContract) -> Any:
    """The OpenAPI document, with the record-or-list request schema the routes accept."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version,
                                 description=app.description, routes=app.routes)
            union = _records_union_schema(contract.record_type, contract)
            schemas = schema.setdefault("components", {}).setdefault("schemas", {})
            schemas.update(union.pop("$defs", {}))
            schemas["ScoringRequest"] = union
            app.openapi_schema = schema
        return app.openapi_schema

    return openapi


# ---- request handling --------------------------------------------------------------------------
async def _parse(request: Request, contract: RecordContract, max_rows: int, max_bytes: int,
                 ) -> tuple[list[dict[str, Any]], bool, dict[str, str] | None]:
    """(records, whether a list was sent, warning headers) or an ``ApiError``."""
    # a UTF-8 byte-order mark (Windows tools write one) is no part of the JSON: ignored, as
    # RFC 8259 lets a parser do
    raw = (await _read_limited(request, max_bytes)).removeprefix(b"\xef\xbb\xbf")
    start = raw.lstrip()[:1]
    many = start == b"["
    if start not in (b"{", b"["):
        raise ApiError(422, "the request body must be a JSON object (one record) or a JSON "
                            "array of records.")
    try:
        if len(raw) > OFF_LOOP_BYTES:  # ~200 records and more: validation takes milliseconds
            parsed, notes = await _PARSER.run(_validate, contract, raw, many)
        else:
            parsed, notes = _validate(contract, raw, many)
    except ValidationError as exc:
        if many and _row_count_exceeds(exc, max_rows):
            raise _too_many_rows(max_rows) from None
        # unreadable dates are named with the other problems, so one answer lists them all
        sent = _failed_records(raw, many)  # read once for both of these
        raise validation_problem(exc, many=many,
                                 unreadable_dates=_unreadable_dates(contract, sent),
                                 unknown_sent=_unknown_sent(contract, sent)) from None
    if len(parsed) > max_rows:
        raise _too_many_rows(max_rows)
    said = list(notes)  # what batch scoring would warn of: a date order it had to guess
    unknown = _unknown_fields(parsed, contract)
    if unknown:
        listed = ", ".join(sorted(unknown)[:10]) + (", …" if len(unknown) > 10 else "")
        said.append(f"ignored unknown field(s): {listed}")
    headers = {WARNING_HEADER: header_text("; ".join(said))} if said else None
    return parsed, many, headers


def _validate(contract: RecordContract, raw: bytes, many: bool,
              ) -> tuple[list[dict[str, Any]], list[str]]:
    """Typed records, their dates read as batch scoring reads them, and what batch scoring
    would have warned of while reading them; ``ValidationError`` or a 422 ``ApiError``
    naming each date text batch scoring cannot read."""
    records = (contract.records.validate_json(raw) if many
               else [contract.record.validate_json(raw)])
    notes: list[str] = []
    unreadable = contract.read_dates(records, notes)
    if unreadable:
        raise validation_problem(None, many=many, unreadable_dates=unreadable)
    return records, notes


def _failed_records(raw: bytes, many: bool) -> list[Any]:
    """The records of a body that failed validation, as plain JSON values (none when it is
    not JSON)."""
    try:
        body = pydantic_core.from_json(raw)
    except ValueError:
        return []
    return body if many and isinstance(body, list) else [body]


def _unknown_sent(contract: RecordContract, records: list[Any]) -> list[str]:
    """The field names a failed body held that the model does not know: a missing field
    may be among them, misspelt."""
    return sorted({str(k) for r in records[:1000] if isinstance(r, dict) for k in r}
                  - set(contract.known_names))


def _unreadable_dates(contract: RecordContract, records: list[Any]) -> list[UnreadableDate]:
    """The unreadable date texts of a body that failed validation for other reasons (its
    records' date fields read on copies)."""
    dates = [{name: record.get(name) for name in contract.date_columns}
             if isinstance(record, dict) else {} for record in records]
    return contract.read_dates(dates)


async def _read_limited(request: Request, max_bytes: int) -> bytes:
    """The body, refusing (413) as soon as it is known to exceed ``max_bytes``; a client
    gone mid-body is a 400 nobody reads, not a traceback."""
    try:
        return await read_bounded(request, max_bytes)
    except BodyTooSlow as exc:
        raise ApiError(408, str(exc)) from None
    except (BodyTooLarge, ClientGone) as exc:
        raise ApiError(413 if isinstance(exc, BodyTooLarge) else 400, str(exc)) from None


def _too_many_rows(max_rows: int) -> ApiError:
    return ApiError(413, f"the request holds more than this endpoint's limit of {max_rows:,} "
                         "records; split it into smaller requests.")


def _row_count_exceeds(exc: ValidationError, max_rows: int) -> bool:
    """Whether an invalid list was too long anyway (413 wins over 422)."""
    indices = [e["loc"][0] for e in exc.errors(include_url=False)
               if e["loc"] and isinstance(e["loc"][0], int)]
    return bool(indices) and max(indices) >= max_rows


def _unknown_fields(records: Sequence[Mapping[str, Any]], contract: RecordContract) -> set[str]:
    if contract.strict:
        return set()
    known = contract.known_names
    unknown: set[str] = set()
    for record in records:  # by name: a misspelt optional field may keep the count right
        unknown.update(record.keys() - known)
    return unknown


def document_routes(api_key: str | None) -> dict[str, Any]:
    """FastAPI's document routes for a server: /docs and /openapi.json open when it has no
    key; with one, no /docs page (a browser cannot send the key) and the OpenAPI document
    only with the key (``add_keyed_openapi``): it lists every field and trained level. No
    /redoc: it loads its script from a CDN, and /docs is the one documented."""
    if api_key is None:
        return {"redoc_url": None}
    return {"redoc_url": None, "docs_url": None, "openapi_url": None}


def add_keyed_openapi(app: FastAPI, api_key: str | None, guard: list[Any]) -> None:
    """GET /openapi.json behind the key, for a server started with one."""
    if api_key is None:
        return

    @app.get("/openapi.json", include_in_schema=False, dependencies=guard)
    async def openapi_document() -> JSONResponse:
        return JSONResponse(app.openapi())


def _api_key_guard(expected: str) -> Any:
    header = APIKeyHeader(name=API_KEY_HEADER, auto_error=False,
                          description="The key the server was started with.")
    expected_bytes = expected.encode()

    async def check(key: str | None = Depends(header)) -> None:
        if key is None or not secrets.compare_digest(key.encode(), expected_bytes):
            raise ApiError(401, f"missing or wrong {API_KEY_HEADER} header.")

    return check


# ---- explanations ------------------------------------------------------------------------------
def _find_explainer() -> Any:
    """``findeep.explain.reasons.explain_frame`` when that module exists, else None."""
    try:
        from findeep.explain.reasons import explain_frame  # type: ignore[import-not-found]
    except ImportError:
        return None
    return explain_frame


def _frame(records: Sequence[Mapping[str, Any]], columns: Sequence[str],
           datetime_columns: Sequence[str]) -> pd.DataFrame:
    """The records as a DataFrame; aware times become naive UTC so one column has one zone."""
    frame = pd.DataFrame.from_records([{c: r[c] for c in columns} for r in records],
                                      columns=list(columns))
    for name in datetime_columns:
        if name in frame.columns:
            frame[name] = pd.to_datetime(frame[name], utc=True).dt.tz_convert(None)
    return frame


def _explained_rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    reason_columns = sorted((c for c in table.columns if str(c).startswith("reason_")),
                            key=lambda c: int(str(c).rsplit("_", 1)[-1]))
    attribution_columns = [c for c in table.columns if str(c).startswith("attribution__")]
    score = "probability" if "probability" in table.columns else "prediction"
    rows = []
    multiclass = "explained_class" in table.columns
    for _, row in table.iterrows():
        rows.append({
            **({"explained_class": _jsonable(row["explained_class"])} if multiclass else {}),
            score: float(row[score]),
            "reasons": [str(row[c]) for c in reason_columns if pd.notna(row[c]) and row[c] != ""],
            "attributions": {str(c).removeprefix("attribution__"): float(row[c])
                             for c in attribution_columns},
        })
    return rows


# ---- documents ---------------------------------------------------------------------------------
def _without_paths(metrics: dict[str, Any]) -> dict[str, Any]:
    """The metrics with the data file they were measured on named, not located: the
    server's callers need not learn the training machine's folders."""
    data = metrics.get("data")
    if not isinstance(data, str):
        return metrics
    return {**metrics, "data": data.replace("\\", "/").rsplit("/", 1)[-1]}


def _model_info(served: ServedModel, limits: dict[str, Any]) -> dict[str, Any]:
    pipeline = served.pipeline
    target = pipeline.target
    used = set(pipeline.schema.used_names)
    training = pipeline.training
    return {
        "model": pipeline.display_name,
        "task": pipeline.task,
        "target": target.name,
        "classes": target.classes,
        "event_class": target.event_class if pipeline.task == "binary" else None,
        "features": [{"name": c.name, "kind": c.kind, "dtype": c.dtype, "used": c.name in used}
                     for c in pipeline.schema.columns],
        "metrics": _without_paths(pipeline.metrics),
        "trained_at": served.meta.get("created_at"),
        "trained_with": served.meta.get("versions", {}),
        "findeep_version": __version__,
        "training": {key: training.get(key) for key in
                     ("rows", "fit_rows", "validation_rows", "epochs_run", "best_epoch", "seed",
                      "validation_split") if key in training},
        "temperature": pipeline.temperature,
        "limits": limits,
    }


def _records_union_schema(record_type: type, contract: RecordContract) -> dict[str, Any]:
    from pydantic import TypeAdapter

    adapter: TypeAdapter[Any] = TypeAdapter(record_type | list[record_type])  # type: ignore[valid-type]
    schema = adapter.json_schema(ref_template="#/components/schemas/{model}")
    for option in schema.get("anyOf", []):
        if option.get("type") == "array":
            option["minItems"] = 1
    return schema


def _body_doc() -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/ScoringRequest"}}}}}


def _error_docs() -> dict[int | str, dict[str, Any]]:
    return {401: {"description": "missing or wrong X-API-Key (when the server has a key)"},
            408: {"description": f"the request body did not arrive within {BODY_SECONDS:g} s"},
            413: {"description": "too many records or bytes in one request"},
            422: {"description": "invalid body: missing fields, wrong types, unknown fields "
                                 "(strict mode)"}}


def _jsonable(value: Any) -> Any:
    """Plain JSON: numpy scalars unwrapped, non-finite floats as null."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
