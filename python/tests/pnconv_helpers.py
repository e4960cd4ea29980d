"""Helpers for the pnconv cross-checks: running the binary, reading .pnm files, and computing
in Python, independently of pnconv, what an import of an ONNX model should produce."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
import onnx
from onnx import TensorProto, numpy_helper

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURE_MODELS = REPO_ROOT / "fixtures" / "models"

# --------------------------------------------------------------------------------------------
# Running pnconv
# --------------------------------------------------------------------------------------------


def pnconv_binary() -> Path:
    """$PNCONV (relative paths resolved against the repository), else the release build."""
    configured = os.environ.get("PNCONV")
    if not configured:
        return REPO_ROOT / ".build" / "release" / "pnconv"
    path = Path(configured)
    return path if path.is_absolute() else REPO_ROOT / path


@dataclass
class Result:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def stderr_lines(self) -> list[str]:
        return self.stderr.splitlines()

    def describe(self) -> str:
        return (f"pnconv {' '.join(self.args)}\nexit {self.returncode}\n"
                f"stdout:\n{self.stdout[-2000:]}\nstderr:\n{self.stderr[-2000:]}")


class PNConv:
    def __init__(self, binary: Path):
        self.binary = binary

    def run(self, *args, cwd=None, timeout=300) -> Result:
        argv = [str(a) for a in args]
        done = subprocess.run([str(self.binary), *argv], cwd=cwd, capture_output=True, text=True,
                              timeout=timeout)
        return Result(argv, done.returncode, done.stdout, done.stderr)

    def ok(self, *args, **kwargs) -> Result:
        result = self.run(*args, **kwargs)
        assert result.returncode == 0, result.describe()
        assert result.stderr == "", result.describe()
        return result

    def import_model(self, source, output, *extra) -> Result:
        result = self.ok("import", source, "-o", output, *extra)
        assert Path(output).is_file(), result.describe()
        return result

    def inspect_json(self, model, shapes: bool = False) -> dict:
        args = ["inspect", model, "--json"] + (["--shapes"] if shapes else [])
        return json.loads(self.ok(*args).stdout)


# --------------------------------------------------------------------------------------------
# Reading .pnm files
# --------------------------------------------------------------------------------------------


def unescape_name(key: str) -> str:
    """Inverse of pnconv's dataset-name escaping ('%25' -> '%', '%2F' -> '/', '%2E' -> '.')."""
    out, i = [], 0
    while i < len(key):
        code = key[i:i + 3]
        if code in ("%25", "%2F", "%2E"):
            out.append({"%25": "%", "%2F": "/", "%2E": "."}[code])
            i += 3
        else:
            out.append(key[i])
            i += 1
    return "".join(out)


@dataclass
class PNM:
    attrs: dict
    graph: dict
    weights: dict  # original tensor name -> np.ndarray
    attribute_tensors: dict  # dataset key -> np.ndarray

    @property
    def nodes(self) -> list[dict]:
        return self.graph["nodes"]


def read_pnm(path) -> PNM:
    with h5py.File(path, "r") as f:
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
        raw = f["graph"][()]
        graph = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
        weights = {unescape_name(k): np.array(d[()]) for k, d in f["weights"].items()}
        tensors = {k: np.array(d[()]) for k, d in f.get("attribute_tensors", {}).items()}
    return PNM(attrs, graph, weights, tensors)


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def assert_same_bits(actual: np.ndarray, expected: np.ndarray, what: str):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.dtype == expected.dtype, f"{what}: dtype {actual.dtype} != {expected.dtype}"
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    if actual.tobytes() != expected.tobytes():
        a = actual.reshape(-1).view(np.uint8)
        b = expected.reshape(-1).view(np.uint8)
        first = int(np.nonzero(a != b)[0][0])
        raise AssertionError(f"{what}: bytes differ (first at byte {first} of {a.size})")


