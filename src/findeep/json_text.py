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
    """``value`` with every non-finite float (nested in dicts, lists, tuples) as None, numpy
    scalars as Python ones, and dict keys JSON accepts (numpy keys as Python, others as text)."""
    if isinstance(value, dict):
        return {_key(key): finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite(item) for item in value]
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:  # a numpy scalar
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return value


def _key(key: Any) -> Any:
    if hasattr(key, "item") and getattr(key, "ndim", None) == 0:
        key = key.item()
    return key if key is None or isinstance(key, str | int | float | bool) else str(key)


def plain(value: Any) -> Any:
    """A numpy array as lists; anything else JSON cannot write, as its text."""
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def dumps(document: Any, *, default: Any = plain, indent: int | None = 2) -> str:
    """``json.dumps`` with non-finite numbers as null. Arrays become lists through
    ``default`` first, and their NaNs are caught by a second pass."""
    python = json.loads(json.dumps(finite(document), default=default))  # NaN kept as NaN
    return json.dumps(finite(python), indent=indent, allow_nan=False)
