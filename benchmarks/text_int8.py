"""What int8 scoring costs a MiniLM model: accuracy on PhraseBank test folds, and the time of
one sentence, float vs int8, the same trained model in the same process.

For each fold asked for (the 10-fold stratified split of ``text_phrasebank.py``, seed 0) a
MiniLM model is fitted on the training rows (``--model minilm-frozen``: the frozen encoder
+ findeep's head, ~1 CPU-minute; ``minilm-bf16``: fine-tuned, ~8 CPU-minutes a fold), its
test rows are scored as trained, then the same pipeline is quantised
(``TextPipeline.quantize_int8``, what ``findeep serve --int8`` does) and scored again.
Reported: accuracy and macro-F1 both ways, how many test labels changed, the largest
probability change, and per-sentence CPU milliseconds (p50/p99, one thread, 100 test
sentences one at a time through ``predict_raw``) both ways.

    python benchmarks/text_int8.py --fold-indices 0   # -> results/text_int8_50Agree_<model>.json
    python benchmarks/text_int8.py --model minilm-bf16 --fold-indices 0 --fit-threads 2 \
        --save /tmp/minilm-fold0
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, str(Path(__file__).resolve().parent))
from text_phrasebank import load

from findeep.data.schema import FindeepWarning

RESULTS = Path(__file__).resolve().parent / "results"
MODELS = {"minilm-frozen": {"frozen": True}, "minilm": {}, "minilm-bf16": {"precision": "bf16"}}


def per_sentence_ms(pipeline, sentences: list[str]) -> tuple[float, float]:
    cpu = []
    for sentence in sentences:
        started = time.process_time()
        pipeline.predict_raw(pd.DataFrame({"sentence": [sentence]}))
        cpu.append(1000 * (time.process_time() - started))
    return float(np.percentile(cpu[10:], 50)), float(np.percentile(cpu[10:], 99))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agree", default="50Agree")
    parser.add_argument("--model", default="minilm-frozen", choices=sorted(MODELS))
    parser.add_argument("--fold-indices", type=int, nargs="+", default=[0])
    parser.add_argument("--fit-threads", type=int, default=1,
                        help="torch threads while fitting (scoring is timed on one)")
    parser.add_argument("--save", default=None, help="also save fold's bundle here (outside "
                                                     "the repository: a fine-tuned one is 90 MB)")
    args = parser.parse_args()

    from findeep.text import fit_text
    from findeep.text.bundle import save_text_model

    warnings.simplefilter("ignore", FindeepWarning)
    torch.set_num_threads(1)
    frame = load(args.agree)
    classes = sorted(frame["sentiment"].unique())
    codes = frame["sentiment"].map({c: i for i, c in enumerate(classes)}).to_numpy()
    folds = list(StratifiedKFold(10, shuffle=True, random_state=0).split(frame, codes))
    results = {"agree": args.agree, "model": args.model, "threads": 1, "folds": []}
    for k in args.fold_indices:
        train_rows, test_rows = folds[k]
        train, test = frame.iloc[train_rows], frame.iloc[test_rows]
        started = time.process_time()
        torch.set_num_threads(args.fit_threads)
        pipeline = fit_text(train[["sentence"]], train["sentiment"], model="minilm", seed=0,
                            verbose=0, model_options=MODELS[args.model])
        fit_cpu = time.process_time() - started
        torch.set_num_threads(1)
        if args.save:
            save_text_model(pipeline, Path(args.save) / f"fold{k}", force=True)
        sentences = test["sentence"].head(110).tolist()
        row = {"fold": k, "fit_cpu_seconds": fit_cpu, "test_rows": len(test)}
        probabilities = {}
        for kind in ("float", "int8"):
            if kind == "int8":
                pipeline.quantize_int8()
            probabilities[kind] = pipeline.predict_raw(test[["sentence"]])[0]
            labels = np.asarray(pipeline.target.classes)[probabilities[kind].argmax(axis=1)]
            p50, p99 = per_sentence_ms(pipeline, sentences)
            row[kind] = {"accuracy": float(accuracy_score(test["sentiment"], labels)),
                         "macro_f1": float(f1_score(test["sentiment"], labels,
                                                    average="macro")),
                         "one_sentence_cpu_ms_p50": p50, "one_sentence_cpu_ms_p99": p99}
        row["labels_changed"] = int((probabilities["float"].argmax(axis=1)
                                     != probabilities["int8"].argmax(axis=1)).sum())
        row["max_probability_change"] = float(np.abs(probabilities["float"]
                                                     - probabilities["int8"]).max())
        row["accuracy_change"] = row["int8"]["accuracy"] - row["float"]["accuracy"]
        results["folds"].append(row)
        print(json.dumps(row), flush=True)
    out = RESULTS / f"text_int8_{args.agree}_{args.model}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
