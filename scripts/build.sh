#!/usr/bin/env bash
# Builds pnconv in release mode; prints the compiler's output only when the build fails.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if swift build -c release >"$log" 2>&1; then
  echo "build: $(tail -n 1 "$log")"
else
  cat "$log"
  exit 1
fi
