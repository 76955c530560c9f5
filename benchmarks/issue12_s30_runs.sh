#!/bin/bash
# Issue 12, thirtieth session: the additive path's second form (bins penalised harder, each
# numeric column also on its own scale), declared in BENCHMARKS before these runs.
#   bash benchmarks/issue12_s30_runs.sh REFERENCE_SRC CANDIDATE_SRC
#   bash benchmarks/issue12_s30_runs.sh --repeats CANDIDATE_SRC
# (worktrees of f9c4954 and of the candidate commit: .../src). The first form runs the
# reference (today's code before the change) and the candidate once each on all 23 tables,
# CatBoost in every run (same-run fit ratios) -> results/s30_{ref,cand}_*; --repeats runs the
# candidate twice more (results/s30_cand_r{2,3}_*), so each table's fit wall / CatBoost's is
# a median of three. Quiet machine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$here/results
export OMP_WAIT_POLICY=PASSIVE
all_tables() {  # who src
    local who=$1 path=$2
    (cd "$here" && PYTHONPATH=$path python ablations.py --panel development \
        --only "catboost;library default (bagging auto + additive path)" \
        --out "$out/s30_${who}_dev.md")
    for set in first second third fourth; do
        (cd "$here" && PYTHONPATH=$path python unseen_tables.py --set $set \
            --models default,catboost --out "$out/s30_${who}_$set.md")
    done
}
if [ "$1" = "--repeats" ]; then
    for r in 2 3; do all_tables "cand_r$r" "$2"; done
else
    all_tables ref "$1"
    all_tables cand "$2"
fi
