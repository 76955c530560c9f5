"""A ``SequenceForecaster`` on disk, in findeep's bundle format (safetensors + JSON, no pickle).

Besides the model, a bundle can keep the out-of-sample forecasts its evaluation made
(tensors ``oos.date``, ``oos.asset``, ``oos.prediction``), so a backtest later trades
only forecasts that were made without seeing their period.
"""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from findeep.bundle import write_bundle
from findeep.errors import BundleError
from findeep.forecast.baselines import BASELINE_CLASSES
from findeep.forecast.features import Columns, FeatureScaler
from findeep.forecast.models import NETWORKS, build_network
from findeep.forecast.vol_baselines import GARCHBaseline, HARBaseline

KIND = "forecast"


def save_forecaster(forecaster: Any, path: str | os.PathLike[str], *, evaluation: Any = None,
                    metrics: dict[str, Any] | None = None, force: bool = False) -> Path:
    """Write ``forecaster`` (fitted) and, when given, its evaluation's forecasts;
    ``metrics`` (default: the evaluation's) goes to metrics.json."""
    model: dict[str, Any] = {"name": forecaster.model}
    tensors: dict[str, torch.Tensor] = {}
    if forecaster.model in NETWORKS:
        members = forecaster.network_.members
        model["config"] = dict(members[0].config)
        model["n_members"] = len(members)
        model["target_scaling"] = {"mean": np.asarray(forecaster.y_mean_).tolist(),
                                   "std": np.asarray(forecaster.y_std_).tolist()}
        tensors |= {f"network.{k}": v for k, v in forecaster.network_.state_dict().items()}
    else:
        state, baseline_tensors = forecaster.baseline_.state()
        model["state"] = state
        tensors |= {f"baseline.{k}": v for k, v in baseline_tensors.items()}
    meta: dict[str, Any] = {
        "estimator": type(forecaster).__name__,
        "params": forecaster.get_params(),
        "model": model,
        "task": forecaster.task_,
        "columns": asdict(forecaster.columns_),
        "features": list(forecaster.features_),
        "feature_columns": list(forecaster.feature_columns_),
        "scaler": forecaster.scaler_.to_dict(),
        "quantiles": list(getattr(forecaster, "quantiles_", [])),
        "variance_floor": getattr(forecaster, "variance_floor_", None),
        "log_variance": bool(getattr(forecaster, "log_variance_", False)),
        "training": forecaster.training_,
    }
    if evaluation is not None:
        predictions = evaluation.predictions
        assets = sorted({str(a) for a in predictions["asset"]})
        codes = {a: i for i, a in enumerate(assets)}
        tensors["oos.date"] = torch.as_tensor(
            np.array(predictions["date"].to_numpy(dtype="datetime64[ns]"), dtype=np.int64))
        tensors["oos.asset"] = torch.as_tensor(
            np.array([codes[str(a)] for a in predictions["asset"]], dtype=np.int64))
        tensors["oos.prediction"] = torch.as_tensor(
            np.array(predictions["prediction"], dtype=float))
        meta["evaluation"] = {**evaluation.to_dict(), "assets": assets}
        metrics = evaluation.metrics if metrics is None else metrics
    if not tensors:
        tensors["model.empty"] = torch.zeros(0)  # safetensors files need at least one entry
    return write_bundle(path, kind=KIND, meta=meta, tensors=tensors, metrics=metrics, force=force)


def forecaster_from_bundle(meta: dict[str, Any], tensors: dict[str, torch.Tensor]) -> Any:
    """Rebuild a fitted ``SequenceForecaster`` (called by ``findeep.load``)."""
    from findeep.forecast.estimator import SequenceForecaster, model_names

    try:
        params = {k: v for k, v in meta["params"].items()
                  if k in SequenceForecaster().get_params()}
        forecaster = SequenceForecaster(**params)
        model = meta["model"]
        if model["name"] not in model_names():
            raise BundleError(f"the bundle's model {model['name']!r} is not known to this "
                              "findeep version.")
        forecaster.columns_ = Columns(**meta["columns"])
        forecaster.features_ = list(meta["features"])
        forecaster.feature_columns_ = list(meta["feature_columns"])
        forecaster.scaler_ = FeatureScaler.from_dict(meta["scaler"])
        forecaster.task_ = meta["task"]
        forecaster.training_ = meta.get("training", {})
        forecaster.quantiles_ = [float(q) for q in meta.get("quantiles", [])]
        forecaster.log_variance_ = bool(meta.get("log_variance", False))
        if meta.get("variance_floor") is not None:
            forecaster.variance_floor_ = float(meta["variance_floor"])
        if model["name"] in NETWORKS:
            from findeep.forecast.models.residual import LinearResidualForecaster
            from findeep.forecast.training import MemberAverage

            config = dict(model["config"])
            body_config = dict(config.pop("body"))
            body_config.pop("cell", None)
            n_features, window = body_config.pop("n_features"), body_config.pop("window")
            members = []
            for _ in range(int(model["n_members"])):
                body = build_network(model["name"], n_features=n_features, window=window,
                                     n_out=body_config["n_out"], options={
                                         k: v for k, v in body_config.items() if k != "n_out"})
                members.append(LinearResidualForecaster(body, n_features=n_features,
                                                        window=window, **config))
            network = MemberAverage(members)
            network.load_state_dict({k.removeprefix("network."): v for k, v in tensors.items()
                                     if k.startswith("network.")}, strict=True)
            forecaster.network_ = network.eval()
            forecaster.y_mean_ = np.asarray(model["target_scaling"]["mean"], dtype=float)
            forecaster.y_std_ = np.asarray(model["target_scaling"]["std"], dtype=float)
        else:
            classes = {**BASELINE_CLASSES, "har": HARBaseline, "garch": GARCHBaseline,
                       "gjr_garch": GARCHBaseline}
            forecaster.baseline_ = classes[model["name"]].from_state(
                model["state"], {k.removeprefix("baseline."): v for k, v in tensors.items()
                                 if k.startswith("baseline.")})
    except (KeyError, TypeError, RuntimeError) as exc:
        raise BundleError(f"the forecast bundle is incomplete or does not fit its model: "
                          f"{exc}") from None
    if "evaluation" in meta and "oos.date" in tensors:
        forecaster.evaluation_ = _stored_evaluation(meta["evaluation"], tensors)
    return forecaster


def _stored_evaluation(document: dict[str, Any], tensors: dict[str, torch.Tensor]) -> Any:
    from findeep.forecast.walkforward import ForecastEvaluation

    assets = np.asarray(document["assets"], dtype=object)
    predictions = pd.DataFrame({
        "date": tensors["oos.date"].numpy().astype("datetime64[ns]"),
        "asset": assets[tensors["oos.asset"].numpy()],
        "prediction": tensors["oos.prediction"].numpy().astype(float),
    })
    return ForecastEvaluation(document["model"], document["target"], document["task"],
                              document["scheme"], predictions, document["metrics"],
                              document.get("folds", []))
