"""A text model's report: the page a tabular model gets, read for a free-text column.

Is the data an honest test (training rows seen again, a column or a word that tells the
label alone), the metrics with bootstrap intervals and the charts of the task, the words that
move the score over a sample of rows (Integrated Gradients, as ``findeep explain`` gives them
row by row), each column alone against the labels, and the texts as the model read them
(empty, cut at its token limit, characters its vocabulary does not hold) beside the training
texts. The performance and honesty sections are the tabular report's own functions, so the
two pages state the same checks in the same words.
"""

from __future__ import annotations

import re
import warnings
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import findeep
from findeep.data.leakage import columns_alone
from findeep.data.schema import ColumnSpec, Schema
from findeep.evaluate.metrics import HEADLINE
from findeep.explain.commands import sample_rows
from findeep.explain.drift import PSI_MAJOR
from findeep.report import figures
from findeep.report.card import best_epoch_text, training_rows_text
from findeep.report.document import Document, Figure, Section, Table
from findeep.report.model_report import (
    Scored,
    alone_figure,
    drift_section,
    fairness_section,
    honesty_section,
    metric_intervals,
    performance_section,
    too_small_to_judge,
)
from findeep.text.drift import text_drift_table
from findeep.text.pipeline import TextInputs, TextPipeline

# rows whose words are attributed: Integrated Gradients runs one row at a time (64 steps),
# about 20 ms a row for text-cnn here, so the section costs seconds, not minutes
EXPLAIN_ROWS = 300
TOP_WORDS = 12  # words shown each way (or for each class)
WORDS_PER_ROW = 64  # a row's words kept before pooling (a long text's tail adds little)
MIN_WORD_ROWS = 5  # a word in fewer sampled rows is an anecdote, not a driver
# words are ranked by their mean attribution times rows / (rows + SHRINK_ROWS): a number
# seen in 6 rows with a noisy +0.3 ranks below a purpose word seen in 30 rows at +1.1
SHRINK_ROWS = 10
EXAMPLES = 3
_PUNCTUATION = re.compile(r"^\W+|\W+$")


def build_text_report(
    bundle: str, data_name: str, frame: pd.DataFrame, pipeline: TextPipeline,
    meta: dict[str, Any], *, threshold: float, max_rows: int, seed: int, n_resamples: int,
    on_stage: Callable[[str], None] | None = None, card_only: bool = False,
    protected: str | None = None, protected_categories: bool = False,
) -> tuple[Document, dict[str, Any]]:
    """The report's document for a text bundle scored on ``frame``, and the facts the model
    card reuses (as the tabular report's). ``card_only`` skips the word attributions;
    ``protected`` adds the tabular report's group rates at ``threshold``."""
    stage = on_stage or (lambda label: None)
    name = pipeline.target.name
    labelled = name in frame.columns and bool(frame[name].notna().any())
    sections = [_model_section(bundle, pipeline, meta)]
    alone, scored = [], None
    facts: dict[str, Any] = {"labelled": labelled}
    if labelled:
        stage("scoring and metrics")
        scored = Scored(pipeline, frame)
        with warnings.catch_warnings(record=True):  # the honesty section states the checks
            warnings.simplefilter("always")
            result = pipeline.evaluate(frame.drop(columns=[name]), frame[name],
                                       threshold=threshold,
                                       scored=(scored.prediction, scored.report))
        result["threshold"] = threshold
        result["rows"] = len(scored.rows)
        if pipeline.task == "binary":
            result["event_rate"] = float(scored.y_event.mean())
        result["too_small"] = too_small_to_judge(pipeline, scored)
        # the text column (its whole texts and words) and the other inputs, each alone
        screened = Schema([*pipeline.schema.columns,
                           ColumnSpec(pipeline.text_column, "text", "object")])
        alone = columns_alone(frame, frame[name], screened, task=pipeline.task, seed=seed,
                              text=True)
        result["columns_alone"] = alone
        stage(f"bootstrap intervals ({n_resamples} resamples)")
        intervals = metric_intervals(pipeline, scored, n_resamples, seed)
        facts |= {"evaluation": result, "intervals": intervals,
                  "too_small": result["too_small"]}
        sections += [honesty_section(result),
                     performance_section(pipeline, result, scored, intervals, threshold)]
    if not card_only:  # the card reads no attribution
        sample = sample_rows(frame, min(max_rows, EXPLAIN_ROWS), seed)
        stage(f"word attributions ({len(sample):,} rows)")
        sections.append(_words_section(pipeline, sample))
        if alone:
            alone_figure(sections[-1], alone, len(frame))
    stage("texts as read")  # every row as scored above, where every row was labelled
    sections.append(_texts_section(pipeline, frame, scored.report if labelled
                                   and scored.every_row else None))
    if pipeline.profile:  # bundles from before the profile have no bins to compare with
        stage("drift")
        drift = text_drift_table(pipeline, frame, scored=(scored.prediction, scored.report)
                                 if labelled and scored.every_row else None)
        sections.append(drift_section(drift))
        facts["drift_major"] = [str(c) for c in drift.loc[drift["psi"] >= PSI_MAJOR,
                                                             "column"]]
    if protected is not None:
        stage("group rates")
        section, facts["fairness"] = fairness_section(pipeline, frame, protected, threshold,
                                                      labelled, protected_categories)
        sections.append(section)
    return Document(
        title=f"Model report: {Path(bundle).name}",
        subtitle=(f"Scored on `{data_name}` ({len(frame):,} rows) on "
                  f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} by findeep "
                  f"{findeep.__version__}."),
        sections=sections), facts


