#!/bin/bash
# Issue 12, thirty-second session: today's default and CatBoost on all 23 tables, three
# times, on an AMD EPYC (2 cores) — the thirtieth session's fit walls were measured on an
# Intel Xeon, where sample:creditcard sat at 1.16x CatBoost's in the panel's order.
#   git worktree add /tmp/wt_head HEAD   # the code measured, untouched by later edits
#   bash benchmarks/issue12_s32_amd.sh /tmp/wt_head/src
#   python benchmarks/issue12_s30_summary.py --walls s32_amd1 s32_amd2 s32_amd3
#   python benchmarks/issue12_paired_rule.py --run s32_amd1
# Quiet machine, nothing else running.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$here/results
src=$1
export OMP_WAIT_POLICY=PASSIVE
for who in amd1 amd2 amd3; do
    (cd "$here" && PYTHONPATH=$src python ablations.py --panel development \
        --only "catboost;library default (bagging auto + additive path)" \
        --out "$out/s32_${who}_dev.md")
    for set in first second third fourth; do
        (cd "$here" && PYTHONPATH=$src python unseen_tables.py --set $set \
            --models default,catboost --out "$out/s32_${who}_$set.md")
    done
done
