"""A trained model on disk: weights as safetensors, everything else as JSON. No pickle.

Layout of a bundle directory::

    bundle.json         kind, model config, schema, preprocessing, target, training record,
                        a profile of the training rows (bins, never rows) and hashes of up to
                        16,384 of them (evaluate/overlap.py: spots training rows in test data)
    model.safetensors   the network's tensors
    metrics.json        held-out metrics (when there are any)
    partner.cbm         a blend's CatBoost model in CatBoost's own format (``--model
                        default+catboost`` only; ``evaluate/partner.py``)
    checksums.json      sha256 of each file above; checked on every load

Saving writes a sibling temporary directory and renames it into place, so a crash never
leaves a half-written bundle, and an existing bundle is replaced only with ``force``: without
it the final rename itself refuses an existing folder (``_move_without_replacing``), so two
saves of one path at the same moment leave one bundle and one "already exists" error, never
two successes. The hidden staging folder a killed save leaves is removed by the next save of
the same path. The
folder and its files get the permissions of the user's umask (0755/0644 under umask 022),
not the temporary directory's (0700) or safetensors' (0600).
"""

from __future__ import annotations

import ctypes
import errno
import functools
import hashlib
import json
import os
import platform
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from findeep import json_text
from findeep.errors import BundleError
from findeep.output_paths import (
    BUNDLE_DOCUMENT,
    BUNDLE_FORMAT,
    FORCE_HINT,
    dead_writers_leftovers,
    refuse_folder_overwrite,
    usual_mode,
)

FORMAT = BUNDLE_FORMAT
# the newest format this findeep reads. A bundle is written with the lowest version that
# holds it (``format_version_for``), so older findeep still reads what it can and refuses
# the rest with "upgrade findeep" instead of failing on a field it does not know:
#   1: the first format;
#   2: a schema's date column may carry ``day_first``, the order training read it in
#      (findeep 1 failed on that field with a TypeError).
FORMAT_VERSION = 2
META_FILE, WEIGHTS_FILE, METRICS_FILE, CHECKSUMS_FILE = (
    BUNDLE_DOCUMENT, "model.safetensors", "metrics.json", "checksums.json")


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
    except (OSError, ValueError, AttributeError, RecursionError):
        return None
    return None if kind is None else str(kind)


def is_bundle_folder(path: Path) -> bool:
    """A folder holding a findeep bundle (any kind: tabular, forecast, pricing, ...) and
    nothing else: its document names findeep's format, and every file in it is one its
    checksums list. ``--force`` replaces only such a folder, so a project folder that
    happens to hold a 'bundle.json' of its own is never deleted."""
    try:
        document = json.loads((path / META_FILE).read_text())
        listed = json.loads((path / CHECKSUMS_FILE).read_text())
    except (OSError, ValueError, RecursionError):
        return False
    if not isinstance(document, dict) or document.get("format") != FORMAT \
            or not isinstance(listed, dict):
        return False
    return all(entry.name in listed or entry.name == CHECKSUMS_FILE for entry in path.iterdir())


def format_version_for(meta: dict[str, Any]) -> int:
    """The lowest format version that holds ``meta`` (see ``FORMAT_VERSION``)."""
    def holds(value: Any, key: str) -> bool:
        if isinstance(value, dict):
            return key in value or any(holds(v, key) for v in value.values())
        return isinstance(value, list) and any(holds(v, key) for v in value)

    return 2 if holds(meta, "day_first") else 1


