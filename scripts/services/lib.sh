# scripts/services/lib.sh — shared helpers for the peer-server scripts
# (scripts/services/{postgres,minio,kafka}).  Sourced, never run.
#
# Conventions every service script follows:
#   - servers bind only to 127.0.0.1; data, logs, pid and env files live
#     under the STATE_DIR the caller names;
#   - downloads and builds are cached in $SMELT_CACHE (default
#     ~/.cache/smelt), never in the repository;
#   - every wait is bounded in count and in time;
#   - every failure names the service, what failed and the log to read, and
#     exits 1; a package registry that cannot be reached during install exits
#     69 (EX_UNAVAILABLE), so tests can tell "no network" from "broken".
#     Usage errors exit 2; `status` exits 3 when the server is not running.
#
# The caller sets SVC (the service name: postgres, minio, kafka) before
# using these helpers.

set -uo pipefail

SVC=${SVC:-service}
SMELT_CACHE=${SMELT_CACHE:-$HOME/.cache/smelt}

# svc_say MSG... — progress on stderr (stdout is kept for env lines).
svc_say() {
  echo "[$SVC] $*" >&2
}

# svc_die MSG [LOG] — print "<service>: MSG (log: LOG)" with the log's last
# lines and exit 1.
svc_die() {
  local msg=$1 log=${2:-}
  if [[ -n "$log" ]]; then
    echo "$SVC: $msg (log: $log)" >&2
    if [[ -s "$log" ]]; then
      echo "---- last lines of $log ----" >&2
      tail -n 15 "$log" >&2
      echo "----" >&2
    fi
  else
    echo "$SVC: $msg" >&2
  fi
  exit 1
}

# svc_die_unavailable MSG LOG — like svc_die, for a registry that cannot be
# reached: exit 69.
svc_die_unavailable() {
  (svc_die "$@")
  exit 69
}

# svc_usage_error MSG — bad arguments: message and exit 2.
svc_usage_error() {
  echo "$SVC: $*" >&2
  exit 2
}

# svc_need_cmd CMD [HINT] — die unless CMD is on PATH.
svc_need_cmd() {
  command -v "$1" >/dev/null 2>&1 || svc_die "required command '$1' not found${2:+ ($2)}"
}

# svc_state_dir DIR — create DIR if needed and print its absolute path.
svc_state_dir() {
  local d=$1
  [[ -n "$d" ]] || svc_usage_error "missing STATE_DIR"
  mkdir -p "$d" || svc_die "cannot create state directory $d"
  (cd "$d" && pwd -P)
}

# svc_apt_install PKG... — install Debian packages that are missing.
# Fails (exit 1) with a message if apt-get cannot get them.
svc_apt_install() {
  local missing=() p st
  for p in "$@"; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ "$st" == "install ok installed" ]] || missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  local log
  log="$SMELT_CACHE/logs/apt-$SVC.log"
  mkdir -p "$SMELT_CACHE/logs"
  svc_say "installing Debian packages: ${missing[*]} (log: $log)"
  export DEBIAN_FRONTEND=noninteractive
  {
    $sudo apt-get update -qq &&
      $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  } >"$log" 2>&1 || {
    if svc_registry_unreachable "$log"; then
      svc_die_unavailable "apt-get install ${missing[*]} failed: Debian's archive is unreachable" "$log"
    fi
    svc_die "apt-get install ${missing[*]} failed" "$log"
  }
}

