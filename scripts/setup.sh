#!/usr/bin/env bash
# Sets everything up and runs the main job on the bundled fixtures: installs dependencies,
# builds pnconv (release), then imports and inspects the fixture teacher and student models.
# Outputs go to out/. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install.sh
echo "setup: building pnconv (swift build -c release)"
scripts/build.sh
pnconv=.build/release/pnconv
mkdir -p out

for model in fixtures/models/iresnet-mini-128.onnx fixtures/models/pocketnet-s-128.dynamo.onnx; do
  name=$(basename "$model" .onnx)
  echo
  echo "setup: pnconv import $model -o out/$name.pnm"
  "$pnconv" import "$model" -o "out/$name.pnm"
done
echo
echo "setup: pnconv inspect out/pocketnet-s-128.dynamo.pnm --json"
"$pnconv" inspect out/pocketnet-s-128.dynamo.pnm --json
echo
echo "setup: done; pnconv is at $pnconv, outputs are in out/"
