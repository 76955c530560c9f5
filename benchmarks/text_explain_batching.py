"""Text explanations: rows explained together (sharing Integrated Gradients passes) against
the same rows explained one call each, and how far a row's attributions move between the two.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/text_explain_batching.py   # ~30 s
    -> results/text_explain_batching.json

Two text-cnn bundles on the synthetic tables of `findeep.testing` (500 training rows, 8
epochs): the credit table with a free-text purpose (binary) and the sentiment sentences
(3 classes); 200 new rows of each explained with `top=64`, first together, then row by row.
"""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path

from findeep.testing import make_text_credit_frame, make_text_frame
from findeep.text.explain import explain_text
from findeep.text.pipeline import fit_text

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    found = {}
    for make, target in ((make_text_credit_frame, "default"), (make_text_frame, "sentiment")):
        train = make(500, seed=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pipeline = fit_text(train.drop(columns=[target]), train[target], verbose=0,
                                max_epochs=8)
        rows = make(200, seed=1).drop(columns=[target])
        started = time.perf_counter()
        together = explain_text(pipeline, rows, top=64)
        together_s = time.perf_counter() - started
        started = time.perf_counter()
        alone = [explain_text(pipeline, rows.iloc[[i]], top=64)[0] for i in range(len(rows))]
        alone_s = time.perf_counter() - started
        worst, same_order = 0.0, True
        for a, b in zip(together, alone, strict=True):  # word by word, in the order given
            same_order &= [w["word"] for w in a.words] == [w["word"] for w in b.words]
            worst = max(worst, *(abs(x["attribution"] - y["attribution"])
                                 for x, y in zip(a.words, b.words, strict=True)))
        found[target] = {"rows": len(rows), "together_s": round(together_s, 2),
                         "one_a_call_s": round(alone_s, 2),
                         "speed_up": round(alone_s / together_s, 2),
                         "largest_difference": worst, "same_word_order": same_order}
        print(target, found[target])
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "text_explain_batching.json").write_text(json.dumps(found, indent=1) + "\n")


if __name__ == "__main__":
    main()
