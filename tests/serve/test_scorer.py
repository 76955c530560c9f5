"""The scorer's big-request path: halves on two threads, same numbers as one pass."""

from __future__ import annotations

import numpy as np

from findeep.serve.contract import build_contract
from findeep.serve.scorer import PARALLEL_MIN_ROWS, Scorer
from findeep.testing import json_record, make_credit_frame


def test_a_big_request_split_over_threads_scores_like_one_pass(credit_model) -> None:
    """Rows keep their order and their scores; unseen categories stay with their rows."""
    frame = make_credit_frame(3 * PARALLEL_MIN_ROWS, seed=12).drop(columns="default")
    frame.loc[5, "purpose"] = "time_machine"
    contract = build_contract(credit_model.pipeline_)
    records = contract.records.validate_python(   # typed, as the server's validation leaves them
        [json_record(row) for row in frame.to_dict(orient="records")])
    scorer = Scorer(credit_model.pipeline_)
    scorer._workers = 2  # as on the 2-core CI machine, whatever this machine has
    split, split_unseen = scorer.predict_rows(records)
    whole, whole_unseen = scorer._predict_part(records)
    np.testing.assert_array_equal(split, whole)
    np.testing.assert_array_equal(split_unseen, whole_unseen)
    assert split_unseen[5].any() and split_unseen.sum() == 1
    np.testing.assert_allclose(split, credit_model.predict_proba(frame)[:, 1], atol=1e-6, rtol=0)
