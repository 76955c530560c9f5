"""Population stability: has the data moved since training?

The population stability index compares the share of rows per bin in the training
data (from the bundle's profile) with new data, over the same bins:
``PSI = sum((new - train) * ln(new / train))``. Read it the usual way: under 0.1 stable,
0.1 to 0.25 a moderate shift worth a look, 0.25 and above a major shift. Missing values
and categories unseen or rare in training get bins of their own, and so does each special
value of a numeric column (``late = 98 (special)`` also gets a row of its own: its share
of the rows then and now).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from findeep.data.profile import as_numbers, category_shares, numeric_bin_shares
from findeep.data.sentinels import split_special
from findeep.errors import ConfigError
from findeep.pipeline import TabularPipeline

PSI_MODERATE = 0.1
PSI_MAJOR = 0.25
SCORE_ROW = "model score"
_FLOOR = 1e-4  # empty bins would make the log infinite


def population_stability_index(expected: np.ndarray, actual: np.ndarray) -> float:
    """PSI between two share vectors over the same bins."""
    expected = np.clip(np.asarray(expected, dtype=float), _FLOOR, None)
    actual = np.clip(np.asarray(actual, dtype=float), _FLOOR, None)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def drift_flag(psi: float) -> str:
    if psi >= PSI_MAJOR:
        return "major shift"
    if psi >= PSI_MODERATE:
        return "moderate shift"
    return "stable"


def drift_table(pipeline: TabularPipeline, frame: pd.DataFrame) -> pd.DataFrame:
    """PSI of the model score and of every input column: ``column``, ``kind``, ``psi``, ``flag``.

    The score comes first, then columns from most to least shifted.
    """
    profile = pipeline.profile
    if not profile:
        raise ConfigError("this model has no training profile (it was saved by an older "
                          "findeep); retrain it to measure drift.")
    pipeline.check_frame(frame)
    lines = []
    for name, column in profile["columns"].items():
        if column["kind"] == "categorical":
            expected = [*column["shares"], column["other"], column["missing"]]
            actual = category_shares(frame[name], column["levels"])
        elif "special" in column:  # the codes' shares apart from the bins of the values
            codes = column["special"]
            numbers, new_shares = split_special(as_numbers(frame[name], column["kind"]),
                                                [float(c) for c in codes])
            actual = numeric_bin_shares(numbers, column["edges"])
            actual[-1] -= sum(new_shares)
            expected = [*column["shares"], column["missing"], *codes.values()]
            actual = [*actual, *new_shares]
            for (code, old), new in zip(codes.items(), new_shares, strict=True):
                lines.append((f"{name} = {code} (special)", "special",
                              population_stability_index([old, 1 - old], [new, 1 - new])))
        else:
            expected = [*column["shares"], column["missing"]]
            actual = numeric_bin_shares(as_numbers(frame[name], column["kind"]), column["edges"])
        lines.append((name, column["kind"], population_stability_index(expected, actual)))
    lines.sort(key=lambda line: -line[2])
    if "score" in profile:
        score = profile["score"]
        prediction, _ = pipeline.predict_raw(frame)
        if pipeline.task == "binary":
            prediction = pipeline.event_probability(prediction)
        actual = numeric_bin_shares(np.asarray(prediction, dtype=float), score["edges"])
        lines.insert(0, (SCORE_ROW, "score", population_stability_index(
            [*score["shares"], score["missing"]], actual)))
    table = pd.DataFrame(lines, columns=["column", "kind", "psi"])
    table["flag"] = table["psi"].map(drift_flag)
    return table
