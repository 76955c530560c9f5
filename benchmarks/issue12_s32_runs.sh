#!/bin/bash
# Issue 12, thirty-second session, on an AMD EPYC (2 cores; the thirtieth session's fit walls
# were measured on an Intel Xeon, where sample:creditcard read 1.16x CatBoost's):
#   bash benchmarks/issue12_s32_runs.sh --reference SRC   # today's code, 3 runs: s32_amd{1,2,3}
#   bash benchmarks/issue12_s32_runs.sh --candidate SRC   # the declared candidate once: s32_cand
# SRC: a worktree's src (git worktree add /tmp/wt HEAD), so later edits cannot reach the run.
# Each run: the development panel's 7 tables and the four unseen sets' 16, with CatBoost in
# every run (same-run fit ratios). Then:
#   python benchmarks/issue12_s30_summary.py --walls s32_amd1 s32_amd2 s32_amd3
#   python benchmarks/issue12_paired_rule.py --run s32_amd1
#   python benchmarks/issue12_s32_summary.py   # the candidate's rule
# Quiet machine, nothing else running.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export OMP_WAIT_POLICY=PASSIVE
source "$here/issue12_all_tables.sh"
case "$1" in
    --reference) for who in amd1 amd2 amd3; do all_tables s32 "$who" "$2"; done ;;
    --candidate) all_tables s32 cand "$2" ;;
    *) echo "usage: $0 --reference SRC | --candidate SRC" >&2; exit 2 ;;
esac
