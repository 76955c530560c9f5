"""Forty-first session: ONNX export of the deployable blend (`findeep export` of a
`default+catboost` bundle) on issue 12's 22 real tables — does the graph score what the bundle
scores, on real held-out rows, and what does it cost?

    OMP_WAIT_POLICY=PASSIVE python benchmarks/blend_onnx_export.py                # ~25 min
    python benchmarks/blend_onnx_export.py --report-only   # the report from the stored json

On each table the first of the benchmark's folds (seed 0, as ``blend_bundle.py`` draws them):
``fit_tabular(model="default+catboost", seed=0)`` on the training fold (what `findeep train
--model default+catboost` fits), ``export_onnx`` (its own parity check on 512 sampled rows
included), then on every test-fold row the largest |onnxruntime - bundle| of the event
probability (``export.onnx.onnx_inputs`` prepares the graph's four inputs, ``predict_raw``
gives the bundle's). Also: the export's seconds, the file's size, and the seconds to score the
test fold three ways (median of 3): the bundle (``predict_raw``: reading + preprocessing +
PyTorch + CatBoost), preparing the graph's inputs (``onnx_inputs``: the reading and
preprocessing a client does outside the graph) and the graph alone (``session.run``); and one
record's latency, p50 and p99 over 200 test rows, in the graph and in the server's scoring of
a parsed record (``Scorer.predict_rows``). Writes ``results/blend_onnx_export.{json,md}``.
"""

from __future__ import annotations

import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from cpu import median_seconds
from first_fold_blend import first_fold_blend
from issue12_s31_headroom import real_tables
from onnx_timing import cpu_session
from probe_rule import measure_each, records_command_line

from findeep.export.onnx import export_onnx, onnx_inputs

HERE = Path(__file__).resolve().parent
STORE = HERE / "results" / "blend_onnx_export.json"
REPORT = HERE / "results" / "blend_onnx_export.md"


def measure(name: str, frame, target: str, n_folds: int) -> dict:

    pipeline, rows, n_columns = first_fold_blend(frame, target, n_folds)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "blend.onnx"
            started = time.perf_counter()
            summary = export_onnx(pipeline, path)
            export_seconds = time.perf_counter() - started
            size = path.stat().st_size
            session = cpu_session(path)
            feeds = onnx_inputs(pipeline, rows)
            (graph,) = session.run(None, feeds)
            bundle, _ = pipeline.predict_raw(rows)
            bundle_seconds = median_seconds(lambda: pipeline.predict_raw(rows))
            inputs_seconds = median_seconds(lambda: onnx_inputs(pipeline, rows))
            graph_seconds = median_seconds(lambda: session.run(None, feeds))
            one_row_graph, one_row_server = one_record_latencies(pipeline, session, rows)
    # predict_raw gives class 1's probability; the graph the event class's
    event = bundle if pipeline.target.event_index == 1 else 1.0 - bundle
    return {"name": name, "rows": len(rows), "columns": n_columns,
            "texts": len(pipeline.partner.adapter.categorical),
            "max_abs_diff_test_rows": float(np.abs(graph - event).max()),
            "max_abs_diff_sampled": summary["max_abs_diff"],
            "export_seconds": export_seconds, "megabytes": size / 2**20,
            "bundle_seconds": bundle_seconds, "inputs_seconds": inputs_seconds,
            "graph_seconds": graph_seconds, "one_row_graph_ms": one_row_graph,
            "one_row_server_ms": one_row_server}


def one_record_latencies(pipeline, session, rows, n: int = 200) -> tuple[list, list]:
    """[p50, p99] ms of one record: the graph (inputs prepared beforehand) and the server's
    scoring of a parsed record (``serve.scorer.Scorer.predict_rows``: the record encoder, the
    network, CatBoost on plain lists), over the first ``n`` test rows after 20 warm-ups."""
    from findeep.serve.scorer import Scorer

    scorer = Scorer(pipeline)
    sample = rows.head(n)
    records = [{k: (None if isinstance(v, float) and np.isnan(v) else v)
                for k, v in record.items()} for record in sample.to_dict("records")]
    feeds = [onnx_inputs(pipeline, sample.iloc[[i]]) for i in range(len(sample))]
    for i in range(min(20, len(sample))):
        session.run(None, feeds[i])
        scorer.predict_rows([records[i]])
    graph, server = [], []
    for feed, record in zip(feeds, records, strict=True):
        started = time.perf_counter()
        session.run(None, feed)
        graph.append(time.perf_counter() - started)
        started = time.perf_counter()
        scorer.predict_rows([record])
        server.append(time.perf_counter() - started)
    return ([float(np.quantile(graph, q)) * 1e3 for q in (0.5, 0.99)],
            [float(np.quantile(server, q)) * 1e3 for q in (0.5, 0.99)])


def run(store: Path) -> None:
    measure_each(real_tables(), measure, store)


def report(records: list[dict]) -> str:
    lines = ["| table | test rows | category columns | max \\|graph − bundle\\| (test rows) | "
             "(512 sampled rows) | export, s | file, MB | bundle, s | inputs, s | graph, s | "
             "one record: graph p50 / p99, ms | server's scoring p50 / p99, ms |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in records:
        lines.append(f"| {r['name']} | {r['rows']:,} | {r['texts']} | "
                     f"{r['max_abs_diff_test_rows']:.1e} | {r['max_abs_diff_sampled']:.1e} | "
                     f"{r['export_seconds']:.1f} | {r['megabytes']:.1f} | "
                     f"{r['bundle_seconds']:.3f} | {r['inputs_seconds']:.3f} | "
                     f"{r['graph_seconds']:.3f} | {r['one_row_graph_ms'][0]:.2f} / "
                     f"{r['one_row_graph_ms'][1]:.2f} | {r['one_row_server_ms'][0]:.2f} / "
                     f"{r['one_row_server_ms'][1]:.2f} |")
    worst = max(r["max_abs_diff_test_rows"] for r in records)
    with_texts = sum(r["texts"] > 0 for r in records)
    rows_per_s = [r["rows"] / r["graph_seconds"] for r in records]
    ratio = [r["graph_seconds"] / r["bundle_seconds"] for r in records]
    lines += ["", f"{len(records)} tables ({with_texts} with category columns): the graph "
              f"within {worst:.1e} of the bundle on every held-out row; export "
              f"{min(r['export_seconds'] for r in records):.1f}–"
              f"{max(r['export_seconds'] for r in records):.1f} s; the graph alone "
              f"{min(rows_per_s):,.0f}–{max(rows_per_s):,.0f} rows/s, "
              f"{min(ratio):.2f}–{max(ratio):.2f}x the bundle's scoring time (median "
              f"{np.median(ratio):.2f}x), preparing its inputs outside it aside; one record "
              f"p50 {min(r['one_row_graph_ms'][0] for r in records):.2f}–"
              f"{max(r['one_row_graph_ms'][0] for r in records):.2f} ms in the graph, "
              f"{min(r['one_row_server_ms'][0] for r in records):.2f}–"
              f"{max(r['one_row_server_ms'][0] for r in records):.2f} ms in the server's "
              "scoring."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    records_command_line(__doc__, run, store=STORE, report_path=REPORT, report=report)
