#!/usr/bin/env bash
# Runs the prediction-path benchmarks in Release and keeps their reports under docs/benchmarks/.
#
#   ./bench/run.sh [scoring|scoring-cold|handler|http|validation|drift|training|trainjob|all] [-- extra options for that run, e.g. --seconds 5]
#
#   scoring  BenchmarkDotNet, in-process: raw InferenceSession.Run vs Scorer.Score (+ record parsing) on 1000 and 1 rows;
#            its GitHub-flavoured report is copied to docs/benchmarks/scoring-latest.md
#   scoring-cold  console run, in-process: one-row Scorer.Score vs raw InferenceSession.Run, each call timed alone, warm
#            and after evicting 2 MiB (the L2) or 48 MiB (past the L3) of cache; what a served request pays when the HTTP
#            stack has run in between (half a minute); written to docs/benchmarks/scoring-cold-latest.md
#   handler  BenchmarkDotNet, in-process: the predict function on a DefaultHttpContext (no sockets) vs a bare handler
#            writing a constant answer, then each step of the function against the whole; report to docs/benchmarks/handler-latest.md
#   http     loopback load run: single-row POST predict on the real local host vs a bare Kestrel endpoint, alternating in 7 rounds, at
#            concurrency 1, 16 and 64; the table is written to docs/benchmarks/http-latest.md. It starts an Azurite of its
#            own (in memory, free ports), so the shared one's data and background work do not count against predict
#   drift    a drift check over 1,000,000 prediction-log rows x 20 features against a stored reference profile, read
#            from a local file and from blob storage (Azurite, through the timer's window reader; time and count windows),
#            each vs a baseline pass that only reads and walks the same JSON; time and peak memory to
#            docs/benchmarks/drift-latest.md. Starts Azurite when it does not answer (and stops it again).
#   validation  dataset validation throughput (rows/s, MB/s, CPU s) on a generated 1M-row CSV vs a plain CsvHelper read of
#            the same file, same run, with the stages in between; written to docs/benchmarks/validation-latest.md (not part of 'all')
#   training 1M-row x 20-feature generated dataset: training time and holdout AUC of LightGBM and FastTree through
#            ModelTrainer vs a plain ML.NET pipeline (docs/benchmarks/training-latest.md), then BenchmarkDotNet scoring of
#            the exported LightGBM model, 1 and 1000 rows, vs ML.NET's own prediction (docs/benchmarks/exported-scoring-latest.md);
#            several minutes, not part of 'all'
#   trainjob the passes of a training job (prepare, train, evaluate, register) over a generated ~100 MB CSV in Azurite,
#            each timed against a plain streaming read (with SHA-256) of the same blob, with peak heap and working set;
#            written to docs/benchmarks/trainjob-latest.md (not part of 'all')
#   all      scoring, scoring-cold, handler and http (the default; validation, drift, training and trainjob run only when asked)
#
# Starts Azurite with ./azurite.sh when it does not answer, and stops it at the end only if this script started it.
set -euo pipefail

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
PROJECT="$ROOT/bench/MLOps.Benchmarks"
WHICH="${1:-all}"
shift || true
if [[ "${1:-}" == "--" ]]; then shift; fi

case "$WHICH" in
  scoring | scoring-cold | handler | http | validation | drift | training | trainjob | all) ;;
  -h | --help | help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
  *) echo "run.sh: unknown benchmark '$WHICH' (scoring, scoring-cold, handler, http, validation, drift, training, trainjob or all)" >&2; exit 2 ;;
esac

cd "$ROOT"
mkdir -p docs/benchmarks

STARTED_AZURITE=0
stop_azurite() {
  if [[ "$STARTED_AZURITE" == 1 ]]; then
    ./azurite.sh stop || true
  fi
}
trap stop_azurite EXIT

if [[ "$WHICH" == trainjob ]]; then
  status=0
  ./azurite.sh status >/dev/null 2>&1 || status=$?
  if [[ "$status" != 0 ]]; then
    ./azurite.sh start
    STARTED_AZURITE=1
  fi
fi

echo "run.sh: building bench/MLOps.Benchmarks (Release)"
dotnet build "$PROJECT" -c Release --nologo -v quiet

