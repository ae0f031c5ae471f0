#!/usr/bin/env bash
# Stops what up.sh started, by PID: running jobs first, then slurmd, slurmctld, sshd and munged.
set -uo pipefail

STATE_DIR=${1:-${FACIAL_R1_INFRA_DIR:-/tmp/facial-r1-infra}}
[ -d "$STATE_DIR" ] || exit 0
export SLURM_CONF="$STATE_DIR/slurm.conf"

stop_pidfile() {
  local file=$1 pid
  [ -s "$file" ] || return 0
  pid=$(cat "$file")
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do
    [ -r "/proc/$pid/stat" ] || return 0
    [ "$(awk '{print $3}' "/proc/$pid/stat")" = "Z" ] && return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
}

if [ -f "$SLURM_CONF" ] && [ -s "$STATE_DIR/run/slurmctld.pid" ]; then
  scancel --full --quiet --user=root 2>/dev/null || true
  for _ in $(seq 1 50); do
    [ -z "$(squeue -h -t pending,running,completing 2>/dev/null)" ] && break
    sleep 0.2
  done
  # slurmstepd ignores SIGTERM and outlives the daemons: kill the job processes it lists.
  for pid in $(scontrol listpids 2>/dev/null | awk 'NR > 1 {print $1}'); do kill -9 "$pid" 2>/dev/null || true; done
fi
stop_pidfile "$STATE_DIR/run/slurmd.pid"
stop_pidfile "$STATE_DIR/run/slurmctld.pid"
stop_pidfile "$STATE_DIR/ssh/sshd.pid"
stop_pidfile "$STATE_DIR/run/munged.pid"
rm -f "$STATE_DIR/infra.env"
