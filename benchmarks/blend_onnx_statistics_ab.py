"""Forty-first session: the CatBoost graph's category statistics one lookup each (the first
form, commit e378718) against all of them in one vectorized lookup (the form kept), same run:
nodes in the graph, one record's latency (p50, p99 over 200 records) and a test fold's batch
time (median of 3), each measured twice in the order old, new, new, old and averaged.

    git show e378718:src/findeep/export/catboost_graph.py > /tmp/catboost_graph_old.py
    OMP_WAIT_POLICY=PASSIVE python benchmarks/blend_onnx_statistics_ab.py /tmp/catboost_graph_old.py

Five panel tables (the first of the benchmark's folds, seed 0, `default+catboost` as `findeep
train` fits it); both graphs are checked against the bundle by the export itself, and their
scores on the test fold compared with each other.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import onnx
from cpu import median_seconds
from first_fold_blend import first_fold_blend
from issue12_s31_headroom import real_tables
from onnx_timing import cpu_session, one_record_ms

import findeep.export.blend_onnx as blend_onnx
from findeep.export.onnx import export_onnx, onnx_inputs

TABLES = ("causaldata/social_insure", "modeldata/lending_club", "modeldata/wa_churn",
          "ISLR/Caravan", "ISLR/Default")


def main(old_module_path: str) -> None:

    warnings.simplefilter("ignore")
    spec = importlib.util.spec_from_file_location("catboost_graph_old", old_module_path)
    old = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = old  # its dataclass looks itself up there
    spec.loader.exec_module(old)
    forms = {"one lookup each": old.catboost_part, "one lookup": blend_onnx.catboost_part}
    print("| table | form | nodes | one record p50 / p99, ms | test fold, s | max score diff |")
    print("|---|---|---|---|---|---|")
    for name, frame, target, n_folds in real_tables(set(TABLES)):
        pipeline, rows, _ = first_fold_blend(frame, target, n_folds)
        batch = onnx_inputs(pipeline, rows)
        records = [onnx_inputs(pipeline, rows.iloc[[i]]) for i in range(min(220, len(rows)))]
        scores: dict[str, np.ndarray] = {}
        results: dict[str, list[tuple[float, float, float]]] = {form: [] for form in forms}
        nodes: dict[str, int] = {}
        with tempfile.TemporaryDirectory() as folder:
            sessions = {}
            for form, builder in forms.items():
                blend_onnx.catboost_part = builder
                path = Path(folder) / f"{len(sessions)}.onnx"
                export_onnx(pipeline, path)
                nodes[form] = len(onnx.load(str(path)).graph.node)
                sessions[form] = cpu_session(path)
                scores[form] = sessions[form].run(None, batch)[0]
            names = list(forms)
            for form in (names[0], names[1], names[1], names[0]):  # ABBA: order cancels
                session = sessions[form]
                p50, p99 = one_record_ms(session, records)
                seconds = median_seconds(lambda s=session, b=batch: s.run(None, b))
                results[form].append((p50, p99, seconds))
        gap = np.abs(scores[names[0]] - scores[names[1]]).max()
        for form in forms:
            p50, p99, seconds = np.mean(results[form], axis=0)
            print(f"| {name} | {form} | {nodes[form]:,} | {p50:.2f} / {p99:.2f} | "
                  f"{seconds:.3f} | {gap:.1e} |", flush=True)
        blend_onnx.catboost_part = forms["one lookup"]


if __name__ == "__main__":
    main(sys.argv[1])
