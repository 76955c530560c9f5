"""When a rank of `findeep train --nproc-per-node` dies, one line says which and how."""

from __future__ import annotations

from pathlib import Path

from findeep.train.distributed import failure_line

LAUNCHER_LOG = """Root Cause (first observed failure):
[0]:
  time      : 2026-12-03_14:00:00
  rank      : 1 (local_rank: 1)
  exitcode  : -9 (pid: 1234)
"""


def test_a_killed_rank_is_named_with_its_signal_not_another_ranks_warning(tmp_path: Path):
    (tmp_path / "launcher.log").write_text(LAUNCHER_LOG)
    (tmp_path / "0").mkdir()
    (tmp_path / "0" / "stderr.log").write_text(
        "findeep: warning: the data has date column(s) applied_on but the split is random\n")
    line = failure_line(tmp_path, 1)
    assert line.startswith("rank 1 was stopped by signal 9 (SIGKILL)")
    assert "--resume" in line and "date column" not in line


def test_a_rank_that_stopped_on_an_error_is_quoted(tmp_path: Path):
    (tmp_path / "1").mkdir()
    (tmp_path / "1" / "stderr.log").write_text("findeep: rank 1 gets 0 training rows.\n")
    assert failure_line(tmp_path, 1).startswith("rank 1 stopped: rank 1 gets 0 training rows.")


OTHER_FAILURE_FIRST = """Failures:
[1]:
  time      : 2026-12-03_14:00:05
  rank      : 0 (local_rank: 0)
  exitcode  : 1 (pid: 1233)
------------------------------------------------------------
Root Cause (first observed failure):
[0]:
  time      : 2026-12-03_14:00:00
  rank      : 1 (local_rank: 1)
  exitcode  : -9 (pid: 1234)
"""


def test_the_root_cause_is_named_not_the_peer_that_failed_after_it(tmp_path: Path):
    """The launcher lists the other failures before the root cause: rank 1 was killed
    first, and rank 0's error on losing its peer is a consequence, not the cause."""
    (tmp_path / "launcher.log").write_text(OTHER_FAILURE_FIRST)
    for rank in ("0", "1"):
        (tmp_path / rank).mkdir()
    (tmp_path / "0" / "stderr.log").write_text("findeep: cannot reach rank 1.\n")
    (tmp_path / "1" / "stderr.log").write_text("")
    assert failure_line(tmp_path, 1).startswith("rank 1 was stopped by signal 9 (SIGKILL)")
    (tmp_path / "1" / "stderr.log").write_text("findeep: rank 1 gets 0 training rows.\n")
    assert failure_line(tmp_path, 1) == "rank 1 stopped: rank 1 gets 0 training rows."
