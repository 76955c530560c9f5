"""Score validated records with a loaded pipeline: the hot path of the server.

Everything that can be prepared once is prepared in ``__init__`` (encoder lookups, fused
weights, a warm-up pass), so a request pays only for encoding its rows and one forward.
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
from findeep.train.trainer import logits_to_prediction

Outputs = dict[str, list[Any]]
PARALLEL_MIN_ROWS = 256  # per thread: below this, the hand-off costs more than it saves


class Scorer:
    """Turn records into the output ``TabularPipeline.predict_raw`` gives for the same rows."""

    def __init__(self, pipeline: TabularPipeline) -> None:
        self.pipeline = pipeline
        self.encoder = RecordEncoder(pipeline.preprocessor)
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
        """(``predict_raw``'s output, per-row unseen-category mask [n, n_cat]).

        A big request is cut in halves scored on two threads: numpy's interpolation and
        torch's products release the GIL, so a 1,000-record batch uses both cores. Rows are
        scored independently, so the halves give the same numbers as one pass.
        """
        workers = min(self._workers, len(records) // PARALLEL_MIN_ROWS)
        if workers < 2:
            return self._predict_part(records)
        bounds = np.linspace(0, len(records), workers + 1).astype(int)
        parts = [records[a:b] for a, b in pairwise(bounds)]
        results = list(self._pool.map(self._predict_part, parts))
        return (np.concatenate([prediction for prediction, _ in results]),
                np.concatenate([unseen for _, unseen in results]))

    def _predict_part(self, records: Sequence[Mapping[str, Any]],
                      ) -> tuple[np.ndarray, np.ndarray]:
        x_num, x_cat, unseen = self.encoder.encode_rows(records)
        with torch.inference_mode():
            logits = self.forward(torch.from_numpy(x_num), torch.from_numpy(x_cat))
        pipeline = self.pipeline
        prediction = logits_to_prediction(logits, pipeline.task, pipeline.temperature)
        if pipeline.task == "regression":
            prediction = prediction * pipeline.y_std + pipeline.y_mean
        return prediction, unseen

    def outputs(self, records: Sequence[Mapping[str, Any]]) -> tuple[Outputs, dict[str, int]]:
        """Column-wise response fields (one entry per record) and unseen-category counts."""
        prediction, unseen = self.predict_rows(records)
        return self.format(prediction), self.unseen_counts(unseen)

    def unseen_counts(self, unseen: np.ndarray) -> dict[str, int]:
        return self.encoder.report(unseen).unseen_categories

    def format(self, prediction: np.ndarray) -> Outputs:
        """Response fields from ``predict_raw``-style output, as in ``findeep predict``."""
        task = self.pipeline.task
        labels = self._labels
        if task == "binary":
            event = self.pipeline.event_probability(prediction)
            return {"probability": event.tolist(),
                    "predicted": [labels[1] if p >= 0.5 else labels[0]
                                  for p in prediction.tolist()]}
        if task == "multiclass":
            names = [str(c) for c in labels]
            return {"probabilities": [dict(zip(names, row, strict=True))
                                      for row in prediction.tolist()],
                    "predicted": [labels[i] for i in prediction.argmax(axis=1).tolist()]}
        return {"prediction": prediction.astype(float).tolist()}
