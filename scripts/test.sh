#!/usr/bin/env bash
# Runs the whole test suite: the Swift tests of every module, then the Python cross-checks that
# drive the built pnconv binary against onnx, onnxruntime, h5py, ncnn and Pillow.
# Installs what is missing first, so it works on a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install.sh
echo "test: building pnconv (release) for the cross-checks"
scripts/build.sh
echo "test: swift test"
swift test 2>&1 | { grep -vE "Test Case .*(started|passed)|^\[[0-9]+/[0-9]+\]" || true; }
echo "test: Python cross-checks (pytest)"
PNCONV="$PWD/.build/release/pnconv" .venv/bin/python -m pytest -q python/tests "$@"
