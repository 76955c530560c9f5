"""HTTP error bodies: one ``detail`` sentence, plus a short ``errors`` list; never a traceback."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from findeep.serve.contract import UnreadableDate

_MAX_LISTED = 50


class ApiError(Exception):
    """An HTTP error the client caused; becomes ``{"detail": ..., "errors": [...]}``."""

    def __init__(self, status_code: int, detail: str, errors: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.errors = errors or []
        self.headers = headers

    def body(self) -> dict[str, Any]:
        return {"detail": self.detail, "errors": self.errors}


def validation_problem(exc: ValidationError | None, *, many: bool,
                       unreadable_dates: Sequence[UnreadableDate] = (),
                       unknown_sent: Sequence[str] = ()) -> ApiError:
    """A 422 naming missing fields, wrong types and (strict mode) unknown fields, and the
    date texts batch scoring cannot read (``RecordContract.read_dates``), all at once;
    ``unknown_sent``: field names the body held that the model does not know, so a missing
    field sent misspelt ("opend" for "opened") is named beside it."""
    problems: dict[tuple[int | None, str, str], str] = {}
    for error in () if exc is None else exc.errors(include_url=False, include_input=False,
                                                    include_context=False):
        loc = list(error["loc"])
        record = loc.pop(0) if many and loc and isinstance(loc[0], int) else None
        field = str(loc[0]) if loc else ""
        kind = {"missing": "missing", "extra_forbidden": "unknown", "json_invalid": "json"}.get(
            error["type"], "invalid")
        problems.setdefault((record, field, kind), error["msg"])  # a union's first message
    for record, field, message in unreadable_dates:
        problems.setdefault((record if many else None, field, "invalid"), message)
    errors = [{"record": record, "field": field or None, "problem": kind, "message": message}
              for (record, field, kind), message in list(problems.items())[:_MAX_LISTED]]
    return ApiError(422, _summary(problems, many=many, unknown_sent=unknown_sent), errors)


def _misspelt(missing: Sequence[str], unknown_sent: Sequence[str]) -> str:
    """' (sent 'opend' for 'opened'?)' for each missing field an unknown sent name is close
    to; '' when none is."""
    pairs = []
    for field in missing:
        close = difflib.get_close_matches(field, list(unknown_sent), n=1, cutoff=0.75)
        if close:
            pairs.append(f"{close[0]!r} for {field!r}")
    return f" (sent {', '.join(pairs)}?)" if pairs else ""


def _summary(problems: dict[tuple[int | None, str, str], str], *, many: bool,
             unknown_sent: Sequence[str] = ()) -> str:
    if any(kind == "json" for _, _, kind in problems):
        message = next(m for (_, _, kind), m in problems.items() if kind == "json")
        return f"the request body is not valid JSON ({message})."
    parts = []
    for kind, label in (("missing", "missing required field(s)"),
                        ("invalid", "field(s) with a wrong type or value"),
                        ("unknown", "unknown field(s) (strict mode)")):
        fields = sorted({field for (_, field, k) in problems if k == kind and field})
        if fields:
            listed = ", ".join(fields[:20]) + (", …" if len(fields) > 20 else "")
            if kind == "missing":
                listed += _misspelt(fields, unknown_sent)
            parts.append(f"{label}: {listed}")
    if not parts:
        return f"the request body is invalid: {next(iter(problems.values()), 'unknown problem')}."
    records = sorted({r for (r, _, _) in problems if r is not None})
    where = (f"{len(records)} record(s) are invalid (first: record {records[0]})"
             if many and records else "the records are invalid" if many
             else "the record is invalid")
    return f"{where}: {'; '.join(parts)}. (See errors for each problem.)"
