#!/usr/bin/env bash
# Regenerates Sources/ONNXProto from proto/onnx-subset.proto with protoc-c
# (Debian package protobuf-c-compiler). The output is committed, so building
# pnconv never needs protoc-c.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
protoc-c --proto_path=proto --c_out="$out" proto/onnx-subset.proto
mv "$out/onnx-subset.pb-c.h" Sources/ONNXProto/include/onnx-subset.pb-c.h
mv "$out/onnx-subset.pb-c.c" Sources/ONNXProto/onnx-subset.pb-c.c
echo "regenerated Sources/ONNXProto from proto/onnx-subset.proto"
