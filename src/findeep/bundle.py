"""A trained model on disk: weights as safetensors, everything else as JSON. No pickle.

Layout of a bundle directory::

    bundle.json         kind, model config, schema, preprocessing, target, training record,
                        a profile of the training rows (bins, never rows) and hashes of up to
                        16,384 of them (evaluate/overlap.py: spots training rows in test data)
    model.safetensors   the network's tensors
    metrics.json        held-out metrics (when there are any)
    checksums.json      sha256 of each file above; checked on every load

Saving writes a sibling temporary directory and renames it into place, so a crash never
leaves a half-written bundle, and an existing bundle is replaced only with ``force``; the
hidden staging folder a killed save leaves is removed by the next save of the same path. The
folder and its files get the permissions of the user's umask (0755/0644 under umask 022),
not the temporary directory's (0700) or safetensors' (0600).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import tempfile
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from findeep import json_text
from findeep.errors import BundleError
from findeep.output_paths import dead_writers_leftovers, refuse_folder_overwrite, usual_mode

FORMAT = "findeep-bundle"
# the newest format this findeep reads. A bundle is written with the lowest version that
# holds it (``format_version_for``), so older findeep still reads what it can and refuses
# the rest with "upgrade findeep" instead of failing on a field it does not know:
#   1: the first format;
#   2: a schema's date column may carry ``day_first``, the order training read it in
#      (findeep 1 failed on that field with a TypeError).
FORMAT_VERSION = 2
META_FILE, WEIGHTS_FILE, METRICS_FILE, CHECKSUMS_FILE = (
    "bundle.json", "model.safetensors", "metrics.json", "checksums.json")


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for package in ("findeep", "torch", "numpy", "pandas", "scikit-learn", "safetensors"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "unknown"
    return versions


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_writable(path: str | os.PathLike[str], *, force: bool) -> Path:
    """Fail early — before any training — when ``path`` exists and ``force`` is off, when
    it is a folder that is not a bundle (``--force`` never deletes a user's folder), or when
    nothing could be written there."""
    return refuse_folder_overwrite(path, force=force, replaceable=is_bundle_folder,
                                   what="a findeep bundle")


def bundle_kind(path: str | os.PathLike[str]) -> str | None:
    """The ``kind`` a bundle's document names (tabular, text, pricing, ...), read without
    loading or verifying anything (loading verifies and reports the rest); None when
    ``path`` holds no readable bundle document."""
    try:
        kind = json.loads((Path(path) / META_FILE).read_text()).get("kind")
    except (OSError, ValueError, AttributeError):
        return None
    return None if kind is None else str(kind)


def is_bundle_folder(path: Path) -> bool:
    """A folder holding a bundle's document (any kind: tabular, forecast, pricing, ...)."""
    return (path / META_FILE).is_file()


def format_version_for(meta: dict[str, Any]) -> int:
    """The lowest format version that holds ``meta`` (see ``FORMAT_VERSION``)."""
    def holds(value: Any, key: str) -> bool:
        if isinstance(value, dict):
            return key in value or any(holds(v, key) for v in value.values())
        return isinstance(value, list) and any(holds(v, key) for v in value)

    return 2 if holds(meta, "day_first") else 1


def write_bundle(path: str | os.PathLike[str], *, kind: str, meta: dict[str, Any],
                 tensors: dict[str, torch.Tensor], metrics: dict[str, Any] | None = None,
                 force: bool = False) -> Path:
    """Write a bundle atomically and return its path."""
    path = check_writable(path, force=force)
    path.parent.mkdir(parents=True, exist_ok=True)
    clear_dead_staging(path)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.staging-{os.getpid()}-",
                                    dir=path.parent))
    try:
        save_file({k: v.detach().cpu().contiguous() for k, v in tensors.items()},
                  staging / WEIGHTS_FILE)
        document = {
            "format": FORMAT, "format_version": format_version_for(meta), "kind": kind,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "versions": library_versions(),
            "weights_sha256": sha256_file(staging / WEIGHTS_FILE), **meta,
        }
        _write_json(staging / META_FILE, document)
        if metrics is not None:
            _write_json(staging / METRICS_FILE, metrics)
        files = sorted(p.name for p in staging.iterdir())
        _write_json(staging / CHECKSUMS_FILE, {name: sha256_file(staging / name) for name in files})
        for entry in (*staging.iterdir(), staging):  # safetensors writes 0600, mkdtemp 0700
            usual_mode(entry)
        _swap_into_place(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return path


def clear_dead_staging(path: Path) -> list[Path]:
    """Remove the hidden folders a save of ``path`` left when its process was killed (a
    staging copy, or the replaced bundle it was retiring): those whose process is gone.
    A save still running in another process keeps its own. Returns what was removed."""
    removed = [entry for entry in dead_writers_leftovers(
        path.parent, rf"\.{re.escape(path.name)}\.(?:staging-(\d+)-.+|old-(\d+))")
        if entry.is_dir()]
    for entry in removed:
        shutil.rmtree(entry, ignore_errors=True)
    return removed


def _swap_into_place(staging: Path, path: Path) -> None:
    if not path.exists():
        os.replace(staging, path)
        return
    retired = path.with_name(f".{path.name}.old-{os.getpid()}")
    os.replace(path, retired)
    try:
        os.replace(staging, path)
    except BaseException:
        os.replace(retired, path)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def _write_json(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json_text.dumps(document) + "\n")


def read_bundle(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """The bundle's JSON document and tensors, after verifying every checksum."""
    path = Path(path)
    if path.is_file():
        raise BundleError(f"'{path}' is a file; a findeep bundle is the folder a training "
                          "command wrote (its --out).")
    if not path.is_dir():
        raise BundleError(f"'{path}' is not a findeep bundle (no such directory).")
    checksums_path = path / CHECKSUMS_FILE
    meta_path = path / META_FILE
    if not meta_path.is_file() or not checksums_path.is_file():
        raise BundleError(f"'{path}' is not a findeep bundle (no {META_FILE}/{CHECKSUMS_FILE}).")
    try:
        checksums = json.loads(checksums_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BundleError(f"'{checksums_path}' is not valid JSON; the bundle is damaged.") from None
    for name in (META_FILE, WEIGHTS_FILE):
        if name not in checksums:
            raise BundleError(f"'{path}' lists no checksum for {name}; the bundle is damaged.")
    for name, expected in checksums.items():
        file = path / Path(name).name
        if not file.is_file():
            raise BundleError(f"'{path}' lacks {name}; the bundle is incomplete.")
        if sha256_file(file) != expected:
            raise BundleError(
                f"checksum mismatch for '{file}': the file was changed after saving; "
                "refusing to load it.")
    meta = json.loads(meta_path.read_text())
    if meta.get("format") != FORMAT:
        raise BundleError(f"'{path}' is not a findeep bundle (format={meta.get('format')!r}).")
    if meta.get("format_version", 0) > FORMAT_VERSION:
        raise BundleError(f"'{path}' was written by a newer findeep (format "
                          f"{meta['format_version']}); upgrade findeep to load it.")
    if sha256_file(path / WEIGHTS_FILE) != meta.get("weights_sha256"):
        raise BundleError(f"weights of '{path}' do not match bundle.json; refusing to load them.")
    try:
        tensors = load_file(path / WEIGHTS_FILE)
    except (SafetensorError, OSError) as exc:
        raise BundleError(f"cannot read weights of '{path}': {exc}") from None
    return meta, tensors


def read_metrics(path: str | os.PathLike[str]) -> dict[str, Any]:
    metrics_path = Path(path) / METRICS_FILE
    return json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
