"""The public surface of ``import findeep`` is deliberate and stays sorted."""

from __future__ import annotations

import findeep


def test_all_is_sorted_and_every_name_exists() -> None:
    """__all__ is sorted and each name resolves, so the API does not drift by accident."""
    assert findeep.__all__ == sorted(findeep.__all__)
    for name in findeep.__all__:
        assert hasattr(findeep, name), name


def test_every_error_is_a_findeep_error() -> None:
    """Callers can catch FindeepError to handle every deliberate failure."""
    for name in ("BundleError", "ConfigError", "DataError", "NotFittedError", "SchemaError",
                 "TargetError"):
        assert issubclass(getattr(findeep, name), findeep.FindeepError)
