from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from findeep.benchmark import run_benchmark
from findeep.evaluate import peers
from findeep.testing import make_credit_frame


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return make_credit_frame(240, seed=3).drop(columns=["applied_on"])


def test_realmlp_and_tabm_run_on_the_same_folds(frame, monkeypatch) -> None:
    """--models realmlp,tabm: both peers are fitted on every fold, on a table with missing
    numbers and text categories, and score the held-out rows (2 epochs to keep it fast)."""
    pytest.importorskip("pytabkit")
    monkeypatch.setattr("findeep.evaluate.baselines.make_peer",
                        functools.partial(peers.make_peer, n_epochs=2))
    assert frame.isna().any().any()
    result = run_benchmark(frame, "default", models=["realmlp", "tabm", "logreg"], n_folds=2,
                           verbose=0)
    folds = pd.DataFrame(result.folds)
    assert folds.groupby("model")["fold"].apply(sorted).to_dict() == {
        "logreg": [0, 1], "realmlp": [0, 1], "tabm": [0, 1]}
    assert folds["roc_auc"].between(0, 1).all()
    for model in ("realmlp", "tabm"):
        for rows, prediction in zip(result.test_rows, result.predictions[model], strict=True):
            assert prediction.shape == rows.shape and np.isfinite(prediction).all()


def test_a_peer_without_pytabkit_is_one_line_naming_the_extra(tmp_path: Path, frame,
                                                               monkeypatch) -> None:
    """Without the findeep[peers] extra, asking for realmlp exits 2 with one line naming it."""
    from cli_helpers import assert_one_line_error, run

    real = peers.importlib.util.find_spec
    monkeypatch.setattr(peers.importlib.util, "find_spec",
                        lambda name, *a: None if name == "pytabkit" else real(name, *a))
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    result = run("benchmark", path, "--target", "default", "--models", "logreg,realmlp")
    assert_one_line_error(result, "realmlp", "findeep[peers]")


def test_a_peer_picks_its_epoch_on_customers_it_did_not_fit(frame, monkeypatch) -> None:
    """--group-column: a peer's own validation rows (where pytabkit picks its epoch) hold whole
    customers, as findeep's networks' early-stopping rows do."""
    pytest.importorskip("pytabkit")
    data = frame.assign(customer=np.random.default_rng(0).permutation(np.repeat(
        np.arange(60), 4)))
    seen: list[tuple[np.ndarray, np.ndarray]] = []

    def recording_peer(*args, **kwargs):
        peer = peers.make_peer(*args, n_epochs=2, **kwargs)
        fit = peer.model.fit

        def spy(X, y, **options):
            seen.append((X.index.to_numpy(), options["val_idxs"]))
            return fit(X, y, **options)

        peer.model.fit = spy
        return peer

    monkeypatch.setattr("findeep.evaluate.baselines.make_peer", recording_peer)
    run_benchmark(data, "default", models=["tabm"], n_folds=2, verbose=0,
                  group_column="customer")
    assert seen
    customers = data["customer"].to_numpy()
    for rows, val_idxs in seen:
        valid = rows[val_idxs]
        fit_rows = np.setdiff1d(rows, valid)
        assert len(valid) > 0 and not set(customers[valid]) & set(customers[fit_rows])