def card_limitations(pipeline: TextPipeline) -> list[str]:
    """What a text model's card says it cannot do, in place of the tabular model's lines
    about time columns and categories."""
    return [
        "Trained on a random split of its rows (text models take no time column): nothing "
        "here shows how the model ages; score a later period's labelled rows to see it.",
        f"Reads at most {pipeline.tokenizer.max_length} tokens of a text (longer texts are "
        "cut, and counted); words its vocabulary lacks are read as word pieces, characters "
        "it lacks as one blank token.",
        "Texts in another language, register or template than the training texts are "
        "outside what it learned; the report's 'texts as the model read them' shows what "
        "changed.",
    ]


def _model_section(bundle: str, pipeline: TextPipeline, meta: dict[str, Any]) -> Section:
    target, training = pipeline.target, pipeline.training
    what = {"binary": f"P({target.name} = {target.event_class!r})",
            "multiclass": f"P({target.name}) over {len(target.classes)} classes",
            "regression": f"{target.name}"}[pipeline.task]
    others = ", ".join(f"`{c}`" for c in pipeline.other_columns) or "none"
    facts = [
        ["model", f"`{pipeline.model_name}` on the text column `{pipeline.text_column}` "
                  f"({pipeline.task}: predicts {what})"],
        ["other inputs", others],
        ["tokens read", f"at most {training.get('max_length', '?')} a text "
                        f"(vocabulary of {training.get('vocab_size', '?'):,})"
         if isinstance(training.get("vocab_size"), int) else
         f"at most {training.get('max_length', '?')} a text"],
        ["trained", f"{meta.get('created_at', '?')} with findeep "
                    f"{meta.get('versions', {}).get('findeep', '?')}"],
        ["training rows", f"{training_rows_text(training)}; {best_epoch_text(training)}"],
    ]
    held_out = pipeline.metrics or {}  # `findeep train`'s test split, scored when it saved
    keys = [k for k in HEADLINE[pipeline.task] if isinstance(held_out.get(k), int | float)][:4]
    if keys:
        rows = held_out.get("rows")
        facts.append(["held-out test at training",
                      (f"{rows:,} rows: " if isinstance(rows, int) else "")
                      + ", ".join(f"{k} {held_out[k]:.4f}" for k in keys)])
    return Section("model", "The model", [Table(["field", "value"], facts)])


