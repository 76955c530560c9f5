"""``HestonSurrogate``: fit a surrogate network on generated data, then price or give surfaces.

Trained by findeep's own loop (``train.trainer.fit_network``: AdamW, warmup + cosine,
clipping), with the mean squared error on prices in strike units (``kind="price"``) or on
implied volatilities over the grid (``kind="surface"``). Early stopping is off: a surrogate
of a smooth deterministic function keeps improving as the cosine schedule anneals, and the
validation rows serve to report the error, not to pick an epoch. For the same reason the
trainer's warning that few steps per epoch let early stopping keep a barely-trained network
does not apply here; a batch as large as the training rows is warned about in its place (one
full-batch step per epoch).
"""

from __future__ import annotations

import os
import time
import warnings
from numbers import Real
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator

from findeep.data.schema import FindeepWarning
from findeep.data.splits import seed_problem
from findeep.errors import ConfigError, DataError, NotFittedError
from findeep.pricing.box import (
    INPUT_COLUMNS,
    ParameterBox,
    check_price_bounds,
    missing,
    numeric_columns,
    option_inputs,
    option_types,
    refuse_missing,
)
from findeep.pricing.networks import MixturePriceNet, SurfaceNet
from findeep.pricing.sampling import GRID_MATURITIES, GRID_PARAMETERS, GRID_STRIKES
from findeep.train.progress import EpochBar, epoch_progress
from findeep.train.trainer import (
    FitResult,
    ProgressHook,
    TensorData,
    TrainConfig,
    fit_network,
    resolve_device,
)

Kind = Literal["price", "surface"]
SIZE_PARAMETERS = ("d_hidden", "n_layers", "n_components", "max_epochs", "batch_size")
# the most each may be: far past any useful pricer, short of asking for terabytes (a
# d_hidden of 1e8 asked torch for 4e16 bytes and failed with a traceback)
SIZE_LIMITS = {"d_hidden": 16_384, "n_layers": 64, "n_components": 256,
               "max_epochs": 100_000, "batch_size": 10_000_000}
# the start of train.trainer's few-steps warning, which is about early stopping (off here)


def layout_of(frame: pd.DataFrame) -> str:
    """'heston' (one option per row) or 'heston-grid' (one surface per row)."""
    meta = frame.attrs.get("findeep_pricing", {})
    if "layout" in meta:
        return str(meta["layout"])
    return "heston-grid" if "iv_0" in frame.columns else "heston"


