"""CPU cost of the monotone construction: fit (4 epochs, no early stop) and scoring of the
4,454-row credit sample, unconstrained vs constrained, one torch thread, in one process
(process time, so the ratio holds on a shared machine; best of two runs each).

    nice -n 10 python benchmarks/monotone_speed.py --out benchmarks/results/monotone_speed.json
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import torch

import findeep
from findeep.data.io import read_table

CONSTRAINTS = {"Seniority": "-", "Income": "-", "Assets": "-", "Debt": "+"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    frame = read_table("sample:credit")
    y = frame.pop("Status")
    seconds: dict[str, dict[str, list[float]]] = {}
    for _ in range(2):
        for name, options in (("free", None), ("monotone", {"monotone": CONSTRAINTS})):
            started = time.process_time()
            model = findeep.TabularClassifier(max_epochs=4, patience=100,
                                              model_options=options).fit(frame, y)
            fit = time.process_time() - started
            started = time.process_time()
            for _ in range(5):
                model.predict_proba(frame)
            score = (time.process_time() - started) / 5
            entry = seconds.setdefault(name, {"fit": [], "score": []})
            entry["fit"].append(fit)
            entry["score"].append(score)
    best = {name: {k: min(v) for k, v in entry.items()} for name, entry in seconds.items()}
    ratios = {k: best["monotone"][k] / best["free"][k] for k in ("fit", "score")}
    print(f"best CPU seconds {best}; monotone / free: fit {ratios['fit']:.2f}x, "
          f"score {ratios['score']:.2f}x")
    args.out.write_text(json.dumps({"cpu_seconds": seconds, "best": best, "ratio": ratios,
                                    "constraints": CONSTRAINTS}, indent=2))


if __name__ == "__main__":
    main()