def tensor_key(array: np.ndarray) -> tuple:
    """A hashable, bit-exact description of an array, for equality of attribute values."""
    array = np.asarray(array)
    return ("tensor", array.dtype.str, array.shape, array.tobytes())


def float_bits(value: float) -> int:
    return int(np.array(value, dtype=np.float32).view(np.uint32))


def pnm_attribute(value: dict, pnm: PNM):
    """A .pnm attribute ({int|ints|floatBits|...: v}) as a comparable Python value."""
    assert len(value) == 1, f"attribute must have exactly one field: {value}"
    (kind, v), = value.items()
    if kind == "tensor":
        assert v in pnm.attribute_tensors, f"attribute tensor {v!r} missing from /attribute_tensors"
        return tensor_key(pnm.attribute_tensors[v])
    if kind in ("ints", "floatsBits", "strings"):
        return (kind, list(v))
    return (kind, v)


def onnx_attribute(attr: onnx.AttributeProto):
    """An ONNX attribute in the same comparable form as pnm_attribute."""
    v = onnx.helper.get_attribute_value(attr)
    t = attr.type
    A = onnx.AttributeProto
    if t == A.INT:
        return ("int", int(v))
    if t == A.INTS:
        return ("ints", [int(x) for x in v])
    if t == A.FLOAT:
        return ("floatBits", float_bits(v))
    if t == A.FLOATS:
        return ("floatsBits", [float_bits(x) for x in v])
    if t == A.STRING:
        return ("string", v.decode("utf-8"))
    if t == A.STRINGS:
        return ("strings", [x.decode("utf-8") for x in v])
    if t == A.TENSOR:
        return tensor_key(numpy_helper.to_array(v))
    raise NotImplementedError(f"attribute type {t} of {attr.name}")


# --------------------------------------------------------------------------------------------
# ONNX models, computed in Python
# --------------------------------------------------------------------------------------------


def sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def initializer_arrays(model: onnx.ModelProto, base_dir=None) -> dict:
    return {t.name: numpy_helper.to_array(t, base_dir or "") for t in model.graph.initializer}


def runtime_inputs(model: onnx.ModelProto) -> list:
    names = {t.name for t in model.graph.initializer}
    return [i for i in model.graph.input if i.name not in names]


def default_opset(model: onnx.ModelProto) -> int:
    return next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))


def constant_value(node: onnx.NodeProto) -> np.ndarray:
    """The tensor a Constant node produces."""
    (attr,) = node.attribute
    v = onnx.helper.get_attribute_value(attr)
    if attr.name == "value":
        return numpy_helper.to_array(v)
    return {
        "value_float": lambda: np.array(v, dtype=np.float32),
        "value_floats": lambda: np.array(v, dtype=np.float32),
        "value_int": lambda: np.array(v, dtype=np.int64),
        "value_ints": lambda: np.array(v, dtype=np.int64),
    }[attr.name]()


def constant_values(model: onnx.ModelProto) -> dict:
    return {n.output[0]: constant_value(n) for n in model.graph.node if n.op_type == "Constant"}


def dims_of(value_info) -> list:
    return [d.dim_value if d.HasField("dim_value") else (d.dim_param or None)
            for d in value_info.type.tensor_type.shape.dim]


def with_batch(model: onnx.ModelProto, batch) -> onnx.ModelProto:
    """A copy whose runtime inputs have a symbolic dim 0 fixed to `batch`, without stored
    shapes to trust."""
    m = copy.deepcopy(model)
    for inp in runtime_inputs(m):
        dims = inp.type.tensor_type.shape.dim
        if len(dims) and not dims[0].HasField("dim_value"):
            dims[0].Clear()
            dims[0].dim_value = batch
    del m.graph.value_info[:]
    for out in m.graph.output:
        out.type.tensor_type.ClearField("shape")
    return m


