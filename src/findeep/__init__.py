"""findeep: deep learning for financial prediction, evaluated honestly.

>>> import findeep
>>> clf = findeep.TabularClassifier()            # scikit-learn estimator
>>> # clf.fit(X, y); clf.save("bundle"); findeep.load("bundle")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from findeep._version import __version__
from findeep.errors import (
    BundleError,
    ConfigError,
    DataError,
    FindeepError,
    SchemaError,
    TargetError,
)

if TYPE_CHECKING:
    from findeep import testing
    from findeep.errors import NotFittedError
    from findeep.estimators import TabularClassifier, TabularRegressor
    from findeep.forecast.estimator import SequenceForecaster
    from findeep.loading import load


# imported on first use: torch and pandas take ~2 s to load, which `findeep --help` and a
# one-line input error should not pay
_LAZY = {"TabularClassifier": "findeep.estimators", "TabularRegressor": "findeep.estimators",
         "SequenceForecaster": "findeep.forecast.estimator", "load": "findeep.loading",
         "testing": "findeep.testing", "NotFittedError": "findeep.errors"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'findeep' has no attribute {name!r}")
    module = importlib.import_module(_LAZY[name])
    value = module if name == "testing" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)

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
