"""`pnconv import` of small models built with onnx.helper, one ONNX form at a time: how tensors
are stored, Constant nodes, pass-through nodes, legacy operator forms, external data, dynamic
batch and the range of IR and opset versions. Every import is checked bit for bit against
numpy_helper and its shapes against onnx shape inference."""

from __future__ import annotations

import secrets
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import pnconv_helpers as ph

FRESH_SEED = secrets.randbits(32)
SEEDS = [pytest.param(0, id="seed0"), pytest.param(20240607, id="seed20240607"),
         pytest.param(FRESH_SEED, id=f"fresh{FRESH_SEED}")]
INT64_MAX = np.iinfo(np.int64).max

# --- building models --------------------------------------------------------------------------


def value(name, elem_type, dims):
    return helper.make_tensor_value_info(name, elem_type, dims)


def make_model(nodes, inputs, outputs, initializers=(), opset=13, ir_version=8,
               initializers_as_inputs=False) -> onnx.ModelProto:
    graph_inputs = list(inputs)
    if initializers_as_inputs:
        graph_inputs += [value(t.name, t.data_type, list(t.dims)) for t in initializers]
    graph = helper.make_graph(nodes, "forms", graph_inputs, outputs, list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                             ir_version=ir_version, producer_name="pnconv-tests")


def raw_tensor(name, array) -> TensorProto:
    return numpy_helper.from_array(np.asarray(array), name)


def typed_tensor(name, array) -> TensorProto:
    """A tensor in the typed repeated field its ONNX type uses, not raw_data."""
    array = np.asarray(array)
    t = TensorProto(name=name, data_type=helper.np_dtype_to_tensor_dtype(array.dtype),
                    dims=array.shape)
    flat = array.reshape(-1)
    if array.dtype == np.float32:
        t.float_data.extend(flat.tolist())
    elif array.dtype == np.float64:
        t.double_data.extend(flat.tolist())
    elif array.dtype == np.int64:
        t.int64_data.extend(flat.tolist())
    elif array.dtype == np.int32:
        t.int32_data.extend(flat.tolist())
    elif array.dtype == np.float16:  # bit patterns, one per int32
        t.int32_data.extend(flat.view(np.uint16).astype(np.int32).tolist())
    else:
        raise NotImplementedError(array.dtype)
    assert not t.HasField("raw_data")
    return t


def random_array(rng, dtype, shape) -> np.ndarray:
    """Random values with the awkward ones mixed in: NaN, infinities, -0, subnormals, extremes,
    and (for floats) arbitrary bit patterns."""
    dtype = np.dtype(dtype)
    n = int(np.prod(shape))
    if dtype.kind == "i":
        info = np.iinfo(dtype)
        values = rng.integers(info.min, info.max, size=n, dtype=dtype, endpoint=True)
        values[:3] = [info.min, info.max, 0]
        return values.reshape(shape)
    bits = np.dtype(f"u{dtype.itemsize}")
    values = (rng.standard_normal(n) * 10).astype(dtype)
    finfo = np.finfo(dtype)
    values[:6] = [np.nan, np.inf, -np.inf, -0.0, finfo.smallest_subnormal, finfo.max]
    values[6:10] = rng.integers(0, np.iinfo(bits).max, size=4, dtype=bits).view(dtype)
    return values.reshape(shape)


def save(model: onnx.ModelProto, directory: Path, name="model.onnx") -> Path:
    path = directory / name
    onnx.save(model, str(path))
    return path


# --- the one check every form goes through -----------------------------------------------------


def assert_imports_faithfully(pnconv, path: Path, out_dir: Path, dynamic_batch=False) -> ph.PNM:
    """Imports `path` and checks the .pnm against the ONNX model: weights bit-identical to
    numpy_helper.to_array and to Constant values, the simplified graph, folded Reshape targets,
    and `inspect --shapes` against onnx shape inference."""
    out = out_dir / (path.stem + ".pnm")
    pnconv.import_model(path, out)
    pnm = ph.read_pnm(out)
    model = onnx.load(str(path))
    inits, constants = ph.initializer_arrays(model), ph.constant_values(model)
    read = {x for n in pnm.nodes for x in n["inputs"]}
    assert not (read & set(inits)) - set(pnm.weights), "initializers read by kept nodes missing"
    for name, array in pnm.weights.items():
        if name in inits:
            ph.assert_same_bits(array, inits[name], f"initializer {name!r}")
        elif name in constants:
            ph.assert_same_bits(array, constants[name], f"Constant {name!r}")
    folded = ph.assert_graph_matches(pnm, model)
    ph.assert_graph_closed(pnm)
    ph.assert_folded_reshapes_hold(model, pnm, folded, (1, 3) if dynamic_batch else (1,))
    shapes = pnconv.inspect_json(path, shapes=True)["shapes"]
    ph.assert_shapes_match_onnx(shapes, pnm, model)
    return pnm


