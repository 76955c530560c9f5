# Sourced by issue 12's run scripts (issue12_s30_runs.sh, issue12_s32_runs.sh): one run of
# `default` and CatBoost on all 23 tables — the development panel's 7 (ablations.py) and the
# four unseen sets' 16 (unseen_tables.py) — into results/<session>_<who>_*.
#   all_tables SESSION WHO SRC   (SRC: the findeep src a run imports, e.g. a worktree's)
all_tables() {
    local session=$1 who=$2 src=$3
    local here out
    here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
    out=$here/results
    (cd "$here" && PYTHONPATH=$src python ablations.py --panel development \
        --only "catboost;library default (bagging auto + additive path)" \
        --out "$out/${session}_${who}_dev.md")
    for set in first second third fourth; do
        (cd "$here" && PYTHONPATH=$src python unseen_tables.py --set "$set" \
            --models default,catboost --out "$out/${session}_${who}_$set.md")
    done
}
