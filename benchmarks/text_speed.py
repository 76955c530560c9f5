"""Scoring speed of text models on Financial PhraseBank sentences, in one process.

Batch scoring: 50Agree sentences through tokenizer + network (``predict_raw``, the path
``findeep text predict`` takes), median of 3 runs; every one of the 4,846 sentences for
the small networks and TF-IDF+LR, the first ``--minilm-rows`` (sampled, seed 0) for MiniLM.
Single sentence: one record POSTed to the text server's ``/v1/predict`` in process
(FastAPI TestClient, as ``findeep serve`` builds it: garbage collection frozen after load),
200 requests after 20 warm-ups, p50 / p99. Weights do not change speed, so each network is
trained one epoch on 400 sentences (MiniLM frozen: the same encoder forward pass as a
fine-tuned one).

For ``text-cnn`` the batch is also scored without its lookup table (convolving, as before
it), in the same run: ``lookup_speedup_cpu`` and the largest probability difference.

Both wall-clock seconds and process CPU seconds are recorded. On a quiet 2-core machine
``--threads 2`` gives the sentences/s a user sees; on a shared machine run ``--threads 1``
and read ``batch_sentences_per_cpu_second``, which other jobs do not inflate.

    python benchmarks/text_speed.py --threads 2        # -> benchmarks/results/text_speed.json
    python benchmarks/text_speed.py --threads 2 --models text-cnn minilm minilm-int8 \
        --minilm-rows 300
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
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

RESULTS = Path(__file__).resolve().parent / "results"
MODELS = {"text-cnn": ("text-cnn", {}),
          "text-cnn-kim64": ("text-cnn", {"widths": [3, 4, 5], "n_filters": 100,
                                          "d_embedding": 64, "dropout": 0.5}),
          "text-bilstm": ("text-bilstm", {}),
          "minilm": ("minilm", {"frozen": True}),
          "minilm-bf16": ("minilm", {"frozen": True, "precision": "bf16"}),
          # scored with int8 Linear layers, as `findeep serve --int8` does
          "minilm-int8": ("minilm", {"frozen": True})}


def timed(fn, repeats: int = 3) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus)


def single_latencies(app, sentences: list[str], warmup: int = 20
                     ) -> tuple[list[float], list[float]]:
    """Wall and process-CPU seconds of each request after the warm-ups (CPU time is what a
    request costs on a free core; on a shared machine the wall time also counts waiting)."""
    from fastapi.testclient import TestClient

    client = TestClient(app)
    latencies, cpu = [], []
    for i, sentence in enumerate(sentences):
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.post("/v1/predict", json={"records": [{"sentence": sentence}]})
        if i >= warmup:
            latencies.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
        assert response.status_code == 200, response.text
    return latencies, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--models", nargs="+", default=[*MODELS, "tfidf-lr"])
    parser.add_argument("--minilm-rows", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--out", default=str(RESULTS / "text_speed.json"))
    args = parser.parse_args()

    from findeep.text import baseline, fit_text
    from findeep.text.serve import create_text_app

    warnings.simplefilter("ignore", FindeepWarning)
    torch.set_num_threads(args.threads)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "true" if args.threads > 1 else "false")
    frame = load("50Agree")
    small = frame.sample(400, random_state=0)
    sentences = frame["sentence"].sample(args.requests + 20, random_state=1).tolist()
    results: dict = {"threads": args.threads, "machine": platform.processor() or platform.machine(),
                     "cpus": os.cpu_count(), "load_average_at_start": os.getloadavg()[0],
                     "torch": torch.__version__, "models": {}}
    for name in args.models:
        if name == "tfidf-lr":
            model = baseline.tfidf_model("sentence", [], [], "multiclass")
            model.fit(small, small["sentiment"])
            wall, cpu = timed(lambda m=model: m.predict_proba(frame[["sentence"]]))
            results["models"][name] = {"rows": len(frame),
                                       "batch_sentences_per_second_wall": len(frame) / wall,
                                       "batch_sentences_per_cpu_second": len(frame) / cpu}
            print(name, json.dumps(results["models"][name]), flush=True)
            continue
        model_name, options = MODELS[name]
        pipeline = fit_text(small[["sentence"]], small["sentiment"], model=model_name,
                            verbose=0, max_epochs=1, model_options=options)
        if name.endswith("-int8"):
            pipeline.quantize_int8()
        rows = frame if model_name != "minilm" else frame.sample(
            min(args.minilm_rows, len(frame)), random_state=0)
        X = rows[["sentence"]]
        pipeline.predict_raw(X.iloc[:256])  # warm-up
        wall, cpu = timed(lambda p=pipeline, X=X: p.predict_raw(X))
        compared = {}
        if hasattr(pipeline.network.encoder, "forward_ids"):
            # the same run without the lookup table (text-cnn convolving as before it): the
            # speed-up as a ratio that shared load does not distort, and the outputs' match
            fast = pipeline.predict_raw(X)[0]
            encoder = pipeline.network.encoder
            encoder.forward_ids = lambda ids, mask: None  # instance attribute: falls back
            conv_wall, conv_cpu = timed(lambda p=pipeline, X=X: p.predict_raw(X))
            compared = {"convolution_sentences_per_second_wall": len(X) / conv_wall,
                        "convolution_sentences_per_cpu_second": len(X) / conv_cpu,
                        "lookup_speedup_cpu": conv_cpu / cpu,
                        "lookup_vs_convolution_max_abs_diff": float(np.abs(
                            fast - pipeline.predict_raw(X)[0]).max())}
            del encoder.forward_ids
        app = create_text_app(pipeline)
        gc.collect()
        gc.freeze()  # as `findeep serve` does (serve/server.py): long-lived objects out of GC
        latencies, cpu_each = single_latencies(app, sentences)
        gc.unfreeze()
        results["models"][name] = {
            "rows": len(X), "model_options": options,
            "batch_sentences_per_second_wall": len(X) / wall,
            "batch_sentences_per_cpu_second": len(X) / cpu, **compared,
            "single_p50_ms": 1000 * float(np.percentile(latencies, 50)),
            "single_p99_ms": 1000 * float(np.percentile(latencies, 99)),
            "single_cpu_p50_ms": 1000 * float(np.percentile(cpu_each, 50)),
            "single_cpu_p99_ms": 1000 * float(np.percentile(cpu_each, 99)),
            "single_requests": len(latencies), "max_length": pipeline.tokenizer.max_length}
        print(name, json.dumps(results["models"][name]), flush=True)
    results["load_average_at_end"] = os.getloadavg()[0]
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
