"""``create_text_app(bundle)``: a FastAPI app scoring and explaining a text model.

Endpoints: ``POST /v1/predict`` and ``POST /v1/explain`` take one record (a JSON object),
a list of records (a JSON array) — as the tabular server does — or ``{"records": [{...}]}``;
each record holds the text field and the other trained columns. One record gets one
object back (its prediction, or its explanation); a list or ``{"records": ...}`` gets
``{"predictions": [...]}`` (``{"explanations": [...]}``). A field the model does not read is
ignored and named in the ``X-Findeep-Warning`` header, or refused (422) with ``strict``.
``GET /v1/model`` and ``GET /healthz`` as the tabular server. A binary model's
``probability`` is its event class's, named by ``event_class`` in ``/v1/model`` and in each
``/v1/predict`` body; its ``prediction`` is that class at or above ``threshold`` (0.5 when
not given, as ``findeep predict --threshold``). A record's score does not
depend on the other records of its request (texts are padded per batch and every encoder
masks padding): one-record and batch scoring agree to 1e-6, pinned by a test (with
``int8=True`` to quantisation rounding, ~1e-2: the activations' scale is taken per
request). Errors are one sentence with status 422 (bad records) or 413 (too many).
``findeep serve`` builds this app for a text bundle.

A one-record ``/v1/predict`` is scored on the event loop itself (``TextScorer``), sparing the
hand-off to a worker thread and back (two thread wake-ups; on a loaded 2-core machine no
clear difference in CPU or latency either way, BENCHMARKS.md); batches still go to worker
threads, so a long one does not hold up the one-record requests. ``FINDEEP_SERVE_TIMINGS`` (see
``findeep.text.timings``) records each request's tokenize / forward / total milliseconds.
"""

from __future__ import annotations

import hmac
import json
import math
import os
import time
import warnings
from dataclasses import dataclass
from typing import Any

import pandas as pd
from fastapi import FastAPI, Header, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from findeep.data.schema import parse_datetimes
from findeep.errors import FindeepError
from findeep.evaluate.metrics import check_threshold
from findeep.pipeline import decision_threshold
from findeep.request_body import (
    DEFAULT_MAX_BYTES,
    WARNING_HEADER,
    BodyTooLarge,
    BodyTooSlow,
    ClientGone,
    header_text,
    read_bounded,
)
from findeep.text.pipeline import TextPipeline
from findeep.text.scoring import TextScorer, plain
from findeep.text.timings import Stopwatch, TimingsLog, timings_from_environment

MAX_ROWS = 1000
MAX_EXPLAIN_ROWS = 20
MAX_TOP = 100


class Records(BaseModel):
    records: list[dict[str, Any]] = Field(min_length=1)


DEFAULT_TOP = 10  # words per explanation when neither ?top= nor the body's "top" says


class ExplainRequest(Records):
    top: int | None = Field(default=None, ge=1, le=MAX_TOP)


def _body_schema(wrapped: type[Records]) -> dict[str, Any]:
    """The OpenAPI request body: one record, a list of records, or the wrapped form."""
    record = {"type": "object", "additionalProperties": True,
              "description": "one record: the text field and the model's other columns"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": {
        "anyOf": [record, {"type": "array", "items": record, "minItems": 1},
                  wrapped.model_json_schema()]}}}}}


def _check_records(pipeline: TextPipeline, records: list[dict[str, Any]], limit: int) -> None:
    if len(records) > limit:
        raise HTTPException(413, f"at most {limit} records per request, however: {len(records)}")
    column = pipeline.text_column
    for i, record in enumerate(records):
        value = record.get(column)
        if column not in record:
            raise HTTPException(422, f"record {i} lacks the text field '{column}'.")
        if value is not None and not isinstance(value, str):
            raise HTTPException(422, f"record {i}: '{column}' must be a string, however it is "
                                     f"{value!r} (JSON {_json_kind(value)}).")
    _check_other_columns(pipeline, records)


