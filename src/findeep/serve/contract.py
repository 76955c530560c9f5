"""Request and response types generated from a bundle's schema.

Each trained column becomes a required, nullable field (``null`` = missing, imputed as in
batch scoring) with a JSON type from its kind, so ``/docs`` shows the model's real fields.
Numeric fields take JSON numbers only: text (``"5200"``) and booleans are refused.
Columns the model ignores (ids, constants) are accepted and ignored. Other fields are
allowed and reported (or forbidden with ``strict``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, NotRequired

from pydantic import (
    ConfigDict,
    Field,
    PlainValidator,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    TypeAdapter,
    WithJsonSchema,
)
from typing_extensions import TypedDict  # pydantic needs this one on Python < 3.12

from findeep.pipeline import TabularPipeline

# strict: lax mode would score "5200" as 5200.0 and true as 1.0; a JSON integer still passes
_Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
_Category = StrictStr | StrictBool | StrictInt | Annotated[StrictFloat, Field(allow_inf_nan=False)]
_LEVELS_SHOWN = 20


def _parse_timestamp(value: Any) -> dt.datetime | None:
    """ISO 8601 text -> datetime; numbers are refused (epoch units would be a guess)."""
    if value is None or isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError("Input should be an ISO 8601 date or date-time text, such as "
                     "'2021-03-04' or '2021-03-04T10:30:00Z'")


_Timestamp = Annotated[
    dt.datetime | None, PlainValidator(_parse_timestamp),
    WithJsonSchema({"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]}),
]


@dataclass(frozen=True)
class RecordContract:
    """Validators for one record and for a list of them, plus the names they know."""

    record: TypeAdapter[Any]
    records: TypeAdapter[Any]
    record_type: type
    used_names: tuple[str, ...]
    known_names: frozenset[str]
    strict: bool


def build_contract(pipeline: TabularPipeline, *, strict: bool = False) -> RecordContract:
    """The record type for ``pipeline``'s schema; ``strict`` rejects fields it does not know."""
    preprocessor = pipeline.preprocessor
    levels = {s.name: s.levels for s in preprocessor.categorical}
    fields: dict[str, Any] = {}
    for column in pipeline.schema.columns:
        if column.kind == "numeric":
            as_text = column.dtype in ("object", "str", "string")  # "€1,200" read as 1200
            trained = "numbers written as text" if as_text else column.dtype
            fields[column.name] = Annotated[_Number | None, Field(
                description=f"number (trained from {trained}); null when missing")]
        elif column.kind == "datetime":
            fields[column.name] = Annotated[_Timestamp, Field(
                description="ISO 8601 date or date-time; null when missing")]
        elif column.kind == "categorical":
            known = levels.get(column.name, [])
            shown = ", ".join(known[:_LEVELS_SHOWN]) + (", …" if len(known) > _LEVELS_SHOWN else "")
            fields[column.name] = Annotated[_Category | None, Field(
                description=f"category; trained levels: {shown or 'none'}. Other values score "
                            "as the shared 'unseen' level; null when missing",
                examples=known[:1] or None)]
        else:  # ids and constants: accepted for convenience, never used
            fields[column.name] = NotRequired[Annotated[Any, Field(
                description=f"not used by the model ({column.kind})")]]
    record_type = TypedDict("ScoringRecord", fields)  # type: ignore[operator]
    record_type.__pydantic_config__ = ConfigDict(  # type: ignore[attr-defined]
        extra="forbid" if strict else "allow", title="ScoringRecord")
    return RecordContract(
        record=TypeAdapter(record_type),
        records=TypeAdapter(Annotated[list[record_type], Field(min_length=1)]),  # type: ignore[valid-type]
        record_type=record_type,
        used_names=tuple(pipeline.schema.used_names),
        known_names=frozenset(c.name for c in pipeline.schema.columns),
        strict=strict,
    )
