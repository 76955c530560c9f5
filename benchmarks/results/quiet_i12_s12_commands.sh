#!/bin/bash
# lead's timing + re-runs, session 12; nothing else running
cd /work/main
export OMP_WAIT_POLICY=PASSIVE
echo "start $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
python benchmarks/unseen_tables.py --set third --models default,catboost --out benchmarks/results/quiet_unseen3_s12.md
echo "q3 done $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
python benchmarks/unseen_tables.py --models default,catboost --out benchmarks/results/unseen_s12_first.md
echo "q1 done $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
python benchmarks/unseen_tables.py --set second --models default,catboost --out benchmarks/results/unseen2_s12.md
echo "q2 done $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
