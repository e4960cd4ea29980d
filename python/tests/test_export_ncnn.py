"""`pnconv export --format ncnn`: the .param/.bin pair loaded by the ncnn Python package (its
fp16 and bf16 options off) computes what onnxruntime computes, on the real faces and on fresh
random images; the files follow ncnn's layout; what ncnn cannot do is refused by node."""
from __future__ import annotations

import secrets

import ncnn
import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper
from PIL import Image

import pnconv_helpers as ph

MODELS = ph.REPO_ROOT / "fixtures" / "models"
FACES = ph.REPO_ROOT / "fixtures" / "faces-small"
FIXTURES = ["iresnet-mini-128.onnx", "iresnet-mini-128.dynamo.onnx", "pocketnet-s-128.onnx", "pocketnet-s-128.dynamo.onnx"]
MIN_COSINE = 0.9999
FRESH_SEED = secrets.randbits(32)


def faces() -> np.ndarray:
    files = sorted(FACES.glob("*.jpg"))
    x = np.stack([np.asarray(Image.open(f).convert("RGB"), dtype=np.float32) for f in files])
    return ((x / 255.0 - 0.5) / 0.5).transpose(0, 3, 1, 2).copy()


def ncnn_outputs(base, x: np.ndarray, output: str = "embedding", input_name: str = "input") -> np.ndarray:
    """ncnn's output for each image of `x`, one at a time (ncnn has no batch axis)."""
    net = ncnn.Net()
    for option in ("use_vulkan_compute", "use_fp16_packed", "use_fp16_storage", "use_fp16_arithmetic",
                   "use_bf16_storage", "use_bf16_packed"):
        setattr(net.opt, option, False)
    net.opt.num_threads = 1
    assert net.load_param(f"{base}.param") == 0 and net.load_model(f"{base}.bin") == 0
    rows = []
    for image in x:
        image = np.ascontiguousarray(image, dtype=np.float32)
        with net.create_extractor() as extractor:
            assert extractor.input(input_name, ncnn.Mat(image)) == 0
            status, out = extractor.extract(output)
            assert status == 0
            rows.append(np.array(out).reshape(-1).copy())
    return np.stack(rows)


def onnxruntime_outputs(path, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return np.concatenate([session.run(None, {name: x[i:i + 1]})[0].reshape(1, -1) for i in range(len(x))])


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = a.astype(np.float64), b.astype(np.float64)
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def read_param(path):
    """The layers of a .param file: (type, name, inputs, outputs, {id: value text})."""
    lines = path.read_text().splitlines()
    assert lines[0] == "7767517"
    layer_count, blob_count = map(int, lines[1].split())
    layers = []
    for line in lines[2:]:
        fields = line.split()
        kind, name, n_in, n_out = fields[0], fields[1], int(fields[2]), int(fields[3])
        inputs, outputs = fields[4:4 + n_in], fields[4 + n_in:4 + n_in + n_out]
        params = dict(field.split("=", 1) for field in fields[4 + n_in + n_out:])
        layers.append((kind, name, inputs, outputs, params))
    assert len(layers) == layer_count
    assert len({blob for layer in layers for blob in layer[3]}) == blob_count
    return layers


def expected_bin_size(layers, half: bool) -> int:
    """The .bin size implied by the layers' parameters, by ncnn's load_model rules: weight_data
    after a 4-byte tag (float16 padded to 4 bytes), everything else plain float32."""
    size = 0
    for kind, _, _, _, params in layers:
        if kind in ("Convolution", "ConvolutionDepthWise", "InnerProduct"):
            count = int(params["6" if kind != "InnerProduct" else "2"])
            size += 4 + ((2 * count + 3) // 4 * 4 if half else 4 * count)
            if params.get("5" if kind != "InnerProduct" else "1", "0") == "1":
                size += 4 * int(params["0"])
        elif kind == "BatchNorm":
            size += 16 * int(params["0"])
        elif kind == "PReLU":
            size += 4 * int(params["0"])
    return size


@pytest.mark.parametrize("precision", ["fp32", "fp16"])
@pytest.mark.parametrize("name", FIXTURES)
def test_ncnn_matches_onnxruntime(pnconv, tmp_path, name, precision):
    base = tmp_path / "model"
    pnconv.ok("export", MODELS / name, "--format", "ncnn", "-o", base, "--precision", precision)
    x = np.concatenate([faces(), np.random.default_rng(FRESH_SEED).uniform(-1, 1, (3, 3, 112, 112)).astype(np.float32)])
    got, want = ncnn_outputs(base, x), onnxruntime_outputs(MODELS / name, x)
    worst = cosines(got, want).min()
    assert worst >= MIN_COSINE, f"{name} {precision}: min cosine {worst} (seed {FRESH_SEED})"
    if precision == "fp32":
        assert worst >= 0.99999, f"{name}: fp32 weights give min cosine {worst}"

    layers = read_param(base.with_suffix(".param"))
    # Every blob feeds at most one layer: shared blobs go through Split.
    readers = [blob for layer in layers for blob in layer[2]]
    assert len(readers) == len(set(readers))
    produced = {blob for layer in layers for blob in layer[3]}
    assert set(readers) <= produced and "embedding" in produced
    if name.startswith("pocketnet"):
        assert any(layer[0] == "Split" for layer in layers)
    bin_bytes = base.with_suffix(".bin").read_bytes()
    assert len(bin_bytes) == expected_bin_size(layers, precision == "fp16")
    tag = int.from_bytes(bin_bytes[:4], "little")
    assert tag == (0x01306B47 if precision == "fp16" else 0)


def small_model(path, nodes, initializers, output_shape):
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, output_shape)], initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def test_operators_ncnn_lacks_are_refused_by_node(pnconv, tmp_path):
    """A model pnconv runs but ncnn cannot: one error line naming each node and why, exit 1,
    and no files (an earlier export under the same name is left as it was)."""
    source = tmp_path / "m.onnx"
    small_model(source, [
        helper.make_node("MaxPool", ["x"], ["p"], name="ceil_pool", kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1),
        helper.make_node("Slice", ["p", "starts", "ends", "axes", "steps"], ["s"], name="strided_slice"),
        helper.make_node("Relu", ["s"], ["y"], name="relu"),
    ], [helper.make_tensor("starts", TensorProto.INT64, [1], [0]), helper.make_tensor("ends", TensorProto.INT64, [1], [4]),
        helper.make_tensor("axes", TensorProto.INT64, [1], [2]), helper.make_tensor("steps", TensorProto.INT64, [1], [2])],
        [1, 3, 2, 4])
    base = tmp_path / "out"
    (tmp_path / "out.param").write_text("earlier\n")
    result = pnconv.run("export", source, "--format", "ncnn", "-o", base)
    assert result.returncode == 1, result.describe()
    assert len(result.stderr_lines) == 1, result.describe()
    line = result.stderr_lines[0]
    assert line.startswith(f"pnconv: error: {source}: cannot be written for ncnn:")
    assert "'ceil_pool' (MaxPool)" in line and "ceil_mode" in line
    assert "'strided_slice' (Slice)" in line and "steps" in line
    assert "'relu'" not in line
    assert (tmp_path / "out.param").read_text() == "earlier\n" and not (tmp_path / "out.bin").exists()
    assert not [p for p in tmp_path.iterdir() if "partial" in p.name]


