"""`pnconv export` (.pnw) and `pnconv verify`: exports verified against their ONNX source on
the real faces, the file read back by an independent reader written from docs/pnw-format.md,
and damaged files refused."""
from __future__ import annotations

import struct
import subprocess
import zlib

import numpy as np
import onnx
import pytest

import pnconv_helpers as ph

MODELS = ph.REPO_ROOT / "fixtures" / "models"
FACES = ph.REPO_ROOT / "fixtures" / "faces-small"


def untext(token):
    """A text token of the graph section: `~` is empty, %XX a byte, other bytes themselves."""
    if token == "~":
        return ""
    raw, i = bytearray(), 0
    while i < len(token):
        if token[i] == "%":
            raw.append(int(token[i + 1:i + 3], 16))
            i += 3
        else:
            assert token[i].isalnum() or token[i] in "._-:/", token
            raw.append(ord(token[i]))
            i += 1
    return raw.decode()


def unlist(token):
    return [] if token == "!" else token.split(",")


def read_graph(text):
    """The graph section as a dict: metadata, name, inputs, outputs, nodes (with attributes)."""
    graph = {"metadata": {}, "inputs": [], "outputs": [], "nodes": []}
    assert text.endswith("\n")
    for line in text[:-1].split("\n"):
        fields = line.split(" ")
        if fields[0] == "meta":
            graph["metadata"][untext(fields[1])] = untext(fields[2])
        elif fields[0] == "graph":
            graph["name"] = untext(fields[1])
        elif fields[0] in ("input", "output"):
            dims = [untext(d[1:]) if d.startswith("$") else int(d) for d in unlist(fields[3])]
            graph[fields[0] + "s"].append({"name": untext(fields[1]), "dtype": untext(fields[2]), "dims": dims})
        else:
            assert fields[0] == "node", line
            attributes = {}
            for field in fields[6:]:
                key, value = field.split("=", 1)
                kind, payload = value.split(":", 1)
                parse = {"i": int, "is": lambda p: [int(v) for v in unlist(p)],
                         "f": lambda p: struct.unpack("<f", struct.pack("<I", int(p, 16)))[0],
                         "fs": lambda p: [struct.unpack("<f", struct.pack("<I", int(v, 16)))[0] for v in unlist(p)],
                         "s": untext, "ss": lambda p: [untext(v) for v in unlist(p)], "t": untext}[kind]
                attributes[untext(key)] = parse(payload)
            graph["nodes"].append({"op": untext(fields[1]), "domain": untext(fields[2]), "name": untext(fields[3]),
                                   "inputs": [untext(v) for v in unlist(fields[4])],
                                   "outputs": [untext(v) for v in unlist(fields[5])], "attributes": attributes})
    return graph


