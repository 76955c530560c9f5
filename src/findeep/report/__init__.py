"""``findeep report``: the document a model reviewer reads, as Markdown or as one
self-contained HTML page with charts, plus the model card a model-risk team files.

Both formats render the same ``Document`` (``document.py``) through one Jinja2 template
each (``render.py``), so they cannot disagree. ``model_report.py`` builds a tabular model's
content, ``text_report.py`` a text model's, ``forecast_report.py`` a forecaster's,
``card.py`` the model card, ``figures.py`` the charts.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from findeep.bundle import META_FILE
from findeep.data.io import TableLike, read_table, refuse_overwrite
from findeep.data.schema import FindeepWarning
from findeep.data.splits import check_seed
from findeep.errors import ConfigError, DataError, did_you_mean
from findeep.evaluate.metrics import check_threshold
from findeep.explain.attributions import RowsHook
from findeep.explain.commands import load_pipeline
from findeep.report.document import Document
from findeep.report.render import Format, markdown_table, render
from findeep.text.routing import is_text_bundle
from findeep.workflow import write_text_atomic

__all__ = ["markdown_table", "report_format", "write_benchmark_report", "write_forecast_report",
           "write_report", "write_tally_report"]

FORMATS: dict[str, Format] = {".md": "markdown", ".markdown": "markdown", ".html": "html",
                              ".htm": "html"}


def report_format(out: str | os.PathLike[str]) -> Format:
    """Markdown or HTML, from the output's extension."""
    suffix = Path(out).suffix.lower()
    if suffix not in FORMATS:
        raise ConfigError(f"name the report .html (a page with charts) or .md (Markdown), "
                          f"however: '{out}'.")
    return FORMATS[suffix]


def check_report_output(out: str | os.PathLike[str], *, force: bool) -> Format:
    """The report's format, once its output is known to be writable (before any work)."""
    fmt = report_format(out)
    refuse_overwrite(Path(out), force=force)  # a missing folder is made, as for every output
    return fmt


def write_document(document: Document, out: str | os.PathLike[str], fmt: Format
                   ) -> dict[str, Any]:
    """Render and write atomically; what was written: path, format, size in bytes, the
    number of figures and the section titles."""
    text = render(document, fmt)
    write_text_atomic(out, text)
    return {"out": str(out), "format": fmt, "bytes": len(text.encode("utf-8")),
            "figures": len(document.figures), "sections": [s.title for s in document.sections]}


def write_report(
    bundle: str | os.PathLike[str], data: TableLike, out: str | os.PathLike[str], *,
    protected: str | None = None, threshold: float = 0.5, max_rows: int = 5_000,
    seed: int = 0, force: bool = False, on_rows: RowsHook | None = None,
    on_stage: Callable[[str], None] | None = None,
    card_info: str | os.PathLike[str] | None = None, card_only: bool = False,
    n_resamples: int = 200, lgd: str | float | None = None,
    exposure: str | float | None = None, margin: str | float | None = None,
    policy: str | os.PathLike[str] | None = None, protected_categories: bool = False,
) -> dict[str, Any]:
    """Write the report on ``bundle`` scored on ``data`` to ``out`` (.html or .md).

    ``policy``: the policy file ``threshold`` was read from (``findeep report --policy``),
    named with its checksum beside the cut-off and in the card's command to reproduce.

    Attributions, permutation importance, partial dependence and example applicants use at
    most ``max_rows`` rows of ``data``; metrics, intervals, gains and drift use every row.
    ``card_only`` writes just the model card. With ``lgd`` (and ``exposure``, ``margin``:
    numbers or columns) a binary model's labelled rows also get the decision-economics
    section: expected loss by band, the profit curve and its best cut-off, EMP.
    Returns what was written.
    """
    from findeep.decisions import check_economics_options
    from findeep.report.card import read_card_info

    fmt = check_report_output(out, force=force)
    check_seed(seed)
    check_economics_options(lgd, exposure, margin)
    check_threshold(threshold)  # before the slow sections
    info = read_card_info(card_info)
    economics_options = {"lgd": lgd, "exposure": exposure, "margin": margin}
    command = reproduce_command(bundle, data, out, protected=protected, threshold=threshold,
                                max_rows=max_rows, seed=seed, card_info=card_info,
                                card_only=card_only, policy=policy,
                                protected_categories=protected_categories, **economics_options)
    text = is_text_bundle(bundle)
    if text:
        from findeep.text.bundle import load_text_model

        pipeline = load_text_model(bundle)
    else:
        pipeline = load_pipeline(bundle, refusal="findeep report covers tabular and text "
                                 "models (a forecaster's page: findeep forecast report)")
    if protected is not None and pipeline.task != "binary":
        raise ConfigError("group rates at a threshold (--protected) need a binary model.")
    meta = json.loads((Path(bundle) / META_FILE).read_text())  # checksums verified on load
    frame = read_table(data)
    if protected is not None and protected not in frame.columns:
        raise DataError(f"protected column '{protected}' is not in the data."
                        + did_you_mean(protected, map(str, frame.columns)))
    features = frame.drop(columns=[pipeline.target.name], errors="ignore")
    pipeline.check_frame(features)  # a missing input column: one line, before any work
    economics = None
    if lgd is not None:  # cheap, and it checks the LGD/exposure/margin columns before the rest
        from findeep.decisions import decision_economics

        economics = decision_economics(pipeline, frame, **economics_options)
    options = {"threshold": threshold, "max_rows": max_rows, "seed": seed,
               "n_resamples": n_resamples, "on_stage": on_stage, "card_only": card_only,
               "protected": protected, "protected_categories": protected_categories}
    if text:
        from findeep.report.text_report import build_text_report, card_limitations

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FindeepWarning)
            document, facts = build_text_report(str(bundle), str(data), frame, pipeline,
                                                meta, **options)
        card_options = {"inputs": [pipeline.text_column, *pipeline.other_columns],
                        "limitations": card_limitations(pipeline)}
    else:
        from findeep.report.model_report import build_model_report

        # what the rows hold that the model cannot score as meant, said once for the rows as
        # given: the sections rescore samples, shuffles and sweeps of them, whose counts differ
        _, _, seen = pipeline.transform(features)
        seen.warn_categories()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FindeepWarning)
            document, facts = build_model_report(str(bundle), str(data), frame, pipeline, meta,
                                                 on_rows=on_rows, **options)
        card_options = {}
    if facts.get("too_small"):  # said on the page too (the honesty section, the card)
        warnings.warn(f"the report's metrics rest on {facts['too_small']}: read them as "
                      "anecdote, not evidence.", FindeepWarning, stacklevel=2)
    if economics is not None:
        from findeep.report.economics import economics_section

        document.sections.append(economics_section(economics))
    if pipeline.task == "binary":  # the cut-off every threshold figure on the page uses
        document.sections[0].blocks[0].rows.append(["cut-off", cutoff_text(threshold, policy)])
    from findeep.report.card import card_section

    card = card_section(pipeline, meta, facts, info, bundle=str(bundle), data=str(data),
                        command=command, **card_options)
    if card_only:
        document.title = document.title.replace("Model report", "Model card")
        document.sections = [s for s in document.sections if s.key == "model"] + [card]
    else:
        document.sections.append(card)
    if on_stage is not None:
        on_stage(f"writing {fmt.upper()}")  # HTML or MARKDOWN
    return {**write_document(document, out, fmt), "rows": len(frame),
            "labelled": facts["labelled"]}


