"""Score validated records with a loaded pipeline: the hot path of the server.

Everything that can be prepared once is prepared in ``__init__`` (encoder lookups, fused
weights, the pipeline's scoring rules, a warm-up pass), so a request pays only for
encoding its rows, one forward and the report of what its rows held.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise
from typing import Any

import numpy as np
import torch

from findeep.features.records import RecordEncoder
from findeep.models.inference import inference_forward
from findeep.pipeline import TabularPipeline

Outputs = dict[str, list[Any]]
# what scoring a request had to absorb (``Scorer.findings``), as response fields named as
# the ``TransformReport`` attributes (and ``TabularPipeline.evaluate``'s result keys)
Findings = dict[str, Any]
PARALLEL_MIN_ROWS = 256  # rows per slice: below this, the thread hand-off costs more than it saves


class Scorer:
    """Turn records into the output ``TabularPipeline.predict_raw`` gives for the same rows."""

    def __init__(self, pipeline: TabularPipeline, threshold: float = 0.5) -> None:
        """``threshold``: a binary model predicts its event class at or above this
        event probability, as ``findeep predict --threshold`` does."""
        self.pipeline = pipeline
        self.threshold = threshold
        # read as the CLI and Python API read a batch: training's missing shares and scale
        # decide which empty and off-scale columns are named (RecordEncoder.report)
        self.rules = pipeline.scoring_rules
        self.encoder = RecordEncoder(pipeline.preprocessor, self.rules)
        self.forward = inference_forward(pipeline.network)
        self._labels = list(pipeline.target.classes)
        self._workers = os.cpu_count() or 1
        self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="findeep-score")
        self._warm_up()

    def _warm_up(self) -> None:
        """One pass on a dummy row, so the first real request does not pay torch's set-up."""
        x_num = torch.zeros(1, self.encoder.n_numeric_features)
        x_cat = torch.zeros(1, len(self.pipeline.preprocessor.categorical), dtype=torch.long)
        with torch.inference_mode():
            self.forward(x_num, x_cat)

    def predict_rows(self, records: Sequence[Mapping[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
        """(``predict_raw``'s output, per-row unseen-category mask [n, n_cat]); a CQR
        regression adds its quantile band as two more columns."""
        raw = self.encoder.raw_numbers(records)  # also what a blend's CatBoost reads
        x_num, x_cat, unseen = self.encoder.encode_rows(records, raw)
        logits = self._logits(torch.from_numpy(x_num), torch.from_numpy(x_cat))
        pipeline = self.pipeline
        prediction = pipeline._prediction(logits)  # a blend's network half in float64
        if pipeline.partner is not None:  # a blend: CatBoost reads the numbers read above
            partner = pipeline.partner
            prediction = partner.blend(prediction, partner.raw_prediction_of_records(
                records, raw, self.encoder.raw_names, pipeline.schema))
        if pipeline.quantile_network is not None:  # CQR: (n, 3) = prediction and its band,
            band = pipeline.interval_band(x_num, x_cat)  # split again by format()
            prediction = np.column_stack([prediction, band])
        return prediction, unseen

    def _logits(self, x_num: torch.Tensor, x_cat: torch.Tensor) -> torch.Tensor:
        """The forward pass; a big batch is cut into one slice per core, scored on threads.

        torch releases the GIL inside its products, so the slices run in parallel (1,000
        rows: 7.6 -> 3.9 ms on 2 cores); each row's logits do not depend on the slicing.
        """
        n_slices = min(self._workers, x_num.shape[0] // PARALLEL_MIN_ROWS)

        def score(rows: slice) -> torch.Tensor:
            with torch.inference_mode():  # per thread
                return self.forward(x_num[rows], x_cat[rows])

        if n_slices < 2:
            return score(slice(None))
        bounds = np.linspace(0, x_num.shape[0], n_slices + 1).astype(int).tolist()
        slices = [slice(a, b) for a, b in pairwise(bounds)]
        return torch.cat(list(self._pool.map(score, slices)))

    def outputs(self, records: Sequence[Mapping[str, Any]]) -> tuple[Outputs, Findings]:
        """Column-wise response fields (one entry per record) and the request's findings."""
        prediction, unseen = self.predict_rows(records)
        return self.format(prediction), self.findings(unseen, records)

    def findings(self, unseen: np.ndarray, records: Sequence[Mapping[str, Any]]) -> Findings:
        """What scoring ``records`` (whose unseen mask is ``unseen``) had to absorb, as the
        CLI and Python API warn about it: per column, category values never seen in
        training (``unseen_categories``) and missing values in categorical columns that had
        none (``missing_categories``), both scored as the shared unknown level; the columns
        with no value in any record of a request big enough for that to be suspicious
        (``empty_columns``); each numeric column whose median sits far off its training
        scale, with that median (``off_scale``). The rules are ``TransformReport``'s, per
        request; a field with nothing to say is empty, never left out."""
        report = self.encoder.report(unseen, records)
        return {"unseen_categories": report.unseen_categories,
                "missing_categories": report.missing_categories,
                "empty_columns": report.empty_columns,
                "off_scale": report.off_scale}

    def format(self, prediction: np.ndarray) -> Outputs:
        """Response fields from ``predict_raw``-style output, as in ``findeep predict``."""
        task = self.pipeline.task
        labels = self._labels
        if task == "binary":
            event = self.pipeline.event_probability(prediction)
            return {"probability": event.tolist(),
                    "predicted": self.pipeline.decide(event, self.threshold).tolist()}
        if task == "multiclass":
            names = [str(c) for c in labels]
            return {"probabilities": [dict(zip(names, row, strict=True))
                                      for row in prediction.tolist()],
                    "predicted": [labels[i] for i in prediction.argmax(axis=1).tolist()]}
        band = None
        if prediction.ndim == 2:  # CQR: the quantile band rides along (predict_rows)
            prediction, band = prediction[:, 0], prediction[:, 1:]
        outputs: Outputs = {"prediction": prediction.astype(float).tolist()}
        if self.pipeline.intervals is not None:  # at the level trained with
            lower, upper = self.pipeline.intervals.interval(prediction, None, band)
            finite = np.isfinite(lower)  # too few calibration rows for the level: no bound
            outputs |= {"lower": np.where(finite, lower, None).tolist(),
                        "upper": np.where(finite, upper, None).tolist()}
        return outputs
