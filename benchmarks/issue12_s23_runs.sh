#!/bin/bash
# Issue 12, twenty-third session: the runs declared in BENCHMARKS ("a one-network recipe where
# the budget can never afford a second member"). Quiet machine, nothing else running.
#   bash benchmarks/issue12_s23_runs.sh REFERENCE_SRC   # e.g. a worktree of 19fe1ac: .../src
# Reference (today's code before the recipe) and candidate (this checkout) on the six tables
# the recipe reaches, three repeats each, alternated, CatBoost in every run (model order
# swapped in the second repeat); then the candidate once on all 23 tables.
set -euo pipefail
ref_src=$1
here=$(cd "$(dirname "$0")" && pwd)
out=$here/results
export OMP_WAIT_POLICY=PASSIVE
reached() {  # who repeat models
    local who=$1 r=$2 models=$3 path=""
    [ "$who" = ref ] && path=$ref_src
    for set in second third fourth; do
        case $set in second) only=Benefits,k401ksubs ;; third) only=DoctorVisits,VietNamI,mm_nhis ;; fourth) only=meps ;; esac
        (cd "$here" && PYTHONPATH=$path python unseen_tables.py --set $set --only $only \
            --models $models --out "$out/s23_${who}_r${r}_${set}.md")
    done
}
reached ref 1 default,catboost
reached cand 1 default,catboost
reached cand 2 catboost,default
reached ref 2 catboost,default
reached ref 3 default,catboost
reached cand 3 default,catboost
# the candidate on all 23 tables, once
(cd "$here" && python ablations.py --panel development \
    --only "catboost;library default (bagging auto + additive path)" --out "$out/s23_all_dev.md")
for set in first second third fourth; do
    (cd "$here" && python unseen_tables.py --set $set --models default,catboost \
        --out "$out/s23_all_$set.md")
done
