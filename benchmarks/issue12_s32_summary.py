"""Issue 12, thirty-second session: the path's smoothing chosen with its share, against
today's code on the same machine, judged by the rule declared in BENCHMARKS before the run.

    bash benchmarks/issue12_s32_runs.sh --reference SRC  # the reference runs (s32_amd1..3)
    bash benchmarks/issue12_s32_runs.sh --candidate SRC  # the candidate run (s32_cand)
    python benchmarks/issue12_s32_summary.py            # -> results/issue12_s32_summary.md
"""

from __future__ import annotations

from issue12_s30_summary import main

if __name__ == "__main__":
    main("s32_amd1", "s32_cand", "issue12_s32_summary.md")
