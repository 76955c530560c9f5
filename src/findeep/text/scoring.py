"""Score validated records with a loaded text pipeline: the text server's hot path.

What can be prepared once is prepared in ``TextScorer.__init__`` (the network in eval mode,
class names, a warm-up pass), so a request pays for its tokens and one forward. A text-only
model's records go straight to the tokenizer (no DataFrame, no tabular preprocessing: 0.6 ms
CPU a request, measured); a model that also reads other columns builds the frame as
``findeep predict`` does. The scores are ``TextPipeline.predict_raw``'s, row for row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from findeep.text.pipeline import TextPipeline
from findeep.text.timings import Stopwatch
from findeep.text.trainer import predict_text_logits


def plain(value: Any) -> Any:
    """A numpy scalar as the Python value JSON encodes."""
    return value.item() if hasattr(value, "item") else value


class TextScorer:
    """``score(records)`` -> the ``/v1/predict`` body for those records."""

    def __init__(self, pipeline: TextPipeline, *, threshold: float = 0.5) -> None:
        """``threshold``: a binary model's cut-off for its predicted class."""
        self.pipeline = pipeline
        self.threshold = threshold
        self.task = pipeline.task
        self.class_names = [str(c) for c in pipeline.target.classes]
        # the class a binary model's "probability" is for (as /v1/model says)
        self.event_class = plain(pipeline.target.event_class) if self.task == "binary" else None
        pipeline.network.eval()
        self._warm_up()

    def _warm_up(self) -> None:
        """One pass on a dummy record, so the first real request does not pay torch's
        (and the tokenizer's) set-up."""
        record = {self.pipeline.text_column: "warm up",
                  **dict.fromkeys(self.pipeline.other_columns)}
        self.score([record])

    def score(self, records: Sequence[Mapping[str, Any]], stopwatch: Stopwatch | None = None
              ) -> dict[str, Any]:
        """``{"predictions": [...], "text": report}`` (and, for a model with other columns,
        ``unseen_categories``, ``missing_categories``, ``empty_columns``, ``off_scale``), one
        prediction per record (in order);
        a binary model's body also names its ``event_class``, the class each ``probability``
        is for. ``stopwatch`` (when timing) gets a ``tokenize`` and a ``forward`` lap."""
        pipeline = self.pipeline
        if pipeline.other_columns:
            inputs = pipeline.inputs(pd.DataFrame.from_records(list(records)))
        else:
            inputs = pipeline.inputs_of([r.get(pipeline.text_column) for r in records], None)
        if stopwatch is not None:
            stopwatch.lap("tokenize")
            stopwatch.note("tokens", int(inputs.encoded.lengths.max(initial=0)))
        prediction = pipeline.prediction(
            predict_text_logits(pipeline.network, inputs.data, lookup=True))
        if stopwatch is not None:
            stopwatch.lap("forward")
        # a model with other columns also says what reading them absorbed (unseen and
        # missing categories, empty and off-scale columns), as the tabular server does
        body = {"predictions": self._rows(prediction), "text": inputs.report.to_dict(),
                **inputs.reading}
        if self.task == "binary":
            body["event_class"] = self.event_class
        return body

    def _rows(self, prediction: Any) -> list[dict[str, Any]]:
        pipeline = self.pipeline
        labels = [plain(label) for label in pipeline.predict_labels(prediction, self.threshold)]
        if self.task == "multiclass":
            return [{"prediction": label, "probabilities": dict(zip(self.class_names, row,
                                                                    strict=True))}
                    for label, row in zip(labels, prediction.tolist(), strict=True)]
        if self.task == "binary":
            events = pipeline.event_probability(prediction).tolist()
            return [{"prediction": label, "probability": event}
                    for label, event in zip(labels, events, strict=True)]
        return [{"prediction": label} for label in labels]
