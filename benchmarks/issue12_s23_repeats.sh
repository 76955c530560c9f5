#!/bin/bash
# Issue 12, twenty-third session: two more runs of the candidate (the one-network recipe
# adopted) on all 23 tables, for fit-wall ratios to CatBoost as medians of three same-run
# ratios (the first run is issue12_s23_runs.sh's s23_all_*). Quiet machine.
#   bash benchmarks/issue12_s23_repeats.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$here/results
export OMP_WAIT_POLICY=PASSIVE
for r in 2 3; do
    models=default,catboost
    [ $r = 2 ] && models=catboost,default
    dev="catboost;library default (bagging auto + additive path)"
    [ $r = 2 ] && dev="library default (bagging auto + additive path);catboost"
    (cd "$here" && python ablations.py --panel development --only "$dev" \
        --out "$out/s23_all_dev_r$r.md")
    for set in first second third fourth; do
        (cd "$here" && python unseen_tables.py --set $set --models $models \
            --out "$out/s23_all_${set}_r$r.md")
    done
done
