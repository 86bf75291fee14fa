#!/usr/bin/env bash
# Local Azure Storage emulator (Azurite) for this repository.
#
#   ./azurite.sh [start]   start Azurite on 127.0.0.1:10000 (blob), :10001 (queue), :10002 (table) unless those
#                          ports already answer; installs the pinned Azurite (tools/azurite) on first use
#   ./azurite.sh stop      stop the Azurite that this script started (and only that one)
#   ./azurite.sh install   install the pinned Azurite into tools/azurite if it is missing, and do nothing else
#   ./azurite.sh status    print whether Azurite answers; exit 0 = running, 3 = not running, 1 = partly running
#
# Data, log and pid file live in <repo>/.azurite/ (gitignored). Works from any current directory.
# The ports can be moved with AZURITE_BLOB_PORT / AZURITE_QUEUE_PORT / AZURITE_TABLE_PORT (defaults 10000-10002),
# e.g. to try this script next to an Azurite that is already running; the app expects the defaults.
set -euo pipefail

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
HOST=127.0.0.1
BLOB_PORT="${AZURITE_BLOB_PORT:-10000}"
QUEUE_PORT="${AZURITE_QUEUE_PORT:-10001}"
TABLE_PORT="${AZURITE_TABLE_PORT:-10002}"
START_TIMEOUT="${AZURITE_START_TIMEOUT:-60}"

STATE_DIR="$ROOT/.azurite"
DATA_DIR="$STATE_DIR/data"
LOG_FILE="$STATE_DIR/azurite.log"
PID_FILE="$STATE_DIR/azurite.pid"
PKG_DIR="$ROOT/tools/azurite"
AZURITE_BIN="$PKG_DIR/node_modules/.bin/azurite"

say() { printf 'azurite.sh: %s\n' "$*"; }
err() { printf 'azurite.sh: %s\n' "$*" >&2; }

