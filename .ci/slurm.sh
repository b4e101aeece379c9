#!/usr/bin/env bash
# A one-node Slurm cluster on localhost for the sweep tests: `slurm.sh up DIR` installs Debian's
# slurm-wlm and munge when missing, writes DIR/slurm.conf and starts munged, slurmctld and
# slurmd (as root, in the foreground, in the background of this shell's session) with their
# state, logs and pid files in DIR; `slurm.sh down DIR` stops them. Point the Slurm commands at
# the cluster with `export SLURM_CONF=DIR/slurm.conf`.
set -euo pipefail
action=${1:?usage: slurm.sh up|down DIR}
dir=${2:?usage: slurm.sh up|down DIR}

sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)

stop() {
    for name in slurmd slurmctld munged; do
        if [ -f "$dir/$name.pid" ]; then
            pid=$(cat "$dir/$name.pid")
            "${sudo_cmd[@]}" kill "$pid" 2>/dev/null || true
            for _ in $(seq 50); do "${sudo_cmd[@]}" kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            rm -f "$dir/$name.pid"
        fi
    done
}

if [ "$action" = down ]; then
    stop
    exit 0
fi

packages=(slurm-wlm munge)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
host=$(hostname -s)
cpus=$(nproc)
memory_mb=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512 ))
cat > "$dir/slurm.conf" <<CONF
ClusterName=cadet-ci
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldPort=16817
SlurmdPort=16818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MinJobAge=600
NodeName=$host CPUs=$cpus RealMemory=$memory_mb State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE OverSubscribe=FORCE:4 State=UP
CONF

key=/etc/munge/munge.key
if [ ! -f "$key" ]; then
    "${sudo_cmd[@]}" mkdir -p /etc/munge
    "${sudo_cmd[@]}" dd if=/dev/urandom of="$key" bs=1024 count=1 status=none
    "${sudo_cmd[@]}" chmod 600 "$key"
fi
"${sudo_cmd[@]}" munged --force --key-file="$key" --socket="$dir/munge/munge.socket" \
    --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munge/seed"
export SLURM_CONF="$dir/slurm.conf"
"${sudo_cmd[@]}" env SLURM_CONF="$SLURM_CONF" slurmctld -D -i >>"$dir/slurmctld.out" 2>&1 &
"${sudo_cmd[@]}" env SLURM_CONF="$SLURM_CONF" slurmd -D >>"$dir/slurmd.out" 2>&1 &
for _ in $(seq 100); do
    if sinfo --noheader --states=idle,mixed,allocated --format=%n 2>/dev/null | grep -q .; then
        echo "slurm is up: export SLURM_CONF=$SLURM_CONF"
        exit 0
    fi
    sleep 0.2
done
echo "slurm did not come up; logs in $dir" >&2
tail -n 20 "$dir"/*.log "$dir"/*.out >&2 || true
stop
exit 1
