"""Reason codes: for each scored row, the columns that pushed its risk up, in plain words.

Lenders owe a declined applicant the principal reasons; a reason here is a column whose
attribution raised the risk relative to the reference population (by default the
applicants the model would approve), stated with the applicant's own value:
``"debt_to_income = 41.2 raised the risk most"``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from findeep.errors import ConfigError
from findeep.explain.attributions import Attributions, column_attributions
from findeep.pipeline import TabularPipeline

ATTRIBUTION_PREFIX = "attribution__"


MAX_TOP = 1_000  # reasons per row: more is not an explanation (and would not fit in memory)


def check_top(top: int) -> None:
    if not isinstance(top, int) or isinstance(top, bool) or not 1 <= top <= MAX_TOP:
        raise ConfigError(f"top must be a positive integer of at most {MAX_TOP}, however: "
                          f"{top=}")


def describe_value(value: object) -> str:
    """A value as a person would read it: 41.2, 52000, 2021-03-04, rent, missing."""
    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
        return "missing"
    if isinstance(value, pd.Timestamp):
        return value.isoformat() if value != value.normalize() else value.date().isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return np.format_float_positional(value, precision=6, unique=True, fractional=False,
                                          trim="-")
    return str(value)


def explain_frame(pipeline: TabularPipeline, frame: pd.DataFrame, *, top: int = 4,
                  reference: pd.DataFrame | None = None, n_steps: int | None = None,
                  target_class: object = None) -> pd.DataFrame:
    """One row per row of ``frame`` (same index): the score, ``top`` reasons, attributions.

    Columns: ``probability`` (of the event; ``prediction`` for a regression),
    ``reason_1`` … ``reason_{top}`` (at most one per input column; empty where fewer
    columns raised the risk), and
    ``attribution__<column>`` for every input column, in log-odds of the event
    (regression: in the target's units). ``reference`` replaces the default reference
    population (the training rows scored below the decision threshold). A multiclass
    model explains one class per row — ``target_class``, else the predicted class — named
    in ``explained_class``, with ``probability`` that class's probability.
    """
    check_top(top)
    attributions = column_attributions(pipeline, frame, reference=reference, n_steps=n_steps,
                                       target_class=target_class)
    return reasons_frame(pipeline, frame, attributions, top=top)


def reasons_frame(pipeline: TabularPipeline, frame: pd.DataFrame, attributions: Attributions,
                  *, top: int = 4) -> pd.DataFrame:
    """``explain_frame``'s table from attributions already taken on ``frame``."""
    check_top(top)
    top = min(top, len(attributions.columns))  # no more reasons than columns to give them
    result = pd.DataFrame(index=frame.index)
    raised: str | list[str]
    if attributions.explained_class is not None:  # multiclass: one class per row
        result["explained_class"] = attributions.explained_class
        result["probability"] = 1.0 / (1.0 + np.exp(-attributions.output))
        raised = [f"raised the odds of {describe_value(c)!r}"
                  for c in attributions.explained_class]
    elif pipeline.task == "binary":
        result["probability"] = 1.0 / (1.0 + np.exp(-attributions.output))
        raised = "raised the risk"
    else:
        result["prediction"] = attributions.output
        raised = "raised the prediction"
    reasons = reason_texts(frame, attributions.columns, attributions.values, top=top,
                           raised=raised, special=pipeline.preprocessor.special_values)
    for r in range(top):
        result[f"reason_{r + 1}"] = reasons[:, r]
    for j, column in enumerate(attributions.columns):
        result[f"{ATTRIBUTION_PREFIX}{column}"] = attributions.values[:, j]
    return result


def reason_texts(frame: pd.DataFrame, columns: list[str], values: np.ndarray, *, top: int,
                 raised: str | list[str] = "raised the risk",
                 special: dict[str, list[float]] | None = None) -> np.ndarray:
    """``(n_rows, top)`` strings naming the columns with the largest positive attributions.

    ``raised`` says what the column did: one phrase for every row, or one per row. A value
    listed in ``special`` (column -> codes) is named as a code: ``late = 98 (special)``.
    """
    special = special or {}
    phrases = [raised] * len(frame) if isinstance(raised, str) else raised
    order = np.argsort(-values, axis=1, kind="stable")[:, :top]  # (n, top) column positions
    texts = np.full((len(frame), top), "", dtype=object)
    raw = {column: frame[column].to_numpy(dtype=object) for column in columns}
    for i in range(len(frame)):
        for r, j in enumerate(order[i]):
            if values[i, j] <= 0.0:
                break
            column = columns[j]
            value = raw[column][i]
            code = " (special)" if column in special and _is_code(value, special[column]) \
                else ""
            texts[i, r] = (f"{column} = {describe_value(value)}{code} {phrases[i]}"
                           f"{' most' if r == 0 else ''}")
    return texts


def _is_code(value: object, codes: list[float]) -> bool:
    try:
        return float(value) in codes  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
