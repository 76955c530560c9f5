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
export OMP_WAIT_POLICY=PASSIVE
source "$here/issue12_all_tables.sh"
if [ "$1" = "--repeats" ]; then
    for r in 2 3; do all_tables s30 "cand_r$r" "$2"; done
else
    all_tables s30 ref "$1"
    all_tables s30 cand "$2"
fi
