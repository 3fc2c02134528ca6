#!/usr/bin/env bash
# Install, migrate the embedded SQLite database under ./data, load the demo world, print the
# demo logins and serve http://127.0.0.1:8000. Safe to run again: nothing is duplicated or lost.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/bootstrap.sh" ""
cd "$ROOT"
export CIFTA_DATA_DIR="${CIFTA_DATA_DIR:-$ROOT/data}"
exec "$ROOT/.venv/bin/cifta" demo "$@"
