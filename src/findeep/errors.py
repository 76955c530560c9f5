"""Every error findeep raises on purpose.

The CLI turns any ``FindeepError`` into one line on stderr and exit code 2;
anything else is a bug and keeps its traceback.

    FindeepError
    ├── DataError            the input table cannot be used as given
    │   ├── DataFileError    missing, unreadable or empty file
    │   ├── TargetError      target column absent, single-class, wrong type
    │   └── SchemaError      scoring data does not match the trained schema
    ├── ConfigError          an option value breaks a rule
    ├── BundleError          a saved model is missing, damaged or would be overwritten
    └── NotFittedError       a model was used before ``fit``
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any


class FindeepError(Exception):
    """Base of every error raised on purpose by findeep."""


class DataError(FindeepError, ValueError):
    """The input table cannot be used as given."""


class DataFileError(DataError):
    """A data file is missing, unreadable or empty."""


class TargetError(DataError):
    """The target column is absent or cannot be learned."""


class SchemaError(DataError):
    """Data to score does not match the schema the model was trained on."""


class ConfigError(FindeepError, ValueError):
    """An option value breaks a rule."""


class BundleError(FindeepError):
    """A saved model is missing, damaged (a checksum mismatch), or would be overwritten."""


def __getattr__(name: str) -> Any:
    """``NotFittedError`` is made on first use: it also subclasses scikit-learn's (so
    ``sklearn.utils.validation.check_is_fitted`` callers catch it), and importing
    scikit-learn takes ~2 s that ``findeep --help`` and a one-line input error should not
    pay."""
    if name != "NotFittedError":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from sklearn.exceptions import NotFittedError as SklearnNotFittedError

    class NotFittedError(FindeepError, SklearnNotFittedError):
        """A model was used before it was fitted."""

    NotFittedError.__module__ = __name__
    NotFittedError.__qualname__ = "NotFittedError"  # pickled by name: found again here
    globals()["NotFittedError"] = NotFittedError
    return NotFittedError


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """A ' Did you mean …?' suffix naming close matches, or '' when none is close."""
    choices = [str(c) for c in choices]
    # 0.65: typos and transpositions ('incme', 'gur', 'loan_amt') pass; 'nope' -> 'income'
    # (0.6, two shared letters) does not
    close = difflib.get_close_matches(name, choices, n=3, cutoff=0.65)
    if not close:
        lowered = {c.lower(): c for c in choices}
        if name.lower() in lowered:
            close = [lowered[name.lower()]]
    if not close and len(name) >= 3:  # 'amount' for 'loan_amount', 'age_years' for 'age'
        key = name.lower()
        close = [c for c in choices if len(c) >= 3 and (key in c.lower() or c.lower() in key)][:3]
    return f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
