"""Where findeep may write: checked before any work, refused in one sentence.

Every job that writes (a bundle folder, a scores table, a report, an ONNX file) calls one of
these before it trains or reads anything, so a bad ``--out`` fails in a second rather than
after the fit, and never with a traceback:

- ``check_location``: the path has a name ('.' and '..' have none), no folder above it is a
  file or a findeep bundle (a file written into a bundle breaks its checksums, so the bundle
  would no longer load), and the nearest folder above it that exists takes a new entry
  (tried, not guessed from permission bits, which say nothing to root or on /proc);
- ``refuse_overwrite``: an existing file is replaced only with ``force``, and never a folder
  when a file is asked for;
- ``refuse_folder_overwrite``: an existing folder is replaced only with ``force``, and only
  when it is what the job writes (a findeep bundle, say) or empty — ``--force`` must never
  delete a user's folder of other files.

What is written gets the permissions the user's umask gives any new file or folder (0644 and
0755 under umask 022): ``staged_file`` and the bundle writer stage in private
temporary files (0600/0700), so they give theirs ``usual_mode`` before moving them in place.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from findeep.errors import BundleError

FORCE_HINT = "pass --force (force=True from Python) to overwrite it"
# what makes a folder a findeep bundle: its document, naming this format (bundle.py writes it)
BUNDLE_DOCUMENT, BUNDLE_FORMAT = "bundle.json", "findeep-bundle"


def holds_bundle_document(folder: Path) -> bool:
    """``folder`` holds a findeep bundle's document (checked or not: any file written into
    it, or its metrics or weights replaced, makes the bundle fail its checksums)."""
    try:
        document = json.loads((folder / BUNDLE_DOCUMENT).read_text())
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(document, dict) and document.get("format") == BUNDLE_FORMAT


def check_location(path: str | os.PathLike[str]) -> Path:
    """``path`` as a ``Path`` when something could be written there, else ``BundleError``."""
    path = Path(path)
    if path.name in ("", ".", ".."):
        raise BundleError(f"'{path}' names no file or folder of its own; give --out a new "
                          "name (e.g. 'model' or 'scores.csv').")
    parent = path.parent
    while not parent.exists():
        if parent == parent.parent:
            break
        parent = parent.parent
    if parent.exists() and not parent.is_dir():
        raise BundleError(f"cannot write '{path}': '{parent}' is a file, not a folder.")
    for folder in (parent, *parent.parents):
        if holds_bundle_document(folder):
            raise BundleError(f"cannot write '{path}' inside the model bundle '{folder}': "
                              "the bundle would fail its checksums and no longer load; "
                              "write it beside the bundle instead.")
    try:  # a real probe: permission bits say nothing to root, or on /proc and read-only mounts
        os.rmdir(tempfile.mkdtemp(prefix=".findeep-probe-", dir=parent))
    except OSError as exc:
        raise BundleError(f"cannot write '{path}': the folder '{parent}' does not take new "
                          f"files ({exc.strerror or exc}).") from None
    return path


def current_umask() -> int:
    """The process's umask, read without changing it where Linux shows it (no window in
    which another thread would create files under a different one)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def usual_mode(path: str | os.PathLike[str]) -> None:
    """Give ``path`` the mode a plain ``open``/``mkdir`` would have: 0666 (a folder: 0777)
    less the umask. Temporary files are private (0600/0700); outputs are not."""
    full = 0o777 if Path(path).is_dir() else 0o666
    os.chmod(path, full & ~current_umask())


@contextmanager
def staged_file(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A private temporary sibling of ``path`` for the block to write; when the block ends
    without an error it is renamed over ``path`` with the usual permissions of the user's
    umask, otherwise deleted: a reader never sees half a file, and a failure leaves the old
    one (or none)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    staging = Path(name)
    try:
        yield staging
        usual_mode(staging)
        os.replace(staging, path)
    finally:
        staging.unlink(missing_ok=True)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through ``staged_file``."""
    with staged_file(path) as staging:
        staging.write_text(text, encoding="utf-8")
    return Path(path)


def refuse_overwrite(path: str | os.PathLike[str], *, force: bool) -> Path:
    """A file output: an existing file is replaced only with ``force``; a folder never."""
    path = check_location(path)
    if path.is_dir():
        raise BundleError(f"'{path}' is a folder; name a file for this output.")
    if os.path.lexists(path) and not force:  # a link counts, even one to nothing
        raise BundleError(f"'{path}' already exists; {FORCE_HINT}.")
    return path


def refuse_folder_overwrite(path: str | os.PathLike[str], *, force: bool,
                            replaceable: Callable[[Path], bool], what: str) -> Path:
    """A folder output: an existing folder is replaced only with ``force``, and only when
    ``replaceable`` says it holds ``what`` (e.g. "a findeep bundle") or it is empty."""
    path = check_location(path)
    if not path.exists():
        return path
    # what --force could not replace is said first, so the hint to pass it is never wrong
    if not path.is_dir():
        raise BundleError(f"'{path}' exists and is not a folder; choose another --out.")
    entries = sorted(p.name for p in path.iterdir())
    if entries and not replaceable(path):
        shown = ", ".join(repr(name) for name in entries[:3])
        more = f" and {len(entries) - 3} more" if len(entries) > 3 else ""
        raise BundleError(f"'{path}' is not {what} (it holds {shown}{more}); --force replaces "
                          f"only {what}, so choose another --out.")
    if not force:
        raise BundleError(f"'{path}' already exists; {FORCE_HINT}.")
    return path


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (another user's counts as running: not ours to
    judge), so that what a killed write left behind can be told from a write in progress."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError included: someone else's process
        return True
    return True


def dead_writers_leftovers(parent: Path, pattern: str) -> list[Path]:
    """The entries of ``parent`` whose name matches ``pattern`` (a regular expression whose
    first matching group is a process id) and whose process is gone: what a write killed
    mid-way (kill -9, a lost node) left. A write still running keeps its own."""
    found = []
    for entry in parent.iterdir() if parent.is_dir() else ():
        match = re.fullmatch(pattern, entry.name)
        if match is None:
            continue
        pid = int(next(group for group in match.groups() if group))
        if pid != os.getpid() and not process_alive(pid):
            found.append(entry)
    return found


def exclusive_temp(out: Path) -> Path:
    """A new, empty, private temporary sibling of ``out`` (``.NAME.tmp-PID-RANDOM``) that
    this call created itself: opened exclusively and never through a link, so a name
    planted beforehand (a symlink to another file) is skipped, never written through. The
    caller writes it, gives it ``usual_mode`` and renames it over ``out``."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
        try:
            os.close(os.open(tmp, flags, 0o600))
        except FileExistsError:
            continue
        return tmp
    raise BundleError(f"cannot create a temporary file beside '{out}': every name tried "
                      "was taken.")


def clear_dead_temps(out: Path) -> list[Path]:
    """Remove the temporary siblings of ``out`` (``.NAME.tmp-PID[-RANDOM]``) that killed
    writes left, as ``bundle.clear_dead_staging`` does for bundles; a link is left alone
    (not ours). Returns what was removed."""
    removed = [entry for entry in dead_writers_leftovers(
        out.parent, rf"\.{re.escape(out.name)}\.tmp-(\d+)(?:-[0-9a-f]+)?")
        if entry.is_file() and not entry.is_symlink()]
    for entry in removed:
        entry.unlink(missing_ok=True)
    return removed