def _json_kind(value: Any) -> str:
    """What a parsed JSON value was written as: number, true/false, list, object."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "number"
    return {list: "list", dict: "object"}.get(type(value), type(value).__name__)


_EXPECTED = {"numeric": "a number", "categorical": "a text, number or true/false",
             "datetime": "a date written as text"}


def _check_other_columns(pipeline: TextPipeline, records: list[dict[str, Any]]) -> None:
    """Each trained non-text column holds a value of its kind or null, as the tabular
    server's contract asks: "5200", true or a list in a numeric column, or "soon" in a date
    column, is a 422 naming the field, never a silent missing value or a server error."""
    day_first = pipeline.schema.day_first
    bad: list[tuple[int, str, Any]] = []
    for column in pipeline.schema.columns:
        if column.name not in pipeline.other_columns or column.kind not in _EXPECTED:
            continue
        given = [(i, r.get(column.name)) for i, r in enumerate(records)
                 if r.get(column.name) is not None]
        if column.kind == "datetime":
            readable = _readable_dates([v for _, v in given], day_first.get(column.name))
            bad += [(i, column.name, v) for (i, v), ok in zip(given, readable, strict=True)
                    if not ok]
        else:
            bad += [(i, column.name, v) for i, v in given if not _of_kind(column.kind, v)]
    if bad:
        i, name, value = min(bad, key=lambda b: b[0])
        kind = next(c.kind for c in pipeline.schema.columns if c.name == name)
        more = f" ({len(bad)} such values in all)" if len(bad) > 1 else ""
        raise HTTPException(422, f"record {i}: '{name}' must be {_EXPECTED[kind]} or null, "
                                 f"however it is {value!r}{more}.")


def _of_kind(kind: str, value: Any) -> bool:
    if kind == "numeric":  # strict: text and true/false are not numbers
        return (isinstance(value, int | float) and not isinstance(value, bool)
                and math.isfinite(value))
    return isinstance(value, str | int | float | bool)  # categorical: any scalar


def _readable_dates(values: list[Any], day_first: bool | None) -> list[bool]:
    """Per value: text that reads as a date in the order training read (one parse)."""
    texts = [v if isinstance(v, str) and v.strip() else None for v in values]
    if not any(texts):
        return [False] * len(values)
    with warnings.catch_warnings():  # a guessed order is training's business, not a request's
        warnings.simplefilter("ignore")
        stamps = parse_datetimes(pd.Series(texts, dtype=object), day_first=day_first)
    return [t is not None and bool(ok) for t, ok in zip(texts, stamps.notna(), strict=True)]


def _frame(pipeline: TextPipeline, records: list[dict[str, Any]], limit: int) -> pd.DataFrame:
    _check_records(pipeline, records, limit)
    return pd.DataFrame.from_records(records)


BODY_FORMS = ('a JSON object (one record), a JSON array of records, or {"records": '
              '[{...}, ...]}')
_ONE = TypeAdapter(dict[str, Any])
_MANY = TypeAdapter(list[dict[str, Any]])


@dataclass
class Body:
    """A request's records, whether one record was sent alone (``one``: the answer is that
    record's object), and ``top`` when ``{"records": ..., "top": N}`` gave it."""

    records: list[dict[str, Any]]
    one: bool
    top: int | None = None


def _parse_body(raw: bytes, *, explain: bool = False) -> Body:
    """The request's records in any of ``BODY_FORMS`` (pydantic's JSON parser, as FastAPI's
    own body model would), or a 422 in one sentence naming the first problem (never the
    request echoed back: a 1 MB text stays out of the error)."""
    raw = raw.removeprefix(b"\xef\xbb\xbf")  # a byte-order mark is no part of the JSON
    start = raw.lstrip()[:1]
    if start == b"[":
        records = _validated(_MANY.validate_json, raw)
        if not records:
            raise HTTPException(422, "the body is an empty list; send at least one record.")
        return Body(records, one=False)
    if start != b"{":
        raise HTTPException(422, f"the body must be {BODY_FORMS}.")
    value = _validated(_ONE.validate_json, raw)
    if isinstance(value.get("records"), list):  # the wrapped form, checked without re-parsing
        form = _validated((ExplainRequest if explain else Records).model_validate, value)
        return Body(form.records, one=False, top=getattr(form, "top", None))
    return Body([value], one=True)


