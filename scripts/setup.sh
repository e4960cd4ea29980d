#!/usr/bin/env bash
# Sets everything up and runs the main job on the bundled fixtures: installs dependencies,
# builds pnconv (release), imports and inspects the fixture teacher and student models, and
# embeds the bundled real faces with both. Outputs go to out/. Safe to run again.
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
for model in out/iresnet-mini-128.pnm out/pocketnet-s-128.dynamo.pnm; do
  name=$(basename "$model" .pnm)
  echo
  echo "setup: pnconv embed $model --images fixtures/faces-small/labels.txt -o out/$name.faces.h5"
  "$pnconv" embed "$model" --images fixtures/faces-small/labels.txt -o "out/$name.faces.h5" --batch 1
done
# Staged KD targets: three teacher checkpoints (here the fixture models stand in for a
# teacher's epochs), six student epochs.
mkdir -p out/teacher-stages
cp fixtures/models/iresnet-mini-128.dynamo.onnx out/teacher-stages/ep01.onnx
cp fixtures/models/iresnet-mini-128.dynamo.onnx.data out/teacher-stages/
cp fixtures/models/pocketnet-s-128.onnx out/teacher-stages/ep02.onnx
cp fixtures/models/pocketnet-s-128.dynamo.onnx out/teacher-stages/ep03.onnx
cp fixtures/models/pocketnet-s-128.dynamo.onnx.data out/teacher-stages/
echo
echo "setup: pnconv distill-targets --teachers out/teacher-stages --images fixtures/faces-small/labels.txt --epochs 6 -o out/targets.h5"
"$pnconv" distill-targets --teachers out/teacher-stages --images fixtures/faces-small/labels.txt --epochs 6 -o out/targets.h5 --force
for precision in fp32 fp16 int8; do
  echo
  echo "setup: pnconv export out/pocketnet-s-128.dynamo.pnm -o out/pocketnet-s-128.$precision.pnw --precision $precision, then verify"
  "$pnconv" export out/pocketnet-s-128.dynamo.pnm -o "out/pocketnet-s-128.$precision.pnw" --precision "$precision"
  "$pnconv" verify "out/pocketnet-s-128.$precision.pnw" --against fixtures/models/pocketnet-s-128.dynamo.onnx \
    --images fixtures/faces-small
done
echo
echo "setup: pnconv export out/pocketnet-s-128.dynamo.pnm --format ncnn -o out/pocketnet-s-128 --precision fp16 (for ncnn)"
"$pnconv" export out/pocketnet-s-128.dynamo.pnm --format ncnn -o out/pocketnet-s-128 --precision fp16
echo
echo "setup: pnconv benchmark out/pocketnet-s-128.dynamo.pnm --batch 8 --threads 2"
"$pnconv" benchmark out/pocketnet-s-128.dynamo.pnm --batch 8 --threads 2 --seconds 2
echo
echo "setup: pnconv eval (face verification on fixtures/lfw-10pairs.bin)"
"$pnconv" eval fixtures/models/iresnet-mini-128.onnx out/iresnet-mini-128.pnm fixtures/models/pocketnet-s-128.onnx \
  out/pocketnet-s-128.fp32.pnw out/pocketnet-s-128.fp16.pnw out/pocketnet-s-128.int8.pnw --pairs fixtures/lfw-10pairs.bin
echo
echo "setup: done; pnconv is at $pnconv, outputs are in out/"
