from __future__ import annotations

import pytest

from findeep.pricing.estimator import HestonSurrogate
from findeep.pricing.sampling import generate_heston


@pytest.fixture(scope="session")
def heston_data():
    return generate_heston(3000, seed=11)


@pytest.fixture(scope="session")
def pricer(heston_data):
    """A small price surrogate: a few epochs, enough to be better than a constant."""
    return HestonSurrogate(d_hidden=32, n_layers=2, n_components=4, max_epochs=6,
                           batch_size=256, learning_rate=3e-3, verbose=0).fit(heston_data)
