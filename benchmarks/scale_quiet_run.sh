#!/usr/bin/env bash
# Issue 17's quiet-machine measurement: `findeep predict --stream` on 10M rows, under
# /usr/bin/time -v (rows/s of the whole command, peak RSS), appended to
# benchmarks/results/scale_stream.json. Makes the data and the bundle first if they are
# missing (~1.5 min on an idle 2-core machine; the scoring itself ~1 min).
#
#     bash benchmarks/scale_quiet_run.sh [WORK_DIR]    # default /tmp/findeep-scale
set -euo pipefail
export OMP_WAIT_POLICY=PASSIVE
work=${1:-/tmp/findeep-scale}
mkdir -p "$work"
here=$(dirname "$0")
[ -f "$work/credit-10m.parquet" ] || python "$here/scale_make_data.py" 10000000 "$work/credit-10m.parquet"
[ -f "$work/credit-1m.parquet" ] || python "$here/scale_make_data.py" 1000000 "$work/credit-1m.parquet"
[ -f "$work/bundle-score/bundle.json" ] || python -m findeep train "$work/credit-1m.parquet" \
    --target default --out "$work/bundle-score" --max-epochs 1 --batch-size 4096 --no-stream \
    --quiet --force
python "$here/scale_stream.py" predict-stream "$work/credit-10m.parquet" \
    --bundle "$work/bundle-score" --work "$work"