def test_int8_is_for_pnw_only(pnconv, tmp_path):
    result = pnconv.run("export", MODELS / "pocketnet-s-128.onnx", "--format", "ncnn", "-o", tmp_path / "m", "--precision", "int8")
    assert result.returncode == 64 and "int8" in result.stderr, result.describe()
    assert list(tmp_path.iterdir()) == []


def test_small_graph_layers_match_onnxruntime(pnconv, tmp_path):
    """Layers the fixtures do not use (Relu, average and global pooling, Sub/Mul by a number,
    Slice on two axes, Gemm with transB = 0, Softmax) against onnxruntime on random input."""
    rng = np.random.default_rng(FRESH_SEED)
    source = tmp_path / "small.onnx"
    small_model(source, [
        helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("Sub", ["half", "r"], ["d"]),
        helper.make_node("AveragePool", ["d"], ["a"], kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1]),
        helper.make_node("Slice", ["a", "starts", "ends", "axes"], ["s"]),
        helper.make_node("Mul", ["s", "two"], ["m"]),
        helper.make_node("GlobalAveragePool", ["m"], ["g"]),
        helper.make_node("Flatten", ["g"], ["f"]),
        helper.make_node("Gemm", ["f", "b", "bias"], ["e"], alpha=0.5),
        helper.make_node("Softmax", ["e"], ["y"], axis=1),
    ], [helper.make_tensor("w", TensorProto.FLOAT, [4, 3, 3, 3], rng.normal(size=108).astype(np.float32)),
        helper.make_tensor("half", TensorProto.FLOAT, [], [0.5]), helper.make_tensor("two", TensorProto.FLOAT, [], [2.0]),
        helper.make_tensor("starts", TensorProto.INT64, [2], [1, 2]), helper.make_tensor("ends", TensorProto.INT64, [2], [7, 100]),
        helper.make_tensor("axes", TensorProto.INT64, [2], [2, -1]),
        helper.make_tensor("b", TensorProto.FLOAT, [4, 5], rng.normal(size=20).astype(np.float32)),
        helper.make_tensor("bias", TensorProto.FLOAT, [5], rng.normal(size=5).astype(np.float32))],
        [1, 5])
    base = tmp_path / "small"
    pnconv.ok("export", source, "--format", "ncnn", "-o", base)
    x = rng.uniform(-1, 1, (4, 3, 8, 8)).astype(np.float32)
    got = ncnn_outputs(base, x, output="y", input_name="x")
    want = onnxruntime_outputs(source, x)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