def read_pnw(path):
    """The tensors and graph of a .pnw, following docs/pnw-format.md only."""
    data = path.read_bytes()
    assert data[:4] == b"PNW1"
    version, count, flags, table, table_size, graph_offset, graph_size, size, crc, reserved = struct.unpack_from("<IIIQQQQQII", data, 4)
    assert (version, flags, reserved, size, table) == (2, 0, 0, len(data), 64)
    assert crc == zlib.crc32(data[64:], zlib.crc32(data[:56]))
    assert graph_offset == table + table_size  # the doc: table, graph, then data
    tensors, position = {}, table
    for _ in range(count):
        entry, name_size, kind, rank, offset, length = struct.unpack_from("<IIIIQQ", data, position)
        dims = struct.unpack_from(f"<{rank}I", data, position + 32)
        name = data[position + 32 + 4 * rank:position + 32 + 4 * rank + name_size].decode()
        assert offset % 64 == 0 and entry % 8 == 0 and offset >= graph_offset + graph_size
        dtype = {1: np.float32, 2: np.float16, 3: np.int8, 4: np.int64, 5: np.int32}[kind]
        assert length == int(np.prod(dims)) * np.dtype(dtype).itemsize
        values = np.frombuffer(data, dtype, int(np.prod(dims)), offset).reshape(dims)
        if kind == 3:
            factors = np.frombuffer(data, np.float32, dims[0], (offset + length + 3) // 4 * 4)
            values = values.astype(np.float32) * factors.reshape((-1,) + (1,) * (len(dims) - 1))
        tensors[name] = (kind, values)
        position += entry
    graph = read_graph(data[graph_offset:graph_offset + graph_size].decode())
    return tensors, graph


@pytest.mark.parametrize("name, precisions", [
    ("iresnet-mini-128.onnx", ["fp32", "fp16", "int8"]),
    ("iresnet-mini-128.dynamo.onnx", ["fp32", "fp16", "int8"]),
    ("pocketnet-s-128.onnx", ["fp32", "fp16", "int8"]),
    ("pocketnet-s-128.dynamo.onnx", ["fp32", "fp16", "int8"]),
])
def test_exports_verify_against_their_source(pnconv, tmp_path, name, precisions):
    for precision in precisions:
        out = tmp_path / f"m-{precision}.pnw"
        pnconv.ok("export", MODELS / name, "-o", out, "--precision", precision)
        result = pnconv.run("verify", out, "--against", MODELS / name, "--images", FACES)
        assert result.returncode == 0 and "PASS" in result.stdout, result.describe()
        tensors, graph = read_pnw(out)
        assert graph["metadata"]["precision"] == precision
        assert graph["metadata"]["sourceSHA256"] == ph.sha256(MODELS / name)
        kinds = {kind for kind, _ in tensors.values()}
        assert kinds <= {"fp32": {1, 4, 5}, "fp16": {2, 4, 5}, "int8": {2, 3, 4, 5}}[precision]
        # The compact graph: no node names, short value names, the interface as in the source.
        assert [v["name"] for v in graph["inputs"] + graph["outputs"]] == ["input", "embedding"]
        assert all(node["name"] == "" for node in graph["nodes"])
        inner = {v for node in graph["nodes"] for v in node["inputs"] + node["outputs"]} - {"input", "embedding"}
        assert all(v.isdigit() for v in inner) and set(tensors) <= inner
        ops = [node["op"] for node in graph["nodes"]]
        source_ops = pnconv.inspect_json(MODELS / name)["operators"]
        # Every BatchNormalization right after a Conv or Gemm is folded; the others stay.
        folded = source_ops.get("BatchNormalization", 0) - ops.count("BatchNormalization")
        assert folded == (1 if name == "iresnet-mini-128.onnx" else 0)
        assert len(ops) == sum(source_ops.values()) - folded
        # The export runs where models run: embed takes it directly.
        embedded = pnconv.run("embed", out, "--images", FACES, "-o", tmp_path / f"e-{precision}.h5")
        assert embedded.returncode == 0, embedded.describe()


@pytest.mark.parametrize("precision", ["fp16", "int8"])
def test_verify_fails_below_the_gate_and_names_the_source_node(pnconv, tmp_path, precision):
    """Below a gate, verify exits 1 and names the drifting node as the reference names it,
    although the export itself stores no node names."""
    source = MODELS / "pocketnet-s-128.onnx"
    out = tmp_path / "m.pnw"
    pnconv.ok("export", source, "-o", out, "--precision", precision)
    result = pnconv.run("verify", out, "--against", source, "--images", FACES, "--min-cosine", "0.9999999")
    assert result.returncode == 1, result.describe()
    assert "FAIL" in result.stdout and "first node past the gate: '" in result.stdout
    named = result.stdout.split("first node past the gate: '")[1].split("'")[0]
    assert named in {node.name for node in onnx.load(str(source)).graph.node}
    assert result.stderr.startswith(f"pnconv: error: {out}:") and "below 0.9999999" in result.stderr


# PocketNetS-128 (the bars, MB = 10^6 bytes): export is at most this large.
SIZE_BARS = {"fp32": 3_800_000, "fp16": 1_950_000, "int8": 1_100_000}


@pytest.mark.parametrize("name", ["pocketnet-s-128.onnx", "pocketnet-s-128.dynamo.onnx"])
def test_pocketnet_exports_are_within_the_size_bars(pnconv, tmp_path, name):
    for precision, bar in SIZE_BARS.items():
        out = tmp_path / f"m-{precision}.pnw"
        pnconv.ok("export", MODELS / name, "-o", out, "--precision", precision)
        size = out.stat().st_size
        assert size <= bar, f"{name} {precision}: {size} bytes > {bar}"


def test_damaged_files_are_refused_before_running(pnconv, tmp_path):
    out = tmp_path / "m.pnw"
    pnconv.ok("export", MODELS / "iresnet-mini-128.onnx", "-o", out)
    data = out.read_bytes()
    cases = {"flipped.pnw": data[:100] + bytes([data[100] ^ 1]) + data[101:], "short.pnw": data[:-10],
             "magic.pnw": b"XNW1" + data[4:], "version.pnw": data[:4] + struct.pack("<I", 1) + data[8:]}
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
    subprocess.run(["cc", "-std=c99", "-Wall", "-Werror", "-O1", "-I", str(ph.REPO_ROOT / "include"),
                    str(ph.REPO_ROOT / "python/tests/c/pnw_list.c"), "-o", str(binary)], check=True)
    return binary


@pytest.mark.parametrize("precision", ["fp32", "fp16", "int8"])
@pytest.mark.parametrize("name", ["pocketnet-s-128.dynamo.onnx", "iresnet-mini-128.onnx"])
def test_c_reader_loads_every_tensor(pnconv, tmp_path, pnw_list, name, precision):
    out = tmp_path / "m.pnw"
    pnconv.ok("export", MODELS / name, "-o", out, "--precision", precision)
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


def test_c_reader_refuses_crafted_fields(pnconv, tmp_path, pnw_list):
    """Sizes and offsets that point anywhere, with a checksum that matches: the C reader
    returns an error code instead of reading outside the file, and pnconv refuses it too."""
    out = tmp_path / "m.pnw"
    pnconv.ok("export", MODELS / "iresnet-mini-128.onnx", "-o", out, "--precision", "int8")
    data = out.read_bytes()
    cases = {"graph_size": (40, struct.pack("<Q", 2**64 - 8)), "graph_offset": (32, struct.pack("<Q", 2**64 - 64)),
             "data_offset": (64 + 16, struct.pack("<Q", 2**64 - 64)), "data_size": (64 + 24, struct.pack("<Q", 2**64 - 1)),
             "dims": (64 + 32, struct.pack("<4I", 65536, 65536, 65536, 65536)), "entry_size": (64, struct.pack("<I", 2**32 - 8)),
             "name_size": (64 + 4, struct.pack("<I", 2**32 - 1))}
    for field, (offset, value) in cases.items():
        damaged = bytearray(data)
        damaged[offset:offset + len(value)] = value
        damaged[56:60] = struct.pack("<I", zlib.crc32(bytes(damaged[64:]), zlib.crc32(bytes(damaged[:56]))))
        path = tmp_path / f"{field}.pnw"
        path.write_bytes(bytes(damaged))
        result = subprocess.run([str(pnw_list), str(path)], capture_output=True, text=True)
        assert result.returncode == 1 and ("error" in result.stderr or "bad table" in result.stderr), (field, result.returncode, result.stderr)
        embedded = pnconv.run("embed", path, "--images", FACES, "-o", tmp_path / "e.h5")
        assert embedded.returncode == 1 and embedded.stderr.startswith(f"pnconv: error: {path}:"), embedded.describe()



def test_weights_beyond_float16_are_refused_at_fp16_and_int8(pnconv, tmp_path):
    """A bias of 1e6 would become infinity as a half: refused by name, nothing written."""
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w", "b"], ["y"], name="conv")], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 6, 6])],
        [helper.make_tensor("w", TensorProto.FLOAT, [2, 3, 3, 3], np.ones(54, np.float32)),
         helper.make_tensor("b", TensorProto.FLOAT, [2], [1e6, 0])])
    source = tmp_path / "big.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8), str(source))
    for precision in ("fp16", "int8"):
        result = pnconv.run("export", source, "-o", tmp_path / "m.pnw", "--precision", precision)
        assert result.returncode == 1, result.describe()
        assert result.stderr_lines == [f"pnconv: error: {source}: weight 'b' holds 1000000.0, beyond float16's range; export it at fp32"]
        assert not (tmp_path / "m.pnw").exists()
    pnconv.ok("export", source, "-o", tmp_path / "m.pnw", "--precision", "fp32")