def _validated(check: Any, data: Any) -> Any:
    """``check(data)`` (a pydantic validator), its first problem a 422 in one sentence."""
    try:
        return check(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False, include_context=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise HTTPException(422, f"the body must be {BODY_FORMS}; at {where}: "
                                 f"{first['msg']}.") from None


def _unknown_fields(pipeline: TextPipeline, records: list[dict[str, Any]]) -> list[str]:
    """Fields of the records the model does not read (its target among them), in order."""
    known = {pipeline.text_column, *pipeline.other_columns}
    found: dict[str, None] = {}
    for record in records:
        found.update(dict.fromkeys(k for k in record if k not in known))
    return list(found)


def _check_fields(pipeline: TextPipeline, records: list[dict[str, Any]], *, strict: bool
                  ) -> dict[str, str] | None:
    """The warning header naming fields the model ignores, or (``strict``) a 422."""
    unknown = _unknown_fields(pipeline, records)
    if not unknown:
        return None
    listed = ", ".join(repr(name) for name in unknown[:10]) + (", …" if len(unknown) > 10
                                                                else "")
    if strict:
        reads = ", ".join(repr(c) for c in (pipeline.text_column, *pipeline.other_columns))
        raise HTTPException(422, f"unknown field(s) {listed}: this model reads {reads} "
                                 "(the server was started with --strict).")
    return {WARNING_HEADER: header_text(f"ignored unknown field(s): {listed}")}


async def _body(request: Request, max_bytes: int) -> bytes:
    """The request body up to ``max_bytes`` (413 beyond, as the tabular server)."""
    try:
        return await read_bounded(request, max_bytes)
    except BodyTooSlow as exc:
        raise HTTPException(408, str(exc)) from None
    except (BodyTooLarge, ClientGone) as exc:
        raise HTTPException(413 if isinstance(exc, BodyTooLarge) else 400, str(exc)) from None


def _json(body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    """A JSON response from plain Python values: ``json.dumps`` straight away, without
    FastAPI's ``jsonable_encoder`` walk over every value."""
    return Response(json.dumps(body, allow_nan=False).encode(), media_type="application/json",
                    headers=headers)


def _one_record(body: dict[str, Any]) -> dict[str, Any]:
    """A batch body for one record as that record's own object: its prediction beside what
    the request as a whole reported."""
    (prediction,) = body.pop("predictions")
    return {**prediction, **body}


def create_text_app(source: str | os.PathLike[str] | TextPipeline, *,
                    api_key: str | None = None, max_rows: int = MAX_ROWS,
                    max_bytes: int = DEFAULT_MAX_BYTES, int8: bool = False,
                    timings: TimingsLog | None = None, strict: bool = False,
                    threshold: float | None = None) -> FastAPI:
    """The app for a text bundle directory (verified on load) or a fitted pipeline.
    ``max_rows`` records per ``/v1/predict`` (``/v1/explain``: ``MAX_EXPLAIN_ROWS``, or
    ``max_rows`` when lower) and ``max_bytes`` per request body (413 beyond).
    ``int8``: a MiniLM model scores with int8 Linear layers (``TextPipeline.quantize_int8``;
    a pipeline passed in is quantised in place). ``timings``: where each ``/v1/predict``
    request's timing line goes (default: ``FINDEEP_SERVE_TIMINGS``, else nowhere).
    ``strict``: a field the model does not read is a 422 instead of a warning header.
    ``threshold``: a binary model's cut-off for its ``prediction`` (refused for others)."""
    from findeep.text.bundle import load_text_model
    from findeep.text.explain import explain_text

    if threshold is not None:  # before the bundle loads; the task is checked once it has
        check_threshold(threshold)
    pipeline = source if isinstance(source, TextPipeline) else load_text_model(source)
    cutoff = decision_threshold(pipeline, threshold)
    if int8:
        pipeline.quantize_int8()
    timings = timings if timings is not None else timings_from_environment()
    scorer = TextScorer(pipeline, threshold=cutoff)
    # with a key: no /docs page and no open OpenAPI document (as the tabular server); no
    # /redoc (it loads its script from a CDN)
    keyed = {"docs_url": None, "openapi_url": None} if api_key is not None else {}
    app = FastAPI(title=f"findeep text model ({pipeline.model_name})", redoc_url=None, **keyed)
    app.state.scorer = scorer
    explain_rows = min(MAX_EXPLAIN_ROWS, max_rows)

    @app.exception_handler(RequestValidationError)
    async def one_sentence(_: Request, exc: RequestValidationError) -> JSONResponse:
        """A bad query parameter (``?top=0``) in one sentence, the value not echoed."""
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ())) or "request"
        return JSONResponse({"detail": f"{where}: {first.get('msg', 'invalid')}."},
                            status_code=422)

    def check_key(key: str | None) -> None:
        if api_key is not None and not hmac.compare_digest(key or "", api_key):
            raise HTTPException(401, "missing or wrong X-API-Key header.")

    def score(records: list[dict[str, Any]], stopwatch: Stopwatch | None
              ) -> tuple[dict[str, Any], float]:
        """(body, this thread's CPU seconds for it)."""
        started = time.thread_time()
        try:
            body = scorer.score(records, stopwatch)
        except FindeepError as exc:
            raise HTTPException(422, str(exc)) from None
        return body, time.thread_time() - started

    @app.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/model")
    def model(x_api_key: str | None = Header(default=None)) -> dict[str, Any]:
        check_key(x_api_key)
        return {"model": pipeline.model_name, "task": pipeline.task,
                "text_column": pipeline.text_column, "other_columns": pipeline.other_columns,
                "classes": [str(c) for c in pipeline.target.classes],
                # the class a binary "probability" is for, as the tabular server says it
                "event_class": scorer.event_class,
                "max_length": pipeline.tokenizer.max_length, "metrics": pipeline.metrics,
                "limits": {"max_rows": max_rows, "max_explain_rows": explain_rows,
                           "max_bytes": max_bytes, "max_top": MAX_TOP, "strict": strict,
                           "threshold": cutoff if pipeline.task == "binary" else None}}

    @app.post("/v1/predict", openapi_extra=_body_schema(Records))
    async def predict(request: Request, x_api_key: str | None = Header(default=None)
                      ) -> Response:
        stopwatch = Stopwatch() if timings is not None else None
        check_key(x_api_key)
        sent = _parse_body(await _body(request, max_bytes))
        records = sent.records
        _check_records(pipeline, records, max_rows)
        headers = _check_fields(pipeline, records, strict=strict)
        if stopwatch is not None:
            stopwatch.lap("parse")
        if len(records) == 1:  # a few ms of work: scored here, not on a worker thread
            body, _ = score(records, stopwatch)
        else:
            body, worker_cpu = await run_in_threadpool(score, records, stopwatch)
            if stopwatch is not None:
                stopwatch.add_cpu(worker_cpu)
        response = _json(_one_record(body) if sent.one else body, headers)
        if stopwatch is not None and timings is not None:
            timings.write(stopwatch.finish(len(records)))
        return response

    @app.post("/v1/explain", openapi_extra=_body_schema(ExplainRequest))
    async def explain(request: Request, x_api_key: str | None = Header(default=None),
                      top: int | None = Query(default=None, ge=1, le=MAX_TOP)
                      ) -> Response:
        check_key(x_api_key)
        sent = _parse_body(await _body(request, max_bytes), explain=True)
        frame = _frame(pipeline, sent.records, explain_rows)
        headers = _check_fields(pipeline, sent.records, strict=strict)
        # ?top= as on the tabular server, else the body's "top", else 10
        words = top if top is not None else sent.top if sent.top is not None else DEFAULT_TOP

        def run() -> list[Any]:
            try:
                return explain_text(pipeline, frame, top=words)
            except FindeepError as exc:
                raise HTTPException(422, str(exc)) from None

        found = [{**e.to_dict(), "prediction": plain(e.prediction),
                  "reasons": e.reasons(pipeline.text_column)}
                 for e in await run_in_threadpool(run)]
        return _json(found[0] if sent.one else {"explanations": found}, headers)

    return app


def serve_text(bundle: str | os.PathLike[str], *, host: str = "127.0.0.1", port: int = 8000,
               api_key: str | None = None, max_rows: int = MAX_ROWS,
               max_bytes: int = DEFAULT_MAX_BYTES, int8: bool = False, strict: bool = False,
               threshold: float | None = None) -> None:
    import torch
    import uvicorn

    torch.set_num_threads(1)
    uvicorn.run(create_text_app(bundle, api_key=api_key, max_rows=max_rows,
                                max_bytes=max_bytes, int8=int8, strict=strict,
                                threshold=threshold),
                host=host, port=port, log_level="warning")


__all__ = ["create_text_app", "serve_text"]
