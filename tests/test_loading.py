"""Each application reads its own bundles; ``findeep.load`` only dispatches on the kind."""

from __future__ import annotations

from pathlib import Path

import pytest

import findeep
from findeep.errors import BundleError
from findeep.forecast.estimator import SequenceForecaster, read_forecaster
from findeep.pipeline import TabularPipeline, read_pipeline
from findeep.testing import make_credit_frame, make_price_panel


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One small bundle of each kind."""
    root = tmp_path_factory.mktemp("kinds")
    frame = make_credit_frame(300, seed=1)
    y = frame.pop("default")
    tabular = findeep.TabularClassifier(max_epochs=1, verbose=0).fit(frame, y)
    panel = make_price_panel(n_assets=2, n_days=120, seed=2)
    forecaster = SequenceForecaster(asset_column="asset", model="naive", window=5).fit(panel)
    return {"tabular": tabular.save(root / "tabular"), "forecast": forecaster.save(root / "fc")}


def test_load_gives_back_the_object_each_kind_saved(bundles: dict[str, Path]) -> None:
    """findeep.load returns a fitted estimator for a tabular bundle, a forecaster for a
    forecast one."""
    assert isinstance(findeep.load(bundles["tabular"]), findeep.TabularClassifier)
    assert isinstance(findeep.load(bundles["forecast"]), SequenceForecaster)


def test_each_reader_refuses_the_other_kind_in_one_sentence(bundles: dict[str, Path]) -> None:
    """Explain, export and serve read tabular bundles only; forecast jobs forecast bundles only."""
    pipeline, meta = read_pipeline(bundles["tabular"])
    assert isinstance(pipeline, TabularPipeline) and meta["kind"] == "tabular"
    assert isinstance(read_forecaster(bundles["forecast"]), SequenceForecaster)
    with pytest.raises(BundleError, match=r"holds a 'forecast' model; explanations cover"):
        read_pipeline(bundles["forecast"], refusal="explanations cover tabular models only")
    with pytest.raises(BundleError, match=r"holds a 'tabular' model, not a forecaster"):
        read_forecaster(bundles["tabular"])
