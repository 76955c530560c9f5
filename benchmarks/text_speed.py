"""Scoring speed of text models on Financial PhraseBank sentences, in one process.

Batch scoring: every 50Agree sentence (4,846) through tokenizer + network, median of 3 runs,
for text-cnn, text-bilstm, minilm and TF-IDF+LR. Single sentence: one record POSTed to the
text server's /v1/predict in process (FastAPI TestClient), 200 requests, p50 / p99. Weights
do not change speed, so the networks are trained briefly on 400 sentences. Both wall-clock
and process CPU seconds are recorded: the machine is shared, and CPU time shows the work
when other jobs take the cores.

    python benchmarks/text_speed.py
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from text_phrasebank import load

from findeep.data.schema import FindeepWarning

OUT = Path(__file__).resolve().parent / "results" / "text_speed.json"


def timed(fn, repeats: int = 3) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    from fastapi.testclient import TestClient

    from findeep.text import baseline, fit_text
    from findeep.text.serve import create_text_app

    warnings.simplefilter("ignore", FindeepWarning)
    torch.set_num_threads(2)
    frame = load("50Agree")
    small = frame.sample(400, random_state=0)
    results: dict[str, dict[str, float]] = {"threads": {"torch": 2}}  # type: ignore[dict-item]
    for name, options in (("text-cnn", {}), ("text-bilstm", {}), ("minilm", {"frozen": True})):
        pipeline = fit_text(small[["sentence"]], small["sentiment"], model=name, verbose=0,
                            max_epochs=1, model_options=options)
        wall, cpu = timed(lambda p=pipeline: p.predict_raw(frame[["sentence"]]))
        client = TestClient(create_text_app(pipeline))
        sentences = frame["sentence"].sample(220, random_state=1).tolist()
        latencies = []
        for i, sentence in enumerate(sentences):
            started = time.perf_counter()
            response = client.post("/v1/predict", json={"records": [{"sentence": sentence}]})
            if i >= 20:  # warm-up requests
                latencies.append(time.perf_counter() - started)
            assert response.status_code == 200
        results[name] = {
            "batch_sentences_per_second_wall": len(frame) / wall,
            "batch_sentences_per_cpu_second": len(frame) / cpu,
            "single_p50_ms": 1000 * float(np.percentile(latencies, 50)),
            "single_p99_ms": 1000 * float(np.percentile(latencies, 99)),
            "max_length": pipeline.tokenizer.max_length}
        print(name, json.dumps(results[name]), flush=True)
    model = baseline.tfidf_model("sentence", [], [], "multiclass")
    model.fit(small, small["sentiment"])
    wall, cpu = timed(lambda: model.predict_proba(frame[["sentence"]]))
    results["tfidf-lr"] = {"batch_sentences_per_second_wall": len(frame) / wall,
                           "batch_sentences_per_cpu_second": len(frame) / cpu}
    print("tfidf-lr", json.dumps(results["tfidf-lr"]), flush=True)
    OUT.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