def word_attributions(pipeline: TextPipeline, sample: pd.DataFrame
                      ) -> tuple[pd.DataFrame, list[Any]]:
    """Each word's attribution pooled over ``sample``'s rows (lower-cased, punctuation at its
    ends stripped): the rows it is in, its mean signed and mean absolute attribution, and
    for a multiclass model the predicted class it was attributed towards; with the rows'
    own explanations."""
    from findeep.text.explain import explain_text

    explained = explain_text(pipeline, sample, top=WORDS_PER_ROW)
    pooled: dict[tuple[str, str], list[float]] = defaultdict(list)
    for row in explained:
        towards = str(row.prediction) if pipeline.task == "multiclass" else ""
        seen: dict[str, float] = {}
        for item in row.words:
            word = _PUNCTUATION.sub("", str(item["word"]).lower())
            if word:
                seen[word] = seen.get(word, 0.0) + float(item["attribution"])
        for word, value in seen.items():  # a word twice in a row counts once, summed
            pooled[(towards, word)].append(value)
    rows = [{"towards": towards, "word": word, "rows": len(values),
             "mean_attribution": float(np.mean(values)),
             "mean_abs_attribution": float(np.mean(np.abs(values))),
             "rank_score": float(np.mean(values)) * len(values) / (len(values) + SHRINK_ROWS)}
            for (towards, word), values in pooled.items()]
    table = pd.DataFrame(rows, columns=["towards", "word", "rows", "mean_attribution",
                                        "mean_abs_attribution", "rank_score"])
    return table, explained


def _words_section(pipeline: TextPipeline, sample: pd.DataFrame) -> Section:
    table, explained = word_attributions(pipeline, sample)
    common = table[table["rows"] >= min(MIN_WORD_ROWS, len(sample))]
    units = {"binary": f"log-odds of {pipeline.target.event_class!r}",
             "multiclass": "log-probability of the row's predicted class",
             "regression": "the scaled prediction"}[pipeline.task]
    section = Section("drivers", "What drives the score", [
        f"Integrated Gradients on {len(sample):,} sampled rows, each word's attribution "
        f"({units}) against an empty text, pooled by word (lower-cased; a word counted once "
        f"a row) over the rows it is in; words in fewer than "
        f"{min(MIN_WORD_ROWS, len(sample))} sampled rows are left out."])
    if common.empty:
        section.add("No word is in enough sampled rows to rank.")
        return section
    if pipeline.task == "multiclass":
        for label in map(str, pipeline.target.classes):
            if label not in set(common["towards"]):
                count = sum(str(row.prediction) == label for row in explained)
                section.add(f"'{label}': {count:,} sampled row(s) predicted as it, too few "
                            f"for any word to be in {min(MIN_WORD_ROWS, len(sample))}: no "
                            "words to rank.")
        for towards, part in common.groupby("towards", sort=True):
            top = part.sort_values("rank_score", ascending=False).head(TOP_WORDS)
            section.add(Figure(
                f"words-{_key(towards)}", f"Words behind '{towards}'",
                f"The words that most raise the log-probability of '{towards}' in the sampled "
                "rows predicted as it (mean attribution where the word is present, ranked "
                f"with that mean times rows / (rows + {SHRINK_ROWS})).",
                figures.horizontal_bars_svg(list(top["word"]), list(top["mean_attribution"]),
                                            "mean attribution", reference=0.0),
                Table(["word", "rows", "mean attribution"],
                      [[r.word, r.rows, r.mean_attribution] for r in top.itertuples()])))
    else:
        ranked = common.sort_values("rank_score", ascending=False)
        ends = pd.concat([ranked.head(TOP_WORDS), ranked.tail(TOP_WORDS)]).drop_duplicates(
            subset=["word"])
        ends = ends.sort_values("rank_score", ascending=False)
        raising = "raise the event's odds" if pipeline.task == "binary" else "raise it"
        section.add(Figure(
            "word-bars", "Words that move the score most, each way",
            f"The {TOP_WORDS} words that most {raising} (top) and most lower it (bottom), by "
            "mean attribution in the sampled rows that hold them, ranked with that mean "
            f"times rows / (rows + {SHRINK_ROWS}) so that a word of a few rows does not lead "
            "on noise.",
            figures.horizontal_bars_svg(list(ends["word"]), list(ends["mean_attribution"]),
                                        "mean attribution", reference=0.0),
            Table(["word", "rows", "mean attribution", "mean abs attribution"],
                  [[r.word, r.rows, r.mean_attribution, r.mean_abs_attribution]
                   for r in ends.itertuples()])))
    _examples(section, pipeline, sample, explained)
    return section


