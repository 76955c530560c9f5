"""Request and response types generated from a bundle's schema.

Each trained column becomes a required, nullable field (``null`` = missing, imputed as in
batch scoring) with a JSON type from its kind, so ``/docs`` shows the model's real fields.
Numeric fields take JSON numbers only: text (``"5200"``) and booleans are refused. Date
fields take text, read as batch scoring reads it (``RecordContract.read_dates``: the same
``parse_datetimes``, in the order training read); text it cannot read is refused, blank
text is missing. Columns the model ignores (ids, constants) are accepted and ignored.
Other fields are allowed and reported (or forbidden with ``strict``).
"""

from __future__ import annotations

import datetime as dt
import functools
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, NotRequired

import pandas as pd
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

from findeep.data.schema import FindeepWarning, parse_datetimes
from findeep.errors import FindeepError
from findeep.pipeline import TabularPipeline

# strict: lax mode would score "5200" as 5200.0 and true as 1.0; a JSON integer still passes
_Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
_Category = StrictStr | StrictBool | StrictInt | Annotated[StrictFloat, Field(allow_inf_nan=False)]
_LEVELS_SHOWN = 20


def _date_text(value: Any) -> str | None:
    """A date field's text, kept for ``RecordContract.read_dates`` (which reads a request's
    dates together, as batch scoring reads a column); numbers are refused (epoch units
    would be a guess)."""
    if value is None or isinstance(value, str):
        return value
    raise ValueError("Input should be a date written as text, such as '2021-03-04' or "
                     "'2021-03-04T10:30:00Z'")


_DateText = Annotated[
    str | None, PlainValidator(_date_text),
    WithJsonSchema({"anyOf": [{"type": "string", "format": "date-time"},
                              {"type": "string", "format": "date"}, {"type": "null"}]}),
]
# a date value batch scoring could not read; stays text in the record, refused by the caller
UnreadableDate = tuple[int | None, str, str]  # (record, field, message); record None: all


@dataclass(frozen=True)
class RecordContract:
    """Validators for one record and for a list of them, plus the names they know.

    ``date_columns``: the trained date columns, whose fields hold text until ``read_dates``;
    ``day_first``: each one's day / month order as training read it (``Schema.day_first``).
    """

    record: TypeAdapter[Any]
    records: TypeAdapter[Any]
    record_type: type
    used_names: tuple[str, ...]
    known_names: frozenset[str]
    strict: bool
    date_columns: tuple[str, ...] = ()
    day_first: Mapping[str, bool] = field(default_factory=dict)

    def read_dates(self, records: Sequence[dict[str, Any]],
                   notes: list[str] | None = None) -> list[UnreadableDate]:
        """Replace each date field's text, in place, by the naive UTC ``datetime`` batch
        scoring reads from it: the request's values of a column are read together by
        ``parse_datetimes`` in the order training read (``TabularPreprocessor.transform``
        does the same with a column to score), so a served record scores as those rows do
        in batch. Empty or spaces-only text is missing (``None``), as an empty CSV cell is.
        Returns the values batch scoring cannot read as dates (left as text): "soon",
        "2021-02-30", an ISO week date "2022-W22-2"; or one entry (record ``None``) for a
        column whose dates mix day-first and month-first orders. Values that are not text
        are skipped: validation refuses them. ``notes`` collects what batch scoring would
        warn of (dates read month first because no value told the order), once each."""
        unreadable: list[UnreadableDate] = []
        for name in self.date_columns:
            texts = tuple(r.get(name) if isinstance(r.get(name), str) else None
                          for r in records)
            if all(text is None for text in texts):
                continue
            read = _read_date if len(texts) == 1 else _read_dates
            try:
                stamps, said = read(texts, self.day_first.get(name))
            except FindeepError as exc:  # DataError: both orders in one request
                unreadable.append((None, name, str(exc)))
                continue
            if notes is not None:
                notes.extend(f"{name}: {text}" for text in said if f"{name}: {text}" not in notes)
            for i, (text, stamp) in enumerate(zip(texts, stamps, strict=True)):
                if text is None:
                    continue
                if stamp is None and text.strip():
                    unreadable.append((i, name, _UNREADABLE.format(text=text)))
                else:
                    records[i][name] = stamp
        return unreadable


_UNREADABLE = ("Input should be a date batch scoring can read, such as '2021-03-04' or "
               "'2021-03-04T10:30:00Z', however it is {text!r}")


def _read_dates(texts: tuple[str | None, ...], day_first: bool | None,
                ) -> tuple[tuple[dt.datetime | None, ...], tuple[str, ...]]:
    """``parse_datetimes`` on one column of texts -> naive UTC datetimes (``None``: missing
    or unreadable; microseconds, the records encoder's unit), and the warnings batch
    scoring would give (kept with the result, so a cached reading says them again)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FindeepWarning)
        stamps = parse_datetimes(pd.Series(texts, dtype=object), day_first=day_first)
    said = tuple(dict.fromkeys(str(w.message) for w in caught
                               if issubclass(w.category, FindeepWarning)))
    return tuple(stamps.to_numpy(dtype="datetime64[us]").tolist()), said


# one record per request is the common case, and its date (today's, a month's first) repeats
# from request to request: reading one text costs ~0.2 ms of pandas, a look-up ~0.1 us
_read_date = functools.lru_cache(maxsize=4096)(_read_dates)


def build_contract(pipeline: TabularPipeline, *, strict: bool = False) -> RecordContract:
    """The record type for ``pipeline``'s schema; ``strict`` rejects fields it does not know."""
    preprocessor = pipeline.preprocessor
    levels = {s.name: s.levels for s in preprocessor.categorical}
    day_first = pipeline.schema.day_first
    used = set(pipeline.schema.used_names)
    fields: dict[str, Any] = {}
    for column in pipeline.schema.columns:
        if column.kind == "numeric":
            as_text = column.dtype in ("object", "str", "string")  # "€1,200" read as 1200
            trained = "numbers written as text" if as_text else column.dtype
            fields[column.name] = Annotated[_Number | None, Field(
                description=f"number (trained from {trained}); null when missing")]
        elif column.kind == "datetime":
            fields[column.name] = Annotated[_DateText, Field(
                description=_date_description(day_first.get(column.name)))]
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
        date_columns=tuple(c.name for c in pipeline.schema.columns
                           if c.kind == "datetime" and c.name in used),
        day_first=day_first,
    )


def _date_description(day_first: bool | None) -> str:
    """What a date field accepts, in the words of /docs."""
    order = ("" if day_first is None else
             " Dates written with numbers only are read "
             f"{'day' if day_first else 'month'} first, as in training "
             f"('04/03/2021' is {'4 March' if day_first else 'April 3'}).")
    return ("date or date-time text, read as batch scoring reads it: ISO 8601 such as "
            "'2021-03-04' or '2021-03-04T10:30:00+01:00' (a time with an offset is read in "
            f"UTC).{order} Text batch scoring cannot read as a date is refused (422); "
            "null, empty or spaces-only text when missing")
