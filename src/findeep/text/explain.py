"""Which words (and columns) pushed a text model's prediction: integrated gradients.

Captum's ``IntegratedGradients`` runs over the network's embedded inputs — the token
embeddings (what ``LayerIntegratedGradients`` on the embedding layer computes), the scaled
numeric values and the category embeddings — from a baseline of padding tokens, zeros (the
training median after scaling) and zero category vectors. Token attributions are summed
into the words they came from (a word's subword pieces, located by character offsets), so
the output reads "consolidation +1.3". Completeness is checked: attributions sum to
f(input) - f(baseline) up to ``delta``, which is returned.

The explained output is the log-odds of the event (binary), the predicted class's
log-probability (multiclass), or the scaled value (regression).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import torch

from findeep.errors import ConfigError
from findeep.text.pipeline import TextPipeline
from findeep.text.trainer import pad_batch, predict_text_logits

STEPS = 64
# rows of one token length explained in one Captum call: 1.4-1.5x faster than a row a call
# on text-cnn (BENCHMARKS.md, forty-fifth session); Captum still evaluates the points in
# chunks of max(rows, STEPS), so memory stays what one row's 64 points took
ROWS_PER_PASS = 16


@dataclass
class RowExplanation:
    """One row: its prediction, its words and columns by attribution, the IG delta."""

    prediction: Any
    output: str
    words: list[dict[str, Any]] = field(default_factory=list)
    columns: list[dict[str, Any]] = field(default_factory=list)
    delta: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"prediction": self.prediction, "explained_output": self.output,
                "words": self.words, "columns": self.columns, "completeness_delta": self.delta}

    def reasons(self, column: str, top: int = 3) -> list[str]:
        """Reason codes: the strongest positive contributions, words and columns together."""
        return [name for _, name in reason_items(self.words, self.columns, column, top)]


def reason_items(words: list[dict[str, Any]], columns: list[dict[str, Any]], text_column: str,
                 top: int) -> list[tuple[float, str]]:
    """``(attribution, name)`` of the ``top`` contributions that raised the explained output
    most, words and columns together, as tabular reason codes are chosen: positive ones
    only, strongest first, each name once (a word written twice counts at its strongest)."""
    items = [(w["attribution"], f"{text_column} text: '{w['word']}'") for w in words]
    items += [(c["attribution"], c["column"]) for c in columns]
    chosen: dict[str, float] = {}
    for value, name in sorted(items, key=lambda t: -t[0]):
        if value > 0 and name not in chosen and len(chosen) < top:
            chosen[name] = value
    return [(value, name) for name, value in chosen.items()]


def _words(text: str, offsets: list[tuple[int, int]], scores: np.ndarray) -> list[dict[str, Any]]:
    """Sum token scores into whitespace-delimited words (by character offsets): subword
    pieces, and punctuation written against a word, join the word they touch."""
    spans: list[list[Any]] = []  # [start, end, score]
    for (start, end), score in zip(offsets, scores, strict=True):
        if end <= start:
            continue  # [CLS], [SEP], [EMPTY]
        if spans and start == spans[-1][1]:
            spans[-1][1] = end
            spans[-1][2] += float(score)
        else:
            spans.append([start, end, float(score)])
    return [{"word": text[s:e], "attribution": v} for s, e, v in spans]


def explain_text(pipeline: TextPipeline, frame: pd.DataFrame, *, top: int = 10,
                 steps: int = STEPS) -> list[RowExplanation]:
    """Word and column attributions for each row of ``frame`` (keep it to a few hundred)."""
    try:
        from captum.attr import IntegratedGradients
    except ImportError:
        raise ConfigError("text explanations need the 'text' extra: "
                          "pip install 'findeep[text]'.") from None
    if not isinstance(top, int) or top < 1:
        raise ConfigError(f"top must be a positive integer, however: {top=}")
    network = pipeline.network
    network.eval()
    inputs = pipeline.inputs(frame, offsets=True)
    prediction = pipeline.prediction(predict_text_logits(network, inputs.data, lookup=True))
    labels = pipeline.predict_labels(prediction)
    # rows of one token length share a pass (no padding: a row's attributions do not depend
    # on which rows it is explained with, beyond float rounding), ROWS_PER_PASS at a time
    lengths = [len(ids) for ids in inputs.data.ids]
    order = sorted(range(len(frame)), key=lambda r: (lengths[r], r))
    explained: dict[int, RowExplanation] = {}
    for _, group in itertools.groupby(order, key=lambda r: lengths[r]):
        rows = list(group)
        for start in range(0, len(rows), ROWS_PER_PASS):
            chunk = rows[start:start + ROWS_PER_PASS]
            found = _explain_pass(pipeline, inputs, chunk, [labels[r] for r in chunk],
                                  IntegratedGradients, top=top, steps=steps)
            explained.update(zip(chunk, found, strict=True))
    return [explained[row] for row in range(len(frame))]


def _explain_pass(pipeline: TextPipeline, inputs: Any, rows: list[int], labels: list[Any],
                  integrated_gradients: Any, *, top: int, steps: int) -> list[RowExplanation]:
    """Integrated gradients of ``rows`` (all of one token length) in one Captum call."""
    network = pipeline.network
    task = pipeline.task
    pad_id = network.config["pad_id"]
    num_names = pipeline.preprocessor.source_of_numeric
    cat_names = pipeline.preprocessor.categorical_feature_names
    d_cat = network.config["d_category"]
    ids, mask = pad_batch([inputs.data.ids[row] for row in rows], pad_id)
    x_num = inputs.data.x_num[rows]
    x_cat = inputs.data.x_cat[rows]
    with torch.no_grad():
        tokens = network.embed_tokens(ids)
        cats = network.embed_categories(x_cat)
        tok = pipeline.tokenizer
        keep = torch.zeros_like(ids, dtype=torch.bool)
        if tok.cls_id is not None:  # keep [CLS]/[SEP]: the baseline is an empty sentence
            keep = (ids == tok.cls_id) | (ids == tok.sep_id)
        base_ids = torch.where(keep, ids, torch.full_like(ids, pad_id))
        base_tokens = network.embed_tokens(base_ids)
        logits = network(ids, mask, x_num, x_cat)[:, 0]  # (B, n_out)
    classes = (logits.argmax(dim=1) if task == "multiclass"
               else torch.zeros(len(rows), dtype=torch.int64))

    def output(t: torch.Tensor, n: torch.Tensor, c: torch.Tensor, m: torch.Tensor,
               k: torch.Tensor) -> torch.Tensor:
        z = network.forward_embedded(t, n, c, m)[:, 0, :]  # (B, n_out)
        if task == "multiclass":  # each row's own predicted class
            return torch.log_softmax(z, dim=-1).gather(1, k[:, None])[:, 0]
        return z[:, 0]

    attributions, delta = integrated_gradients(output).attribute(
        (tokens, x_num, cats), baselines=(base_tokens, torch.zeros_like(x_num),
                                          torch.zeros_like(cats)),
        additional_forward_args=(mask, classes), n_steps=steps, method="gausslegendre",
        internal_batch_size=max(len(rows), steps),
        return_convergence_delta=True)
    results = []
    for b, row in enumerate(rows):
        token_scores = attributions[0][b].sum(dim=-1).detach().numpy()
        words = _words(inputs.encoded.texts[row], inputs.encoded.offsets[row], token_scores)
        columns: dict[str, float] = {}
        for j, name in enumerate(num_names):
            columns[name] = columns.get(name, 0.0) + float(attributions[1][b, j])
        cat_scores = attributions[2][b].detach().numpy()
        for j, name in enumerate(cat_names):
            columns[name] = float(cat_scores[j * d_cat:(j + 1) * d_cat].sum())
        if task == "binary" and pipeline.target.event_index == 0:  # explain the event's odds
            words = [{**w, "attribution": -w["attribution"]} for w in words]
            columns = {k: -v for k, v in columns.items()}
        words = sorted(words, key=lambda w: -abs(w["attribution"]))[:top]
        ranked = sorted(columns.items(), key=lambda kv: -abs(kv[1]))[:top]
        target_class = int(classes[b])
        described = ("log-odds of " + str(pipeline.target.event_class) if task == "binary"
                     else f"log-probability of {pipeline.target.classes[target_class]}"
                     if task == "multiclass" else "predicted value (scaled)")
        label = labels[b]
        results.append(RowExplanation(
            label.item() if hasattr(label, "item") else label, described, words,
            [{"column": k, "attribution": v} for k, v in ranked], float(abs(delta[b]))))
    return results
