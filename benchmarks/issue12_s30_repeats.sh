#!/bin/bash
# Issue 12, thirtieth session: the kept candidate (the additive path's second form) twice more
# on all 23 tables with CatBoost, so each table's fit wall / CatBoost's is a median of three
# same-run ratios (the first run is issue12_s30_runs.sh's). Quiet machine.
#   bash benchmarks/issue12_s30_repeats.sh CANDIDATE_SRC   # -> results/s30_cand_r{2,3}_*
set -euo pipefail
cand_src=$1
here=$(cd "$(dirname "$0")" && pwd)
out=$here/results
export OMP_WAIT_POLICY=PASSIVE
for r in 2 3; do
    (cd "$here" && PYTHONPATH=$cand_src python ablations.py --panel development \
        --only "catboost;library default (bagging auto + additive path)" \
        --out "$out/s30_cand_r${r}_dev.md")
    for set in first second third fourth; do
        (cd "$here" && PYTHONPATH=$cand_src python unseen_tables.py --set $set \
            --models default,catboost --out "$out/s30_cand_r${r}_$set.md")
    done
done
