"""Financial PhraseBank sentiment: TF-IDF+LR, text-cnn, text-bilstm, minilm (frozen and
fine-tuned) on the same stratified 10-fold CV (seed 0).

The corpus (Malo et al. 2014, CC BY-NC-SA 3.0) is read from ../shared/data/financial-
phrasebank at run time and never copied. Results go to
benchmarks/results/text_phrasebank_<agree>_<model>.json, rewritten after every fold so a
stopped run keeps what it finished.

    python benchmarks/text_phrasebank.py --agree 50Agree --models tfidf-lr text-cnn
    python benchmarks/text_phrasebank.py --agree 50Agree --models minilm --folds-to-run 2

``--dev-split`` is for choosing a recipe without touching the test folds: it trains on 80% of
fold 0's training rows (stratified, seed 0) and scores the other 20% (dev-valid), keeping
each dev-valid row's prediction; the results file gets ``_dev`` (compare runs with
text_recipe_dev.py).

    python benchmarks/text_phrasebank.py --agree 50Agree --models minilm-bf16 --dev-split
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import pandas as pd
import torch

from findeep.text.benchmark import run_text_benchmark

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("PHRASEBANK_DIR", ROOT.parent / "shared/data/financial-phrasebank"))
if not DATA.is_dir():
    DATA = Path("/work/shared/data/financial-phrasebank")


def load(agree: str) -> pd.DataFrame:
    rows = []
    text = (DATA / f"Sentences_{agree}.txt").read_text(encoding="latin-1")
    for line in text.splitlines():
        if "@" in line:
            sentence, label = line.rsplit("@", 1)
            rows.append((sentence.strip(), label.strip()))
    return pd.DataFrame(rows, columns=["sentence", "sentiment"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agree", default="50Agree", choices=["50Agree", "66Agree", "75Agree",
                                                               "AllAgree"])
    parser.add_argument("--models", nargs="+", default=["tfidf-lr", "text-cnn", "text-bilstm"])
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--folds-to-run", type=int, default=None)
    parser.add_argument("--fold-indices", type=int, nargs="+", default=None,
                        help="run only these folds of the split (results file gets a suffix)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--model-options", default=None,
                        help="JSON added to every network's options, e.g. '{\"dropout\": 0.5}'")
    parser.add_argument("--train-options", default=None,
                        help="JSON training options, e.g. '{\"weight_decay\": 0.01}'")
    parser.add_argument("--tag", default="", help="suffix of the results file names")
    parser.add_argument("--dev-split", action="store_true",
                        help="train on 80%% of fold 0's training rows (of --fold-indices' first "
                             "fold if given) and score the other 20%%, never the test folds")
    parser.add_argument("--model-seed", type=int, default=None,
                        help="seed of the models' training (default 0, the split's seed)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    frame = load(args.agree)
    options = json.loads(args.model_options) if args.model_options else None
    train = json.loads(args.train_options) if args.train_options else None
    split = "development" if args.dev_split else "cross-validation"
    print(f"{args.agree}: {len(frame)} sentences, classes "
          f"{frame['sentiment'].value_counts().to_dict()}", flush=True)
    for model in args.models:
        out = (ROOT / "benchmarks/results"
               / f"text_phrasebank_{args.agree}_{model}{'_' + args.tag if args.tag else ''}"
               f"{'_folds' + '-'.join(map(str, args.fold_indices)) if args.fold_indices else ''}"
               f"{'_dev' if args.dev_split else ''}.json")
        done: list[dict] = []

        def record(name: str, k: int, fold: dict, done: list[dict] = done,
                   out: Path = out) -> None:
            done.append(fold)
            print(f"{name} {'development split of ' if args.dev_split else ''}fold {k}: "
                  + ", ".join(f"{key}={value:.4g}" for key, value in
                                                   fold.items() if isinstance(value, float)),
                  flush=True)
            out.write_text(json.dumps({"agree": args.agree, "model": name, "rows": len(frame),
                                       "model_options": options, "train_options": train,
                                       "split": split, "model_seed": args.model_seed,
                                       "n_folds": args.folds, "seed": 0, "folds": done,
                                       "threads": args.threads,
                                       "finished": False}, indent=2) + "\n")

        started = time.perf_counter()
        result = run_text_benchmark(frame, "sentiment", models=[model], text_column="sentence",
                                    n_folds=args.folds, seed=0, folds_to_run=args.folds_to_run,
                                    model_options=options, on_fold=record,
                                    fold_indices=args.fold_indices, train_options=train,
                                    development=args.dev_split, model_seed=args.model_seed)
        entry = result["models"][model]
        out.write_text(json.dumps({"agree": args.agree, "model": model, "rows": len(frame),
                                   "model_options": options, "train_options": train,
                                   "split": split, "model_seed": args.model_seed,
                                   "n_folds": args.folds,
                                   "folds_run": result["folds_run"],
                                   "seed": 0, "threads": args.threads,
                                   "seconds": time.perf_counter() - started,
                                   "summary": entry["summary"], "folds": entry["folds"],
                                   "finished": True}, indent=2) + "\n")
        print(model, json.dumps(entry["summary"]), flush=True)


if __name__ == "__main__":
    main()
