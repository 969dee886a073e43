#!/usr/bin/env bash
# A single-node SLURM cluster for the tests of `gantry sweep --engine slurm`, from Debian's
# packages. `scripts/slurm-cluster.sh start DIR` installs slurm-wlm and munge when sbatch is
# missing (apt-get, as root), starts munged (unless one runs), slurmctld and slurmd with a
# slurm.conf written into DIR, waits until the node is idle, and prints DIR/slurm.conf (use
# it as SLURM_CONF). `scripts/slurm-cluster.sh stop DIR` stops the processes that start
# started, by the pids it wrote into DIR, and nothing else.
set -euo pipefail
command=${1:-}
dir=${2:-}
if [[ -z "$command" || -z "$dir" ]]; then
  echo "usage: scripts/slurm-cluster.sh start|stop DIR" >&2
  exit 2
fi
dir=$(mkdir -p "$dir" && cd "$dir" && pwd)

stop() {
  for name in slurmd slurmctld munged; do
    if [[ -f "$dir/$name.pid" ]]; then
      pid=$(cat "$dir/$name.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      rm -f "$dir/$name.pid"
    fi
  done
}

if [[ "$command" == stop ]]; then
  stop
  exit 0
fi
if [[ "$command" != start ]]; then
  echo "usage: scripts/slurm-cluster.sh start|stop DIR" >&2
  exit 2
fi

if ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "slurm-cluster: sbatch or munged is missing and this is not root: install them with 'apt-get install -y --no-install-recommends slurm-wlm munge'" >&2
    exit 3
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slurm-wlm munge >"$dir/apt.log" 2>&1 ||
    { apt-get update >>"$dir/apt.log" 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slurm-wlm munge >>"$dir/apt.log" 2>&1; } ||
    { echo "slurm-cluster: apt-get could not install slurm-wlm and munge (see $dir/apt.log)" >&2; exit 3; }
fi

# munged: one per machine; start one only if none answers.
if ! munge -n </dev/null >/dev/null 2>&1; then
  mkdir -p /run/munge
  [[ -f /etc/munge/munge.key ]] || { mungekey --create >/dev/null 2>&1 || create-munge-key -f >/dev/null 2>&1; }
  chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge 2>/dev/null || true
  munged --force --pid-file="$dir/munged.pid" 2>>"$dir/munged.err" || munged --force 2>>"$dir/munged.err"
  [[ -f "$dir/munged.pid" ]] || pgrep -n -x munged >"$dir/munged.pid"
  for _ in $(seq 50); do munge -n </dev/null >/dev/null 2>&1 && break; sleep 0.1; done
fi

host=$(hostname -s)
cpus=$(nproc)
mkdir -p "$dir/state" "$dir/spool" "$dir/log"
cat >"$dir/slurm.conf" <<CONF
ClusterName=gantry-test
SlurmctldHost=$host
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$dir/slurm.conf
slurmctld -f "$dir/slurm.conf"
slurmd -f "$dir/slurm.conf"
for _ in $(seq 100); do
  if [[ "$(sinfo -h -o %t 2>/dev/null)" == idle ]]; then
    echo "$dir/slurm.conf"
    exit 0
  fi
  sleep 0.2
done
echo "slurm-cluster: the node did not become idle in 20 s (see $dir/log)" >&2
stop
exit 3
