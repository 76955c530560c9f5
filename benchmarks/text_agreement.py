"""Where fine-tuned MiniLM's errors are on PhraseBank: accuracy by annotator agreement.

Every 50Agree sentence also sits in the highest agreement file that holds it (66Agree,
75Agree, AllAgree: at least that share of the 5-8 annotators gave its majority label), so
the development split's stored predictions (``text_phrasebank.py --dev-split``) can be
broken down by how ambiguous a sentence was to people. Also: the majority vote of the
reference recipe's three training seeds (ties go to seed 0), the share of rows at least one
seed got right, and the accuracy one annotator would score against the majority label if
each agreement band sat at the middle of its range (a rough human reference, not a bound).
Reads stored results only; prints Markdown and writes ``results/text_agreement.json``.

    python benchmarks/text_agreement.py
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
from text_phrasebank import load

RESULTS = Path(__file__).resolve().parent / "results"
BANDS = ("50Agree", "66Agree", "75Agree", "AllAgree")  # each row: the highest file holding it
BAND_LABELS = {"50Agree": "50-65%", "66Agree": "66-74%", "75Agree": "75-99%", "AllAgree": "100%"}
BAND_MIDPOINTS = {"50Agree": 0.575, "66Agree": 0.70, "75Agree": 0.87, "AllAgree": 1.0}
SEEDS = ("ref", "ref-seed1", "ref-seed2")
RUNS = (*(f"minilm-bf16_{tag}" for tag in SEEDS), "minilm-bf16_decay095", "tfidf-lr")


def agreement_bands() -> np.ndarray:
    """The agreement band of every 50Agree row, in the order ``load("50Agree")`` gives."""
    band_of = {}
    for band in BANDS:  # later (stricter) files overwrite earlier ones
        for sentence in load(band)["sentence"]:
            band_of[sentence] = band
    return load("50Agree")["sentence"].map(band_of).to_numpy()


def target_codes() -> np.ndarray:
    """The 50Agree labels as the benchmark coded them (``infer_target``'s encoding)."""
    from findeep.data.target import infer_target

    labels = load("50Agree")["sentiment"]
    return np.asarray(infer_target(labels, "sentiment", "auto").encode(labels))


def stored_run(name: str) -> dict:
    fold = json.loads((RESULTS / f"text_phrasebank_50Agree_{name}_dev.json").read_text())
    fold = fold["folds"][0]
    return {"rows": np.array(fold["test_rows"]), "predicted": np.array(fold["predicted"]),
            "correct": np.array(fold["correct"], dtype=bool)}


def majority_vote(runs: list[dict]) -> np.ndarray:
    """Per row, the label most seeds predicted; a three-way tie keeps the first seed's."""
    votes = []
    for i in range(len(runs[0]["predicted"])):
        label, count = Counter(run["predicted"][i] for run in runs).most_common(1)[0]
        votes.append(label if count > 1 else runs[0]["predicted"][i])
    return np.array(votes)


def by_band(correct: np.ndarray, bands: np.ndarray) -> dict[str, float]:
    return {band: float(correct[bands == band].mean()) for band in BANDS}


def main() -> None:
    bands_all = agreement_bands()
    runs = {name: stored_run(name) for name in RUNS}
    rows = runs[RUNS[0]]["rows"]
    if any(not np.array_equal(run["rows"], rows) for run in runs.values()):
        raise SystemExit("the stored runs scored different rows; rerun them on the same split")
    bands = bands_all[rows]
    seeds = [runs[f"minilm-bf16_{tag}"] for tag in SEEDS]
    truth = target_codes()[rows]
    if any(not np.array_equal(run["predicted"] == truth, run["correct"]) for run in seeds):
        raise SystemExit("the stored predictions do not match the target codes")
    vote_correct = majority_vote(seeds) == truth
    any_correct = np.any([seed["correct"] for seed in seeds], axis=0)
    table = {name: {"accuracy": float(run["correct"].mean()),
                    "by_band": by_band(run["correct"], bands)} for name, run in runs.items()}
    table["vote of the 3 reference seeds"] = {"accuracy": float(vote_correct.mean()),
                                              "by_band": by_band(vote_correct, bands)}
    table["any of the 3 seeds right"] = {"accuracy": float(any_correct.mean()),
                                         "by_band": by_band(any_correct, bands)}
    share = {band: float(np.mean(bands == band)) for band in BANDS}
    whole = {band: float(np.mean(bands_all == band)) for band in BANDS}
    annotator = float(sum(whole[band] * BAND_MIDPOINTS[band] for band in BANDS))
    result = {"rows": len(rows), "band_share_dev_valid": share, "band_share_corpus": whole,
              "one_annotator_at_band_midpoints": annotator, "runs": table}
    (RESULTS / "text_agreement.json").write_text(json.dumps(result, indent=2) + "\n")
    head = " | ".join(f"{BAND_LABELS[b]} ({share[b]:.0%} of rows)" for b in BANDS)
    print(f"| run | accuracy | {head} |")
    print("|---|---|" + "---|" * len(BANDS))
    for name, entry in table.items():
        cells = " | ".join(f"{entry['by_band'][b]:.3f}" for b in BANDS)
        print(f"| {name} | {entry['accuracy']:.4f} | {cells} |")
    print(f"\nOne annotator against the majority label, bands at their midpoints, whole corpus: "
          f"{annotator:.3f}")


if __name__ == "__main__":
    main()
