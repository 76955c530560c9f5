"""The README's promise: after `pip install "torch==2.13.0" -e .` (core only), every command
in its command list works or says in one line which extra to install — never a traceback.

A virtual environment with the core install only is built once from a wheel cache and kept
under ``~/.cache/findeep-tests`` (or ``$FINDEEP_TEST_CACHE``), keyed by pyproject.toml, the
Python version and this checkout's path; later runs reuse it and take seconds. The first run
on a machine downloads the core wheels once (torch comes from the pinned local wheel) and
installs them without byte-compiling (about half a minute; compiling all of torch's modules
took another 90 s on 2 busy cores, and the README commands below import only some of them:
those compile on first import and are cached in the venv).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUNNER = Path(__file__).parent / "base_install" / "run_readme_commands.py"
CACHE = Path(os.environ.get("FINDEEP_TEST_CACHE", Path.home() / ".cache" / "findeep-tests"))
TORCH = "torch==2.13.0"  # the README's pin
# commands that need an extra, and the extra their one-line hint must name
NEEDS_EXTRA = {"serve": "serve", "export": "onnx"}
SUB_APPS = ("forecast", "text", "recommend", "pricing", "spark")
# application families' README lines run verbatim without their data files: a clean
# one-line refusal (or success) is what the core install must give there
VERBATIM = ("text", "recommend", "pricing", "spark")
EXTRA_MODULES = ("fastapi", "uvicorn", "onnx", "onnxruntime", "lightgbm", "xgboost", "catboost")


def _pip(*args: str, into: Path | None = None) -> None:
    """This interpreter's pip; ``into`` a venv's Python installs there (the venv has no pip
    of its own: seeding one costs ~10 s and the tests never call it)."""
    target = [] if into is None else ["--python", str(into)]
    subprocess.run([sys.executable, "-m", "pip", *target, "--disable-pip-version-check", "-q",
                    *args], check=True, stdout=subprocess.DEVNULL)


def _clean_env() -> dict[str, str]:
    # PYTHONDONTWRITEBYTECODE is dropped so the venv (installed --no-compile) caches the
    # byte code of what the commands import, once
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONDONTWRITEBYTECODE")}
    env.update(OMP_WAIT_POLICY="PASSIVE", COLUMNS="200", NO_COLOR="1")
    return env


@pytest.fixture(scope="module")
def base_python() -> Path:
    """A venv's Python holding findeep's core install and nothing else."""
    pyproject = (ROOT / "pyproject.toml").read_bytes()
    core = [TORCH, *tomllib.loads(pyproject.decode())["project"]["dependencies"]]
    key = hashlib.sha256(b"\0".join([pyproject, sys.version.encode(), str(ROOT).encode()]))
    venv = CACHE / f"base-venv-{key.hexdigest()[:16]}"
    python = venv / "bin" / "python"
    if (venv / ".complete").exists():
        return python
    wheels = CACHE / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    build_tools = ["setuptools>=68", "wheel"]
    try:  # offline first: the cache usually has everything
        _pip("download", "--no-index", "--find-links", str(wheels), "-d", str(wheels), *core,
             *build_tools)
    except subprocess.CalledProcessError:
        _pip("download", "-d", str(wheels), *core, *build_tools)
    staging = venv.with_name(venv.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(staging)], check=True)
    _pip("install", "--no-compile", "--no-index", "--find-links", str(wheels), *core,
         *build_tools, into=staging / "bin" / "python")
    staging.rename(venv)  # the venv's scripts are fixed up below by the editable install
    _pip("install", "--no-index", "--no-deps", "--no-build-isolation", "-e", str(ROOT),
         into=python)
    (venv / ".complete").write_text(" ".join(core))
    return python


@pytest.fixture(scope="module")
def readme_runs(base_python: Path, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """Every README command run once in the base venv (in one process: torch loads once)."""
    work = tmp_path_factory.mktemp("readme")
    done = subprocess.run([str(base_python), str(RUNNER), str(work)], capture_output=True,
                          text=True, env=_clean_env(), cwd=work, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def _readme_commands() -> set[str]:
    """'train', 'forecast train', … for each line of the README's command list."""
    block = (ROOT / "README.md").read_text().split("## Command line", 1)[1]
    block = block.split("```bash", 1)[1].split("```", 1)[0]
    names = set()
    for line in block.splitlines():
        words = line.split("#")[0].split()
        if words and words[0] == "findeep":
            names.add(" ".join(words[1:3]) if words[1] in SUB_APPS else words[1])
    return names


