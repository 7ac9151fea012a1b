#!/usr/bin/env bash
# A throwaway one-node SLURM cluster on this machine, for integration tests.
#
#   scripts/slurm-local.sh install   apt-get install slurm-wlm and munge if missing
#   scripts/slurm-local.sh start     write slurm.conf, start munged, slurmctld and
#                                    slurmd, wait until the node is idle
#   scripts/slurm-local.sh stop      stop the daemons that `start` started
#   scripts/slurm-local.sh status    sinfo and squeue
#
# Meant for CI and developer machines without systemd (daemons are started
# directly), run as root. `start` refuses to overwrite a slurm.conf that it did
# not write itself. Everything it starts is recorded in $VCSIM_SLURM_STATE
# (default /run/vcsim-slurm) and `stop` ends only those processes.
set -euo pipefail
# The daemons, runuser and mungekey live in sbin, which a CI PATH may lack.
export PATH="$PATH:/usr/sbin:/sbin"

STATE_DIR="${VCSIM_SLURM_STATE:-/run/vcsim-slurm}"
START_TIMEOUT="${VCSIM_SLURM_TIMEOUT:-60}"
LOG_DIR=/var/log/slurm
CTLD_SPOOL=/var/spool/slurmctld
SLURMD_SPOOL=/var/spool/slurmd
MUNGE_KEY=/etc/munge/munge.key
MARKER="# Written by vcsim scripts/slurm-local.sh; safe to delete."

say() { echo "slurm-local: $*"; }
die() { echo "slurm-local: error: $*" >&2; exit 1; }

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      exec sudo -- "$0" "$@"
    fi
    die "must run as root (or with sudo available)"
  fi
}

# --- install ----------------------------------------------------------------