def write_bundle(path: str | os.PathLike[str], *, kind: str, meta: dict[str, Any],
                 tensors: dict[str, torch.Tensor], metrics: dict[str, Any] | None = None,
                 force: bool = False,
                 files: dict[str, Callable[[Path], None]] | None = None) -> Path:
    """Write a bundle atomically and return its path.

    ``files`` (name -> a function writing that file at the path it is given) adds files of
    another format, such as a blend's CatBoost model; each is checksummed like the rest."""
    path = check_writable(path, force=force)
    path.parent.mkdir(parents=True, exist_ok=True)
    clear_dead_staging(path)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.staging-{os.getpid()}-",
                                    dir=path.parent))
    try:
        try:
            save_file({k: v.detach().cpu().contiguous() for k, v in tensors.items()},
                      staging / WEIGHTS_FILE)
        except SafetensorError as exc:  # a full disk, as safetensors words it
            raise BundleError(f"cannot write the weights of '{path}': "
                              f"{' '.join(str(exc).split())}") from None
        document = {
            "format": FORMAT, "format_version": format_version_for(meta), "kind": kind,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "versions": library_versions(),
            "weights_sha256": sha256_file(staging / WEIGHTS_FILE), **meta,
        }
        _write_json(staging / META_FILE, document)
        for name, write in (files or {}).items():
            write(staging / name)
        if metrics is not None:
            _write_json(staging / METRICS_FILE, metrics)
        files = sorted(p.name for p in staging.iterdir())
        _write_json(staging / CHECKSUMS_FILE, {name: sha256_file(staging / name) for name in files})
        for entry in (*staging.iterdir(), staging):  # safetensors writes 0600, mkdtemp 0700
            usual_mode(entry)
        _swap_into_place(staging, path, force=force)
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


def _swap_into_place(staging: Path, path: Path, *, force: bool) -> None:
    """Move ``staging`` to ``path``. Without ``force`` an existing ``path`` — another save
    of the same path that finished since ``check_writable`` looked — is refused by the move
    itself, with the early check's error; with it, a bundle there is retired, then removed."""
    if not force:
        try:
            _move_without_replacing(staging, path)
        except OSError:
            if not os.path.lexists(path):
                raise
            raise BundleError(f"'{path}' already exists; {FORCE_HINT}.") from None
        return
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
    if retired.is_symlink():  # --out named a link to a bundle: the link was replaced
        retired.unlink()
    else:
        shutil.rmtree(retired, ignore_errors=True)


_AT_FDCWD, _RENAME_NOREPLACE = -100, 1  # <fcntl.h>, <linux/fs.h>


@functools.cache
def _renameat2() -> Any:
    """Linux's renameat2(2) from the C library (glibc 2.28+), or None where there is none."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None


def _move_without_replacing(source: Path, target: Path) -> None:
    """Rename ``source`` to ``target``, or raise ``OSError`` and leave both as they were
    when ``target`` exists.

    One atomic step on Linux (renameat2 with RENAME_NOREPLACE). Where the system or the
    file system lacks it, ``target`` is looked for first and then renamed onto: rename(2)
    itself refuses a non-empty folder there (ENOTEMPTY), such as another save's bundle, so
    only an empty folder made in between those two steps could be replaced.
    """
    rename = _renameat2()
    if rename is not None:
        if rename(_AT_FDCWD, os.fsencode(source), _AT_FDCWD, os.fsencode(target),
                  _RENAME_NOREPLACE) == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):  # else: unsupported
            raise OSError(code, os.strerror(code), str(source), None, str(target))
    if os.path.lexists(target):
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(target))
    os.rename(source, target)


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
    checksums = read_checksums(checksums_path)
    for name in (META_FILE, WEIGHTS_FILE):
        if name not in checksums:
            raise BundleError(f"'{path}' lists no checksum for {name}; the bundle is damaged.")
    for name, expected in checksums.items():
        file = path / Path(name).name
        if not file.is_file():
            raise BundleError(f"'{path}' lacks {name}; the bundle is incomplete.")
        if _readable_digest(file) != expected:
            raise BundleError(
                f"checksum mismatch for '{file}': the file was changed after saving; "
                "refusing to load it.")
    meta = _read_json_object(meta_path, entries_named=True)
    if meta.get("format") != FORMAT:
        raise BundleError(f"'{path}' is not a findeep bundle (format={meta.get('format')!r}).")
    version = meta.get("format_version", 0)
    if not isinstance(version, int) or isinstance(version, bool):
        raise BundleError(f"'{meta_path}' gives format_version {version!r}, not a whole "
                          "number; the bundle is damaged.")
    if version > FORMAT_VERSION:
        raise BundleError(f"'{path}' was written by a newer findeep (format "
                          f"{version}); upgrade findeep to load it.")
    if _readable_digest(path / WEIGHTS_FILE) != meta.get("weights_sha256"):
        raise BundleError(f"weights of '{path}' do not match bundle.json; refusing to load them.")
    try:
        tensors = load_file(path / WEIGHTS_FILE)
    except (SafetensorError, OSError) as exc:
        raise BundleError(f"cannot read weights of '{path}': {exc}") from None
    return meta, tensors


def read_metrics(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A bundle's metrics.json, or ``{}`` when it has none; ``BundleError`` when damaged, or
    when its checksums do not list it as it is (a file put there after saving)."""
    metrics_path = Path(path) / METRICS_FILE
    if not metrics_path.is_file():
        return {}
    listed = read_checksums(Path(path) / CHECKSUMS_FILE).get(METRICS_FILE)
    if listed != _readable_digest(metrics_path):
        raise BundleError(f"'{metrics_path}' is not the one saved with the bundle (its checksum "
                          f"is {'not recorded' if listed is None else 'different'}); "
                          "refusing to read it.")
    return _read_json_object(metrics_path)


