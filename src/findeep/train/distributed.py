"""torch.distributed for findeep: which process am I, and how to start N of them.

Processes are started by PyTorch's own launcher (``torchrun`` / ``torch.distributed.run``),
which sets ``RANK``, ``WORLD_SIZE`` and the rendezvous variables; ``findeep train
--nproc-per-node N`` runs that launcher for you. Gradients are all-reduced by
``DistributedDataParallel``; gloo on CPU, NCCL on GPU.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import torch

from findeep.errors import ConfigError, FindeepError

TIMEOUT = timedelta(minutes=10)  # a rank silent this long is taken for dead


@dataclass(frozen=True)
class Ranks:
    """This process's place in the run: rank ``rank`` of ``world_size``."""

    rank: int = 0
    world_size: int = 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def launched_ranks() -> Ranks:
    """The ranks torchrun set in the environment (rank 0 of 1 when not launched by it)."""
    return Ranks(int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1)))


def init_process_group(ranks: Ranks, device: torch.device) -> None:
    """Join the run's process group (once), gloo on CPU and NCCL on GPU."""
    import torch.distributed as dist

    if not ranks.distributed or dist.is_initialized():
        return
    backend = "nccl" if device.type == "cuda" else "gloo"
    if device.type == "cuda":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
    dist.init_process_group(backend=backend, timeout=TIMEOUT)


def broadcast_flag(value: bool, ranks: Ranks) -> bool:
    """Rank 0's ``value`` on every rank: decisions (stop early, keep this epoch) are taken once."""
    if not ranks.distributed:
        return value
    import torch.distributed as dist

    flag = torch.tensor([1 if value else 0], dtype=torch.int64)
    if dist.get_backend() == "nccl":
        flag = flag.cuda()
    dist.broadcast(flag, src=0)
    return bool(flag.item())


def barrier(ranks: Ranks) -> None:
    if ranks.distributed:
        import torch.distributed as dist

        dist.barrier()


def destroy_process_group() -> None:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


# set in the ranks ``launch`` starts: the launching command prints the report, so rank 0
# does not (a user's own torchrun leaves it unset, and rank 0 prints)
LAUNCHER_REPORTS = "FINDEEP_LAUNCHER_REPORTS"


def launch(nproc_per_node: int, module_args: list[str], *, log_dir: str | os.PathLike[str] | None
           = None) -> None:
    """Run ``python -m findeep <module_args>`` as ``nproc_per_node`` ranks on this machine.

    Each rank's output goes to a log file; when a rank dies, the run stops with one line
    naming it (its own last error line when it left one) and where its log is.
    """
    if nproc_per_node < 1:
        raise ConfigError(f"--nproc-per-node must be a positive integer, however: "
                          f"{nproc_per_node=}")
    logs = Path(log_dir or tempfile.mkdtemp(prefix="findeep-ranks-"))
    logs.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               f"--nproc-per-node={nproc_per_node}", "--log-dir", str(logs),
               "--redirects", "3", "--tee", "1", "-m", "findeep", *module_args]
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get(
        "OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // nproc_per_node))),
           LAUNCHER_REPORTS: "1"}  # the launching command prints the result, once
    launcher_log = logs / "launcher.log"
    with launcher_log.open("w") as stream:
        finished = subprocess.run(command, env=env, stderr=stream, stdout=None, check=False)
    if finished.returncode != 0:
        checkpointed = any(arg == "--checkpoint-dir" or arg.startswith("--checkpoint-dir=")
                           for arg in module_args)
        line = failure_line(logs, finished.returncode, can_resume=checkpointed)
        if log_dir is None and str(logs) not in line:  # logs the sentence does not point to
            shutil.rmtree(logs, ignore_errors=True)
        raise FindeepError(line)
    if log_dir is None:
        shutil.rmtree(logs, ignore_errors=True)  # a clean run leaves nothing behind


def failure_line(logs: Path, returncode: int, *, can_resume: bool = True) -> str:
    """One sentence on why a distributed run stopped, from the ranks' logs: a rank's own
    error (its warnings are not the cause), else the rank the launcher saw die and how.

    A rank that died (killed, out of memory, a lost peer) is followed by "rerun with
    --resume" when ``can_resume`` (the run wrote checkpoints: --checkpoint-dir); a rank's
    own error is not (a misspelt target or a refused resume fails again on a rerun)."""
    resume = ("; checkpoints written so far are intact: rerun with --resume" if can_resume
              else "")
    launcher = logs / "launcher.log"
    text = launcher.read_text(errors="replace") if launcher.is_file() else ""
    # the launcher lists other failures first, then the root cause (the first observed)
    root = text[text.index("Root Cause"):] if "Root Cause" in text else text
    rank = re.search(r"\brank\s*:\s*(\d+)", root)
    code = re.search(r"\bexitcode\s*:\s*(-?\d+)", root)

    # the root cause's own error; another rank's only when the launcher named no rank (a
    # peer's error after the root cause was killed is a consequence, not the cause)
    for error_file in sorted(logs.rglob("stderr.log"),
                             key=lambda f: (len(f.parent.name), f.parent.name)):
        if rank is not None and error_file.parent.name != rank.group(1):
            continue
        lines = [line.strip() for line in error_file.read_text(errors="replace").splitlines()
                 if line.strip()]
        errors = [line for line in lines if line.startswith("findeep:")
                  and not line.startswith("findeep: warning:")]
        if errors:
            return (f"rank {error_file.parent.name} stopped: "
                    f"{errors[-1].removeprefix('findeep:').strip()}")
    if rank and code:
        value = int(code.group(1))
        how = (f"was stopped by signal {-value} ({_signal_name(-value)})" if value < 0
               else f"exited with code {value}")
        return f"rank {rank.group(1)} {how} and the run was stopped{resume}."
    return (f"a training process exited with code {returncode} and the run was stopped; "
            f"the ranks' logs are in '{logs}'{resume}.")


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return "an unknown signal"