def static_shapes(model: onnx.ModelProto, batch=1) -> dict:
    """{value name: shape} for every value onnx shape inference knows fully at `batch`."""
    inferred = onnx.shape_inference.infer_shapes(with_batch(model, batch), strict_mode=True,
                                                 data_prop=True)
    shapes = {}
    g = inferred.graph
    for vi in list(g.input) + list(g.value_info) + list(g.output):
        tt = vi.type.tensor_type
        if tt.HasField("shape") and all(d.HasField("dim_value") for d in tt.shape.dim):
            shapes[vi.name] = [d.dim_value for d in tt.shape.dim]
    for t in g.initializer:
        shapes[t.name] = list(t.dims)
    return shapes


def element_types(model: onnx.ModelProto) -> dict:
    inferred = onnx.shape_inference.infer_shapes(model)
    g = inferred.graph
    types = {vi.name: vi.type.tensor_type.elem_type
             for vi in list(g.input) + list(g.value_info) + list(g.output)}
    types.update({t.name: t.data_type for t in g.initializer})
    return types


def ort_shapes(model: onnx.ModelProto, names, batch: int, seed: int = 0) -> dict:
    """Shapes onnxruntime computes for the values `names` at the given batch size."""
    import onnxruntime as ort

    m = with_batch(model, batch)
    types = element_types(m)
    present = {o.name for o in m.graph.output}
    for name in names:
        if name not in present:
            m.graph.output.append(onnx.helper.make_tensor_value_info(name, types[name], None))
    session = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(seed)
    feed = {}
    for inp in session.get_inputs():
        shape = [batch if not isinstance(d, int) else d for d in inp.shape]
        feed[inp.name] = rng.standard_normal(shape).astype(np.float32)
    outputs = session.run(list(names), feed)
    return {name: list(out.shape) for name, out in zip(names, outputs)}


def numpy_reshape(input_shape, target) -> list:
    """The output shape of ONNX Reshape (allowzero=0): 0 copies the input dim, -1 is inferred."""
    target = [int(t) for t in target]
    resolved = [input_shape[i] if t == 0 else t for i, t in enumerate(target)]
    return list(np.empty(input_shape, dtype=np.uint8).reshape(resolved).shape)


def _float_types():
    return {TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.DOUBLE, TensorProto.BFLOAT16}


def reference_parameters(model: onnx.ModelProto) -> int:
    """Elements of floating-point initializers (and Constant values) that nodes read, without
    BatchNormalization's running mean and variance."""
    g = model.graph
    read = {x for n in g.node for x in n.input if x}
    stats = {x for n in g.node if n.op_type == "BatchNormalization" for x in n.input[3:5]}
    total = 0
    for t in g.initializer:
        if t.data_type in _float_types() and t.name in read and t.name not in stats:
            total += int(np.prod(t.dims, dtype=np.int64))
    for name, value in constant_values(model).items():
        if value.dtype.kind == "f" and name in read and name not in stats:
            total += value.size
    return total


def reference_macs(model: onnx.ModelProto, shapes: dict) -> int:
    """Conv: output elements * Cin/group * kh*kw; Gemm: M*N*K; MatMul: output elements * K."""
    total = 0
    for n in model.graph.node:
        if n.op_type == "Conv":
            out, w = shapes[n.output[0]], shapes[n.input[1]]
            total += int(np.prod(out)) * int(np.prod(w[1:]))
        elif n.op_type == "Gemm":
            a, out = shapes[n.input[0]], shapes[n.output[0]]
            trans_a = next((at.i for at in n.attribute if at.name == "transA"), 0)
            k = a[0] if trans_a else a[1]
            total += out[0] * out[1] * k
        elif n.op_type == "MatMul":
            total += int(np.prod(shapes[n.output[0]])) * shapes[n.input[0]][-1]
    return total


# --------------------------------------------------------------------------------------------
# The simplified graph pnconv should write, computed from the ONNX graph
# --------------------------------------------------------------------------------------------

