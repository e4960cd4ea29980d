"""`pnconv export` (.pnw) and `pnconv verify`: exports verified against their ONNX source on
the real faces, the file read back by an independent reader written from docs/pnw-format.md,
and damaged files refused."""
from __future__ import annotations

import json
import struct
import zlib

import numpy as np
import pytest

import pnconv_helpers as ph

MODELS = ph.REPO_ROOT / "fixtures" / "models"
FACES = ph.REPO_ROOT / "fixtures" / "faces-small"


def read_pnw(path):
    """The tensors and graph of a .pnw, following docs/pnw-format.md only."""
    data = path.read_bytes()
    assert data[:4] == b"PNW1"
    version, count, flags, table, table_size, graph_offset, graph_size, size, crc, reserved = struct.unpack_from("<IIIQQQQQII", data, 4)
    assert (version, flags, reserved, size) == (1, 0, 0, len(data))
    assert crc == zlib.crc32(data[64:], zlib.crc32(data[:56]))
    tensors, position = {}, table
    for _ in range(count):
        entry, name_size, kind, rank, offset, length, scales = struct.unpack_from("<IIIIQQQ", data, position)
        dims = struct.unpack_from(f"<{rank}Q", data, position + 40)
        name = data[position + 40 + 8 * rank:position + 40 + 8 * rank + name_size].decode()
        assert offset % 64 == 0 and entry % 8 == 0
        raw = data[offset:offset + length]
        if kind == 3:
            assert scales % 64 == 0
            values = np.frombuffer(raw, np.int8).astype(np.float32).reshape(dims)
            factors = np.frombuffer(data, np.float32, dims[0], scales)
            values = values * factors.reshape((-1,) + (1,) * (len(dims) - 1))
        else:
            values = np.frombuffer(raw, {1: np.float32, 2: np.float16, 4: np.int64, 5: np.int32}[kind]).reshape(dims)
        tensors[name] = (kind, values)
        position += entry
    document = json.loads(data[graph_offset:graph_offset + graph_size])
    return tensors, document


@pytest.mark.parametrize("name, precisions", [
    ("iresnet-mini-128.onnx", ["fp32", "fp16", "int8"]),
    ("iresnet-mini-128.dynamo.onnx", ["fp32", "fp16", "int8"]),
    ("pocketnet-s-128.onnx", ["fp32"]),
    ("pocketnet-s-128.dynamo.onnx", ["fp32"]),
])
def test_exports_verify_against_their_source(pnconv, tmp_path, name, precisions):
    for precision in precisions:
        out = tmp_path / f"m-{precision}.pnw"
        pnconv.ok("export", MODELS / name, "-o", out, "--precision", precision)
        result = pnconv.run("verify", out, "--against", MODELS / name, "--images", FACES)
        assert result.returncode == 0 and "PASS" in result.stdout, result.describe()
        tensors, document = read_pnw(out)
        assert document["metadata"]["precision"] == precision
        assert document["metadata"]["sourceSHA256"] == ph.sha256(MODELS / name)
        kinds = {kind for kind, _ in tensors.values()}
        assert kinds <= {"fp32": {1, 4, 5}, "fp16": {2, 4, 5}, "int8": {1, 3, 4, 5}}[precision]
        ops = [node["op"] for node in document["graph"]["nodes"]]
        source_ops = pnconv.inspect_json(MODELS / name)["operators"]
        # Every BatchNormalization right after a Conv or Gemm is folded; the others stay.
        folded = source_ops.get("BatchNormalization", 0) - ops.count("BatchNormalization")
        assert folded == (1 if name == "iresnet-mini-128.onnx" else 0)
        assert len(ops) == sum(source_ops.values()) - folded
        # The export runs where models run: embed takes it directly.
        embedded = pnconv.run("embed", out, "--images", FACES, "-o", tmp_path / f"e-{precision}.h5")
        assert embedded.returncode == 0, embedded.describe()


def test_verify_fails_below_the_gate_and_names_a_node(pnconv, tmp_path):
    out = tmp_path / "m.pnw"
    pnconv.ok("export", MODELS / "pocketnet-s-128.onnx", "-o", out, "--precision", "fp16")
    result = pnconv.run("verify", out, "--against", MODELS / "pocketnet-s-128.onnx", "--images", FACES, "--min-cosine", "0.9999999")
    assert result.returncode == 1, result.describe()
    assert "FAIL" in result.stdout and "first node past the gate:" in result.stdout
    assert result.stderr.startswith("pnconv: error:") and "below" in result.stderr


def test_damaged_files_are_refused_before_running(pnconv, tmp_path):
    out = tmp_path / "m.pnw"
    pnconv.ok("export", MODELS / "iresnet-mini-128.onnx", "-o", out)
    data = out.read_bytes()
    cases = {"flipped.pnw": data[:100] + bytes([data[100] ^ 1]) + data[101:], "short.pnw": data[:-10],
             "magic.pnw": b"XNW1" + data[4:], "version.pnw": data[:4] + struct.pack("<I", 2) + data[8:]}
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        result = pnconv.run("embed", tmp_path / name, "--images", FACES, "-o", tmp_path / "e.h5")
        assert result.returncode == 1, result.describe()
        assert result.stderr.startswith(f"pnconv: error: {tmp_path / name}:"), result.describe()
        assert not (tmp_path / "e.h5").exists()


@pytest.fixture(scope="module")
def pnw_list(tmp_path_factory):
    """The C test program, built against include/pnw.h with the system C compiler."""
    binary = tmp_path_factory.mktemp("c") / "pnw_list"
    import subprocess
    subprocess.run(["cc", "-std=c99", "-Wall", "-Werror", "-O1", "-I", str(ph.REPO_ROOT / "include"),
                    str(ph.REPO_ROOT / "python/tests/c/pnw_list.c"), "-o", str(binary)], check=True)
    return binary


@pytest.mark.parametrize("precision", ["fp32", "fp16", "int8"])
def test_c_reader_loads_every_tensor(pnconv, tmp_path, pnw_list, precision):
    import subprocess
    out = tmp_path / "m.pnw"
    pnconv.ok("export", MODELS / "pocketnet-s-128.dynamo.onnx", "-o", out, "--precision", precision)
    listing = subprocess.run([str(pnw_list), str(out)], capture_output=True, text=True, check=True).stdout.splitlines()
    tensors, _ = read_pnw(out)
    assert listing[0].split()[1] == str(len(tensors))
    rows = {line.split("\t")[0]: line.split("\t")[1:] for line in listing[1:]}
    assert set(rows) == set(tensors)
    for name, (kind, values) in tensors.items():
        stored_kind, dims, total = rows[name]
        assert int(stored_kind) == kind and dims == "x".join(map(str, values.shape))
        assert float(total) == pytest.approx(float(np.asarray(values, np.float64).sum()), rel=1e-6, abs=1e-6)
    damaged = tmp_path / "damaged.pnw"
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 0x10
    damaged.write_bytes(bytes(data))
    result = subprocess.run([str(pnw_list), str(damaged)], capture_output=True, text=True)
    assert result.returncode == 1 and "error 4" in result.stderr
