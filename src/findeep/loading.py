"""``findeep.load``: read any bundle back as the object that wrote it.

It sits above every application (tabular estimators, forecasters, …): each owns its own
from-bundle conversion, and this module only dispatches on the bundle's ``kind``.
"""

from __future__ import annotations

import os
from typing import Any

from findeep.bundle import read_bundle
from findeep.errors import BundleError
from findeep.estimators import estimator_from_bundle
from findeep.forecast.estimator import BUNDLE_KIND as FORECAST_KIND
from findeep.forecast.estimator import forecaster_from_bundle
from findeep.pipeline import BUNDLE_KIND as TABULAR_KIND
from findeep.pricing.bundle import KIND as PRICING_KIND
from findeep.pricing.bundle import pricer_from_bundle
from findeep.recommend.bundle import BUNDLE_KIND as RECOMMEND_KIND
from findeep.recommend.bundle import recommender_from_bundle
from findeep.text.bundle import KIND as TEXT_KIND
from findeep.text.estimator import text_estimator_from_bundle


def load(path: str | os.PathLike[str]) -> Any:
    """Load a bundle, verifying its checksums first (never unpickles anything).

    Tabular bundles come back as a fitted ``TabularClassifier`` or ``TabularRegressor``,
    forecast bundles as a fitted ``SequenceForecaster``, recommendation bundles as a fitted
    ``NextProductRecommender``, text bundles as a fitted ``TextClassifier`` or
    ``TextRegressor``, pricing bundles as a fitted ``HestonSurrogate``.
    """
    meta, tensors = read_bundle(path)
    kind = meta.get("kind")
    if kind == TABULAR_KIND:
        return estimator_from_bundle(meta, tensors, path)
    if kind == FORECAST_KIND:
        return forecaster_from_bundle(meta, tensors)
    if kind == RECOMMEND_KIND:
        return recommender_from_bundle(meta, tensors)
    if kind == TEXT_KIND:
        return text_estimator_from_bundle(meta, tensors, path)
    if kind == PRICING_KIND:
        return pricer_from_bundle(meta, tensors, path)
    raise BundleError(f"bundle kind {kind!r} is not known to this findeep version.")
