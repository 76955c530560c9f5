"""Every JSON findeep writes parses in strict readers (jq, JavaScript): NaN is null."""

from __future__ import annotations

import json

import numpy as np

from findeep import json_text


def test_non_finite_numbers_become_null_numpy_values_plain_numbers() -> None:
    text = json_text.dumps({"ic": float("nan"), "edges": [np.float32(np.inf), 1.5],
                            "counts": np.arange(3), "auc": np.float64(0.75)})
    strict = json.loads(text, parse_constant=lambda name: (_ for _ in ()).throw(
        ValueError(name)))  # refuses NaN / Infinity as jq does
    assert strict == {"ic": None, "edges": [None, 1.5], "counts": [0, 1, 2], "auc": 0.75}