# True when something accepts a TCP connection on $HOST:$1 (bash's /dev/tcp; bounded by `timeout` when present).
port_open() {
  if command -v timeout >/dev/null 2>&1; then
    timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null
  else
    (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
  fi
}

# Prints how many of the three ports answer.
ports_up() {
  local n=0 p
  for p in "$BLOB_PORT" "$QUEUE_PORT" "$TABLE_PORT"; do
    if port_open "$p"; then n=$((n + 1)); fi
  done
  echo "$n"
}

ports_desc() { echo "blob $HOST:$BLOB_PORT, queue $HOST:$QUEUE_PORT, table $HOST:$TABLE_PORT"; }

# The pid recorded by this script, if its process still runs and still is Azurite; empty otherwise.
our_pid() {
  [[ -f "$PID_FILE" ]] || return 0
  local pid
  pid="$(tr -dc '0-9' <"$PID_FILE" 2>/dev/null || true)"
  [[ -n "$pid" ]] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  local cmdline=""
  if [[ -r "/proc/$pid/cmdline" ]]; then
    cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  else
    cmdline="$(ps -o command= -p "$pid" 2>/dev/null || true)"
  fi
  # A recycled pid would be some other program: only an Azurite on this checkout's data folder counts as ours.
  if [[ "$cmdline" == *azurite* && "$cmdline" == *"$DATA_DIR"* ]]; then echo "$pid"; fi
}

# Stops pid $1 and its process group (when it leads one), waiting up to 10 s before SIGKILL.
kill_tree() {
  local pid="$1" pgid target
  pgid="$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ' || true)"
  if [[ -n "$pgid" && "$pgid" == "$pid" ]]; then target="-$pid"; else target="$pid"; fi
  kill -TERM -- "$target" 2>/dev/null || true
  local i
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  err "Azurite (pid $pid) did not exit after SIGTERM; sending SIGKILL"
  kill -KILL -- "$target" 2>/dev/null || true
  sleep 0.2
}

pinned_version() {
  sed -n 's/.*"azurite"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$PKG_DIR/package.json" | head -n 1
}

installed_version() {
  local f="$PKG_DIR/node_modules/azurite/package.json"
  [[ -f "$f" ]] || return 0
  sed -n 's/^[[:space:]]*"version"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$f" | head -n 1
}

ensure_installed() {
  local want have
  want="$(pinned_version)"
  have="$(installed_version)"
  if [[ -x "$AZURITE_BIN" && -n "$have" && "$have" == "$want" ]]; then return 0; fi
  if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
    err "Node.js and npm are needed to install Azurite (tools/azurite); install Node.js 20 or later."
    exit 1
  fi
  if [[ -z "$have" ]]; then
    say "installing Azurite $want into tools/azurite (npm ci, exact versions from package-lock.json)..."
  else
    say "Azurite $have is installed but $want is pinned; reinstalling (npm ci)..."
  fi
  local t0=$SECONDS
  npm ci --prefix "$PKG_DIR" --no-audit --no-fund
  if [[ ! -x "$AZURITE_BIN" ]]; then
    err "npm ci finished but $AZURITE_BIN is missing"
    exit 1
  fi
  say "Azurite $(installed_version) installed in $((SECONDS - t0)) s"
}

wait_for_ports() {
  local pid="$1" deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if [[ "$(ports_up)" == 3 ]]; then return 0; fi
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then return 2; fi
    sleep 0.25
  done
  return 1
}

print_log_tail() {
  if [[ -f "$LOG_FILE" ]]; then
    err "last lines of $LOG_FILE:"
    tail -n 40 "$LOG_FILE" | sed 's/^/    /' >&2
  fi
}

cmd_start() {
  # Two starts at once (e.g. run.sh and test.sh) must not race for the ports and the pid file.
  mkdir -p "$STATE_DIR"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$STATE_DIR/start.lock"
    flock -w $((START_TIMEOUT + 120)) 9 || { err "another azurite.sh start holds $STATE_DIR/start.lock"; exit 1; }
  fi
  local up
  up="$(ports_up)"
  if [[ "$up" == 3 ]]; then
    local pid
    pid="$(our_pid)"
    if [[ -n "$pid" ]]; then
      say "Azurite is already running ($(ports_desc); started by azurite.sh, pid $pid)"
    else
      say "Azurite is already running ($(ports_desc); not started by this script, left as it is)"
    fi
    return 0
  fi

  # Our own Azurite may still be starting (e.g. two calls in a row): wait for it instead of starting another.
  local existing
  existing="$(our_pid)"
  if [[ -n "$existing" ]]; then
    say "Azurite (pid $existing, started by azurite.sh) is starting; waiting for $(ports_desc)..."
    if wait_for_ports "$existing"; then
      say "Azurite is running ($(ports_desc); pid $existing)"
      return 0
    fi
    err "Azurite (pid $existing) did not answer on all three ports within ${START_TIMEOUT} s"
    print_log_tail
    exit 1
  fi
  rm -f "$PID_FILE"

  if [[ "$up" != 0 ]]; then
    local p busy=""
    for p in "$BLOB_PORT" "$QUEUE_PORT" "$TABLE_PORT"; do
      if port_open "$p"; then busy="$busy $HOST:$p"; fi
    done
    err "cannot start Azurite: port(s)$busy already in use by another program, but not all of $(ports_desc)."
    err "Stop that program (or the other Azurite) and try again."
    exit 1
  fi

  ensure_installed
  mkdir -p "$DATA_DIR"

  # --skipApiVersionCheck: Azure.Storage.Blobs 12.30 / Queues 12.28 send an API version newer than Azurite 3.37 knows.
  # --loose: ignore headers and parameters Azurite does not support instead of failing the request.
  # --silent: no access log per request (the log file would grow with every test run).
  # --disableTelemetry: no telemetry calls home (there is no internet on the build machines anyway).
  local args=(
    --blobHost "$HOST" --blobPort "$BLOB_PORT"
    --queueHost "$HOST" --queuePort "$QUEUE_PORT"
    --tableHost "$HOST" --tablePort "$TABLE_PORT"
    --location "$DATA_DIR"
    --skipApiVersionCheck --loose --silent --disableTelemetry
  )
  say "starting Azurite $(installed_version) ($(ports_desc); data in .azurite/data, log in .azurite/azurite.log)"
  local t0=$SECONDS pid
  # setsid: its own session and process group, so `stop` can end it with all its children and a Ctrl-C in
  # the calling terminal does not reach it. A background job of a script is no group leader, so setsid
  # execs in place and $! is Azurite's own pid.
  if command -v setsid >/dev/null 2>&1; then
    (cd "$ROOT" && exec setsid nohup "$AZURITE_BIN" "${args[@]}" >"$LOG_FILE" 2>&1 </dev/null 9>&-) &
  else
    (cd "$ROOT" && exec nohup "$AZURITE_BIN" "${args[@]}" >"$LOG_FILE" 2>&1 </dev/null 9>&-) &
  fi
  pid=$!
  echo "$pid" >"$PID_FILE"

  local rc=0
  wait_for_ports "$pid" || rc=$?
  if [[ "$rc" == 0 ]]; then
    say "Azurite is running ($(ports_desc); pid $pid; up in $((SECONDS - t0)) s)"
    return 0
  fi
  if [[ "$rc" == 2 ]]; then
    err "Azurite exited during start-up"
  else
    err "Azurite did not answer on all three ports within ${START_TIMEOUT} s; stopping it"
    kill_tree "$pid"
  fi
  rm -f "$PID_FILE"
  print_log_tail
  exit 1
}

cmd_stop() {
  local pid
  pid="$(our_pid)"
  if [[ -z "$pid" ]]; then
    if [[ -f "$PID_FILE" ]]; then
      say "removing stale $PID_FILE (its process is gone or is not Azurite)"
      rm -f "$PID_FILE"
    fi
    if [[ "$(ports_up)" != 0 ]]; then
      say "no Azurite started by azurite.sh is running; the one answering on $(ports_desc) was started elsewhere and is left alone"
    else
      say "no Azurite started by azurite.sh is running; nothing to stop"
    fi
    return 0
  fi
  say "stopping Azurite (pid $pid)"
  kill_tree "$pid"
  rm -f "$PID_FILE"
  say "stopped"
}

cmd_status() {
  local up pid
  up="$(ports_up)"
  pid="$(our_pid)"
  local who="not started by this script"
  [[ -n "$pid" ]] && who="started by azurite.sh, pid $pid"
  case "$up" in
    3) echo "Azurite: running ($(ports_desc); $who)"; return 0 ;;
    0)
      if [[ -n "$pid" ]]; then
        echo "Azurite: not running (pid $pid is starting or hung; its ports do not answer yet)"
      else
        echo "Azurite: not running"
      fi
      return 3 ;;
    *) echo "Azurite: partly running ($up of 3 ports answer: $(ports_desc); $who)"; return 1 ;;
  esac
}

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
}

case "${1:-start}" in
  start) cmd_start ;;
  install) ensure_installed ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  -h | --help | help) usage ;;
  *) err "unknown command '$1'"; usage >&2; exit 2 ;;
esac
