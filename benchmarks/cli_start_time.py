"""How long `findeep --help` and a one-line input error wait for imports: importing
findeep.cli before a revision and now, alternated, medians of 7 runs.

    git worktree add /tmp/wt_old 69e43a6 && python benchmarks/cli_start_time.py
"""

import statistics
import subprocess
import sys
import time

runs = {"before (69e43a6)": "/tmp/wt_old/src", "after": "/work/main/src"}
times = {k: [] for k in runs}
for _ in range(7):
    for name, src in runs.items():
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import findeep.cli"], check=True,
                       env={"PYTHONPATH": src, "PATH": "/usr/bin:/bin",
                            "OMP_WAIT_POLICY": "PASSIVE"})
        times[name].append(time.perf_counter() - t)
for name, ts in times.items():
    print(f"{name}: median {statistics.median(ts):.2f} s over {len(ts)} runs")
