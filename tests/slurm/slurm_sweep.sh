#!/bin/sh
# `vtpu sweep --slurm` on a real Slurm (docs/experiments.md, "Slurm"): starts
# Debian's munged, slurmctld and slurmd for this one node, as root, from a
# config written here (own ports, sockets and state under WORK, so a real
# installation is left alone); runs SPEC locally and as one job array; and
# requires `--collect`'s runs.csv to equal the local one but for wall times.
# Tears everything down on exit.
# Usage: slurm_sweep.sh VTPU SPEC WORK
set -u
vtpu=$1 spec=$2 work=$3
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: starting slurmctld and slurmd needs root"
  exit 77
fi
for tool in munged slurmctld slurmd sbatch sinfo scancel; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing (slurm-wlm, munge)"; exit 1; }
done
rm -rf "$work" && mkdir -p "$work/state" "$work/spool" "$work/munge"
host=$(hostname -s)
export SLURM_CONF="$work/slurm.conf"

stop() {
  scancel --quiet --user=root 2>/dev/null
  for file in "$work/slurmd.pid" "$work/slurmctld.pid" "$work/munge/pid"; do
    [ -s "$file" ] || continue
    pid=$(cat "$file")
    kill "$pid" 2>/dev/null
    # Gone (or a zombie of this shell's) before the next daemon stops.
    for _ in $(seq 50); do
      [ -d "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null || break
      sleep 0.2
    done
  done
}
trap stop EXIT

dd if=/dev/urandom of="$work/munge/key" bs=1024 count=1 2>/dev/null && chmod 400 "$work/munge/key"
munged --force --socket="$work/munge/sock" --key-file="$work/munge/key" \
  --pid-file="$work/munge/pid" --log-file="$work/munge/log" --seed-file="$work/munge/seed" ||
  { echo "FAIL: munged did not start"; exit 1; }
cat >"$SLURM_CONF" <<CONF
ClusterName=vtpu-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge/sock
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=vtpu Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -c || { echo "FAIL: slurmctld did not start"; cat "$work/slurmctld.log"; exit 1; }
slurmd -c || { echo "FAIL: slurmd did not start"; cat "$work/slurmd.log"; exit 1; }
for _ in $(seq 60); do
  sinfo --noheader --states=idle 2>/dev/null | grep -q idle && break
  sleep 0.5
done
sinfo --noheader --states=idle | grep -q idle || { echo "FAIL: the node never became idle"; sinfo; exit 1; }

"$vtpu" sweep "$spec" --out "$work/local" -j 2 >"$work/local.out" ||
  { echo "FAIL: local sweep"; cat "$work/local.out"; exit 1; }
"$vtpu" sweep "$spec" --out "$work/slurm" --slurm --partition vtpu --time 10 --array-limit 2 \
  --wait >"$work/slurm.out" 2>&1 || { echo "FAIL: Slurm sweep"; cat "$work/slurm.out"; exit 1; }
grep -q "submitted Slurm job" "$work/slurm.out" || { echo "FAIL: no job submitted"; exit 1; }
grep -q "^#SBATCH --array=0-[0-9]*%2$" "$work/slurm/sweep.sbatch" ||
  { echo "FAIL: sweep.sbatch"; cat "$work/slurm/sweep.sbatch"; exit 1; }
ls "$work"/slurm/points/slurm-*_*.out >/dev/null 2>&1 || { echo "FAIL: no array task output"; exit 1; }
# --collect from the reports alone, then the tables without wall_time_s (the last column).
rm "$work/slurm/runs.csv" && "$vtpu" sweep --collect "$work/slurm" || exit 1
without_wall() { sed 's/,[^,]*$//' "$1"; }
without_wall "$work/local/runs.csv" >"$work/local.csv"
without_wall "$work/slurm/runs.csv" >"$work/slurm.csv"
points=$(($(wc -l <"$work/local.csv") - 1))
if ! cmp -s "$work/local.csv" "$work/slurm.csv"; then
  echo "FAIL: runs.csv differs between the local and the Slurm sweep"
  diff "$work/local.csv" "$work/slurm.csv" | head
  exit 1
fi
[ "$(grep -c ',ok,' "$work/slurm.csv")" -eq "$points" ] || { echo "FAIL: a point failed"; exit 1; }
echo "PASS Slurm job array: $points points, runs.csv as the local sweep's"
