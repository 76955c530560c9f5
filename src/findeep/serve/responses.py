"""Response models for ``/docs``, shaped by the model's task.

A single record gets scalars; a list gets the same keys holding one entry per record,
in request order. The routes build these bodies directly (no re-validation on the hot path).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, create_model

from findeep.features.tabular import EMPTY_MIN_ROWS, OFF_SCALE_FACTOR, OFF_SCALE_MIN_VALUES
from findeep.pipeline import TabularPipeline

_UNSEEN = (dict[str, int], Field(description="per column, how many values were never seen in "
                                             "training (scored as the shared 'unseen' level)"))
# what the CLI and Python API warn about, per request (Scorer.findings); optional with a
# default so that schemas and clients written before them stay valid
_FINDINGS: dict[str, Any] = {
    "missing_categories": (dict[str, int], Field(default_factory=dict, description=(
        "per categorical column with no missing values in training, how many values were "
        "missing (null, empty or spaces), scored as the shared 'unseen' level but not "
        "counted in unseen_categories"))),
    "empty_columns": (list[str], Field(default_factory=list, description=(
        f"columns with no value in any record of a request of {EMPTY_MIN_ROWS} records or "
        "more, unless training was missing there often enough for that to be unsurprising; "
        "a broken join upstream looks like this: check the data before using the scores"))),
    "off_scale": (dict[str, float], Field(default_factory=dict, description=(
        f"per numeric column whose median over the request ({OFF_SCALE_MIN_VALUES} values or "
        f"more) sits {OFF_SCALE_FACTOR:g}x or more outside its training 10th-90th "
        "percentiles, that median; a thousands separator read as a decimal comma, or a "
        "change of unit, does this"))),
}

# /v1/explain added the findings later than /v1/predict: all four are optional there
_OPTIONAL_FINDINGS: dict[str, Any] = {
    "unseen_categories": (dict[str, int], Field(default_factory=dict,
                                                description=_UNSEEN[1].description)),
    **_FINDINGS}


def response_models(pipeline: TabularPipeline) -> tuple[type[BaseModel], ...]:
    """(prediction, batch prediction, explanation, batch explanation) models."""
    target = pipeline.target
    label: Any = _label_type(target.classes)
    if target.task == "binary":
        fields: dict[str, Any] = {
            "probability": (float, Field(description=f"P({target.name} = {target.event_class!r})")),
            "predicted": (label, Field(description=(
                f"{target.event_class!r} when probability >= the server's threshold "
                "(GET /v1/model: limits.threshold), else the other class"))),
        }
    elif target.task == "multiclass":
        fields = {
            "probabilities": (dict[str, float], Field(description="probability of each class")),
            "predicted": (label, Field(description="the most likely class")),
        }
    else:
        fields = {"prediction": (float, Field(description=f"predicted {target.name}"))}
        if pipeline.intervals is not None:
            level = f"{pipeline.intervals.level:.0%}"
            fields |= {
                "lower": (float | None, Field(description=(
                    f"lower end of a {level} {pipeline.intervals.method} prediction interval "
                    "(null when too few validation rows calibrated it)"))),
                "upper": (float | None, Field(description=f"upper end of the {level} interval"))}
    batch_fields = {name: (list[annotation], info) for name, (annotation, info) in fields.items()}
    single = create_model("Prediction", **fields, unseen_categories=_UNSEEN, **_FINDINGS)
    batch = create_model("Predictions", **batch_fields, unseen_categories=_UNSEEN,
                         rows=(int, Field(description="number of records scored")),
                         **_FINDINGS)
    score = "prediction" if target.task == "regression" else "probability"
    explained_class: dict[str, Any] = {}
    if target.task == "multiclass":
        explained_class = {"explained_class": (label, Field(
            description="the class explained (the predicted one); probability is its "
                        "probability"))}
    explained = create_model(
        "Explanation",
        **explained_class,
        **{score: (float, Field(description="the score being explained"))},
        reasons=(list[str], Field(description="top reason codes, strongest first")),
        attributions=(dict[str, float], Field(description="contribution of each column")),
        **_OPTIONAL_FINDINGS)
    explained_batch = create_model(
        "Explanations",
        **{name: (list[annotation], info) for name, (annotation, info)
           in explained_class.items()},
        **{score: (list[float], ...)}, reasons=(list[list[str]], ...),
        attributions=(list[dict[str, float]], ...), rows=(int, ...), **_OPTIONAL_FINDINGS)
    return single, batch, explained, explained_batch


def _label_type(classes: list[Any]) -> Any:
    if classes and all(isinstance(c, bool) for c in classes):
        return bool
    if classes and all(isinstance(c, int) and not isinstance(c, bool) for c in classes):
        return int
    if classes and all(isinstance(c, str) for c in classes):
        return str
    return str | int | float | bool