# svc_port_open PORT — true if something accepts TCP on 127.0.0.1:PORT.
svc_port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# svc_free_ports N — print N distinct free TCP ports on 127.0.0.1, one per
# line.  The sockets are held open together so the ports differ; they are
# released before returning, so a tiny race with other programs remains.
svc_free_ports() {
  local n=${1:-1}
  if command -v python3 >/dev/null 2>&1; then
    python3 - "$n" <<'PY' && return 0
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
for s in socks:
    print(s.getsockname()[1])
for s in socks:
    s.close()
PY
  fi
  # Fallback without python: random ports in 20000-59999 that nothing answers.
  local got=() p tries=0
  while [[ ${#got[@]} -lt $n && $tries -lt 200 ]]; do
    tries=$((tries + 1))
    p=$((20000 + RANDOM % 40000))
    [[ " ${got[*]} " == *" $p "* ]] && continue
    svc_port_open "$p" && continue
    got+=("$p")
  done
  [[ ${#got[@]} -eq $n ]] || svc_die "could not find $n free port(s) on 127.0.0.1"
  printf '%s\n' "${got[@]}"
}

# svc_check_port PORT — die unless PORT is a valid port number that nothing
# on 127.0.0.1 is listening on.
svc_check_port() {
  local p=$1
  [[ "$p" =~ ^[0-9]+$ && $p -ge 1 && $p -le 65535 ]] || svc_usage_error "bad port '$p'"
  if svc_port_open "$p"; then
    svc_die "port $p on 127.0.0.1 is already in use"
  fi
}

# svc_pid_alive PIDFILE [NAME] — true if the pid in PIDFILE is running (and,
# if NAME is given, its command line contains NAME: guards against pid
# reuse).  Prints the pid on success.
svc_pid_alive() {
  local f=$1 name=${2:-} pid
  [[ -f "$f" ]] || return 1
  pid=$(head -n 1 "$f" 2>/dev/null | tr -dc '0-9')
  [[ -n "$pid" ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -n "$name" ]]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$name" || return 1
  fi
  echo "$pid"
}

# svc_wait DESC TIMEOUT_S PID LOG CMD... — run CMD every 0.5 s until it
# succeeds.  Gives up after TIMEOUT_S seconds (and at most 2*TIMEOUT_S+1
# tries), or at once when process PID (if not empty) has exited.
svc_wait() {
  local desc=$1 timeout_s=$2 pid=$3 log=$4
  shift 4
  local deadline=$((SECONDS + timeout_s)) tries=0 max=$((timeout_s * 2 + 1))
  while ((tries < max && SECONDS <= deadline)); do
    tries=$((tries + 1))
    if "$@" >/dev/null 2>&1; then
      return 0
    fi
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      svc_die "server exited while waiting for: $desc" "$log"
    fi
    sleep 0.5
  done
  svc_die "timed out after ${timeout_s}s waiting for: $desc" "$log"
}

# svc_stop_pid PID TIMEOUT_S LOG — SIGTERM, wait up to TIMEOUT_S, then
# SIGKILL and wait up to 10 s more.  Returns 0 once PID is gone.
svc_stop_pid() {
  local pid=$1 timeout_s=$2 log=${3:-}
  kill -TERM "$pid" 2>/dev/null || return 0
  local deadline=$((SECONDS + timeout_s))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS <= deadline)); do
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    svc_say "pid $pid did not stop within ${timeout_s}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null
    deadline=$((SECONDS + 10))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS <= deadline)); do
      sleep 0.2
    done
  fi
  kill -0 "$pid" 2>/dev/null && svc_die "pid $pid is still running after SIGKILL" "$log"
  return 0
}

# svc_env_file STATE_DIR — the env file of this service.
svc_env_file() {
  echo "$1/$SVC.env"
}

# svc_env_get STATE_DIR VAR — value of VAR in the env file, if any.
svc_env_get() {
  local f
  f=$(svc_env_file "$1")
  [[ -f "$f" ]] || return 1
  sed -n "s/^$2=//p" "$f" | tail -n 1
}

# svc_write_env STATE_DIR LINE... — write VAR=VALUE lines to the env file
# (atomically) and print them on stdout.  Values must not need quoting.
svc_write_env() {
  local dir=$1
  shift
  local f tmp
  f=$(svc_env_file "$dir")
  tmp="$f.tmp.$$"
  if ! { printf '%s\n' "$@" >"$tmp" && mv -f "$tmp" "$f"; }; then
    rm -f "$tmp"
    svc_die "cannot write $f"
  fi
  printf '%s\n' "$@"
}

# svc_pick_port STATE_DIR REQUESTED VAR — the port to use: REQUESTED if
# given; else the port recorded in the env file under VAR if it is free;
# else a free port.
svc_pick_port() {
  local dir=$1 req=$2 var=$3 old
  if [[ -n "$req" ]]; then
    svc_check_port "$req"
    echo "$req"
    return 0
  fi
  old=$(svc_env_get "$dir" "$var" 2>/dev/null || true)
  if [[ "$old" =~ ^[0-9]+$ ]] && ! svc_port_open "$old"; then
    echo "$old"
    return 0
  fi
  svc_free_ports 1
}

# svc_parse_start_args ARGS... — parse "STATE_DIR [--port N]"; sets
# START_DIR and START_PORT.
svc_parse_start_args() {
  START_DIR=""
  START_PORT=""
  while [[ $# -gt 0 ]]; do
    case $1 in
    --port)
      [[ $# -ge 2 ]] || svc_usage_error "--port needs a value"
      START_PORT=$2
      shift 2
      ;;
    --port=*)
      START_PORT=${1#--port=}
      shift
      ;;
    -*) svc_usage_error "unknown option '$1'" ;;
    *)
      [[ -z "$START_DIR" ]] || svc_usage_error "unexpected argument '$1'"
      START_DIR=$1
      shift
      ;;
    esac
  done
  [[ -n "$START_DIR" ]] || svc_usage_error "usage: start STATE_DIR [--port N]"
  if [[ -n "$START_PORT" ]]; then
    [[ "$START_PORT" =~ ^[0-9]+$ && $START_PORT -ge 1 && $START_PORT -le 65535 ]] ||
      svc_usage_error "bad port '$START_PORT'"
  fi
}

# svc_purge_dir STATE_DIR PATH... — delete the service's data under STATE_DIR
# (refuses paths outside it).
svc_purge_paths() {
  local dir=$1 p
  shift
  for p in "$@"; do
    case $p in
    "$dir"/*) rm -rf -- "$p" ;;
    *) svc_die "refusing to delete $p: not under $dir" ;;
    esac
  done
}

# svc_run_logged DESC LOG TIMEOUT_S CMD... — run a long CMD (a download or
# a build) with its output in LOG, printing a heartbeat on stderr every 30 s
# and killing it after TIMEOUT_S.  Returns CMD's exit status (124 on time-out).
svc_run_logged() {
  local desc=$1 log=$2 timeout_s=$3
  shift 3
  mkdir -p "$(dirname "$log")"
  local t0=$SECONDS next=30
  timeout "$timeout_s" "$@" >"$log" 2>&1 </dev/null &
  local bpid=$!
  while kill -0 "$bpid" 2>/dev/null; do
    sleep 1
    if ((SECONDS - t0 >= next)); then
      svc_say "still $desc ($((SECONDS - t0))s; log: $log)"
      next=$((next + 30))
    fi
  done
  wait "$bpid"
}

# svc_registry_unreachable LOG — true if LOG looks like a network failure
# (the package registry could not be reached), as opposed to a build error.
svc_registry_unreachable() {
  grep -qiE 'dial tcp|i/o timeout|connection refused|connection timed out|no such host|TLS handshake|proxyconnect|Could not transfer artifact|Unknown host|Network is unreachable|Temporary failure in name resolution|Failed to fetch|Could not resolve|Could not connect' "$1" 2>/dev/null
}

# svc_with_lock FILE CMD... — run CMD holding an exclusive flock on FILE
# (waits at most 30 minutes), so that two installs do not race.
svc_with_lock() {
  local f=$1
  shift
  mkdir -p "$(dirname "$f")"
  (
    flock -w 1800 9 || svc_die "could not lock $f within 30 minutes"
    "$@"
  ) 9>"$f"
}
