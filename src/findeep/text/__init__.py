"""Financial text: a free-text column (headline, analyst note, loan purpose) read by a
text-cnn, text-bilstm or MiniLM encoder beside the table's other columns.

An application package beside ``forecast``: it reuses the schema, target, splits,
preprocessing, losses, calibration and bundle format; nothing generic imports it.
Its heavy parts load on first use, so ``findeep text --help`` does not import torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from findeep.text.estimator import TextClassifier, TextRegressor
    from findeep.text.pipeline import TextPipeline, fit_text

_LAZY = {"TextClassifier": "findeep.text.estimator", "TextRegressor": "findeep.text.estimator",
         "TextPipeline": "findeep.text.pipeline", "fit_text": "findeep.text.pipeline"}

__all__ = ["TextClassifier", "TextPipeline", "TextRegressor", "fit_text"]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'findeep.text' has no attribute {name!r}")
    return getattr(importlib.import_module(_LAZY[name]), name)