def ops(pnm: ph.PNM) -> list:
    return [n["op"] for n in pnm.nodes]


# --- tensor storage -----------------------------------------------------------------------------

DTYPES = [np.float32, np.float64, np.int64, np.int32, np.float16]


@pytest.mark.parametrize("storage", [typed_tensor, raw_tensor], ids=["typed", "raw"])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("seed", SEEDS)
def test_initializer_storage(pnconv, tmp_path, storage, dtype, seed):
    rng = np.random.default_rng(seed)
    elem = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    c = storage("C", random_array(rng, dtype, [4, 5]))
    model = make_model([helper.make_node("Add", ["X", "C"], ["Y"], name="add")],
                       [value("X", elem, [4, 5])], [value("Y", elem, [4, 5])], [c])
    pnm = assert_imports_faithfully(pnconv, save(model, tmp_path), tmp_path)
    assert pnm.weights["C"].dtype == np.dtype(dtype), f"seed {seed}"


@pytest.mark.parametrize("ir_version", [3, 4])
@pytest.mark.parametrize("seed", SEEDS)
def test_initializers_listed_as_graph_inputs(pnconv, tmp_path, ir_version, seed):
    rng = np.random.default_rng(seed)
    f32 = lambda *shape: rng.standard_normal(shape).astype(np.float32)
    inits = [raw_tensor("W", f32(4, 3, 3, 3)), typed_tensor("B", f32(4)),
             raw_tensor("scale", f32(4)), raw_tensor("bias", f32(4)),
             raw_tensor("mean", f32(4)), raw_tensor("var", np.abs(f32(4)) + 0.5)]
    nodes = [helper.make_node("Conv", ["X", "W", "B"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("BatchNormalization", ["c", "scale", "bias", "mean", "var"], ["b"],
                              name="bn", epsilon=1e-5),
             helper.make_node("Relu", ["b"], ["Y"], name="relu")]
    model = make_model(nodes, [value("X", TensorProto.FLOAT, [1, 3, 8, 8])],
                       [value("Y", TensorProto.FLOAT, [1, 4, 8, 8])], inits, opset=9,
                       ir_version=ir_version, initializers_as_inputs=True)
    path = save(model, tmp_path)
    pnm = assert_imports_faithfully(pnconv, path, tmp_path)
    assert [i["name"] for i in pnm.graph["inputs"]] == ["X"]
    report = pnconv.inspect_json(path)
    assert report["input"] == "X" and report["input_shape"] == [1, 3, 8, 8]
    assert report["parameters"] == 4 * 27 + 4 + 4 + 4  # W, B, scale, bias; not mean and var


# --- Constant, Identity, Dropout ----------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_constant_nodes_become_weights(pnconv, tmp_path, seed):
    rng = np.random.default_rng(seed)
    offsets = random_array(rng, np.float32, [3, 1, 4])[:, :, :1].copy()
    factor = float(np.float32(rng.standard_normal()))
    nodes = [
        helper.make_node("Constant", [], ["offsets"], name="k_tensor",
                         value=numpy_helper.from_array(offsets)),
        helper.make_node("Constant", [], ["factor"], name="k_float", value_float=factor),
        helper.make_node("Constant", [], ["target"], name="k_ints", value_ints=[1, 12]),
        helper.make_node("Add", ["X", "offsets"], ["a"], name="add"),
        helper.make_node("Mul", ["a", "factor"], ["m"], name="mul"),
        helper.make_node("Reshape", ["m", "target"], ["Y"], name="reshape"),
    ]
    model = make_model(nodes, [value("X", TensorProto.FLOAT, [1, 3, 2, 2])],
                       [value("Y", TensorProto.FLOAT, [1, 12])])
    pnm = assert_imports_faithfully(pnconv, save(model, tmp_path), tmp_path)
    assert ops(pnm) == ["Add", "Mul", "Reshape"]
    ph.assert_same_bits(pnm.weights["offsets"], offsets, "value tensor")
    ph.assert_same_bits(pnm.weights["factor"], np.array(factor, np.float32), "value_float")
    ph.assert_same_bits(pnm.weights["target"], np.array([1, 12], np.int64), "value_ints")


@pytest.mark.parametrize("opset", [9, 13])
def test_identity_and_dropout_are_removed(pnconv, tmp_path, opset):
    c = raw_tensor("C", np.arange(12, dtype=np.float32).reshape(3, 4))
    dropout = (helper.make_node("Dropout", ["r"], ["d"], name="dropout", ratio=0.5) if opset < 12
               else helper.make_node("Dropout", ["r"], ["d"], name="dropout"))
    nodes = [
        helper.make_node("Identity", ["X"], ["x_alias"], name="id_input"),
        helper.make_node("Relu", ["x_alias"], ["r"], name="relu"),
        dropout,
        helper.make_node("Identity", ["C"], ["c_alias"], name="id_weight"),
        helper.make_node("Add", ["d", "c_alias"], ["sum"], name="add"),
        helper.make_node("Identity", ["sum"], ["Y"], name="id_output"),
    ]
    model = make_model(nodes, [value("X", TensorProto.FLOAT, [2, 3, 4])],
                       [value("Y", TensorProto.FLOAT, [2, 3, 4])], [c], opset=opset)
    path = save(model, tmp_path)
    pnm = assert_imports_faithfully(pnconv, path, tmp_path)
    assert ops(pnm) == ["Relu", "Add"]
    relu, add = pnm.nodes
    assert relu["inputs"] == ["X"] and add["inputs"] == ["r", "C"]
    assert add["outputs"] == ["Y"]
    assert [o["name"] for o in pnm.graph["outputs"]] == ["Y"]
    assert pnconv.inspect_json(path, shapes=True)["shapes"]["Y"] == [2, 3, 4]


# --- legacy operator forms ----------------------------------------------------------------------

SLICES = {  # name: (starts, ends, axes, steps) on a [1, 4, 6, 6] input
    "crop": ([1, 1], [INT64_MAX, INT64_MAX], [2, 3], None),
    "negative": ([0, -5], [3, -1], [1, 3], None),
    "no_axes": ([0, 1, 2], [1, 3, 6], None, None),
    "unsorted_axes": ([-5, 0], [-1, 3], [3, 1], None),
    "negative_axes": ([-5], [-1], [-2], None),
    "steps": ([0, 5], [INT64_MAX, -INT64_MAX], [2, 3], [2, -2]),
}
# Slice-1 (opset 9) has no steps and no negative axes, and onnx infers no shape for unsorted axes.
SLICE_CASES = [(9, form) for form in ("crop", "negative", "no_axes")] + [(13, f) for f in SLICES]


def numpy_slice_shape(shape, starts, ends, axes, steps) -> list:
    index = [slice(None)] * len(shape)
    for s, e, a, st in zip(starts, ends, axes or range(len(starts)), steps or [1] * len(starts)):
        index[a] = slice(s, e, st)
    return list(np.empty(shape)[tuple(index)].shape)


def slice_model(opset, starts, ends, axes, steps):
    if opset < 10:
        attrs = {"starts": starts, "ends": ends} | ({"axes": axes} if axes else {})
        node = helper.make_node("Slice", ["X"], ["Y"], name="slice", **attrs)
        inits = []
    else:
        names = ["starts", "ends"] + (["axes"] if axes else []) + (["steps"] if steps else [])
        values = [starts, ends] + ([axes] if axes else []) + ([steps] if steps else [])
        inits = [typed_tensor(n, np.array(v, np.int64)) for n, v in zip(names, values)]
        node = helper.make_node("Slice", ["X"] + names, ["Y"], name="slice")
    return make_model([node], [value("X", TensorProto.FLOAT, [1, 4, 6, 6])],
                      [value("Y", TensorProto.FLOAT, None)], inits, opset=opset)


@pytest.mark.parametrize("opset,form", SLICE_CASES)
def test_slice_forms(pnconv, tmp_path, opset, form):
    starts, ends, axes, steps = SLICES[form]
    path = save(slice_model(opset, starts, ends, axes, steps), tmp_path)
    pnm = assert_imports_faithfully(pnconv, path, tmp_path)
    assert ops(pnm) == ["Slice"] and pnm.nodes[0]["attributes"] == {}
    shapes = pnconv.inspect_json(path, shapes=True)["shapes"]
    assert shapes["Y"] == numpy_slice_shape([1, 4, 6, 6], starts, ends, axes, steps)


def axes_node(op, opset, data, axes, output, inits):
    """Squeeze/Unsqueeze with `axes` as the attribute (opset < 13) or an input (13+)."""
    if opset < 13:
        return helper.make_node(op, [data], [output], name=op.lower(), axes=axes)
    inits.append(raw_tensor(f"{op.lower()}_axes", np.array(axes, np.int64)))
    return helper.make_node(op, [data, f"{op.lower()}_axes"], [output], name=op.lower())


@pytest.mark.parametrize("opset", [11, 13])
def test_squeeze_unsqueeze_forms(pnconv, tmp_path, opset):
    inits = []
    nodes = [axes_node("Squeeze", opset, "X", [1, -2], "s", inits),          # [3,1,1,4] -> [3,4]
             axes_node("Unsqueeze", opset, "s", [0, -1], "u", inits),        # -> [1,3,4,1]
             helper.make_node("Relu", ["u"], ["Y"], name="relu")]
    model = make_model(nodes, [value("X", TensorProto.FLOAT, [3, 1, 1, 4])],
                       [value("Y", TensorProto.FLOAT, None)], inits, opset=opset)
    path = save(model, tmp_path)
    pnm = assert_imports_faithfully(pnconv, path, tmp_path)
    assert ops(pnm) == ["Squeeze", "Unsqueeze", "Relu"]
    assert all(n["attributes"] == {} for n in pnm.nodes)
    shapes = pnconv.inspect_json(path, shapes=True)["shapes"]
    assert shapes["s"] == [3, 4] and shapes["Y"] == [1, 3, 4, 1]


@pytest.mark.parametrize("opset", [9, 11, 13])
def test_legacy_softmax_keeps_its_shape(pnconv, tmp_path, opset):
    node = helper.make_node("Softmax", ["X"], ["Y"], name="softmax", axis=1)
    model = make_model([node], [value("X", TensorProto.FLOAT, ["N", 3, 4])],
                       [value("Y", TensorProto.FLOAT, ["N", 3, 4])], opset=opset)
    path = save(model, tmp_path)
    pnconv.import_model(path, tmp_path / "out.pnm")
    shapes = pnconv.inspect_json(path, shapes=True)["shapes"]
    assert shapes["Y"] == [1, 3, 4]
    ph.assert_shapes_match_onnx(shapes, ph.read_pnm(tmp_path / "out.pnm"), onnx.load(str(path)))
    expected_ops = ["Softmax"] if opset >= 13 else ["Flatten", "Softmax", "Reshape"]
    assert ops(ph.read_pnm(tmp_path / "out.pnm")) == expected_ops


# --- external data ------------------------------------------------------------------------------


def external(name, array, location, offset, length=True) -> TensorProto:
    """A tensor whose bytes live at `offset` in the file `location` (length optional)."""
    array = np.asarray(array)
    t = TensorProto(name=name, data_type=helper.np_dtype_to_tensor_dtype(array.dtype),
                    dims=array.shape, data_location=TensorProto.EXTERNAL)
    entries = {"location": location, "offset": str(offset)}
    if length:
        entries["length"] = str(array.nbytes)
    for k, v in entries.items():
        t.external_data.add(key=k, value=v)
    return t


def write_at(path: Path, blobs: dict, size: int, rng):
    """A file of random filler bytes with each array's bytes at its offset."""
    data = bytearray(rng.integers(0, 256, size=size, dtype=np.uint8).tobytes())
    for offset, array in blobs.items():
        raw = np.ascontiguousarray(array).tobytes()
        data[offset:offset + len(raw)] = raw
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("seed", SEEDS)
def test_external_data_split_over_two_files(pnconv, tmp_path, seed):
    rng = np.random.default_rng(seed)
    w1 = random_array(rng, np.float32, [8, 16])
    b1 = rng.standard_normal(16).astype(np.float32)
    w2 = rng.standard_normal([16, 4]).astype(np.float32)
    b2 = rng.standard_normal(4).astype(np.float32)
    w2_offset = 4096 + 13
    write_at(tmp_path / "a.bin", {0: w1, w2_offset: w2}, w2_offset + w2.nbytes, rng)
    write_at(tmp_path / "weights" / "b.bin", {7: b2, 100: b1}, 300, rng)
    inits = [external("W1", w1, "a.bin", 0),
             external("B1", b1, "weights/b.bin", 100),
             external("W2", w2, "a.bin", w2_offset, length=False),  # to the end of the file
             external("B2", b2, "weights/b.bin", 7),
             raw_tensor("inline", np.float32([0.5]))]
    nodes = [helper.make_node("MatMul", ["X", "W1"], ["m1"], name="mm1"),
             helper.make_node("Add", ["m1", "B1"], ["a1"], name="add1"),
             helper.make_node("Relu", ["a1"], ["r"], name="relu"),
             helper.make_node("MatMul", ["r", "W2"], ["m2"], name="mm2"),
             helper.make_node("Add", ["m2", "B2"], ["a2"], name="add2"),
             helper.make_node("Mul", ["a2", "inline"], ["Y"], name="scale")]
    model = make_model(nodes, [value("X", TensorProto.FLOAT, [1, 8])],
                       [value("Y", TensorProto.FLOAT, [1, 4])], inits)
    path = tmp_path / "model.onnx"
    path.write_bytes(model.SerializeToString())
    pnm = assert_imports_faithfully(pnconv, path, tmp_path)
    for name, array in {"W1": w1, "B1": b1, "W2": w2, "B2": b2}.items():
        ph.assert_same_bits(pnm.weights[name], array, f"{name} (seed {seed})")


# --- dynamic batch --------------------------------------------------------------------------------

RESHAPES = {  # name: the target as the batch N and constants, for an [N, 4, 2, 2] input
    "flatten": ["N", -1],
    "keep_channels": ["N", 4, -1],
    "batch_last": [16, "N"],
}


def batch_reshape_model(opset, target) -> onnx.ModelProto:
    """Relu, then Reshape to `target`, computed by Shape -> Gather -> Unsqueeze -> Concat."""
    nodes = [helper.make_node("Relu", ["X"], ["r"], name="relu"),
             helper.make_node("Shape", ["r"], ["shape"], name="shape"),
             helper.make_node("Constant", [], ["zero"], name="zero",
                              value=numpy_helper.from_array(np.array(0, np.int64))),
             helper.make_node("Gather", ["shape", "zero"], ["n"], name="gather", axis=0)]
    if opset < 13:
        nodes.append(helper.make_node("Unsqueeze", ["n"], ["n1"], name="unsqueeze", axes=[0]))
    else:
        nodes += [helper.make_node("Constant", [], ["axes0"], name="axes0", value_ints=[0]),
                  helper.make_node("Unsqueeze", ["n", "axes0"], ["n1"], name="unsqueeze")]
    parts = []
    for i, t in enumerate(target):
        if t == "N":
            parts.append("n1")
        else:
            nodes.append(helper.make_node("Constant", [], [f"part{i}"], name=f"part{i}",
                                          value=numpy_helper.from_array(np.array([t], np.int64))))
            parts.append(f"part{i}")
    nodes += [helper.make_node("Concat", parts, ["target"], name="concat", axis=0),
              helper.make_node("Reshape", ["r", "target"], ["Y"], name="reshape")]
    return make_model(nodes, [value("X", TensorProto.FLOAT, ["N", 4, 2, 2])],
                      [value("Y", TensorProto.FLOAT, None)], opset=opset)


@pytest.mark.parametrize("form", list(RESHAPES))
@pytest.mark.parametrize("opset", [11, 13])
def test_dynamic_batch_reshape_chain_is_folded(pnconv, tmp_path, opset, form):
    path = save(batch_reshape_model(opset, RESHAPES[form]), tmp_path)
    pnm = assert_imports_faithfully(pnconv, path, tmp_path, dynamic_batch=True)
    assert ops(pnm) == ["Relu", "Reshape"]
    target = pnm.weights[pnm.nodes[1]["inputs"][1]]
    assert target.dtype == np.int64 and len(target) == len(RESHAPES[form])
    report = pnconv.inspect_json(path)
    assert report["input_shape"] == [-1, 4, 2, 2]


# --- IR and opset versions ------------------------------------------------------------------------


@pytest.mark.parametrize("ir_version,opset", [(4, 9), (10, 21)])
@pytest.mark.parametrize("seed", SEEDS)
def test_ir_and_opset_range(pnconv, tmp_path, ir_version, opset, seed):
    rng = np.random.default_rng(seed)
    f32 = lambda *shape: rng.standard_normal(shape).astype(np.float32)
    inits = [raw_tensor("W", f32(8, 3, 3, 3)), typed_tensor("B", f32(8)),
             raw_tensor("scale", f32(8)), raw_tensor("bias", f32(8)),
             raw_tensor("mean", f32(8)), raw_tensor("var", np.abs(f32(8)) + 0.5),
             raw_tensor("slope", f32(8, 1, 1)), raw_tensor("fc", f32(10, 8)),
             typed_tensor("fc_bias", f32(10))]
    nodes = [
        helper.make_node("Conv", ["X", "W", "B"], ["c"], name="conv", pads=[1, 1, 1, 1],
                         strides=[2, 2], kernel_shape=[3, 3]),
        helper.make_node("BatchNormalization", ["c", "scale", "bias", "mean", "var"], ["b"],
                         name="bn", epsilon=1e-3),
        helper.make_node("PRelu", ["b", "slope"], ["p"], name="prelu"),
        helper.make_node("MaxPool", ["p"], ["mp"], name="pool", kernel_shape=[3, 3],
                         strides=[2, 2], pads=[1, 1, 1, 1]),
        helper.make_node("GlobalAveragePool", ["mp"], ["g"], name="gap"),
        helper.make_node("Flatten", ["g"], ["f"], name="flatten", axis=1),
        helper.make_node("Gemm", ["f", "fc", "fc_bias"], ["Y"], name="gemm", transB=1, alpha=0.5),
    ]
    model = make_model(nodes, [value("X", TensorProto.FLOAT, [1, 3, 16, 16])],
                       [value("Y", TensorProto.FLOAT, [1, 10])], inits, opset=opset,
                       ir_version=ir_version)
    path = save(model, tmp_path)
    pnm = assert_imports_faithfully(pnconv, path, tmp_path)
    assert pnm.attrs["opset"] == opset and pnm.attrs["ir_version"] == ir_version
    report = pnconv.inspect_json(path)
    assert report["macs_per_image"] == 8 * 8 * 8 * 27 + 10 * 8
    assert report["parameters"] == 8 * 27 + 8 + 8 + 8 + 8 + 80 + 10
    assert report["embedding_size"] == 10 and report["opset"] == opset


# --- names that need escaping in HDF5 ---------------------------------------------------------

AWKWARD_NAMES = ["a/b", "a//b", "/", ".hidden", "..", "x.y", "100%", "%2F", "%25", "é/ü", "sp ace"]


def test_tensor_names_survive_escaping(pnconv, tmp_path):
    inits = [raw_tensor(n, np.full([2], i, np.float32)) for i, n in enumerate(AWKWARD_NAMES)]
    nodes, previous = [], "X"
    for i, name in enumerate(AWKWARD_NAMES):
        nodes.append(helper.make_node("Add", [previous, name], [f"{name}+"], name=f"add {name}"))
        previous = f"{name}+"
    nodes.append(helper.make_node("Relu", [previous], ["Y"], name="relu"))
    model = make_model(nodes, [value("X", TensorProto.FLOAT, [2])],
                       [value("Y", TensorProto.FLOAT, [2])], inits)
    pnm = assert_imports_faithfully(pnconv, save(model, tmp_path), tmp_path)
    assert sorted(pnm.weights) == sorted(AWKWARD_NAMES)