def reproduce_command(
    bundle: str | os.PathLike[str], data: TableLike, out: str | os.PathLike[str], *,
    protected: str | None, threshold: float, max_rows: int, seed: int,
    card_info: str | os.PathLike[str] | None, card_only: bool, lgd: str | float | None,
    exposure: str | float | None, margin: str | float | None,
    policy: str | os.PathLike[str] | None = None, protected_categories: bool = False,
) -> list[str]:
    """``findeep report`` with every option that shapes the report's content (all of
    ``write_report``'s but ``force``, the progress hooks and ``n_resamples``, which the command does
    not take), so that running it again writes the same sections with the same numbers."""
    cutoff = ["--policy", str(policy)] if policy is not None else ["--threshold", str(threshold)]
    command = ["findeep", "report", str(bundle), str(data), "--out", str(out), *cutoff,
               "--max-rows", str(max_rows), "--random-state", str(seed)]
    optional = (("--protected", protected), ("--lgd", lgd), ("--exposure", exposure),
                ("--margin", margin), ("--card-info", card_info))
    for option, value in optional:
        command += [option, str(value)] if value is not None else []
    return (command + (["--protected-categories"] if protected_categories else [])
            + (["--card-only"] if card_only else [])
            + ["--force"])  # it writes over the report it is printed in


def cutoff_text(threshold: float, policy: str | os.PathLike[str] | None) -> str:
    """The cut-off as the page states it: declined at or above it, and where it came from."""
    if policy is None:
        return f"{threshold:.6g} (decline at or above)"
    from findeep.bundle import sha256_file

    return (f"{threshold:.8g} (decline at or above), from the policy `{Path(policy).name}` "
            f"(sha256 {sha256_file(policy)[:16]}…)")


def write_forecast_report(bundle: str | os.PathLike[str], data: TableLike,
                          out: str | os.PathLike[str], *, cost_bps: float = 5.0,
                          force: bool = False) -> dict[str, Any]:
    """Write a forecaster's report (.html or .md): walk-forward folds, out-of-sample
    accuracy and rolling IC, equity curves with and without costs, drawdown."""
    from findeep.forecast.estimator import read_forecaster
    from findeep.report.forecast_report import build_forecast_report

    fmt = check_report_output(out, force=force)
    if not cost_bps >= 0:
        raise ConfigError(f"cost_bps must be >= 0, however: {cost_bps=}")
    from findeep.bundle import read_metrics

    forecaster = read_forecaster(bundle)
    compared = read_metrics(bundle).get("compared")  # the baselines beside it at training
    document = build_forecast_report(str(bundle), str(data), data, forecaster,
                                     cost_bps=cost_bps,
                                     compared=compared if isinstance(compared, dict) else None)
    return write_document(document, out, fmt)


def write_tally_report(tallies: list[Any], out: str | os.PathLike[str],
                       command: list[str]) -> dict[str, Any]:
    """Write ``findeep tally``'s result as a report (.html or .md): the counts and verdicts,
    one chart of the per-table differences per opponent, and ``command``, which reproduces
    it. Check the output first with ``check_report_output``."""
    from findeep.report.tally_report import build_tally_report

    return write_document(build_tally_report(tallies, command), out, report_format(out))


def write_benchmark_report(result: dict[str, Any], out: str | os.PathLike[str],
                           command: list[str]) -> dict[str, Any]:
    """Write a ``findeep benchmark`` result as a report (.html or .md): the comparison and
    its verdicts, every model on every fold, the paired differences to the reference, and
    ``command``, which reproduces it. Check the output first with ``check_report_output``."""
    from findeep.report.benchmark_report import build_benchmark_report

    return write_document(build_benchmark_report(result, command), out, report_format(out))