def _key(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-") or "class"


def _examples(section: Section, pipeline: TextPipeline, sample: pd.DataFrame,
              explained: list[Any]) -> None:
    """The highest-, median- and lowest-scored sampled rows with their top words."""
    prediction, _ = pipeline.predict_raw(sample)
    if pipeline.task == "multiclass":
        scores = prediction.max(axis=1)
        label = "probability of the predicted class"
    elif pipeline.task == "binary":
        scores, label = pipeline.event_probability(prediction), "probability"
    else:
        scores, label = np.asarray(prediction, dtype=float), "prediction"
    order = np.argsort(-scores, kind="stable")
    picks: dict[int, str] = {}
    names = (("most confident", "median confidence", "least confident")
             if pipeline.task == "multiclass" else
             ("highest score", "median score", "lowest score"))
    for which, position in zip(names, (order[0], order[len(order) // 2], order[-1]),
                               strict=True):
        picks.setdefault(int(position), which)
    rows = []
    for position, which in list(picks.items())[:EXAMPLES]:
        words = sorted(explained[position].words, key=lambda w: -abs(w["attribution"]))[:5]
        text = str(sample[pipeline.text_column].iloc[position])
        rows.append([which, text if len(text) <= 160 else text[:157] + "...",
                     str(explained[position].prediction), float(scores[position]),
                     ", ".join(f"{w['word']} ({w['attribution']:+.2f})" for w in words)])
    ranked_by = ("the predicted class's probability" if pipeline.task == "multiclass"
                 else "score")
    section.add(f"Examples: the sampled rows at the top, middle and bottom by {ranked_by}, "
                "with the five words that moved each most.",
                Table(["example", "text", "predicted", label, "top words"], rows,
                      caption="Example rows with their words"))


def _texts_section(pipeline: TextPipeline, frame: pd.DataFrame,
                   inputs: TextInputs | None = None) -> Section:
    """The texts as the model read them here (``inputs``: every row's, if already read),
    beside the training texts' counts."""
    inputs = pipeline.inputs(frame) if inputs is None else inputs
    here = inputs.report
    lengths = inputs.encoded.lengths
    unknown_id = pipeline.tokenizer.tokenizer.token_to_id("[UNK]")
    tokens = np.concatenate(inputs.encoded.ids) if len(inputs.encoded.ids) else np.array([])
    unknown = float(np.mean(tokens == unknown_id)) if unknown_id is not None and len(tokens) \
        else None
    trained = pipeline.training.get("text") or {}
    trained_rows = trained.get("rows") or 0

    def share(count: int, rows: int) -> str:
        return f"{count:,} ({count / rows:.1%})" if rows else "–"

    rows = [
        ["rows", f"{here.rows:,}", f"{trained_rows:,}" if trained_rows else "–"],
        ["empty texts (scored from the other columns)", share(here.empty, here.rows),
         share(trained.get("empty", 0), trained_rows)],
        [f"texts cut at {pipeline.tokenizer.max_length} tokens", share(here.truncated,
                                                                        here.rows),
         share(trained.get("truncated", 0), trained_rows)],
        ["numbers read as text", share(here.converted, here.rows),
         share(trained.get("converted_non_strings", 0), trained_rows)],
        ["median tokens a text", f"{float(np.median(lengths)):.0f}" if len(lengths) else "–",
         "–"],
    ]
    if unknown is not None:
        rows.append(["tokens the vocabulary does not hold ([UNK])", f"{unknown:.2%}", "–"])
    moved = []
    for count, key in ((here.truncated, "truncated"), (here.empty, "empty")):
        if here.rows and trained_rows and count / here.rows > 2 * trained.get(key, 0) / \
                trained_rows + 0.02:
            moved.append(key)
    lines = ("The texts read as the training texts were." if not moved else
             f"**More texts {' and '.join(moved)} here than in training**: the model reads "
             "less of them than it learned from.")
    if unknown is not None and unknown > 0.01:
        lines += (f" {unknown:.1%} of the tokens are unknown to the vocabulary (characters or "
                  "scripts the training texts did not hold); the model reads them as one "
                  "blank token.")
    return Section("texts", "The texts as the model read them",
                   [lines, Table(["", "these rows", "training rows"], rows)],
                   alert=bool(moved))
