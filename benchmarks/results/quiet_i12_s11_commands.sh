#!/bin/bash
# lead's quiet-machine checks, session 11; nothing else may run
cd /work/main
export OMP_WAIT_POLICY=PASSIVE
echo "start $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
for t in loanapp social loanapp; do for v in base seq main; do
  d=/work/main; flag=1
  [ $v = base ] && d=/work/wt/base
  [ $v = seq ] && flag=0
  echo "ab $t $v $(cd $d && FINDEEP_PARALLEL_MEMBERS=$flag PYTHONPATH=$d/src python /tmp/ab_fit.py $t 2>&1 | tail -1)"
done; done
echo "ab done $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
python benchmarks/ablations.py --panel development --only "catboost;bagging auto (library: bagging='auto')" --tables "wooldridge/loanapp;ISLR/Caravan;causaldata/social_insure;sample:creditcard;ISLR/Default;sample:credit" --out benchmarks/results/quiet_i12_s11_dev.md
echo "q1 done $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
python benchmarks/unseen_tables.py --only HMDA,HealthInsurance,credit_cards,HI,lending_club --models default,catboost --out benchmarks/results/quiet_i12_s11_unseen.md
echo "q2 done $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
python benchmarks/unseen_tables.py --set second --models default,catboost --out benchmarks/results/quiet_unseen2_s11.md
echo "q3 done $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
python benchmarks/training_speed.py --scoring-only --bagging auto --out benchmarks/results/s11_scoring_quiet.md
echo "q4 done $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f "demo wall %e s" findeep demo --out /tmp/demo-s11 --force --quiet
echo "end $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
