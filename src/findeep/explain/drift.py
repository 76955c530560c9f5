"""Population stability: has the data moved since training?

The population stability index compares the share of rows per bin in the training
data (from the bundle's profile) with new data, over the same bins:
``PSI = sum((new - train) * ln(new / train))``. Read it the usual way: under 0.1 stable,
0.1 to 0.25 a moderate shift worth a look, 0.25 and above a major shift. Missing values
get a bin of their own, and so does each special value of a numeric column
(``late = 98 (special)`` also gets a row of its own: its share of the rows then and now).
A categorical column has a bin per common training level (``MAX_LEVELS``), one for its
rarer training levels pooled, and one for values never seen in training (share 0 then, so
any share now shows as a shift). The batch is read as scoring reads it, so that never seen
here means scored as unseen there: a yes/no column's other spellings ("TRUE" for "True")
are its levels, and empty text training did not learn is missing. The preprocessor's levels
and rare values name every training value, so this holds for bundles of any age.
Text dates are read in the day / month order the model was trained with, as scoring reads
them: a batch written the other way shows its unreadable dates as missing.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from findeep.data.profile import as_numbers, level_shares, numeric_bin_shares
from findeep.data.schema import FindeepWarning
from findeep.data.sentinels import split_special
from findeep.errors import ConfigError
from findeep.features.tabular import MISSING_LEVEL, TransformReport, scored_level_text
from findeep.pipeline import TabularPipeline

PSI_MODERATE = 0.1
PSI_MAJOR = 0.25
SCORE_ROW = "model score"
_FLOOR = 1e-4  # empty bins would make the log infinite
# below this many new rows PSI is mostly sampling noise: measured on a 3-column model, new
# rows drawn from the training population itself gave a largest column PSI (median of 5
# draws) of 1.68 at 20 rows, 0.36 at 50, 0.14 at 100, 0.13 at 200, 0.06 at 400, 0.04 at 1,000
MIN_DRIFT_ROWS = 500


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


def drift_table(pipeline: TabularPipeline, frame: pd.DataFrame, *,
                scored: tuple[np.ndarray, TransformReport] | None = None) -> pd.DataFrame:
    """PSI of the model score and of every input column: ``column``, ``kind``, ``psi``, ``flag``.

    The score comes first, then columns from most to least shifted. ``scored``:
    ``pipeline.predict_raw(frame)`` when the caller has it already (the report does), so
    the rows are not scored twice.
    """
    profile = pipeline.profile
    if not profile:
        raise ConfigError("this model has no training profile (it was saved by an older "
                          "findeep); retrain it to measure drift.")
    pipeline.check_frame(frame)
    if len(frame) < MIN_DRIFT_ROWS:
        warnings.warn(f"PSI on {len(frame):,} new row(s) is mostly sampling noise: a population "
                      f"that has not changed often reads 'moderate' or 'major' below "
                      f"{MIN_DRIFT_ROWS} rows, so treat these flags as indicative and recheck "
                      "on more rows.", FindeepWarning, stacklevel=2)
    day_first = pipeline.schema.day_first
    states = {state.name: state for state in pipeline.preprocessor.categorical}
    lines = []
    for name, column in profile["columns"].items():
        if column["kind"] == "categorical":
            state = states[name]
            # missing has its own bin: a column missing often enough in training to be a
            # level of its own must not count its missing rows among the rarer levels too
            seen_rarer = {*state.levels, *state.rare} - {*column["levels"], MISSING_LEVEL}
            expected = [*column["shares"], column["other"], 0.0, column["missing"]]
            actual = level_shares(scored_level_text(frame[name], state), column["levels"],
                                  other_levels=seen_rarer)
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
            numbers = as_numbers(frame[name], column["kind"], day_first=day_first.get(name))
            actual = numeric_bin_shares(numbers, column["edges"])
        lines.append((name, column["kind"], population_stability_index(expected, actual)))
    lines.sort(key=lambda line: -line[2])
    if "score" in profile:
        score = profile["score"]
        prediction, seen = pipeline.predict_raw(frame) if scored is None else scored
        if len(prediction) != len(frame):
            raise ConfigError(f"the scores hold {len(prediction):,} row(s) but the data has "
                              f"{len(frame):,}.")
        seen.warn_categories()  # the column rows give the shift; this, the rows scored as unknown
        if pipeline.task == "binary":
            prediction = pipeline.event_probability(prediction)
        actual = numeric_bin_shares(np.asarray(prediction, dtype=float), score["edges"])
        lines.insert(0, (SCORE_ROW, "score", population_stability_index(
            [*score["shares"], score["missing"]], actual)))
    table = pd.DataFrame(lines, columns=["column", "kind", "psi"])
    table["flag"] = table["psi"].map(drift_flag)
    return table
