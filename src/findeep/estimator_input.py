"""What the estimators accept as ``X`` and ``y``, checked the way scikit-learn users expect.

A DataFrame whose column names are all strings is read by name: ``feature_names_in_`` is
set, and scoring data needs those columns (extra columns, such as an id or the target, are
ignored). Anything else — an array, a list, a DataFrame with integer column names
(``pd.DataFrame(array)``) — is read by position: scoring data must have exactly
``n_features_in_`` columns. Every refusal is a ``DataError`` (a ``ValueError`` too), worded
so that scikit-learn's own estimator checks recognise it.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from findeep.errors import DataError


def _positional_names(n: int) -> list[str]:
    return [f"x{i}" for i in range(n)]


def has_feature_names(X: Any) -> bool:
    """True for a DataFrame (or Arrow-like table) whose column names are all strings."""
    columns = getattr(X, "columns", None)
    if columns is None and hasattr(X, "column_names"):
        columns = X.column_names
    return columns is not None and len(columns) > 0 and all(isinstance(c, str) for c in columns)


def as_frame(X: Any) -> pd.DataFrame:
    """``X`` as a DataFrame: named columns kept, unnamed ones called x0, x1, …"""
    if hasattr(X, "tocsr") or (hasattr(X, "sparse") and not isinstance(X, pd.DataFrame)):
        raise DataError("sparse input is not supported: findeep needs a dense table "
                        "(convert with X.toarray(), or pass a DataFrame).")
    if isinstance(X, pd.DataFrame):
        frame = X
    elif hasattr(X, "to_pandas"):
        frame = X.to_pandas()
    else:
        array = np.asarray(X)
        if array.ndim == 1:
            raise DataError(f"X must be a 2-D table, however it has shape {array.shape}. "
                            "Reshape your data: X.reshape(-1, 1) for a single feature, "
                            "X.reshape(1, -1) for a single sample.")
        if array.ndim != 2:
            raise DataError(f"X must be a 2-D table, however it has shape {array.shape}.")
        frame = pd.DataFrame(array)
        if array.dtype == object:  # numbers held as objects become numbers again
            frame = frame.infer_objects()
    if frame.shape[1] == 0:
        raise DataError(f"0 feature(s) (shape={frame.shape}) while a minimum of 1 is required.")
    repeated = frame.columns[frame.columns.duplicated()].unique().tolist()
    if repeated:  # which of two 'a' columns a later table means is a guess
        raise DataError(f"column name(s) {', '.join(repr(c) for c in repeated)} appear more "
                        "than once in X; give each column its own name.")
    if frame.shape[0] == 0:
        raise DataError(f"0 sample(s) (shape={frame.shape}) while a minimum of 1 is required.")
    if any(np.iscomplexobj(frame[c].to_numpy()) for c in frame.columns
           if frame[c].dtype.kind == "c"):
        raise DataError("Complex data not supported: pass real numbers.")
    if not has_feature_names(frame):
        frame = frame.set_axis(_positional_names(frame.shape[1]), axis=1)
    return _dictionaries_as_categories(frame)


def _dictionaries_as_categories(frame: pd.DataFrame) -> pd.DataFrame:
    """Arrow dictionary columns (``pd.ArrowDtype(pa.dictionary(...))``) as the pandas
    categories they are, which Parquet readers hand over by default."""
    import pyarrow as pa

    coded = [c for c in frame.columns if isinstance(frame[c].dtype, pd.ArrowDtype)
             and pa.types.is_dictionary(frame[c].dtype.pyarrow_dtype)]
    if not coded:
        return frame
    return frame.assign(**{c: pd.Series(pa.array(frame[c]).to_pandas(), index=frame.index)
                           for c in coded})


def scoring_frame(X: Any, *, n_features_in: int, feature_names_in: np.ndarray | None,
                  estimator: str) -> pd.DataFrame:
    """``X`` to score, checked against what the estimator was fitted on."""
    named = has_feature_names(X)
    frame = as_frame(X)
    if feature_names_in is not None and named:
        return frame  # by name; the schema check names any missing column
    if frame.shape[1] != n_features_in:
        raise DataError(f"X has {frame.shape[1]} features, but {estimator} is expecting "
                        f"{n_features_in} features as input.")
    if feature_names_in is not None:  # fitted with names, given none: by position
        warnings.warn(f"X does not have valid feature names, but {estimator} was fitted with "
                      "feature names; its columns are read in the fitted order.", UserWarning,
                      stacklevel=3)
        frame = frame.set_axis(list(feature_names_in), axis=1)
    elif named:  # fitted without names (an array), given them: by position, as sklearn does
        warnings.warn(f"X has feature names, but {estimator} was fitted without feature "
                      "names; its columns are read by position.", UserWarning, stacklevel=3)
        frame = frame.set_axis(_positional_names(frame.shape[1]), axis=1)
    return frame


def target_series(y: Any, n_rows: int) -> pd.Series:
    """``y`` as a Series: a column vector is flattened (with scikit-learn's warning)."""
    if y is None:
        raise DataError("this estimator requires y to be passed, but the target y is None.")
    name = getattr(y, "name", None)
    values = np.asarray(y)
    if values.ndim == 2 and values.shape[1] == 1:
        from sklearn.exceptions import DataConversionWarning

        warnings.warn("A column-vector y was passed when a 1d array was expected; it is "
                      "flattened.", DataConversionWarning, stacklevel=3)
        values = values.ravel()
    if values.ndim != 1:
        raise DataError(f"y must be one column, however it has shape {values.shape}.")
    if len(values) != n_rows:
        raise DataError(f"X has {n_rows} rows but y has {len(values)}.")
    if values.dtype.kind in "fc":
        if np.isinf(values).any():
            raise DataError("Input y contains infinity or a value too large for "
                            f"dtype('float64'): {int(np.isinf(values).sum())} row(s); replace "
                            "them or leave them empty.")
        if np.isnan(values).all():
            raise DataError("Input y contains NaN only: no row has a target to learn from.")
    if n_rows == 1:
        raise DataError("X has 1 sample; fitting needs at least 2 rows (n_samples=1).")
    return pd.Series(values, name=name if isinstance(name, str) and name else "target")


LABEL_KINDS = "biuf"  # bool, int, unsigned, float labels keep their dtype in classes_


def label_dtype(y: Any, values: pd.Series) -> str | None:
    """The dtype ``classes_`` keeps: the labels' own numeric dtype, and for pandas' nullable
    Int64 / boolean labels with gaps (numpy reads them as floats) the integers or booleans
    they hold, as with gap-free labels; None for text labels."""
    nullable = getattr(y, "dtype", None)
    if isinstance(nullable, pd.api.extensions.ExtensionDtype) and getattr(
            nullable, "numpy_dtype", None) is not None and nullable.kind in "biu":
        return np.dtype(nullable.numpy_dtype).str
    return values.dtype.str if values.dtype.kind in LABEL_KINDS else None


def saved_label_dtype(saved: Any) -> str | None:
    """A bundle's ``label_dtype`` when it names a numeric dtype, else None (bundles written
    before it was saved, by the command line, or a value no numpy dtype reads)."""
    try:
        return saved if isinstance(saved, str) and np.dtype(saved).kind in LABEL_KINDS else None
    except TypeError:
        return None


def plain_parameter(value: Any) -> Any:
    """A parameter read from a bundle as plain Python (dicts and lists, not the bundle
    reader's documents, whose missing keys name the bundle file), so ``get_params()`` holds
    what the caller passed."""
    if isinstance(value, dict):
        return {k: plain_parameter(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_parameter(v) for v in value]
    return value
