"""A text model's drift: the tabular drift table (the score and each other column, PSI
against the fit rows' bins) with one more row, the texts' length in tokens — the shift a
text model meets first (a new template, a form that now cuts its notes short)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from findeep.data.profile import numeric_bin_shares
from findeep.errors import ConfigError
from findeep.explain.drift import SCORE_ROW, drift_flag, drift_table, population_stability_index
from findeep.text.pipeline import TextInputs, TextPipeline

TEXT_LENGTH_ROW = "text length (tokens)"


def text_drift_table(pipeline: TextPipeline, frame: pd.DataFrame, *,
                     scored: tuple[np.ndarray, TextInputs] | None = None) -> pd.DataFrame:
    """PSI of the score, the text's length in tokens and every other input column: the
    columns ``column``, ``kind``, ``psi`` and ``flag`` of ``explain.drift.drift_table``, the
    score first, then from most to least shifted. ``scored``: ``pipeline.predict_raw(frame)``
    when the caller has it (the report does)."""
    lengths = pipeline.profile.get("text_tokens") if pipeline.profile else None
    if lengths is None:
        raise ConfigError("this text model has no training profile (it was saved by an older "
                          "findeep); retrain it to measure drift.")
    if scored is None:  # once (its inputs check the columns): the score's and lengths' rows
        scored = pipeline.predict_raw(frame)
    table = drift_table(pipeline, frame, scored=scored)
    actual = numeric_bin_shares(scored[1].encoded.lengths.astype(float), lengths["edges"])
    psi = population_stability_index([*lengths["shares"], lengths["missing"]], actual)
    row = pd.DataFrame([{"column": TEXT_LENGTH_ROW, "kind": "text", "psi": psi,
                         "flag": drift_flag(psi)}])
    score = table[table["column"] == SCORE_ROW]
    others = pd.concat([table[table["column"] != SCORE_ROW], row], ignore_index=True)
    others = others.iloc[np.argsort(-others["psi"].to_numpy(), kind="stable")]
    return pd.concat([score, others], ignore_index=True)
