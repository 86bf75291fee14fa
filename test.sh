#!/usr/bin/env bash
# Runs every test of the repository.
#
#   ./test.sh [extra dotnet test args, e.g. --filter "FullyQualifiedName~Registry"]
#
# 1. Starts Azurite (./azurite.sh); stops it at the end unless it was already running before.
# 2. dotnet test Serverless.sln (Release), .trx results in artifacts/test-results/.
# 3. Builds src/Functions.Azure when its Microsoft.Azure.Functions.Worker packages can be restored (one extra
#    check, "Functions.Azure build"); skips it with one line where the package registry lacks them.
# 4. Last line: "N passed, N failed" summed over the .trx files (+ the Functions.Azure check).
# Exit code 0 only when nothing failed and at least one test passed.
set -euo pipefail

# One stream, in order: npm, dotnet and azurite.sh write warnings to stderr, and a runner that shows stderr after
# stdout (or interleaves the two) would otherwise put them after the closing "N passed, N failed" line.
exec 2>&1

# No MSBuild or compiler server may outlive the run: CI reads this script's output until every process holding it ends.
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 UseSharedCompilation=false

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
cd "$ROOT"

RESULTS_DIR="$ROOT/artifacts/test-results"
AZURE_PROJECT="src/Functions.Azure/MLOps.Functions.Azure.csproj"
RESTORE_TIMEOUT="${MLOPS_AZURE_RESTORE_TIMEOUT:-120}"

note() { printf 'test.sh: %s\n' "$*"; }

# --- Azurite: start it, and stop it at the end only if we were the ones who started it -----------------------
azurite_was_running=0
if ./azurite.sh status >/dev/null 2>&1; then azurite_was_running=1; fi
azurite_stopped=0
stop_azurite() {
  if [[ "$azurite_was_running" == 0 && "$azurite_stopped" == 0 ]]; then
    azurite_stopped=1
    ./azurite.sh stop || true
  fi
}
# Any exit before the count (an interrupt, a failing command under set -e) still ends with the closing line.
on_exit() {
  local rc=$?
  stop_azurite
  echo "0 passed, 1 failed"
  exit $(( rc == 0 ? 1 : rc ))
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Prints the closing line (after stopping Azurite, so that it stays the very last line) and exits.
finish() {
  local passed="$1" failed="$2"
  stop_azurite
  trap - EXIT
  echo "$passed passed, $failed failed"
  if [[ "$failed" == 0 && "$passed" -gt 0 ]]; then exit 0; fi
  exit 1
}

if [[ "$azurite_was_running" == 1 ]]; then
  note "Azurite was already running; it is left running afterwards"
fi
if ! ./azurite.sh start; then
  note "Azurite did not start (see .azurite/azurite.log); the integration tests need it, so no test was run"
  finish 0 1
fi

# --- dotnet test ---------------------------------------------------------------------------------------------
rm -rf "$RESULTS_DIR"
mkdir -p "$RESULTS_DIR"

test_rc=0
dotnet test Serverless.sln -c Release \
  --logger "trx;LogFilePrefix=results" \
  --results-directory "$RESULTS_DIR" \
  --blame-hang-timeout 10m \
  "$@" || test_rc=$?

# --- Functions.Azure: build it where its packages exist --------------------------------------------------------
extra_passed=0
extra_failed=0
if [[ ! -f "$AZURE_PROJECT" ]]; then
  echo "Functions.Azure: skipped ($AZURE_PROJECT does not exist)"
else
  restore_log="$RESULTS_DIR/functions-azure-restore.log"
  restore_rc=0
  if command -v timeout >/dev/null 2>&1; then
    timeout "$RESTORE_TIMEOUT" dotnet restore "$AZURE_PROJECT" --verbosity quiet >"$restore_log" 2>&1 || restore_rc=$?
  else
    dotnet restore "$AZURE_PROJECT" --verbosity quiet >"$restore_log" 2>&1 || restore_rc=$?
  fi
  if [[ "$restore_rc" == 0 ]]; then
    if dotnet build "$AZURE_PROJECT" -c Release --no-restore; then
      echo "Functions.Azure build: passed"
      extra_passed=1
    else
      echo "Functions.Azure build: FAILED"
      extra_failed=1
    fi
  elif grep -Eq 'NU1101|NU1102' "$restore_log"; then
    echo "Functions.Azure: skipped (Microsoft.Azure.Functions.Worker packages are not in this machine's package registry)"
  else
    if [[ "$restore_rc" == 124 ]]; then
      echo "Functions.Azure build: FAILED (dotnet restore did not finish within ${RESTORE_TIMEOUT} s)"
    else
      echo "Functions.Azure build: FAILED (dotnet restore exited with code $restore_rc)"
    fi
    tail -n 30 "$restore_log" | sed 's/^/    /'
    extra_failed=1
  fi
fi

# --- Count the results -----------------------------------------------------------------------------------------
# One value of the <Counters .../> element of a .trx file (0 when absent).
trx_counter() {
  local v
  v="$(tr '\r\n' '  ' <"$1" | grep -o '<Counters [^>]*>' | head -n 1 |
    sed -n "s/.*[[:space:]]$2=\"\([0-9][0-9]*\)\".*/\1/p" || true)"
  echo "${v:-0}"
}

# The test assembly a .trx file reports on (for the per-file lines).
trx_name() {
  local n
  n="$(grep -o 'codeBase="[^"]*"' "$1" | head -n 1 | sed 's/^codeBase="//; s/"$//' || true)"
  n="${n##*/}"
  n="${n##*\\}"
  echo "${n:-$(basename "$1")}"
}

passed=0
failed=0
trx_count=0
while IFS= read -r -d '' trx; do
  trx_count=$((trx_count + 1))
  p="$(trx_counter "$trx" passed)"
  f=0
  for a in failed error timeout aborted; do
    f=$((f + $(trx_counter "$trx" "$a")))
  done
  # Worded differently from the closing line on purpose, so only the last line reads "N passed, N failed".
  echo "  $(trx_name "$trx"): passed $p, failed $f ($(basename "$trx"))"
  passed=$((passed + p))
  failed=$((failed + f))
done < <(find "$RESULTS_DIR" -type f -name '*.trx' -print0 | sort -z)

if [[ "$trx_count" == 0 ]]; then
  note "dotnet test produced no .trx file (exit code $test_rc)"
fi
if [[ "$test_rc" != 0 && "$failed" == 0 ]]; then
  note "dotnet test exited with code $test_rc but no failed test was recorded (build error, crash or no test found): counted as 1 failed"
  failed=1
fi

passed=$((passed + extra_passed))
failed=$((failed + extra_failed))
finish "$passed" "$failed"
