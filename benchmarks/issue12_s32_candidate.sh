#!/bin/bash
# Issue 12, thirty-second session: the additive path's smoothing chosen with its share
# (declared in BENCHMARKS before this run). The candidate once on all 23 tables with
# CatBoost; the reference is s32_amd1 (bash benchmarks/issue12_s32_amd.sh), same machine.
#   git worktree add /tmp/wt_cand <candidate commit>
#   bash benchmarks/issue12_s32_candidate.sh /tmp/wt_cand/src
#   python benchmarks/issue12_s32_summary.py   # -> results/issue12_s32_summary.md
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$here/results
src=$1
export OMP_WAIT_POLICY=PASSIVE
(cd "$here" && PYTHONPATH=$src python ablations.py --panel development \
    --only "catboost;library default (bagging auto + additive path)" \
    --out "$out/s32_cand_dev.md")
for set in first second third fourth; do
    (cd "$here" && PYTHONPATH=$src python unseen_tables.py --set $set \
        --models default,catboost --out "$out/s32_cand_$set.md")
done