class HestonSurrogate(BaseEstimator):
    """A network that prices Heston options (or whole implied-vol surfaces) fast.

    >>> from findeep.pricing.sampling import generate_heston
    >>> pricer = HestonSurrogate(max_epochs=2, d_hidden=16).fit(generate_heston(512))
    >>> pricer.predict(generate_heston(4, seed=1))["price"].shape
    (4,)
    """

    def __init__(self, *, kind: Kind = "price", d_hidden: int = 256, n_layers: int = 4,
                 n_components: int = 8, max_epochs: int = 60, batch_size: int = 1024,
                 learning_rate: float = 2e-3, weight_decay: float = 0.0,
                 validation_fraction: float = 0.05, random_state: int = 0,
                 device: str = "cpu", verbose: int = 0, calendar: bool = False) -> None:
        self.kind = kind
        self.calendar = calendar
        self.d_hidden = d_hidden
        self.n_layers = n_layers
        self.n_components = n_components
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.device = device
        self.verbose = verbose

    # --- fitting -------------------------------------------------------------------------
    def check_params(self) -> None:
        """Raise one ``ConfigError`` naming every parameter that breaks its rule; ``fit``
        calls it first (the pricing commands too, before reading any data)."""
        problems = []
        if self.kind not in ("price", "surface"):
            problems.append(f"kind must be 'price' or 'surface', however: {self.kind!r}")
        for name in SIZE_PARAMETERS:
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                problems.append(f"{name} must be a positive integer, however: {name}={value!r}")
            elif value > SIZE_LIMITS[name]:
                problems.append(f"{name} must be at most {SIZE_LIMITS[name]:,}, however: "
                                f"{name}={value!r}")
        if not (isinstance(self.validation_fraction, Real)
                and 0 < self.validation_fraction < 0.5):
            problems.append("validation_fraction must be in (0, 0.5), however: "
                            f"{self.validation_fraction!r}")
        if not (isinstance(self.learning_rate, Real) and 0 < self.learning_rate < np.inf):
            problems.append("learning_rate must be a positive, finite number, however: "
                            f"{self.learning_rate!r}")
        if not (isinstance(self.weight_decay, Real) and 0 <= self.weight_decay < np.inf):
            problems.append(f"weight_decay must be a finite number >= 0, however: "
                            f"{self.weight_decay!r}")
        if seed_problem(self.random_state):
            problems.append(seed_problem(self.random_state))
        if problems:
            raise ConfigError("; ".join(problems) + ".")
        resolve_device(self.device)  # its own message: the accepted spellings

    def fit(self, frame: pd.DataFrame) -> HestonSurrogate:
        """Learn the prices (or surfaces) of ``frame``, a table written by ``generate``.

        Every cell used must be a finite number and every ``call`` price within its
        no-arbitrage bounds (prices in the wrong units are refused, as ``calibrate``
        refuses such quotes). ``box_`` is the part of the declared box (the table's
        metadata, else Liu et al.'s) that the training rows cover: a table filtered to
        short maturities gives a pricer that flags long ones.
        """
        self.check_params()
        require_frame(frame, "fit", self.kind)
        meta = frame.attrs.get("findeep_pricing", {})
        expected = "heston" if self.kind == "price" else "heston-grid"
        if layout_of(frame) != expected:
            raise DataError(f"a {self.kind} surrogate trains on a '{expected}' table (findeep "
                            f"pricing generate --model {expected}); this one is "
                            f"'{layout_of(frame)}'.")
        declared = ParameterBox.from_dict(meta["box"]) if "box" in meta else \
            ParameterBox.default()
        x, y, inputs = self._arrays(frame)
        if len(x) < 20:
            raise DataError(f"{len(x)} training rows are too few to fit a surrogate; "
                            "generate at least a few thousand.")
        self.box_ = declared.covering(
            inputs, INPUT_COLUMNS if self.kind == "price" else GRID_PARAMETERS)
        # the metadata's row count is the generated table's: a filtered copy keeps it
        self.data_ = {k: meta[k] for k in ("pricer", "design", "seed") if k in meta}
        self.data_["rows"] = len(frame)
        if self.box_ != declared:
            self.data_["declared_box"] = declared.to_dict()
        torch.manual_seed(self.random_state)
        self.network_ = self._build()
        scale = float(self.network_.output_scale)
        rng = np.random.default_rng(self.random_state)
        order = rng.permutation(len(x))
        n_valid = max(1, round(self.validation_fraction * len(x)))
        valid, train = order[:n_valid], order[n_valid:]
        device = resolve_device(self.device)

        def tensors(rows: np.ndarray) -> TensorData:  # no categorical inputs: (n, 0) codes
            return TensorData.from_numpy(x[rows], np.zeros((len(rows), 0), dtype=np.int64),
                                         y[rows] * scale, task="regression", device=device)

        config = TrainConfig(max_epochs=self.max_epochs, batch_size=self.batch_size,
                             learning_rate=self.learning_rate, weight_decay=self.weight_decay,
                             early_stopping=False, loss="mse", seed=self.random_state,
                             device=self.device, verbose=self.verbose)
        if self.batch_size >= len(train):
            warnings.warn(
                f"batch size {self.batch_size} is at least the {len(train):,} training rows: "
                f"one full-batch step per epoch, {self.max_epochs} step"
                f"{'' if self.max_epochs == 1 else 's'} in all; a smaller "
                "batch size gives the network more updates per epoch.",
                FindeepWarning, stacklevel=2)
        started = time.perf_counter()
        with epoch_progress(f"training {self.kind} surrogate", self.max_epochs,
                            self.verbose) as bar:
            result: FitResult = fit_network(self.network_, tensors(train), tensors(valid),
                                            task="regression", config=config,
                                            on_epoch_end=self._progress(bar))
        self.network_.cpu().eval()
        valid_error = self._predict_arrays(x[valid]) - y[valid]
        self.training_ = {
            "rows": len(train), "validation_rows": int(n_valid),
            "epochs": result.epochs_run, "seconds": time.perf_counter() - started,
            "validation_mae": float(np.mean(np.abs(valid_error))),
            "validation_max_error": float(np.max(np.abs(valid_error))),
            "history": [{k: float(v) for k, v in h.items()} for h in result.history]}
        return self

    def _progress(self, bar: ProgressHook | None) -> ProgressHook | None:
        """The bar's ``on_epoch_end`` hook showing the validation RMSE in the target's units
        (strike units or vol points), not the trainer's scaled ``valid_score``; None when
        there is no bar (``verbose=0``, or stderr is not a terminal)."""
        if not isinstance(bar, EpochBar):
            return bar

        def hook(epoch: int, record: dict[str, float]) -> None:
            rmse = (-record["valid_score"]) ** 0.5 / float(self.network_.output_scale)
            bar.progress.update(bar.task, completed=epoch, epoch=f"{epoch}/{self.max_epochs}",
                                score=f"validation RMSE {rmse:.2e}")

        return hook

    def _build(self) -> MixturePriceNet | SurfaceNet:
        low = torch.as_tensor(self.box_.low, dtype=torch.float32)
        high = torch.as_tensor(self.box_.high, dtype=torch.float32)
        if self.kind == "price":
            return MixturePriceNet(low=low, high=high, d_hidden=self.d_hidden,
                                   n_layers=self.n_layers, n_components=self.n_components,
                                   calendar=self.calendar)
        keep = [INPUT_COLUMNS.index(c) for c in GRID_PARAMETERS]
        return SurfaceNet(low=low[keep], high=high[keep],
                          n_cells=len(GRID_STRIKES) * len(GRID_MATURITIES),
                          d_hidden=self.d_hidden, n_layers=self.n_layers)

    def _arrays(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
        """(inputs, targets) as float32 arrays, and the checked input columns as a frame."""
        what = "the training table"
        hint = ("the network would learn NaN from them; drop those rows, or price them again "
                "(findeep pricing generate).")
        if self.kind == "price":
            inputs = option_inputs(frame, what=what)
            if "call" not in frame.columns:
                raise DataError("the training table lacks the 'call' price column.")
            call = numeric_columns(frame, ["call"], what=what)["call"]
            refuse_missing(inputs.assign(call=call), what=what, hint=hint)
            m, tau, r = (inputs[c].to_numpy() for c in ("moneyness", "maturity", "rate"))
            check_price_bounds(call.to_numpy(), m, tau, r, np.zeros(len(frame), dtype=bool),
                               frame.index, what=" in column 'call' of the training table",
                               typed=False)
            return (inputs.to_numpy(dtype=np.float32, copy=True),
                    call.to_numpy(dtype=np.float32, copy=True), inputs)
        absent = [c for c in GRID_PARAMETERS if c not in frame.columns]
        n_cells = len(GRID_STRIKES) * len(GRID_MATURITIES)
        cells = [f"iv_{j}" for j in range(n_cells)]
        absent_cells = [c for c in cells if c not in frame.columns]
        if absent or absent_cells:
            raise DataError(f"the training table lacks the column(s) "
                            f"{', '.join(absent + absent_cells)}; a surface table has "
                            f"{', '.join(GRID_PARAMETERS)} and iv_0 … iv_{n_cells - 1}.")
        inputs = numeric_columns(frame, GRID_PARAMETERS, what=what)
        vols = numeric_columns(frame, cells, what=what)
        refuse_missing(pd.concat([inputs, vols], axis=1), what=what, hint=hint)
        return (inputs.to_numpy(dtype=np.float32, copy=True),
                vols.to_numpy(dtype=np.float32, copy=True), inputs)  # writable for torch

    # --- using ---------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "network_"):
            raise NotFittedError("this HestonSurrogate is not fitted yet; call fit first.")

    def save(self, path: str | os.PathLike[str], *, force: bool = False) -> Path:
        """Write a bundle (safetensors + JSON) that ``findeep.load`` reads back; returns its
        path. Refuses to overwrite unless ``force``."""
        # imported here: the bundle module imports this one (it rebuilds a HestonSurrogate)
        from findeep.pricing.bundle import save_pricer

        return save_pricer(self, path, force=force)

    def _predict_arrays(self, x: np.ndarray, batch_size: int = 4096) -> np.ndarray:
        # 4,096 rows keep a 128-wide layer's activations in the L2 cache: measured on one
        # thread, 1.5 us per option vs 3.5 us with 65,536-row batches (BENCHMARKS.md)
        with torch.inference_mode():
            parts = []
            for start in range(0, len(x), batch_size):
                chunk = torch.tensor(x[start:start + batch_size], dtype=torch.float32)
                parts.append(self.network_.price(chunk) if self.kind == "price"
                             else self.network_.surface(chunk))
            return torch.cat(parts).double().numpy() if parts else np.zeros(0)

    def price_inputs(self, x: np.ndarray) -> np.ndarray:
        """Call prices / K of an (n, 8) array in ``INPUT_COLUMNS`` order (no box checks)."""
        self._check_fitted()
        try:
            x = np.asarray(x, dtype=np.float32)
        except (TypeError, ValueError):
            raise DataError("price_inputs takes an (n, 8) array of numbers in the order "
                            f"{', '.join(INPUT_COLUMNS)}; it holds something else.") from None
        if x.ndim != 2 or x.shape[1] != len(INPUT_COLUMNS):
            raise DataError(f"price_inputs takes an (n, 8) array in the order "
                            f"{', '.join(INPUT_COLUMNS)}, however: shape {x.shape}.")
        return self._predict_arrays(x)

    def _inputs(self, frame: pd.DataFrame, method: str) -> pd.DataFrame:
        """The checked input columns of ``frame`` as floats (empty cells stay NaN)."""
        self._check_fitted()
        require_frame(frame, method, self.kind)
        if self.kind == "price":
            return option_inputs(frame)
        absent = [c for c in GRID_PARAMETERS if c not in frame.columns]
        if absent:
            raise DataError(f"the parameter table lacks the column(s) {', '.join(absent)}; a "
                            f"surface surrogate needs {', '.join(GRID_PARAMETERS)}.")
        return numeric_columns(frame, GRID_PARAMETERS, what="the parameter table")

    def outside_box(self, frame: pd.DataFrame) -> pd.Series:
        """Per row: '' inside the trained box, else the input columns outside it; an empty
        cell is not outside (``predict`` names it in ``missing_inputs``)."""
        columns = INPUT_COLUMNS if self.kind == "price" else GRID_PARAMETERS
        return self.box_.outside(self._inputs(frame, "outside_box"), columns)

    def predict(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Per row: ``price`` (strike units; a ``type`` column of call/put is honoured),
        ``outside_box`` ('' or the columns outside the training box) and ``missing_inputs``
        ('' or the input columns with an empty cell); rows with either get no price.
        """
        self._check_fitted()
        if self.kind != "price":
            raise ConfigError("this is a surface surrogate; use predict_surface.")
        inputs = self._inputs(frame, "predict")
        put = option_types(frame)
        outside = self.box_.outside(inputs)
        absent = missing(inputs)
        usable = ((outside == "") & (absent == "")).to_numpy()
        price = np.full(len(frame), np.nan)
        price[usable] = self._predict_arrays(inputs.to_numpy(dtype=np.float32)[usable])
        m, tau, r = (inputs[c].to_numpy() for c in ("moneyness", "maturity", "rate"))
        price = np.where(put, price - m + np.exp(-r * tau), price)
        return pd.DataFrame({"price": price, "outside_box": outside.to_numpy(),
                             "missing_inputs": absent.to_numpy()}, index=frame.index)

    def predict_surface(self, frame: pd.DataFrame) -> np.ndarray:
        """Implied volatilities (n, n_cells) of the grid, per parameter row.

        A row outside the trained box, or with an empty cell, gets NaN, never an
        extrapolated surface, and a ``FindeepWarning`` counts them (``outside_box`` names
        the columns per row).
        """
        self._check_fitted()
        if self.kind != "surface":
            raise ConfigError("this is a price surrogate; use predict.")
        inputs = self._inputs(frame, "predict_surface")
        outside = self.box_.outside(inputs, GRID_PARAMETERS)
        absent = missing(inputs, GRID_PARAMETERS)
        usable = ((outside == "") & (absent == "")).to_numpy()
        vols = np.full((len(frame), len(GRID_STRIKES) * len(GRID_MATURITIES)), np.nan)
        vols[usable] = self._predict_arrays(inputs.to_numpy(dtype=np.float32)[usable])
        if not usable.all():
            columns = sorted({c for flags in outside for c in flags.split(",") if c})
            parts = [f"{int((outside != '').sum())} outside the trained box"
                     f"{' (' + ', '.join(columns) + ')' if columns else ''}",
                     f"{int((absent != '').sum())} with an empty cell"]
            warnings.warn(f"{int((~usable).sum())} of {len(frame)} parameter sets get NaN "
                          f"implied vols, not an extrapolated surface: {', '.join(parts)}; "
                          "HestonSurrogate.outside_box names the columns per row.",
                          FindeepWarning, stacklevel=2)
        return vols


def require_frame(frame: object, method: str, kind: Kind = "price") -> None:
    """Refuse anything but a DataFrame in one sentence (an array has no column names)."""
    if not isinstance(frame, pd.DataFrame):
        columns = INPUT_COLUMNS if kind == "price" else GRID_PARAMETERS
        hint = "; for an (n, 8) array in that order use price_inputs" if kind == "price" \
            else ""
        raise DataError(f"HestonSurrogate.{method} takes a pandas DataFrame with named "
                        f"columns ({', '.join(columns)}), however: {type(frame).__name__}"
                        f"{hint}.")
