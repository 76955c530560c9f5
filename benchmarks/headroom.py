"""How much AUC is there to win over the classic 64-32-1 network on the panel?

    python benchmarks/headroom.py           # after benchmarks/run_panel.py
    python benchmarks/headroom.py --blends  # also refit every model for the blend ceiling

The issue asks `default` to beat `seed-mlp` by >= 0.02 mean ROC-AUC. No model can beat the
true probability of default, so on the synthetic table, where that probability is known,
``oracle AUC − seed-mlp AUC`` bounds what any model could gain. On the real tables the truth
is unknown; the best mean AUC of any model in the panel is shown instead (a floor on the
ceiling, not a bound). Folds are the panel's: 5 stratified folds, seed 0. Reads
benchmarks/results/panel.json, writes benchmarks/results/headroom.md.

``--blends`` refits the panel's models on the same folds and scores blends of their held-out
predictions (the mean of each model's per-fold ranks). The best blend is picked on the test
folds themselves — optimistic on purpose: if even that cannot reach seed-mlp + 0.02, the
target is out of reach for anything the panel's models can express.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

import numpy as np
from scipy.stats import rankdata
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from findeep.testing import make_credit_frame

HERE = Path(__file__).resolve().parent
SYNTHETIC = "make_credit_frame(10000, seed=0)"


def oracle_auc(n: int = 10_000, seed: int = 0) -> tuple[float, float]:
    """Mean ± std over the panel's folds of the AUC of the generator's own probabilities."""
    frame = make_credit_frame(n, seed=seed, return_probability=True)
    y, p = frame["default"].to_numpy(), frame["true_probability"].to_numpy()
    folds = StratifiedKFold(5, shuffle=True, random_state=0).split(y, y)
    aucs = [roc_auc_score(y[test], p[test]) for _, test in folds]
    return float(np.mean(aucs)), float(np.std(aucs, ddof=1))


def blend_ceiling(frame, target: str) -> list[tuple[str, tuple[float, float]]]:
    """Mean ± std fold AUC of seed-mlp, of every model blended, and of the best subset."""
    from findeep.benchmark import run_benchmark

    sys.path.insert(0, str(HERE))
    from run_panel import CLASSIFIERS

    result = run_benchmark(frame, target, models=list(CLASSIFIERS), n_folds=5, seed=0,
                           verbose=0)
    y = frame[target].notna().to_numpy()
    y_codes = _event_codes(frame[target][y])

    def fold_aucs(models: tuple[str, ...]) -> np.ndarray:
        aucs = []
        for fold, rows in enumerate(result.test_rows):
            ranks = np.mean([rankdata(result.predictions[m][fold]) for m in models], axis=0)
            aucs.append(roc_auc_score(y_codes[rows], ranks))
        return np.array(aucs)

    subsets = [c for r in range(1, len(result.models) + 1)
               for c in itertools.combinations(result.models, r)]
    scored = {subset: fold_aucs(subset) for subset in subsets}
    best = max(scored, key=lambda subset: scored[subset].mean())
    return [(name, (float(a.mean()), float(a.std(ddof=1)))) for name, a in (
        ("seed-mlp", scored[("seed-mlp",)]), ("default", scored[("default",)]),
        ("all models", scored[tuple(result.models)]), (" + ".join(best), scored[best]))]


def _event_codes(y) -> np.ndarray:
    from findeep.data.target import infer_target

    spec = infer_target(y.reset_index(drop=True), str(y.name), "auto")
    return spec.encode(y.reset_index(drop=True))


def blend_lines() -> list[str]:
    from findeep.data.samples import load_sample

    tables = [(f"sample:{n}", load_sample(n).frame, load_sample(n).target)
              for n in ("credit", "creditcard")]
    tables.append((SYNTHETIC, make_credit_frame(10_000, seed=0).drop(columns=["applied_on"]),
                   "default"))
    lines = [
        "",
        "### Blend ceiling on the same folds",
        "",
        "Command: `python benchmarks/headroom.py --blends`. Every panel model is refit on the "
        "panel's folds; a blend scores each row by the mean of its per-fold ranks under the "
        "blended models. `best blend` is the subset of models with the highest mean AUC, "
        "chosen on the test folds themselves (optimistic on purpose). Mean ± std over the "
        "5 folds.",
        "",
        "| table | seed-mlp | default | all models blended | best blend (picked on test) | "
        "best blend − seed-mlp |",
        "|---|---|---|---|---|---|",
    ]
    gains = []
    for name, frame, target in tables:
        print(f"blends: {name}", file=sys.stderr)
        found = blend_ceiling(frame, target)
        (_, seed), (_, default), (_, every), (best_name, best) = found
        lines.append(f"| {name} | {seed[0]:.4f} ± {seed[1]:.4f} | "
                     f"{default[0]:.4f} ± {default[1]:.4f} | {every[0]:.4f} ± {every[1]:.4f} | "
                     f"{best[0]:.4f} ± {best[1]:.4f} ({best_name}) | "
                     f"{best[0] - seed[0]:+.4f} |")
        gains.append(best[0] - seed[0])
    verdict = ("stays below +0.02 on every table" if max(gains) < 0.02
               else "reaches +0.02 on at least one table")
    lines += ["", f"The best blend's gain over seed-mlp {verdict} (largest: {max(gains):+.4f})."]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blends", action="store_true",
                        help="refit the panel's models and add the blend-ceiling table")
    args = parser.parse_args()
    panel = json.loads((HERE / "results" / "panel.json").read_text())
    lines = [
        "## Headroom over the classic network: why +0.02 AUC over `seed-mlp` is out of reach",
        "",
        "Command: `python benchmarks/headroom.py` (reads the panel's results; same folds). "
        "On the synthetic table the generator's true default probability is known, and no "
        "model can rank borrowers better than it: `oracle − seed-mlp` is the most any model "
        "could gain there. On real tables the best mean AUC of any panel model is shown "
        "instead — what has been reached, not a bound.",
        "",
        "| table | seed-mlp | default | best panel model | oracle (true probability) | "
        "room over seed-mlp | default − seed-mlp |",
        "|---|---|---|---|---|---|---|",
    ]
    for result in panel["results"]:
        if result["task"] != "binary":
            continue
        summary = result["summary"]
        auc = {model: stats["roc_auc_mean"] for model, stats in summary.items()}
        best = max(auc, key=auc.get)
        seed, default = auc["seed-mlp"], auc["default"]
        if result["name"] == SYNTHETIC:
            mean, std = oracle_auc()
            oracle, room = f"{mean:.4f} ± {std:.4f}", f"**{mean - seed:+.4f}** (bound)"
        else:
            oracle, room = "unknown", f"{auc[best] - seed:+.4f} (reached by {best})"
        lines.append(f"| {result['name']} | {seed:.4f} | {default:.4f} | {auc[best]:.4f} "
                     f"({best}) | {oracle} | {room} | {default - seed:+.4f} |")
    if args.blends:
        lines += blend_lines()
    out = HERE / "results" / "headroom.md"
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