SHAPE_CHAIN_OPS = {"Shape", "Gather", "Unsqueeze", "Concat"}


@dataclass(frozen=True)
class NewWeight:
    """A node input that pnconv replaces by a weight of its own (not an ONNX name). `values`
    is the int64 content it must have, or None for a folded Reshape target (checked apart)."""
    values: tuple | None
    why: str


@dataclass
class ExpectedNode:
    name: str
    op: str
    inputs: list  # str or NewWeight
    outputs: list
    attributes: dict


def shape_chain(model: onnx.ModelProto) -> set:
    """Indices of Shape/Gather/Unsqueeze/Concat nodes whose outputs only feed Reshape targets
    (directly or through other such nodes)."""
    g = model.graph
    outputs = {o.name for o in g.output}
    readers = {}
    for i, n in enumerate(g.node):
        for j, x in enumerate(n.input):
            readers.setdefault(x, []).append((i, j))
    chain, changed = set(), True
    while changed:
        changed = False
        for i, n in enumerate(g.node):
            if i in chain or n.op_type not in SHAPE_CHAIN_OPS or set(n.output) & outputs:
                continue
            uses = [r for o in n.output for r in readers.get(o, [])]
            if uses and all((g.node[k].op_type == "Reshape" and j == 1) or k in chain
                            for k, j in uses):
                chain.add(i)
                changed = True
    return chain


def expected_graph(model: onnx.ModelProto) -> list:
    """The nodes pnconv's .pnm should hold for `model`, in order: without Constant, Identity,
    Dropout, the shape chain and dead nodes; with legacy forms rewritten to inputs."""
    g = model.graph
    opset = default_opset(model)
    graph_outputs = [o.name for o in g.output]
    sources = {i.name for i in g.input} | {t.name for t in g.initializer}
    chain = shape_chain(model)
    chain_outputs = {o for i in chain for o in g.node[i].output}

    alias, rename = {}, {}

    def resolve(x):
        while x in alias:
            x = alias[x]
        return x

    kept = []
    for i, n in enumerate(g.node):
        if n.op_type == "Constant" or i in chain:
            continue
        if n.op_type in ("Identity", "Dropout"):
            src, out = resolve(n.input[0]), n.output[0]
            if out not in graph_outputs:
                alias[out] = src
                continue
            if src not in graph_outputs and src not in sources:
                rename[src] = out
                continue
        kept.append(n)

    def final(x):
        x = resolve(x)
        return rename.get(x, x)

    # Dead nodes: what the graph outputs do not need.
    needed = {final(o) for o in graph_outputs}
    live = []
    for n in reversed(kept):
        if any(final(o) in needed for o in n.output):
            live.append(n)
            needed |= {final(x) for x in n.input if x}
    live.reverse()

    nodes = []
    for n in live:
        inputs = [final(x) for x in n.input]
        attributes = {a.name: onnx_attribute(a) for a in n.attribute}
        if n.op_type == "Reshape" and n.input[1] in chain_outputs:
            inputs[1] = NewWeight(None, "folded Reshape target")
        if n.op_type == "Slice" and opset < 10:
            moved = [attributes.pop(k, None) for k in ("starts", "ends", "axes")]
            inputs = inputs[:1] + [NewWeight(tuple(m[1]), f"Slice {k} attribute")
                                   for k, m in zip(("starts", "ends", "axes"), moved) if m]
        if n.op_type in ("Squeeze", "Unsqueeze") and opset < 13 and "axes" in attributes:
            inputs = inputs[:1] + [NewWeight(tuple(attributes.pop("axes")[1]), "axes attribute")]
        nodes.append(ExpectedNode(n.name, n.op_type, inputs, [final(o) for o in n.output],
                                  attributes))
    return nodes


