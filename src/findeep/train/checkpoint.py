"""Training state on disk, every epoch: tensors as safetensors, the rest as JSON. No pickle.

A checkpoint is a directory ``epoch-NNNN`` holding ``state.safetensors`` (the model, the
best epoch's weights, the optimizer's moments and the RNG states) and ``state.json``
(epoch, best score, history, scheduler position, optimizer hyper-parameters, and what
the run was configured with). It is written to a temporary sibling and renamed into
place, then ``latest.json`` — naming it and carrying its files' sha256 — is replaced
atomically, so a ``kill -9`` at any moment leaves the previous checkpoint readable.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from findeep.errors import BundleError, ConfigError
from findeep.output_paths import usual_mode, write_text_atomic

LATEST = "latest.json"
KEEP = 2  # checkpoints kept: the newest, and one before it


@dataclass
class TrainingState:
    """Everything needed to continue a fit exactly where an epoch ended."""

    epoch: int
    best_epoch: int
    best_score: float
    history: list[dict[str, float]]
    model: dict[str, torch.Tensor]
    best_model: dict[str, torch.Tensor]
    optimizer: dict[str, Any]
    scheduler: dict[str, Any]
    rng: torch.Tensor
    run: dict[str, Any] = field(default_factory=dict)  # settings a resume must match


def save_checkpoint(directory: str | os.PathLike[str], state: TrainingState) -> Path:
    """Write ``state`` as ``epoch-NNNN`` and point ``latest.json`` at it."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tensors, optimizer_json = _flatten_optimizer(state.optimizer)
    tensors.update({f"model.{k}": v for k, v in state.model.items()})
    tensors.update({f"best.{k}": v for k, v in state.best_model.items()})
    tensors["rng.torch"] = state.rng
    document = {
        "epoch": state.epoch, "best_epoch": state.best_epoch, "best_score": state.best_score,
        "history": state.history, "optimizer": optimizer_json,
        "scheduler": {k: v for k, v in state.scheduler.items() if k != "lr_lambdas"},
        "run": state.run,
    }
    name = f"epoch-{state.epoch:04d}"
    staging = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=directory))
    try:
        save_file({k: v.detach().cpu().contiguous() for k, v in tensors.items()},
                  staging / "state.safetensors")
        (staging / "state.json").write_text(json.dumps(document, indent=1) + "\n")
        for entry in (*staging.iterdir(), staging):  # private while staged, usual once in place
            usual_mode(entry)
        final = directory / name
        if final.exists():
            shutil.rmtree(final)
        os.replace(staging, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    pointer = {"checkpoint": name, "epoch": state.epoch,
               "sha256": {f: _sha256(final / f) for f in ("state.safetensors", "state.json")}}
    write_text_atomic(directory / LATEST, json.dumps(pointer))
    old = sorted(p for p in directory.glob("epoch-*") if p.is_dir())[:-KEEP]
    for path in old:
        shutil.rmtree(path, ignore_errors=True)
    return final


def load_checkpoint(directory: str | os.PathLike[str]) -> TrainingState | None:
    """The latest checkpoint in ``directory``, checksums verified; None when there is none."""
    directory = Path(directory)
    pointer_path = directory / LATEST
    if not pointer_path.exists():
        return None
    try:
        pointer = json.loads(pointer_path.read_text())
        folder = directory / pointer["checkpoint"]
        for name, digest in pointer["sha256"].items():
            if _sha256(folder / name) != digest:
                raise BundleError(f"checkpoint '{folder}' is damaged: {name} does not match its "
                                  "checksum; delete it to start over.")
        document = json.loads((folder / "state.json").read_text())
        tensors = load_file(folder / "state.safetensors")
    except (OSError, ValueError, KeyError, SafetensorError) as exc:
        raise BundleError(f"cannot read the checkpoint in '{directory}': {exc}") from None
    model = {k.removeprefix("model."): v for k, v in tensors.items() if k.startswith("model.")}
    best = {k.removeprefix("best."): v for k, v in tensors.items() if k.startswith("best.")}
    return TrainingState(
        document["epoch"], document["best_epoch"], document["best_score"], document["history"],
        model, best, _unflatten_optimizer(document["optimizer"], tensors),
        document["scheduler"], tensors["rng.torch"], document.get("run", {}))


def check_fresh_run(directory: str | os.PathLike[str], *, resume: bool, force: bool) -> None:
    """A run that does not ``resume`` writes its checkpoints over those a ``directory``
    already holds (another run's, or this one's it meant to continue): refused unless
    ``force``."""
    if resume or force or not (Path(directory) / LATEST).exists():
        return
    raise ConfigError(f"--checkpoint-dir '{directory}' holds another run's checkpoints; "
                      "--resume goes on from them, --force starts over and replaces them, or "
                      "name a new folder.")


def clear_checkpoints(directory: str | os.PathLike[str]) -> None:
    """Remove the checkpoints ``directory`` holds (``latest.json`` and every ``epoch-NNNN``):
    a run that starts over must not leave an earlier run's later epochs beside its own, where
    keeping the newest two by name would delete its own newest one."""
    directory = Path(directory)
    (directory / LATEST).unlink(missing_ok=True)
    for folder in directory.glob("epoch-*"):
        shutil.rmtree(folder, ignore_errors=True)


def check_same_run(saved: dict[str, Any], current: dict[str, Any], directory: object) -> None:
    """A resume continues the same run: refuse when data or settings changed."""
    changed = [k for k in sorted(set(saved) | set(current)) if saved.get(k) != current.get(k)]
    if changed:
        raise ConfigError(
            f"the checkpoint in '{directory}' belongs to a different run (it differs in "
            f"{', '.join(changed)}); resume with the same data and options, or use a new "
            "--checkpoint-dir.")


def _flatten_optimizer(state: dict[str, Any]) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    tensors: dict[str, torch.Tensor] = {}
    per_param: dict[str, dict[str, Any]] = {}
    for index, values in state["state"].items():
        scalars = {}
        for key, value in values.items():
            if isinstance(value, torch.Tensor):
                tensors[f"optimizer.{index}.{key}"] = value
            else:
                scalars[key] = value
        per_param[str(index)] = scalars
    groups = [{k: (list(v) if isinstance(v, tuple) else v) for k, v in g.items()}
              for g in state["param_groups"]]
    return tensors, {"param_groups": groups, "scalars": per_param}


def _unflatten_optimizer(document: dict[str, Any], tensors: dict[str, torch.Tensor],
                         ) -> dict[str, Any]:
    state: dict[int, dict[str, Any]] = {int(i): dict(s) for i, s in document["scalars"].items()}
    for key, value in tensors.items():
        if key.startswith("optimizer."):
            _, index, name = key.split(".", 2)
            state.setdefault(int(index), {})[name] = value
    groups = [{k: (tuple(v) if k == "betas" else v) for k, v in g.items()}
              for g in document["param_groups"]]
    return {"state": state, "param_groups": groups}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
