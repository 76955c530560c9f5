"""Export a pricing surrogate to ONNX, checked against PyTorch before anything is written.

Price network: input ``options`` float32 ``(batch, 8)`` in the order moneyness, maturity,
rate, rho, kappa, vbar, gamma, v0; output ``price`` ``(batch,)``, call price / strike.
Surface network: input ``parameters`` ``(batch, 6)`` (rate, rho, kappa, vbar, gamma, v0);
output ``implied_vol`` ``(batch, n_cells)`` on the grid stored in the file's metadata.
The training box travels in the metadata too (``findeep.box``): a client must not trust
rows outside it, exactly as ``findeep pricing price`` flags them.
"""

from __future__ import annotations

import json
import os
import warnings
from typing import Any

import numpy as np
import torch
from torch import nn

from findeep.errors import BundleError, ConfigError
from findeep.output_paths import refuse_overwrite, staged_file
from findeep.pricing.bundle import load_pricer
from findeep.pricing.estimator import HestonSurrogate
from findeep.pricing.sampling import GRID_MATURITIES, GRID_STRIKES, sample_box

OPSET = 17
PARITY_TOLERANCE = 1e-5  # prices and vols are O(1); float32 kernels differ near 1e-7


class _Output(nn.Module):
    def __init__(self, pricer: HestonSurrogate) -> None:
        super().__init__()
        self.network = pricer.network_
        self.kind = pricer.kind

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.network.price(x) if self.kind == "price" else self.network.surface(x)


def export_pricer(pricer: HestonSurrogate, path: str | os.PathLike[str], *,
                  force: bool = False) -> dict[str, Any]:
    """Write ``pricer`` as ONNX atomically; refuse (write nothing) if onnxruntime's output
    differs from PyTorch's by more than ``PARITY_TOLERANCE`` on 2,048 rows of the box."""
    try:
        import onnx
        import onnxruntime
    except ImportError:
        raise ConfigError("ONNX export needs the onnx extra: pip install 'findeep[onnx]'."
                          ) from None
    pricer._check_fitted()
    path = refuse_overwrite(path, force=force)
    module = _Output(pricer).eval()
    input_name, output_name = ("options", "price") if pricer.kind == "price" else (
        "parameters", "implied_vol")
    columns = tuple(pricer.box_.ranges) if pricer.kind == "price" else (
        "rate", "rho", "kappa", "vbar", "gamma", "v0")
    rows = sample_box(pricer.box_, 2048, columns=columns, seed=7).to_numpy(dtype=np.float32,
                                                                          copy=True)
    with staged_file(path) as staged:
        staging = str(staged)  # the exporter, onnx and onnxruntime take a file name
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", FutureWarning)
            try:
                torch.onnx.export(module, (torch.from_numpy(rows[:8].copy()),), staging,
                                  input_names=[input_name], output_names=[output_name],
                                  opset_version=OPSET, dynamo=False,
                                  dynamic_axes={input_name: {0: "batch"},
                                                output_name: {0: "batch"}})
            except RuntimeError as exc:  # torch.onnx.errors.* derive from it
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc)
                raise BundleError(f"the network could not be exported to ONNX: {first}"
                                  ) from None
        model = onnx.load(staging)
        entries = {"findeep.kind": f"pricing-{pricer.kind}",
                   "findeep.columns": json.dumps(list(columns)),
                   "findeep.box": json.dumps(pricer.box_.to_dict()),
                   "findeep.units": "call price / strike" if pricer.kind == "price"
                   else "Black-Scholes implied volatility",
                   "findeep.grid": json.dumps({"strikes_over_spot": list(GRID_STRIKES),
                                               "maturities": list(GRID_MATURITIES)})}
        for key, value in entries.items():
            entry = model.metadata_props.add()
            entry.key, entry.value = key, value
        onnx.save(model, staging)
        session = onnxruntime.InferenceSession(staging, providers=["CPUExecutionProvider"])
        (onnx_output,) = session.run(None, {input_name: rows})
        with torch.inference_mode():
            torch_output = module(torch.from_numpy(rows)).numpy()
        gap = float(np.abs(onnx_output - torch_output).max())
        if gap > PARITY_TOLERANCE:
            raise BundleError(f"the exported graph disagrees with PyTorch by {gap:.2e} "
                              f"(> {PARITY_TOLERANCE:.0e}); nothing was written.")
    return {"path": str(path), "input": input_name, "inputs": [input_name],
            "output": output_name, "max_abs_diff": gap, "tolerance": PARITY_TOLERANCE}


def export_pricer_bundle(bundle: str | os.PathLike[str], out: str | os.PathLike[str], *,
                         force: bool = False) -> dict[str, Any]:
    """``export_pricer`` for a bundle directory (what ``findeep export`` runs on a pricer)."""
    return export_pricer(load_pricer(bundle), out, force=force)
