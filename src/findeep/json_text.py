"""JSON every parser reads: a NaN or an infinity is written as null.

Python's ``json`` writes ``NaN`` and ``Infinity`` by default, which jq, JavaScript's
``JSON.parse`` and most other readers refuse; a metric that is undefined on some data (a
correlation of a constant, a calibration error without probabilities) becomes ``null``.
"""

from __future__ import annotations

import json
import math
from typing import Any


def finite(value: Any) -> Any:
    """``value`` with every non-finite float (nested in dicts, lists, tuples) as None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite(item) for item in value]
    return value


def plain(value: Any) -> Any:
    """A numpy scalar or array as Python numbers and lists; anything else as its text."""
    if hasattr(value, "item") and getattr(value, "ndim", 0) == 0:
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def dumps(document: Any, *, default: Any = plain, indent: int | None = 2) -> str:
    """``json.dumps`` with non-finite numbers as null; numpy scalars and arrays go through
    ``default`` first, so theirs are caught too."""
    python = json.loads(json.dumps(document, default=default))  # numpy -> Python, NaN kept
    return json.dumps(finite(python), indent=indent, allow_nan=False)
