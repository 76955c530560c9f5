"""Why a model scores what it does: attributions, reason codes, scorecard points, surrogate
rules, partial dependence, drift and fairness.

>>> from findeep.explain import explain_frame
>>> # explain_frame(clf.pipeline_, applicants, top=4)  -> probability, reason_1.., attribution__..
"""

from findeep.explain.attributions import (
    Attributions,
    column_attributions,
    randomization_check,
)
from findeep.explain.dependence import partial_dependence_table
from findeep.explain.drift import drift_table, population_stability_index
from findeep.explain.fairness import FairnessReport, fairness_report
from findeep.explain.importance import attribution_importance_table, permutation_importance_table
from findeep.explain.reasons import explain_frame
from findeep.explain.scorecard import ScorecardScale, scorecard_points, scorecard_table
from findeep.explain.surrogate import SurrogateReport, fit_surrogate

__all__ = [
    "Attributions",
    "FairnessReport",
    "ScorecardScale",
    "SurrogateReport",
    "attribution_importance_table",
    "column_attributions",
    "drift_table",
    "explain_frame",
    "fairness_report",
    "fit_surrogate",
    "partial_dependence_table",
    "permutation_importance_table",
    "population_stability_index",
    "randomization_check",
    "scorecard_points",
    "scorecard_table",
]