def assert_graph_matches(pnm: PNM, model: onnx.ModelProto) -> list:
    """Compares the .pnm nodes with expected_graph(model); returns the pnm Reshape nodes whose
    targets pnconv folded, for the caller to check their values."""
    expected = expected_graph(model)
    actual = pnm.nodes
    onnx_names = ({t.name for t in model.graph.initializer} | {i.name for i in model.graph.input}
                  | {o for n in model.graph.node for o in n.output})
    assert [n["name"] for n in actual] == [n.name for n in expected]
    folded = []
    for a, e in zip(actual, expected):
        where = f"node {e.name!r}"
        assert a["op"] == e.op, where
        assert a["domain"] in ("", "ai.onnx"), where
        assert a["outputs"] == e.outputs, where
        assert {k: pnm_attribute(v, pnm) for k, v in a["attributes"].items()} == e.attributes, where
        assert len(a["inputs"]) == len(e.inputs), f"{where}: inputs {a['inputs']} vs {e.inputs}"
        for index, (got, want) in enumerate(zip(a["inputs"], e.inputs)):
            if not isinstance(want, NewWeight):
                assert got == want, f"{where} input {index}"
                continue
            assert got in pnm.weights, f"{where} input {index} ({want.why}) {got!r} is not a weight"
            assert got not in onnx_names, f"{where} input {index}: {got!r} reuses an ONNX name"
            weight = pnm.weights[got]
            if want.values is None:
                assert weight.dtype == np.int64 and weight.ndim == 1, f"{where}: target {weight}"
                folded.append(a)
            else:
                assert_same_bits(weight, np.array(want.values, dtype=np.int64), f"{where} {want.why}")
    return folded


def assert_graph_closed(pnm: PNM):
    """Every node input is a graph input, a weight, or an earlier node's output."""
    known = {i["name"] for i in pnm.graph["inputs"]} | set(pnm.weights) | {""}
    for n in pnm.nodes:
        missing = [x for x in n["inputs"] if x not in known]
        assert not missing, f"node {n['name']!r} reads {missing}, which nothing provides"
        known |= set(n["outputs"])
    for o in pnm.graph["outputs"]:
        assert o["name"] in known, f"graph output {o['name']!r} is produced by nothing"


def assert_shapes_match_onnx(pnconv_shapes: dict, pnm: PNM, model: onnx.ModelProto):
    """`inspect --shapes` lists every node output of the simplified graph, and agrees with onnx
    shape inference at batch 1 wherever that knows the shape."""
    node_outputs = {o for n in pnm.nodes for o in n["outputs"] if o}
    assert set(pnconv_shapes) == node_outputs
    reference = static_shapes(model, batch=1)
    compared = 0
    for name, shape in pnconv_shapes.items():
        if name in reference:
            assert shape == reference[name], f"shape of {name!r}"
            compared += 1
    # onnx knows at least every graph output here; a comparison of nothing would prove nothing.
    assert compared >= max(1, len(node_outputs) // 2), (compared, len(node_outputs))


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------


def snapshot(directory) -> dict:
    """{relative path: sha256} of every file under `directory` (names and contents)."""
    directory = Path(directory)
    return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*")) if p.is_file() or p.is_symlink()}


def histogram(nodes) -> dict:
    return dict(Counter(n.op if isinstance(n, ExpectedNode) else n["op"] for n in nodes))


def assert_folded_reshapes_hold(model: onnx.ModelProto, pnm: PNM, folded, batches=(1, 3)):
    """Each folded Reshape target, applied to the Reshape input with numpy's reshape rules,
    gives the output shape onnxruntime computes at every batch in `batches`."""
    for node in folded:
        data, output = node["inputs"][0], node["outputs"][0]
        target = pnm.weights[node["inputs"][1]]
        for batch in batches:
            shapes = ort_shapes(model, [data, output], batch)
            assert numpy_reshape(shapes[data], target) == shapes[output], \
                f"{node['name']}: folded target {target.tolist()} at batch {batch}: " \
                f"input {shapes[data]}, onnxruntime output {shapes[output]}"