cmd_install() {
  local need=() pkg
  for pkg in slurm-wlm munge; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
  done
  if [ ${#need[@]} -eq 0 ]; then
    say "slurm-wlm and munge already installed"
    return 0
  fi
  say "installing ${need[*]}"
  apt-get update -qq
  # No recommends: they pull in ~30 optional plugin packages (HDF5, IPMI,
  # ROCm, ...) that a one-node test cluster does not use.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${need[@]}" >/dev/null
  say "installed: $(dpkg-query -W -f='${Package} ${Version}  ' slurm-wlm munge)"
}

# --- helpers ----------------------------------------------------------------

# Where this build of Slurm looks for slurm.conf. Debian's packages used
# /etc/slurm-llnl up to 20.05 and /etc/slurm since 20.11; ask the library.
conf_dir() {
  local lib dir
  for lib in /usr/lib/*/slurm-wlm/libslurmfull.so /usr/lib/*/libslurm.so.*; do
    [ -e "$lib" ] || continue
    dir=$(grep -a -o -m1 '/etc/slurm[a-z-]*/slurm\.conf' "$lib" 2>/dev/null | head -n1 || true)
    if [ -n "$dir" ]; then
      dirname "$dir"
      return 0
    fi
  done
  if [ -d /etc/slurm-llnl ] && [ ! -d /etc/slurm ]; then echo /etc/slurm-llnl; else echo /etc/slurm; fi
}

# True if pid $1 is alive and its command name is $2.
pid_is() {
  local pid=$1 name=$2
  [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ]
}

# The recorded pid of daemon $1 if it is still running, else nothing.
recorded_pid() {
  local f="$STATE_DIR/$1.pid" pid
  [ -r "$f" ] || return 0
  pid=$(tr -dc '0-9' <"$f")
  if pid_is "$pid" "$1"; then echo "$pid"; fi
}

# Waits up to $2 seconds for pid file $1 to hold the pid of a live process $3.
wait_pidfile() {
  local file=$1 secs=$2 name=$3 i pid
  for ((i = 0; i < secs * 10; i++)); do
    if [ -r "$file" ]; then
      pid=$(tr -dc '0-9' <"$file")
      if pid_is "$pid" "$name"; then echo "$pid"; return 0; fi
    fi
    sleep 0.1
  done
  return 1
}

show_logs() {
  local f
  for f in "$LOG_DIR/slurmctld.log" "$LOG_DIR/slurmd.log" /var/log/munge/munged.log; do
    [ -r "$f" ] || continue
    echo "----- last lines of $f -----" >&2
    tail -n 25 "$f" >&2
  done
}

fail() {
  echo "slurm-local: error: $*" >&2
  show_logs
  exit 1
}

munge_works() {
  command -v munge >/dev/null 2>&1 && munge -n 2>/dev/null | unmunge >/dev/null 2>&1
}

node_name() { hostname -s; }

node_state() { sinfo -h -n "$(node_name)" -o %T 2>/dev/null | head -n1 || true; }

# --- start ------------------------------------------------------------------

write_conf() {
  local dir=$1 host cpus mem_mb conf
  host=$(node_name)
  cpus=$(nproc)
  # RealMemory must not exceed what slurmd detects, or the node is drained
  # ("Low RealMemory"); take three quarters of the currently available memory.
  mem_mb=$(awk '/^MemAvailable:/ {m = int($2 / 1024 * 3 / 4)} END {if (m < 1) m = 1; print m}' /proc/meminfo)
  conf="$dir/slurm.conf"
  if [ -e "$conf" ] && ! grep -qxF "$MARKER" "$conf"; then
    die "$conf exists and was not written by this script; move it away first"
  fi
  mkdir -p "$dir"
  # The node and controller addresses are pinned to 127.0.0.1 so that the
  # short hostname need not resolve (fresh containers often lack it in
  # /etc/hosts); slurmd is started with -N so it needs no lookup either.
  cat >"$conf.tmp" <<EOF
$MARKER
# One-node test cluster for vcsim's SLURM integration test.
ClusterName=vcsim
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=6817
SlurmdPort=6818
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$CTLD_SPOOL
SlurmdSpoolDir=$SLURMD_SPOOL
SlurmctldPidFile=$STATE_DIR/slurmctld.pid
SlurmdPidFile=$STATE_DIR/slurmd.pid
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups: they are often unavailable or read-only in containers.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
MailProg=/bin/true
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
MinJobAge=300
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
  mv "$conf.tmp" "$conf"
  chmod 644 "$conf"
  say "wrote $conf (node $host, CPUs=$cpus, RealMemory=${mem_mb}MB)"
}

start_munge() {
  if [ -n "$(recorded_pid munged)" ] && munge_works; then
    say "munged already running (pid $(recorded_pid munged))"
    return 0
  fi
  if munge_works; then
    # Started by someone else (e.g. the package's init script): use it, and
    # leave it alone on stop.
    say "using the munged that is already running"
    rm -f "$STATE_DIR/munged.pid"
    return 0
  fi
  id munge >/dev/null 2>&1 || die "no 'munge' user; run '$0 install' first"
  # /run is a tmpfs: /run/munge does not survive a reboot and is missing in
  # fresh containers, and munged will not create it.
  # The others come with the package; recreate them (with its modes) if gone.
  local dir mode
  for dir in /run/munge:0755 /etc/munge:0700 /var/lib/munge:0711 /var/log/munge:0700; do
    mode=${dir#*:}
    dir=${dir%:*}
    [ -d "$dir" ] || install -d -o munge -g munge -m "$mode" "$dir"
  done
  if [ ! -s "$MUNGE_KEY" ]; then
    say "creating $MUNGE_KEY"
    if command -v mungekey >/dev/null 2>&1; then
      runuser -u munge -- mungekey --create --keyfile="$MUNGE_KEY"
    else
      dd if=/dev/urandom of="$MUNGE_KEY" bs=1 count=1024 status=none
    fi
  fi
  # munged refuses a key that others can read, or that it does not own.
  chown munge:munge "$MUNGE_KEY"
  chmod 0400 "$MUNGE_KEY"
  rm -f /run/munge/munged.pid
  runuser -u munge -- /usr/sbin/munged </dev/null \
    || fail "munged failed to start"
  local pid
  pid=$(wait_pidfile /run/munge/munged.pid 10 munged) || fail "munged did not write its pid file"
  echo "$pid" >"$STATE_DIR/munged.pid"
  local i
  for ((i = 0; i < 50; i++)); do
    munge_works && break
    sleep 0.1
  done
  munge_works || fail "munged is running but 'munge -n | unmunge' fails"
  say "started munged (pid $pid)"
}

# Starts daemon $1 (slurmctld or slurmd) with extra arguments, unless the one
# we started is still running.
start_daemon() {
  local name=$1 pid
  shift
  pid=$(recorded_pid "$name")
  if [ -n "$pid" ]; then
    say "$name already running (pid $pid)"
    return 0
  fi
  if pgrep -x "$name" >/dev/null 2>&1; then
    fail "a $name not started by this script is running (pid $(pgrep -x "$name" | tr '\n' ' ')); stop it first"
  fi
  rm -f "$STATE_DIR/$name.pid"
  "/usr/sbin/$name" "$@" </dev/null || fail "$name failed to start"
  pid=$(wait_pidfile "$STATE_DIR/$name.pid" 15 "$name") || fail "$name did not stay up"
  say "started $name (pid $pid)"
}

wait_idle() {
  local host deadline state resumed=0
  host=$(node_name)
  deadline=$((SECONDS + START_TIMEOUT))
  while [ $SECONDS -lt $deadline ]; do
    state=$(node_state)
    case "$state" in
      idle | mixed | allocated)
        say "node $host is $state"
        return 0
        ;;
      *drain* | down | fail*)
        # Responding but marked down or drained (e.g. by saved state): resume.
        if [ $resumed -eq 0 ]; then
          say "node $host is '$state'; resuming it"
          scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true
          resumed=1
        fi
        ;;
    esac
    if [ -z "$(recorded_pid slurmctld)" ]; then fail "slurmctld died"; fi
    if [ -z "$(recorded_pid slurmd)" ]; then fail "slurmd died"; fi
    sleep 1
  done
  scontrol show node "$host" >&2 || true
  fail "node $host not idle after ${START_TIMEOUT}s (last state: '${state:-none}')"
}

cmd_start() {
  local prog
  for prog in slurmctld slurmd munged sinfo; do
    command -v "$prog" >/dev/null 2>&1 || die "$prog not found; run '$0 install' first"
  done
  local dir
  dir=$(conf_dir)
  mkdir -p "$STATE_DIR" "$LOG_DIR" "$CTLD_SPOOL" "$SLURMD_SPOOL"
  chmod 755 "$STATE_DIR"
  if [ -n "$(recorded_pid slurmctld)" ] && [ -n "$(recorded_pid slurmd)" ]; then
    say "using existing $dir/slurm.conf"
  else
    # Half up (one daemon died): restart both on a fresh config.
    stop_daemon slurmd
    stop_daemon slurmctld
    write_conf "$dir"
  fi
  start_munge
  # -c: start from a clean state (no jobs or node states from an earlier run).
  start_daemon slurmctld -c
  start_daemon slurmd -N "$(node_name)"
  wait_idle
  say "ready: config $dir/slurm.conf, logs in $LOG_DIR"
}

# --- stop -------------------------------------------------------------------

# Sends TERM to the recorded daemon $1 and waits for it to exit (KILL after 15 s).
stop_daemon() {
  local name=$1 pid i
  pid=$(recorded_pid "$name")
  if [ -z "$pid" ]; then
    rm -f "$STATE_DIR/$name.pid"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do
    pid_is "$pid" "$name" || break
    sleep 0.1
  done
  if pid_is "$pid" "$name"; then
    say "$name (pid $pid) ignored TERM; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$STATE_DIR/$name.pid"
  say "stopped $name (pid $pid)"
}

cmd_stop() {
  if [ ! -d "$STATE_DIR" ]; then
    say "nothing to stop"
    return 0
  fi
  # Jobs left running have slurmstepd processes that outlive slurmd: cancel
  # them through Slurm while it is up and give them a moment to end.
  local jobs i
  if [ -n "$(recorded_pid slurmctld)" ]; then
    jobs=$(squeue -h -o %A 2>/dev/null | sort -u | tr '\n' ' ' || true)
    if [ -n "${jobs// /}" ]; then
      say "cancelling jobs: $jobs"
      # shellcheck disable=SC2086 # word splitting of the job ids is intended
      scancel $jobs 2>/dev/null || true
      for ((i = 0; i < 20; i++)); do
        [ -z "$(squeue -h -o %A 2>/dev/null || true)" ] && break
        sleep 0.5
      done
    fi
  fi
  stop_daemon slurmd
  stop_daemon slurmctld
  stop_daemon munged
  say "stopped"
}

# --- status -----------------------------------------------------------------

cmd_status() {
  local name pid
  for name in munged slurmctld slurmd; do
    pid=$(recorded_pid "$name")
    if [ -n "$pid" ]; then
      echo "$name: running (pid $pid)"
    else
      echo "$name: not running (or not started by this script)"
    fi
  done
  echo "config: $(conf_dir)/slurm.conf"
  sinfo || true
  squeue || true
}

usage() {
  echo "usage: $0 install|start|stop|status" >&2
  exit 2
}

[ $# -eq 1 ] || usage
case "$1" in
  install) need_root "$@"; cmd_install ;;
  start) need_root "$@"; cmd_start ;;
  stop) need_root "$@"; cmd_stop ;;
  status) cmd_status ;;
  *) usage ;;
esac
