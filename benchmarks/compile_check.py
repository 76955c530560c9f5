"""Does ``torch.compile`` pay off for the default network on 2 CPU cores?

    OMP_WAIT_POLICY=PASSIVE python benchmarks/compile_check.py

Issue #3 allows ``torch.compile`` "only if it wins". Two measurements, each eager vs compiled
in the same process on the same data:

1. Training: the default model fitted on 80% of the credit sample (the rest held out), a
   fixed 20 epochs (patience 20: early stopping cannot end a run) so both runs do the same
   work. Reports the whole fit (compilation included: a user pays it on every fit) and the
   mean epoch time after the first two epochs (steady state, compilation excluded).
2. Scoring: the fused inference forward on 1,000,000 rows of ``make_credit_frame``,
   preprocessed once outside the timing; the first call (100,000 rows, compilation
   included) is timed apart, then the median of 3 full passes.

Writes benchmarks/results/compile.md.
"""

from __future__ import annotations

import os
import tempfile

# a fresh, empty compile cache, as on a user's first run (inductor otherwise reuses kernels
# cached on disk by earlier runs of this script); set before torch is imported
os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", tempfile.mkdtemp(prefix="findeep-inductor-"))

import statistics
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

import findeep
import findeep.pipeline as pipeline_module
from findeep.data.samples import load_sample
from findeep.models.inference import inference_forward
from findeep.testing import make_credit_frame

HERE = Path(__file__).resolve().parent
EPOCHS = 20


def fit_seconds(compiled: bool) -> dict[str, Any]:
    """Fit the default model with or without ``torch.compile``; whole fit and epoch times."""
    sample = load_sample("credit")
    frame = sample.frame.sample(frac=1.0, random_state=0)
    train = frame.iloc[: int(0.8 * len(frame))]
    X, y = train.drop(columns=sample.target), train[sample.target]
    real_fit = pipeline_module.fit_network
    epoch_ends: list[float] = []

    def fit(model: torch.nn.Module, *args: Any, **kwargs: Any) -> Any:
        hook = kwargs.pop("on_epoch_end", None)

        def record(epoch: int, metrics: dict[str, float]) -> None:
            epoch_ends.append(time.perf_counter())
            if hook is not None:
                hook(epoch, metrics)

        if compiled:
            model = torch.compile(model)
        return real_fit(model, *args, on_epoch_end=record, **kwargs)

    pipeline_module.fit_network = fit
    try:
        started = time.perf_counter()
        findeep.TabularClassifier(max_epochs=EPOCHS, patience=EPOCHS, verbose=0).fit(X, y)
        total = time.perf_counter() - started
    finally:
        pipeline_module.fit_network = real_fit
    steady = np.diff(epoch_ends[1:])  # epochs 3..N: compilation is over by then
    return {"fit_s": total, "epoch_s": float(np.mean(steady)),
            "first_two_epochs_s": epoch_ends[1] - started}


def scoring(compiled: bool, rows: int = 1_000_000) -> dict[str, Any]:
    """Forward-pass throughput of the fused scoring path on pre-built tensors, the first
    call's time on 100,000 rows (compilation included) and the logits of that call."""
    train = make_credit_frame(20_000, seed=1).drop(columns=["applied_on"])
    y = train.pop("default")
    model = findeep.TabularClassifier(max_epochs=3, verbose=0).fit(train, y)
    big = make_credit_frame(rows, seed=2).drop(columns=["applied_on", "default"])
    x_num, x_cat, _ = model.pipeline_.transform(big)
    x_num, x_cat = torch.from_numpy(x_num), torch.from_numpy(x_cat)
    forward = inference_forward(model.pipeline_.network)
    if compiled:
        forward = torch.compile(forward)
    timings = []
    with torch.inference_mode():
        started = time.perf_counter()
        first = forward(x_num[:100_000], x_cat[:100_000])  # warm-up (and compilation)
        first_call = time.perf_counter() - started
        for _ in range(3):
            started = time.perf_counter()
            forward(x_num, x_cat)
            timings.append(time.perf_counter() - started)
    return {"rows_per_second": rows / statistics.median(timings), "first_call_s": first_call,
            "logits": first}


def main() -> None:
    warnings.simplefilter("ignore")
    findeep.TabularClassifier(max_epochs=1, verbose=0).fit(  # untimed: torch's start-up
        *_xy(make_credit_frame(300, seed=0)))
    rows = []
    for compiled in (False, True):
        rows.append((compiled, fit_seconds(compiled), scoring(compiled)))
        print(compiled, rows[-1][1], rows[-1][2]["rows_per_second"], flush=True)
    gap = float((rows[0][2]["logits"] - rows[1][2]["logits"]).abs().max())
    lines = [
        "## torch.compile: measured, not used",
        "",
        "Command: `OMP_WAIT_POLICY=PASSIVE python benchmarks/compile_check.py` — torch "
        f"{torch.__version__}, {os.cpu_count()} cores, inductor's default mode, an empty "
        "compile cache (a user's first run). Training: the "
        f"default model on 80% of the credit sample, {EPOCHS} epochs, patience {EPOCHS} "
        "(every epoch runs); scoring: the fused inference forward on 1,000,000 pre-processed "
        "rows (median of 3).",
        "",
        "| | whole fit (s), compilation included | first two epochs (s) | steady epoch (s) | "
        "scoring: first call on 100,000 rows (s) | scoring forward (rows/s) |",
        "|---|---|---|---|---|---|",
    ]
    for compiled, fit, scored in rows:
        lines.append(f"| {'torch.compile' if compiled else 'eager'} | {fit['fit_s']:.2f} | "
                     f"{fit['first_two_epochs_s']:.2f} | {fit['epoch_s']:.3f} | "
                     f"{scored['first_call_s']:.2f} | {scored['rows_per_second']:,.0f} |")
    eager, compiled_ = rows[0][2], rows[1][2]
    saved = 1 / eager["rows_per_second"] - 1 / compiled_["rows_per_second"]  # s per row
    cost = compiled_["first_call_s"] - eager["first_call_s"]
    lines += ["", f"Compiled and eager logits differ by at most {gap:.1e}. Scoring only pays "
                  f"back compilation ({cost:.1f} s) after ~{cost / saved / 1e6:,.0f} million "
                  "rows in one process." if saved > 0 else "Compiled scoring is not faster."]
    out = HERE / "results" / "compile.md"
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}")


def _xy(frame: Any) -> tuple[Any, Any]:
    return frame.drop(columns=["default"]), frame["default"]


if __name__ == "__main__":
    main()
