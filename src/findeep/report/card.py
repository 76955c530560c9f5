"""The model card: the record a model-risk team files for a model, in their headings.

What the library knows it fills in from the bundle and the evaluation (training data and
its fingerprint, rows, period, target definition, exclusions, evaluation protocol, metrics
with intervals, stability, limitations it can detect, every dependency's version, the
commands that reproduce the report). What it cannot know — owner, intended and
out-of-scope use, approvals — comes from an optional YAML or JSON file (``--card-info``)
and is marked "not provided" otherwise, never invented.
"""

from __future__ import annotations

import json
import shlex
from importlib import metadata
from pathlib import Path
from typing import Any

from findeep.errors import ConfigError, DataError
from findeep.evaluate.uncertainty import SHORT_COVERAGE_AT_95
from findeep.explain.drift import PSI_MAJOR
from findeep.pipeline import TabularPipeline
from findeep.report.document import Section, Table

CARD_FIELDS = {
    "owner": "Model owner",
    "intended_use": "Intended use",
    "out_of_scope_use": "Out-of-scope use",
    "users": "Intended users",
    "approval": "Approval / validation status",
    "contact": "Contact",
    "ethical_considerations": "Ethical considerations",
    "caveats": "Further caveats",
}
NOT_PROVIDED = "not provided (add it with --card-info FILE)"
DEPENDENCIES = ("findeep", "torch", "numpy", "pandas", "pyarrow", "scikit-learn", "safetensors",
                "captum", "matplotlib", "jinja2")


def read_card_info(path: str | Path | None) -> dict[str, str]:
    """The human-supplied card fields from a JSON or YAML file (keys of ``CARD_FIELDS``)."""
    if path is None:
        return {}
    path = Path(path)
    if path.is_dir():
        raise DataError(f"card info file '{path}' is a folder; give the JSON or YAML file.")
    if not path.is_file():
        raise DataError(f"card info file '{path}' does not exist.")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DataError(f"card info file '{path}' is not UTF-8 text; save it as UTF-8 JSON "
                        "or YAML.") from None
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            try:
                import yaml
            except ImportError:
                raise ConfigError("reading a YAML card file needs PyYAML (pip install pyyaml); "
                                  "or write the card info as JSON.") from None
            info = yaml.safe_load(text)
        else:
            info = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DataError(f"card info file '{path}' is not valid "
                        f"{'YAML' if path.suffix.lower() in ('.yaml', '.yml') else 'JSON'}: "
                        f"{str(exc).splitlines()[0]}") from None
    except Exception as exc:  # yaml.YAMLError does not subclass ValueError
        raise DataError(f"card info file '{path}' could not be read: "
                        f"{str(exc).splitlines()[0]}") from None
    if not isinstance(info, dict):
        raise DataError(f"card info file '{path}' must hold one mapping of field to text.")
    unknown = sorted(set(info) - set(CARD_FIELDS))
    if unknown:
        raise DataError(f"card info file '{path}' has unknown field(s) {', '.join(unknown)}; "
                        f"the fields are {', '.join(CARD_FIELDS)}.")
    return {k: _field_text(v) for k, v in info.items()}


def _field_text(value: Any) -> str:
    """A card field as text: a YAML/JSON list is a comma-separated list, not Python's repr."""
    if isinstance(value, list | tuple):
        return ", ".join(_field_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_field_text(v)}" for k, v in value.items())
    return str(value)


def dependency_versions() -> list[list[str]]:
    versions = []
    for package in DEPENDENCIES:
        try:
            versions.append([package, metadata.version(package)])
        except metadata.PackageNotFoundError:
            versions.append([package, "not installed"])
    return versions


def card_section(pipeline: TabularPipeline | Any, meta: dict[str, Any], facts: dict[str, Any],
                 info: dict[str, str], *, bundle: str, data: str, command: list[str],
                 inputs: list[str] | None = None,
                 limitations: list[str] | None = None) -> Section:
    """The model card as one report section. A text model's report passes its ``inputs``
    (the text column first) and the ``limitations`` of its kind of model, which replace the
    tabular ones about time columns and categories."""
    target, training = pipeline.target, pipeline.training
    inputs = pipeline.schema.used_names if inputs is None else inputs
    partner = getattr(pipeline, "partner", None)
    fingerprint = (meta.get("data_fingerprint") or training.get("data_fingerprint")
                   or "not recorded")
    section = Section("model-card", "Model card")
    section.add(Table(["field", "value"], [[label, info.get(key, NOT_PROVIDED)]
                                           for key, label in CARD_FIELDS.items()
                                           if key != "caveats"],  # caveats: limitations
                      caption="Purpose and ownership (supplied by the model's owner)"))
    definition = {"binary": f"`{target.name}`, event class {target.event_class!r}",
                  "multiclass": f"`{target.name}`, {len(target.classes)} classes",
                  "regression": f"`{target.name}` (a number)"}[pipeline.task]
    used = set(inputs)
    excluded = [f"`{c.name}` ({c.kind})" for c in pipeline.schema.columns if c.name not in used]
    excluded += [f"`{name}` (--drop)" for name in training.get("dropped_columns", [])]
    period = (f"up to {training['last_time']} (`{training.get('time_column')}`)"
              if "last_time" in training else "not recorded (no time column at training)")
    section.add(Table(["field", "value"], [
        ["target", definition],
        ["training rows", training_rows_text(training)],
        ["training period", period],
        ["data fingerprint", f"`{fingerprint}`"],
        ["inputs", f"{len(inputs)} columns: " + ", ".join(f"`{c}`" for c in inputs)],
        ["excluded columns", ", ".join(excluded) or "none"],
        ["architecture", f"`{pipeline.model_name}`, {best_epoch_text(training)}" + (
                             "" if partner is None else
                             f"; blended half each with `{partner.name}` (its own "
                             "defaults, fitted on the same rows)")],
    ], caption="Training data"))
    section.add(Table(["field", "value"], _evaluation_rows(pipeline, facts, data),
                      caption="Evaluation data, protocol and metrics"))
    section.add("Limitations and known failure modes:\n" + "\n".join(
        f"- {line}" for line in _limitations(pipeline, facts, info, limitations)))
    section.add(Table(["package", "version"], dependency_versions(),
                      caption="Versions of every dependency"))
    section.add(Table(["step", "command"], [
        ["this report", " ".join(shlex.quote(part) for part in command)],
        ["verify the bundle", f"python -c \"import findeep; findeep.load({bundle!r})\""],
    ], caption="Reproduce"))
    return section


