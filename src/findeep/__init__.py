"""findeep: deep learning for financial prediction, evaluated honestly.

>>> import findeep
>>> clf = findeep.TabularClassifier()            # scikit-learn estimator
>>> # clf.fit(X, y); clf.save("bundle"); findeep.load("bundle")
"""

from findeep import testing
from findeep.errors import (
    BundleError,
    ConfigError,
    DataError,
    FindeepError,
    NotFittedError,
    SchemaError,
    TargetError,
)
from findeep.estimators import TabularClassifier, TabularRegressor
from findeep.forecast.estimator import SequenceForecaster
from findeep.loading import load

__version__ = "0.1.0"

__all__ = [
    "BundleError",
    "ConfigError",
    "DataError",
    "FindeepError",
    "NotFittedError",
    "SchemaError",
    "SequenceForecaster",
    "TabularClassifier",
    "TabularRegressor",
    "TargetError",
    "__version__",
    "load",
    "testing",
]
