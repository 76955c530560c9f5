#!/bin/bash
# Issue 12, thirtieth session: the additive path's second form (bins penalised harder, each
# numeric column also on its own scale), declared in BENCHMARKS before these runs.
#   bash benchmarks/issue12_s30_runs.sh REFERENCE_SRC CANDIDATE_SRC
# (worktrees of f9c4954 and of the candidate commit: .../src)
# The reference (today's code before the change) and the candidate (this checkout) once each
# on all 23 tables, CatBoost in every run (same-run fit ratios). Quiet machine.
set -euo pipefail
ref_src=$1
cand_src=$2
here=$(cd "$(dirname "$0")" && pwd)
out=$here/results
export OMP_WAIT_POLICY=PASSIVE
for who in ref cand; do
    path=$cand_src
    [ "$who" = ref ] && path=$ref_src
    (cd "$here" && PYTHONPATH=$path python ablations.py --panel development \
        --only "catboost;library default (bagging auto + additive path)" \
        --out "$out/s30_${who}_dev.md")
    for set in first second third fourth; do
        (cd "$here" && PYTHONPATH=$path python unseen_tables.py --set $set \
            --models default,catboost --out "$out/s30_${who}_$set.md")
    done
done
