"""The scorer's big-request path: the forward pass sliced over threads, same numbers."""

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
    assert contract.read_dates(records) == []
    scorer = Scorer(credit_model.pipeline_)
    scorer._workers = 2  # as on the 2-core CI machine, whatever this machine has
    map_calls = []
    real_map = scorer._pool.map
    scorer._pool.map = lambda fn, items: map_calls.append(items) or real_map(fn, items)
    split, split_unseen = scorer.predict_rows(records)
    assert len(map_calls) == 1 and len(list(map_calls[0])) == 2  # two slices on the pool
    scorer._workers = 1
    whole, whole_unseen = scorer.predict_rows(records)
    np.testing.assert_array_equal(split, whole)
    np.testing.assert_array_equal(split_unseen, whole_unseen)
    assert split_unseen[5].any() and split_unseen.sum() == 1
    np.testing.assert_allclose(split, credit_model.predict_proba(frame)[:, 1], atol=1e-6, rtol=0)
