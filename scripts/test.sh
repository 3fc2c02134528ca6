#!/usr/bin/env bash
# Install what the tests need and run the whole suite (SQLite by default; set DATABASE_URL to
# run it on PostgreSQL). Extra arguments go to pytest.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/bootstrap.sh" "test"
cd "$ROOT"
# The translation test extracts strings with GNU gettext; the browser tests need Chromium.
if ! command -v xgettext >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext chromium >/dev/null
  else
    echo "Please install GNU gettext and Chromium (Debian: apt-get install gettext chromium)." >&2
    exit 1
  fi
fi
export CIFTA_DATA_DIR="${CIFTA_DATA_DIR:-$(mktemp -d)}"
set +e
"$ROOT/.venv/bin/python" -m pytest "$@"
status=$?
set -e
if [ "$status" = "5" ]; then
  echo "pytest collected no tests: that is a failure here." >&2
  exit 1
fi
exit "$status"