def test_the_base_install_has_no_extra(base_python: Path) -> None:
    """The venv holds the core dependencies only, so the commands below prove the README."""
    code = ("import importlib.util as u, json; "
            f"print(json.dumps([m for m in {EXTRA_MODULES!r} if u.find_spec(m)]))")
    done = subprocess.run([str(base_python), "-c", code], capture_output=True, text=True,
                          env=_clean_env(), check=True)
    assert json.loads(done.stdout) == []


def test_every_readme_command_works_or_names_its_extra(readme_runs: list[dict]) -> None:
    """Exit 0, or exit 2 with one stderr line naming the extra; never a traceback."""
    covered = {" ".join(r["args"][:2]) if r["args"][0] in SUB_APPS else r["args"][0]
               for r in readme_runs}
    assert _readme_commands() <= covered | {"demo"}, _readme_commands() - covered
    for run in readme_runs:
        command = run["args"][0]
        assert run["exception"] is None, f"{run['args']}: {run['exception']}"
        assert "Traceback" not in run["stdout"] + run["stderr"], run["args"]
        if command == "train" and "default+catboost" in run["args"]:
            continue  # needs catboost: test_a_blend_to_deploy_names_its_extra
        if command in NEEDS_EXTRA:
            assert run["exit_code"] == 2, run
            lines = run["stderr"].strip().splitlines()
            assert len(lines) == 1, lines
            assert f"pip install 'findeep[{NEEDS_EXTRA[command]}]'" in lines[0]
        elif command in VERBATIM:
            assert run["exit_code"] in (0, 2), run
            if run["exit_code"] == 2:
                assert len(run["stderr"].strip().splitlines()) == 1, run["stderr"]
        else:
            assert run["exit_code"] == 0, f"{run['args']}: {run['stderr'] or run['stdout']}"


def test_baselines_that_need_an_extra_are_skipped_with_the_reason(readme_runs: list[dict]) -> None:
    """`benchmark` without findeep[baselines] still compares what it can and says what not."""
    run = next(r for r in readme_runs if "lightgbm" in " ".join(r["args"]))
    assert re.search(r"skipped lightgbm: .*findeep\[baselines\]", run["stdout"]), run["stdout"]


def test_a_blend_whose_part_needs_an_extra_is_skipped_naming_it(readme_runs: list[dict]) -> None:
    """`--models default+catboost` without findeep[baselines]: default still runs, and the
    blend is skipped with the extra its part needs."""
    run = next(r for r in readme_runs if r["args"][0] == "benchmark"
               and "default+catboost" in r["args"])
    assert run["exit_code"] == 0, run
    assert re.search(r"skipped default\+catboost: needs catboost: .*findeep\[baselines\]",
                     run["stdout"]), run["stdout"]


def test_a_blend_to_deploy_names_its_extra(readme_runs: list[dict]) -> None:
    """`train --model default+catboost` without findeep[baselines]: one line, exit 2, the
    extra named, no bundle half-written."""
    runs = [r for r in readme_runs if r["args"][0] == "train" and "default+catboost" in r["args"]]
    assert len(runs) == 2  # a binary blend and a regression blend (a loan's rate)
    for run in runs:
        assert run["exit_code"] == 2, run
        lines = run["stderr"].strip().splitlines()
        assert len(lines) == 1 and "pip install 'findeep[baselines]'" in lines[0], lines


def test_the_console_script_prints_one_line_for_a_missing_extra(base_python: Path,
                                                                tmp_path: Path) -> None:
    """The installed `findeep` entry point itself, not only the Typer app, exits 2 cleanly."""
    done = subprocess.run([str(base_python.parent / "findeep"), "serve", str(tmp_path)],
                          capture_output=True, text=True, env=_clean_env())
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "findeep: serving a model over HTTP needs the 'serve' extra (fastapi, uvicorn not "
        "installed): pip install 'findeep[serve]'."]