class MissingEntryError(BundleError, KeyError):
    """A bundle document lacks an entry its loader needs: a ``BundleError`` (one clear
    sentence at the CLI) that is still a ``KeyError`` for code that probes for old keys."""

    def __str__(self) -> str:  # KeyError would print the message's repr
        return str(self.args[0])


class _Document(dict):
    """A JSON object read from a bundle file whose missing entries raise
    ``MissingEntryError`` naming the file and the entry, not a bare ``KeyError``."""

    file: Path

    def __missing__(self, key: Any) -> Any:
        raise MissingEntryError(
            f"'{self.file}' has no entry {key!r}, which loading this bundle needs; the bundle "
            "is damaged or was edited by hand (save it again from the model).")


def _read_json_object(file: Path, *, entries_named: bool = False) -> dict[str, Any]:
    """The JSON object ``file`` holds; ``BundleError`` naming the file when it cannot be
    read, is not JSON, or holds something else (a list, a number, ...). With
    ``entries_named``, every object in it raises ``MissingEntryError`` for a missing key."""
    def named_object(pairs: dict[str, Any]) -> dict[str, Any]:
        found = _Document(pairs)
        found.file = file
        return found

    try:
        document = json.loads(file.read_text(), object_hook=named_object if entries_named else None)
    except OSError as exc:
        raise BundleError(f"cannot read '{file}' ({exc.strerror or exc}).") from None
    except (ValueError, RecursionError):  # not JSON, not UTF-8, a 5,000-digit number, ...
        raise BundleError(f"'{file}' is not valid JSON; the bundle is damaged.") from None
    if not isinstance(document, dict):
        raise BundleError(f"'{file}' holds a JSON {_json_kind(document)}, not an object; "
                          "the bundle is damaged.")
    return document


def _readable_digest(file: Path) -> str:
    try:
        return sha256_file(file)
    except OSError as exc:
        raise BundleError(f"cannot read '{file}' ({exc.strerror or exc}).") from None


def read_checksums(file: Path) -> dict[str, str]:
    """checksums.json as file name -> sha256 hex digest; ``BundleError`` naming the file and
    the first entry that is not one."""
    checksums = _read_json_object(file)
    for name, digest in checksums.items():
        if not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{64}", digest):
            shown = repr(digest) if len(repr(digest)) <= 40 else repr(digest)[:37] + "..."
            raise BundleError(f"'{file}' gives {shown} for {name}, not a sha256 hex digest; "
                              "the bundle is damaged.")
    return checksums


def _json_kind(value: Any) -> str:
    return {str: "string", list: "list", bool: "boolean", int: "number", float: "number",
            type(None): "null"}.get(type(value), type(value).__name__)
