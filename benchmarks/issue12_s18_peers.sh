#!/usr/bin/env bash
# Issue 12, eighteenth session: one pytabkit peer (realmlp or tabm) on the 11 real tables of the
# second, third and fourth unseen sets, one table per run, pinned to one core with one thread
# (the two peers run side by side on the two cores; CPU seconds are context only, AUC is what
# is compared). Smallest tables first, so a cut-off run keeps the most tables.
#   bash benchmarks/issue12_s18_peers.sh realmlp 0   # and: ... tabm 1
set -euo pipefail
peer=$1; core=$2
cd "$(dirname "$0")"
for spec in third:Workinghours third:NMES1988 second:Benefits third:DoctorVisits second:RandHIE \
            second:wa_churn second:k401ksubs third:mm_nhis third:VietNamI second:mortgages fourth:meps; do
  set_name=${spec%%:*}; table=${spec#*:}
  OMP_WAIT_POLICY=PASSIVE taskset -c "$core" python -c '
import os, runpy, sys
os.cpu_count = lambda: 1  # make_peer gives pytabkit min(2, cpu_count) threads: one here
sys.argv = ["unseen_tables.py", *sys.argv[1:]]
runpy.run_path("unseen_tables.py", run_name="__main__")
' --set "$set_name" --only "$table" --models "$peer" --out "results/unseen_s18_peer_${peer}_${table}.md"
done
