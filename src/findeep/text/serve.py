"""``create_text_app(bundle)``: a FastAPI app scoring and explaining a text model.

Endpoints: ``POST /v1/predict`` and ``POST /v1/explain`` take ``{"records": [{...}]}`` —
each record holds the text field and the other trained columns — ``GET /v1/model`` and
``GET /healthz``. A record's score does not depend on the other records of its request
(texts are padded per batch and every encoder masks padding): one-record and batch scoring
agree to 1e-6, pinned by a test (with ``int8=True`` to quantisation rounding, ~1e-2: the
activations' scale is taken per request). Errors are one sentence with status 422 (bad
records) or 413 (too many). ``findeep serve`` builds this app for a text bundle.
"""

from __future__ import annotations

import hmac
import os
from typing import Any

import pandas as pd
from fastapi import FastAPI, Header, HTTPException
from pydantic import BaseModel, Field

from findeep.errors import FindeepError
from findeep.text.pipeline import TextPipeline

MAX_ROWS = 1000
MAX_EXPLAIN_ROWS = 20


class Records(BaseModel):
    records: list[dict[str, Any]] = Field(min_length=1)


class ExplainRequest(Records):
    top: int = Field(default=10, ge=1, le=100)


def _frame(pipeline: TextPipeline, records: list[dict[str, Any]], limit: int) -> pd.DataFrame:
    if len(records) > limit:
        raise HTTPException(413, f"at most {limit} records per request, however: {len(records)}")
    column = pipeline.text_column
    for i, record in enumerate(records):
        value = record.get(column)
        if column not in record:
            raise HTTPException(422, f"record {i} lacks the text field '{column}'.")
        if value is not None and not isinstance(value, str):
            raise HTTPException(422, f"record {i}: '{column}' must be a string, however it is "
                                     f"a {type(value).__name__}.")
    return pd.DataFrame.from_records(records)


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def create_text_app(source: str | os.PathLike[str] | TextPipeline, *,
                    api_key: str | None = None, max_rows: int = MAX_ROWS,
                    int8: bool = False) -> FastAPI:
    """The app for a text bundle directory (verified on load) or a fitted pipeline.
    ``int8``: a MiniLM model scores with int8 Linear layers (``TextPipeline.quantize_int8``;
    a pipeline passed in is quantised in place)."""
    from findeep.text.bundle import load_text_model
    from findeep.text.explain import explain_text

    pipeline = source if isinstance(source, TextPipeline) else load_text_model(source)
    if int8:
        pipeline.quantize_int8()
    app = FastAPI(title=f"findeep text model ({pipeline.model_name})")

    def check_key(key: str | None) -> None:
        if api_key is not None and not hmac.compare_digest(key or "", api_key):
            raise HTTPException(401, "missing or wrong X-API-Key header.")

    def predictions(frame: pd.DataFrame) -> dict[str, Any]:
        try:
            raw, inputs = pipeline.predict_raw(frame)
        except FindeepError as exc:
            raise HTTPException(422, str(exc)) from None
        labels = pipeline.predict_labels(raw)
        rows = []
        for i in range(len(frame)):
            row: dict[str, Any] = {"prediction": _plain(labels[i])}
            if pipeline.task == "multiclass":
                row["probabilities"] = {str(c): float(raw[i, j])
                                        for j, c in enumerate(pipeline.target.classes)}
            elif pipeline.task == "binary":
                row["probability"] = float(pipeline.event_probability(raw[i:i + 1])[0])
            rows.append(row)
        return {"predictions": rows, "text": inputs.report.to_dict()}

    @app.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/model")
    def model(x_api_key: str | None = Header(default=None)) -> dict[str, Any]:
        check_key(x_api_key)
        return {"model": pipeline.model_name, "task": pipeline.task,
                "text_column": pipeline.text_column, "other_columns": pipeline.other_columns,
                "classes": [str(c) for c in pipeline.target.classes],
                "max_length": pipeline.tokenizer.max_length, "metrics": pipeline.metrics}

    @app.post("/v1/predict")
    def predict(body: Records, x_api_key: str | None = Header(default=None)) -> dict[str, Any]:
        check_key(x_api_key)
        return predictions(_frame(pipeline, body.records, max_rows))

    @app.post("/v1/explain")
    def explain(body: ExplainRequest, x_api_key: str | None = Header(default=None)
                ) -> dict[str, Any]:
        check_key(x_api_key)
        frame = _frame(pipeline, body.records, MAX_EXPLAIN_ROWS)
        try:
            found = explain_text(pipeline, frame, top=body.top)
        except FindeepError as exc:
            raise HTTPException(422, str(exc)) from None
        return {"explanations": [
            {**e.to_dict(), "prediction": _plain(e.prediction),
             "reasons": e.reasons(pipeline.text_column)} for e in found]}

    return app


def serve_text(bundle: str | os.PathLike[str], *, host: str = "127.0.0.1", port: int = 8000,
               api_key: str | None = None, max_rows: int = MAX_ROWS, int8: bool = False
               ) -> None:
    import torch
    import uvicorn

    torch.set_num_threads(1)
    uvicorn.run(create_text_app(bundle, api_key=api_key, max_rows=max_rows, int8=int8),
                host=host, port=port, log_level="warning")


__all__ = ["create_text_app", "serve_text"]
