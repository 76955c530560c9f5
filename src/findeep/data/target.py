"""Decide the task from the target column and encode it for training."""

from __future__ import annotations

import shlex
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from findeep.data.number_text import looks_numeric, numbers_of
from findeep.data.schema import FindeepWarning
from findeep.errors import ConfigError, TargetError, did_you_mean

Task = Literal["binary", "multiclass", "regression"]
TASK_OPTIONS = ("auto", "binary", "multiclass", "regression")
MAX_AUTO_CLASSES = 10

# Labels that name the adverse event in credit data; the event is the class whose
# probability findeep reports as "risk" (sklearn still orders classes by sorting).
_EVENT_LABELS = {"bad", "default", "defaulted", "yes", "y", "1", "true", "charged off", "churn",
                 "charged-off", "chargeoff", "write-off", "writeoff", "written off",
                 "delinquent", "defaulter", "fraud"}
# the rarer class taken as the event when it holds at least this share: say which, and how
# to name another
_NEAR_BALANCED = 0.4


@dataclass
class TargetSpec:
    """The task, its classes (sorted, as scikit-learn orders them) and the event class."""

    name: str
    task: Task
    classes: list[Any] = field(default_factory=list)
    event_class: Any = None

    @property
    def event_index(self) -> int:
        return self.classes.index(self.event_class) if self.task == "binary" else -1

    @property
    def code_sign(self) -> int:
        """+1, or -1 where a rising event probability is a falling class code: a binary
        model learns the codes (the second class is 1), so a direction stated for the event
        (``Debt:+``, risk of ``bad`` rises) turns for a target whose event is the first
        class (``['bad', 'good']``)."""
        return -1 if self.task == "binary" and self.event_index == 0 else 1

    def encode(self, values: pd.Series) -> np.ndarray:
        """Class indices (int64) for classification, float32 values for regression."""
        if self.task == "regression":
            if not pd.api.types.is_numeric_dtype(values):  # amounts as text ("€52,201.43")
                return numbers_of(values).astype(np.float32)
            return values.to_numpy(dtype=np.float32)
        index = {c: i for i, c in enumerate(self.classes)}

        def code(v: object) -> int:
            return index.get(_plain(v), index.get(str(_plain(v)),
                                                  index.get(_number_label(v), -1)))

        if values.dtype == object:  # 1, 1.0 and True may mean different labels here
            codes = values.map(code).to_numpy(dtype=np.int64)
        else:  # one type throughout: each distinct value looked up once
            positions, distinct = pd.factorize(values, use_na_sentinel=False)
            codes = np.array([code(v) for v in distinct], dtype=np.int64)[positions]
        if (codes < 0).any():
            unknown = sorted({repr(_plain(v)) for v in values[codes < 0]})[:5]
            trained = ", ".join(repr(c) for c in self.classes[:5])
            raise TargetError(
                f"target '{self.name}' holds label(s) not seen in training: {', '.join(unknown)} "
                f"(the model was trained on {trained})."
            )
        return codes

    def to_dict(self) -> dict:
        return {"name": self.name, "task": self.task, "classes": self.classes,
                "event_class": self.event_class}

    @classmethod
    def from_dict(cls, data: dict) -> TargetSpec:
        return cls(data["name"], data["task"], list(data["classes"]), data["event_class"])


def _number_label(value: Any) -> Any:
    """'1' or '1.0' as the whole number 1 (labels read as text, trained as numbers); other
    values as they are."""
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return value
        return int(number) if number.is_integer() else number
    return value


