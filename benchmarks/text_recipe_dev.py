"""Fine-tuned MiniLM recipe candidates on the PhraseBank development split, paired.

Reads ``benchmarks/results/text_phrasebank_<agree>_minilm-bf16_<tag>_dev.json`` (written by
``text_phrasebank.py --dev-split --tag <tag>``) and compares every candidate with the
reference on the same dev-valid rows: accuracy and macro-F1, the accuracy difference with a
paired bootstrap 95% interval (rows resampled, seed 0), the exact McNemar test on the rows
where exactly one of the two is right, epochs run / kept, and fit CPU seconds. Writes
``benchmarks/results/text_recipe_dev.json`` and prints a Markdown table.

    python benchmarks/text_recipe_dev.py
    python benchmarks/text_recipe_dev.py --candidates ref enclr1e-4 epochs8 decay095
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from scipy.stats import binomtest

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks/results"
N_RESAMPLES = 2_000


def load_candidate(agree: str, model: str, tag: str) -> dict:
    path = RESULTS / f"text_phrasebank_{agree}_{model}_{tag}_dev.json"
    data = json.loads(path.read_text())
    return {"file": path.name, "finished": data.get("finished", False),
            "model_options": data.get("model_options"),
            "train_options": data.get("train_options"), **data["folds"][0]}


def paired(reference: dict, candidate: dict, seed: int = 0) -> dict:
    """Accuracy difference (candidate − reference) on the same rows, its bootstrap 95%
    interval and the exact two-sided McNemar p-value."""
    if reference["test_rows"] != candidate["test_rows"]:
        raise ValueError("the two runs scored different rows; they cannot be paired")
    ref, cand = np.array(reference["correct"]), np.array(candidate["correct"])
    only_candidate, only_reference = int(np.sum(cand > ref)), int(np.sum(ref > cand))
    discordant = only_candidate + only_reference
    p_value = (binomtest(only_candidate, discordant, 0.5).pvalue if discordant else 1.0)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(ref), size=(N_RESAMPLES, len(ref)))
    differences = cand[draws].mean(axis=1) - ref[draws].mean(axis=1)
    low, high = np.percentile(differences, [2.5, 97.5])
    return {"accuracy_difference": float(cand.mean() - ref.mean()),
            "bootstrap_95": [float(low), float(high)],
            "only_candidate_right": only_candidate, "only_reference_right": only_reference,
            "mcnemar_p": float(p_value)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agree", default="50Agree")
    parser.add_argument("--model", default="minilm-bf16")
    parser.add_argument("--reference", default="ref")
    parser.add_argument("--candidates", nargs="+",
                        default=["ref", "enclr1e-4", "epochs8", "decay095"])
    args = parser.parse_args()
    reference = load_candidate(args.agree, args.model, args.reference)
    rows = {}
    print(f"dev-valid rows: {len(reference['test_rows'])}\n")
    print("| candidate | accuracy | macro-F1 | accuracy − ref [bootstrap 95%] | only cand. / "
          "only ref right | McNemar p | epochs run / kept | fit CPU s |")
    print("|---|---|---|---|---|---|---|---|")
    for tag in args.candidates:
        try:
            run = load_candidate(args.agree, args.model, tag)
        except FileNotFoundError:
            print(f"| {tag} | not run | | | | | | |")
            continue
        entry = {key: run[key] for key in ("accuracy", "macro_f1", "fit_cpu_seconds",
                                           "epochs_run", "best_epoch", "recipe", "file",
                                           "model_options", "train_options")}
        if tag != args.reference:
            entry |= paired(reference, run)
        rows[tag] = entry
        versus = ("—" if tag == args.reference else
                  f"{entry['accuracy_difference']:+.4f} [{entry['bootstrap_95'][0]:+.4f}, "
                  f"{entry['bootstrap_95'][1]:+.4f}]")
        counts = ("—" if tag == args.reference else
                  f"{entry['only_candidate_right']} / {entry['only_reference_right']}")
        p_value = "—" if tag == args.reference else f"{entry['mcnemar_p']:.3f}"
        print(f"| {tag} | {entry['accuracy']:.4f} | {entry['macro_f1']:.4f} | {versus} | "
              f"{counts} | {p_value} | {entry['epochs_run']} / {entry['best_epoch']} | "
              f"{entry['fit_cpu_seconds']:.0f} |")
    out = RESULTS / "text_recipe_dev.json"
    out.write_text(json.dumps({"agree": args.agree, "model": args.model,
                               "reference": args.reference,
                               "dev_valid_rows": len(reference["test_rows"]),
                               "bootstrap_resamples": N_RESAMPLES, "candidates": rows},
                              indent=2) + "\n")


if __name__ == "__main__":
    main()