def best_epoch_text(training: dict[str, Any]) -> str:
    """"best epoch B of E", and on a table whose epochs were rounds of part of the training
    rows (``trainer.rounds_per_pass``) how many rows a round held."""
    text = f"best epoch {training['best_epoch']} of {training['epochs_run']}"
    rows, fit = int(training.get("epoch_rows") or 0), int(training.get("fit_rows") or 0)
    if 0 < rows < fit:
        text += f" (an epoch here: a round of {rows:,} of the {fit:,} fit rows)"
    return text


def training_rows_text(training: dict[str, Any]) -> str:
    """How the training rows were used: one fit and its early-stopping rows, or a bag's
    members each fitting on all folds but one and stopping early on that one."""
    rows, fit, validation = (int(training.get(key, 0)) for key in
                             ("rows", "fit_rows", "validation_rows"))
    split = str(training.get("validation_split", "") or "random")
    if "cross-fitting" in split and rows > fit > 0:
        held = rows - fit
        members = max(round(validation / held), 1)
        if members == 1:  # 'auto' kept one network: one fold of the split, as train says
            return (f"{rows:,} rows: one network fitting on {fit:,} rows and stopping early on "
                    f"the other {held:,} (one fold of a {split})")
        return (f"{rows:,} rows, {split}: {members} member(s), each fitting on {fit:,} rows and "
                f"stopping early on the {held:,} of its held-out fold")
    return f"{fit:,} fit + {validation:,} early-stopping ({split} split)"


def _evaluation_rows(pipeline: TabularPipeline, facts: dict[str, Any],
                     data: str) -> list[list[str]]:
    rows = [["evaluation data", f"`{data}`"]]
    held_out = (pipeline.metrics or {}).get("test")
    if held_out:
        rows.append(["protocol at training", f"{pipeline.metrics.get('split', '?')} split, "
                                             f"{held_out.get('rows', '?'):,} held-out rows"])
    evaluation = facts.get("evaluation")
    if evaluation is None:
        rows.append(["metrics on this data", "not computed: the data has no labels"])
        return rows
    for key, interval in facts.get("intervals", {}).items():
        short = SHORT_COVERAGE_AT_95.get(key) if interval["level"] == 0.95 else None
        caveat = f"; covers about {short:.0%} in simulation" if short is not None else ""
        rows.append([key, f"{interval['value']:.4f} ({interval['level']:.0%} interval "
                          f"{interval['low']:.4f} .. {interval['high']:.4f}{caveat})"])
    if not facts.get("intervals"):
        for key in ("roc_auc", "log_loss", "accuracy", "rmse", "mae", "r2"):
            if key in evaluation:
                rows.append([key, f"{evaluation[key]:.4f}"])
    return rows


def _limitations(pipeline: TabularPipeline | Any, facts: dict[str, Any],
                 info: dict[str, str], of_kind: list[str] | None = None) -> list[str]:
    lines = []
    evaluation = facts.get("evaluation") or {}
    overlap = evaluation.get("training_overlap") or {}
    if overlap.get("likely_training_rows"):
        lines.append("The evaluation table overlaps the training rows: its metrics are "
                     "optimistic.")
    if evaluation.get("rows_dated_in_training_period"):
        lines.append("The evaluation table is not out-of-time.")
    if "last_time" not in pipeline.training and of_kind is None:
        lines.append("Trained without a time column: nothing here shows how the model ages; "
                     "retrain with --time-column for an out-of-time test.")
    too_small = facts.get("too_small")
    if too_small:
        lines.append(f"The evaluation rests on {too_small}: no figure here is evidence.")
    one_class = pipeline.task == "binary" and too_small and "one class" in too_small
    if pipeline.task == "binary" and evaluation.get("ece", 0) > 0.05 and not one_class:
        lines.append(f"Calibration error {evaluation['ece']:.3f} on this data: probabilities "
                     "are off by more than 5 points on average.")
    fairness = facts.get("fairness") or {}
    if fairness.get("four_fifths_rule") == "fail":
        lines.append(f"Fails the four-fifths rule on `{fairness['protected']}`: disparate "
                     f"impact {fairness['disparate_impact']:.4f} "
                     f"({fairness['least_approved_group']} against "
                     f"{fairness['most_approved_group']}) at threshold {fairness['threshold']}.")
    drift = facts.get("drift_major") or []
    if drift:
        lines.append(f"Columns with major drift (PSI >= {PSI_MAJOR}): " + ", ".join(drift)
                     + ".")
    lines += of_kind if of_kind is not None else [
        "Scores rows only inside the ranges seen in training reliably; unseen categories are "
        "mapped to 'unknown' and counted."]
    if "caveats" in info:
        lines.append(info["caveats"])
    return lines