def _plain(value: Any) -> Any:
    """A JSON-friendly Python scalar for a label."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def locate_target(frame: pd.DataFrame, target: str) -> pd.Series:
    """The target column, or a ``TargetError`` that lists close matches."""
    if target not in frame.columns:
        raise TargetError(
            f"target column '{target}' is not in the data (columns: "
            f"{', '.join(map(str, list(frame.columns)[:12]))}"
            f"{', …' if frame.shape[1] > 12 else ''})."
            + did_you_mean(target, map(str, frame.columns))
        )
    return frame[target]


def _refuse_look_alike_labels(values: pd.Series, name: str) -> None:
    """Labels that differ only in surrounding spaces or letter case ('Yes', 'Yes ', 'yes')
    are typing, not classes: learnt apart they turn a yes/no target into four classes."""
    texts = [v for v in pd.unique(values.dropna()) if isinstance(v, str)]
    groups: dict[str, list[str]] = {}
    for text in texts:
        groups.setdefault(text.strip().lower(), []).append(text)
    alike = [sorted(group) for group in groups.values() if len(group) > 1]
    if alike:
        shown = "; ".join(" and ".join(repr(t) for t in group) for group in alike[:3])
        raise TargetError(f"target '{name}' has labels that differ only in spaces or letter "
                          f"case ({shown}), which would be learnt as different classes; make "
                          "each label one spelling (e.g. strip the spaces) and train again.")


def named_event(classes: list[Any], event_class: Any, name: str) -> Any:
    """The class of ``classes`` that ``event_class`` names, compared as written (the command
    line gives text: "1" names the class 1, "1.0" the class 1.0), or one sentence listing
    the classes."""
    wanted = str(event_class).strip()
    found = [c for c in classes if str(c) == wanted] or [
        c for c in classes if str(c).strip().lower() == wanted.lower()] or [
        c for c in classes if _same_number(c, wanted)]
    if len(found) != 1:
        listed = ", ".join(repr(c) for c in classes)
        raise TargetError(f"--event-class {wanted!r} is not a class of target '{name}'; its "
                          f"classes are {listed}."
                          + did_you_mean(wanted, [str(c) for c in classes]))
    return found[0]


def _same_number(label: Any, text: str) -> bool:
    """A numeric class and a text that reads as the same number (1.0 and "1")."""
    if isinstance(label, bool) or not isinstance(label, int | float | np.number):
        return False
    try:
        return float(text) == float(label)
    except ValueError:
        return False


def infer_target(values: pd.Series, name: str, task: str = "auto", *,
                 warn: bool = False, event_class: Any = None) -> TargetSpec:
    """Check the target (missing values already removed) and decide the task; ``warn``
    (the fit's own call, once a job) says when the event was taken as the rarer of two
    near-balanced classes with no event label. ``event_class`` names a binary target's
    event (``--event-class``: the class whose probability is the risk) instead of the
    labels and counts choosing it; matched as written, so 1 and "1" name the same class."""
    if task not in TASK_OPTIONS:
        raise ConfigError(f"task must be one of {', '.join(TASK_OPTIONS)}, however: {task=}")
    if event_class is not None and task in ("multiclass", "regression"):
        raise ConfigError(f"--event-class (event_class) names the event of a binary target; "
                          f"a {task} target has none (drop it).")
    if not values.notna().any():  # nothing left once missing values are removed
        raise TargetError(f"0 row(s) have a '{name}' value; there is nothing to learn.")
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    n_unique = values.nunique()
    if not numeric and task == "regression" and looks_numeric(values):
        # asked for: amounts written as text ("€52,201.43") are the numbers they mean
        values = pd.Series(numbers_of(values), index=values.index).dropna()
        numeric, n_unique = True, values.nunique()
    if not numeric and task == "auto" and n_unique > MAX_AUTO_CLASSES and looks_numeric(values):
        example = values.astype(str).iloc[0]
        raise TargetError(
            f"target '{name}' holds numbers written as text (e.g. {example!r}); findeep reads "
            "such feature columns as numbers but will not guess a target's meaning: pass "
            "--task regression (task='regression') to read them as numbers, or --task "
            "multiclass to learn each value as a class.")
    if not numeric:
        _refuse_look_alike_labels(values, name)
    if task == "auto":
        if not numeric:
            task = "binary" if n_unique == 2 else "multiclass"
        else:
            with np.errstate(invalid="ignore"):  # ±inf is refused below, not warned here
                integral = bool(np.all(np.mod(values.to_numpy(dtype=float), 1) == 0))
            if n_unique == 2:
                task = "binary"
            elif integral and n_unique <= MAX_AUTO_CLASSES:
                task = "multiclass"
            else:
                task = "regression"
    if task == "regression":
        if not numeric:
            example = values.astype(str).iloc[0]
            raise TargetError(
                f"target '{name}' is not numeric (e.g. {example!r}), so it cannot be a "
                "regression target; use --task binary or multiclass."
            )
        if not np.isfinite(values.to_numpy(dtype=float)).all():
            raise TargetError(f"target '{name}' holds infinite values.")
        if n_unique < 2:
            raise TargetError(f"target '{name}' has a single value; there is nothing to learn.")
        if event_class is not None:
            raise TargetError(f"--event-class names the event of a binary target; '{name}' "
                              f"is read as a regression target ({n_unique:,} values): drop "
                              "--event-class, or pass --task binary if it has two classes.")
        return TargetSpec(name, "regression")
    if n_unique < 2:
        only = _plain(values.iloc[0])
        raise TargetError(
            f"target '{name}' has a single class ({only!r}); a classifier needs at least two."
        )
    if task == "binary" and n_unique != 2:
        raise TargetError(f"target '{name}' has {n_unique} classes; binary needs exactly two.")
    raw = values.map(_plain)
    try:
        classes = sorted(raw.unique().tolist())
    except TypeError:  # mixed types: compare as text
        classes = sorted(raw.astype(str).unique().tolist())
    event = None
    if event_class is not None:
        if task != "binary":
            raise TargetError(f"--event-class names the event of a binary target; '{name}' "
                              f"has {len(classes)} classes.")
        event = named_event(classes, event_class, name)
    elif task == "binary":
        named = [c for c in classes if str(c).strip().lower() in _EVENT_LABELS]
        if len(named) == 1:
            event = named[0]
        else:  # the rarer class is the event (defaults are rarer than repayments)
            counts = raw.value_counts()
            event = min(classes, key=lambda c: (counts.get(c, 0), str(c)))
            share = counts.get(event, 0) / max(len(raw), 1)
            if warn and share >= _NEAR_BALANCED:
                other = next(c for c in classes if c != event)
                warnings.warn(
                    f"target '{name}': neither class is a label findeep reads as the event "
                    f"(bad, default, 1, yes, write-off, …), so the rarer one, {event!r} "
                    f"({share:.1%} of rows), is the event whose probability is the risk, "
                    "the direction of --monotone and the PD of --lgd; if the event is "
                    f"{other!r}, train again with --event-class {shlex.quote(str(other))} "
                    f"(event_class={other!r}).",
                    FindeepWarning, stacklevel=2)
    return TargetSpec(name, task, classes, event)  # type: ignore[arg-type]
