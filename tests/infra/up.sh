#!/usr/bin/env bash
# Starts the real services the launch tests talk to, all on 127.0.0.1: munge + a one-node
# Slurm cluster, and an OpenSSH server with a throw-away key pair. Idempotent: when the
# services in STATE_DIR are already up, it only reprints their environment file.
#
#   tests/infra/up.sh [STATE_DIR]   (default /tmp/facial-r1-infra)
#
# Prints the path of an env file (KEY=value lines) describing the services. Needs root and
# the Debian packages munge slurmctld slurmd slurm-client openssh-server rsync.
set -euo pipefail

STATE_DIR=${1:-${FACIAL_R1_INFRA_DIR:-/tmp/facial-r1-infra}}
SLURM_PORT_BASE=${FACIAL_R1_SLURM_PORT:-16817}
SSH_PORT=${FACIAL_R1_SSH_PORT:-22222}
ENV_FILE="$STATE_DIR/infra.env"

fail() { echo "infra: $*" >&2; exit 3; }

alive() { # pid file → true when the process runs and is not a zombie
  local pid
  [ -s "$1" ] || return 1
  pid=$(cat "$1")
  [ -r "/proc/$pid/stat" ] || return 1
  [ "$(awk '{print $3}' "/proc/$pid/stat")" != "Z" ]
}

[ "$(id -u)" = 0 ] || fail "needs root (the Slurm and sshd daemons run as root here)"
for bin in /usr/sbin/munged /usr/sbin/slurmctld /usr/sbin/slurmd /usr/bin/sbatch /usr/sbin/sshd /usr/bin/rsync; do
  [ -x "$bin" ] || fail "missing $bin: apt-get install munge slurmctld slurmd slurm-client openssh-server rsync"
done

mkdir -p "$STATE_DIR"
exec 9>"$STATE_DIR/.lock"
flock 9

if [ -f "$ENV_FILE" ] && alive "$STATE_DIR/run/slurmctld.pid" && alive "$STATE_DIR/run/slurmd.pid" && alive "$STATE_DIR/ssh/sshd.pid"; then
  echo "$ENV_FILE"
  exit 0
fi

# Half-up from an earlier start (one daemon died): stop what its pid files name before starting anew.
bash "$(dirname "$0")/down.sh" "$STATE_DIR"
rm -rf "$STATE_DIR/state" "$STATE_DIR/log" "$STATE_DIR/run" "$STATE_DIR/ssh"
mkdir -p "$STATE_DIR"/{state/ctld,state/d,log,run,ssh,remote}

# --- munge ---------------------------------------------------------------------------------
if ! pgrep -x munged >/dev/null; then
  install -d -o munge -g munge /run/munge
  runuser -u munge -- /usr/sbin/munged 9>&-
  # Started here, so down.sh stops it again.
  pgrep -x -n munged > "$STATE_DIR/run/munged.pid"
fi

# --- Slurm: one node, 8 logical CPUs on whatever this machine has ----------------------------
MEM_MIB=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2 ))
cat > "$STATE_DIR/slurm.conf" <<CONF
ClusterName=facialr1ci
SlurmctldHost=localhost
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
SlurmctldPort=$SLURM_PORT_BASE
SlurmdPort=$((SLURM_PORT_BASE + 1))
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
StateSaveLocation=$STATE_DIR/state/ctld
SlurmdSpoolDir=$STATE_DIR/state/d
SlurmctldPidFile=$STATE_DIR/run/slurmctld.pid
SlurmdPidFile=$STATE_DIR/run/slurmd.pid
SlurmctldLogFile=$STATE_DIR/log/slurmctld.log
SlurmdLogFile=$STATE_DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SlurmdParameters=config_overrides
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerParameters=batch_sched_delay=0
MpiDefault=none
MailProg=/bin/true
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$STATE_DIR/log/jobcomp.txt
MinJobAge=7200
KillWait=5
ReturnToService=2
EnforcePartLimits=ALL
NodeName=localhost NodeAddr=127.0.0.1 CPUs=8 RealMemory=$MEM_MIB State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
: > "$STATE_DIR/log/jobcomp.txt"
export SLURM_CONF="$STATE_DIR/slurm.conf"
/usr/sbin/slurmctld -f "$SLURM_CONF" 9>&-
/usr/sbin/slurmd -f "$SLURM_CONF" -N localhost 9>&-
chmod a+rw "$STATE_DIR/log/jobcomp.txt"

# --- sshd on 127.0.0.1 with a fresh host key and client key --------------------------------
SSH="$STATE_DIR/ssh"
install -d -m 0755 /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$SSH/host_ed25519"
ssh-keygen -q -t ed25519 -N '' -f "$SSH/client_ed25519"
cp "$SSH/client_ed25519.pub" "$SSH/authorized_keys"
cat > "$SSH/sshd_config" <<CONF
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $SSH/host_ed25519
PidFile $SSH/sshd.pid
AuthorizedKeysFile $SSH/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
UseDNS no
PrintMotd no
X11Forwarding no
MaxStartups 200
MaxSessions 200
# Commands run over ssh do not inherit our environment: give them the cluster config.
SetEnv SLURM_CONF=$SLURM_CONF
Subsystem sftp /usr/lib/openssh/sftp-server
CONF
echo "[127.0.0.1]:$SSH_PORT $(cat "$SSH/host_ed25519.pub")" > "$SSH/known_hosts"
cat > "$SSH/ssh_config" <<CONF
Host facial-r1-test
  HostName 127.0.0.1
  Port $SSH_PORT
  User root
  IdentityFile $SSH/client_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $SSH/known_hosts
  StrictHostKeyChecking yes
  BatchMode yes
  ConnectTimeout 5
CONF
/usr/sbin/sshd -f "$SSH/sshd_config" -E "$STATE_DIR/log/sshd.log" 9>&-

# --- wait until both answer ------------------------------------------------------------------
for _ in $(seq 1 100); do
  if sinfo -h -o %t 2>/dev/null | grep -qE '^(idle|mix|alloc)' && ssh -F "$SSH/ssh_config" facial-r1-test true 2>/dev/null; then
    cat > "$ENV_FILE" <<ENV
SLURM_CONF=$SLURM_CONF
FACIAL_R1_TEST_SSH_CONFIG=$SSH/ssh_config
FACIAL_R1_TEST_SSH_HOST=facial-r1-test
FACIAL_R1_TEST_REMOTE_DIR=$STATE_DIR/remote
ENV
    echo "$ENV_FILE"
    exit 0
  fi
  scontrol update nodename=localhost state=resume >/dev/null 2>&1 || true
  sleep 0.2
done
fail "services did not become ready; see $STATE_DIR/log/"
