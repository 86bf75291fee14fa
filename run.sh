#!/usr/bin/env bash
# Runs the backend locally: Azurite (./azurite.sh) + the local Functions host on http://127.0.0.1:7071/api.
#
#   ./run.sh [args passed to the local host]
#
# Admin key: MLOPS_ADMIN_KEY if set, else the one kept in .mlops/admin.key (created on first run, gitignored).
# Azurite keeps running after the host stops; `./azurite.sh stop` ends it.
set -euo pipefail

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
cd "$ROOT"

./azurite.sh start

new_key() {
  # 32 random bytes, base64url without padding (43 characters).
  if command -v openssl >/dev/null 2>&1; then
    openssl rand 32 | base64 | tr -d '\n=' | tr '+/' '-_'
  else
    head -c 32 /dev/urandom | base64 | tr -d '\n=' | tr '+/' '-_'
  fi
}

if [[ -z "${MLOPS_ADMIN_KEY:-}" ]]; then
  KEY_FILE="$ROOT/.mlops/admin.key"
  if [[ -s "$KEY_FILE" ]]; then
    MLOPS_ADMIN_KEY="$(tr -d ' \t\r\n' <"$KEY_FILE")"
  fi
  if [[ -z "${MLOPS_ADMIN_KEY:-}" ]]; then
    mkdir -p "$ROOT/.mlops"
    MLOPS_ADMIN_KEY="$(new_key)"
    (umask 077 && printf '%s\n' "$MLOPS_ADMIN_KEY" >"$KEY_FILE")
    chmod 600 "$KEY_FILE" 2>/dev/null || true
  fi
  export MLOPS_ADMIN_KEY
  echo "Admin key: $MLOPS_ADMIN_KEY (also in .mlops/admin.key; send it as header x-functions-key)"
else
  export MLOPS_ADMIN_KEY
  echo "Admin key: taken from the MLOPS_ADMIN_KEY environment variable (send it as header x-functions-key)"
fi

exec dotnet run --project src/Functions.Local/MLOps.Functions.Local.csproj -c Release -- "$@"