run_scoring() {
  local results="$ROOT/BenchmarkDotNet.Artifacts/results"
  rm -f "$results"/*-report-github.md
  dotnet run -c Release --no-build --project "$PROJECT" -- scoring --artifacts "$ROOT/BenchmarkDotNet.Artifacts"
  local reports=("$results"/*-report-github.md)
  if [[ ! -f "${reports[0]}" ]]; then
    echo "run.sh: BenchmarkDotNet wrote no *-report-github.md under $results" >&2
    return 1
  fi
  {
    echo "# Scoring benchmark (BenchmarkDotNet), $(date -u '+%Y-%m-%d %H:%M') UTC"
    echo
    echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'). Ratio = mean / mean of the raw InferenceSession.Run baseline for the same row count; target for 1000 rows: Scorer.Score <= 1.5."
    echo
    cat "${reports[@]}"
  } >docs/benchmarks/scoring-latest.md
  echo "run.sh: wrote docs/benchmarks/scoring-latest.md"
}

run_handler() {
  local results="$ROOT/BenchmarkDotNet.Artifacts/results"
  rm -f "$results"/*Handler*Benchmarks*-report-github.md
  dotnet run -c Release --no-build --project "$PROJECT" -- handler --artifacts "$ROOT/BenchmarkDotNet.Artifacts"
  local reports=("$results"/*HandlerBenchmarks*-report-github.md "$results"/*HandlerPartsBenchmarks*-report-github.md)
  if [[ ! -f "${reports[0]}" ]]; then
    echo "run.sh: BenchmarkDotNet wrote no HandlerBenchmarks report under $results" >&2
    return 1
  fi
  {
    echo "# Handler benchmark (BenchmarkDotNet, in process, no sockets), $(date -u '+%Y-%m-%d %H:%M') UTC"
    echo
    echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg). The predict function (key check, alias, session lease, parsing, ONNX Runtime, ids, prediction log, answer) on one churn record, against a bare handler writing a constant answer the same way; then each of its steps on its own, against the whole function."
    echo
    cat "${reports[@]}"
  } >docs/benchmarks/handler-latest.md
  echo "run.sh: wrote docs/benchmarks/handler-latest.md"
}

run_training() {
  dotnet run -c Release --no-build --project "$PROJECT" -- training --out docs/benchmarks/training-latest.md "$@"
  local results="$ROOT/BenchmarkDotNet.Artifacts/results"
  rm -f "$results"/*ExportedScoring*-report-github.md
  dotnet run -c Release --no-build --project "$PROJECT" -- exported-scoring --artifacts "$ROOT/BenchmarkDotNet.Artifacts"
  local reports=("$results"/*ExportedScoring*-report-github.md)
  if [[ ! -f "${reports[0]}" ]]; then
    echo "run.sh: BenchmarkDotNet wrote no ExportedScoring report under $results" >&2
    return 1
  fi
  {
    echo "# Exported-model scoring benchmark (BenchmarkDotNet, in process), $(date -u '+%Y-%m-%d %H:%M') UTC"
    echo
    echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg). LightGBM (100 iterations, 31 leaves) trained by ModelTrainer on the 1M x 20 workload; ratio = mean / mean of ML.NET's own prediction for the same row count (PredictionEngine for 1 row, Transform for 1000)."
    echo
    cat "${reports[@]}"
  } >docs/benchmarks/exported-scoring-latest.md
  echo "run.sh: wrote docs/benchmarks/exported-scoring-latest.md"
}

run_http() {
  dotnet run -c Release --no-build --project "$PROJECT" -- http "$@"
}

run_drift() {
  dotnet run -c Release --no-build --project "$PROJECT" -- drift "$@"
}

rc=0
if [[ "$WHICH" == validation ]]; then
  dotnet run -c Release --no-build --project "$PROJECT" -- validation "$@" || rc=$?
fi
if [[ "$WHICH" == drift ]]; then
  run_drift "$@" || rc=$?
fi
if [[ "$WHICH" == scoring || "$WHICH" == all ]]; then
  run_scoring || rc=$?
fi
if [[ "$WHICH" == scoring-cold || "$WHICH" == all ]]; then
  dotnet run -c Release --no-build --project "$PROJECT" -- scoring-cold --out docs/benchmarks/scoring-cold-latest.md || rc=$?
fi
if [[ "$WHICH" == handler || "$WHICH" == all ]]; then
  run_handler || rc=$?
fi
if [[ "$WHICH" == http || "$WHICH" == all ]]; then
  run_http "$@" || rc=$?
fi
if [[ "$WHICH" == trainjob ]]; then
  dotnet run -c Release --no-build --project "$PROJECT" -- trainjob --out docs/benchmarks/trainjob-latest.md "$@" || rc=$?
fi
if [[ "$WHICH" == training ]]; then
  run_training "$@" || rc=$?
fi
exit "$rc"
