"""``findeep.load``: read any bundle back as the object that wrote it."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from findeep.bundle import read_bundle, read_metrics
from findeep.errors import BundleError


def load(path: str | os.PathLike[str]) -> Any:
    """Load a bundle, verifying its checksums first (never unpickles anything).

    Tabular bundles come back as a fitted ``TabularClassifier`` or ``TabularRegressor``.
    """
    meta, tensors = read_bundle(path)
    kind = meta.get("kind")
    if kind == "tabular":
        from findeep.estimators import TabularClassifier, TabularRegressor
        from findeep.pipeline import pipeline_from_bundle

        pipeline = pipeline_from_bundle(meta, tensors)
        if not pipeline.metrics:
            pipeline.metrics = read_metrics(path)
        cls = TabularRegressor if pipeline.task == "regression" else TabularClassifier
        params = {k: v for k, v in meta.get("params", {}).items() if k in cls().get_params()}
        estimator = cls(**params)
        estimator.pipeline_ = pipeline
        if cls is TabularClassifier:
            estimator.classes_ = np.asarray(pipeline.target.classes)
        names = [c.name for c in pipeline.schema.columns]
        if names != [f"x{i}" for i in range(len(names))]:  # x0, x1, …: fitted on an array
            estimator.feature_names_in_ = np.asarray(names, dtype=object)
        estimator.n_features_in_ = len(names)
        return estimator
    if kind == "forecast":
        from findeep.forecast.bundle import forecaster_from_bundle

        return forecaster_from_bundle(meta, tensors)
    raise BundleError(f"bundle kind {kind!r} is not known to this findeep version.")
