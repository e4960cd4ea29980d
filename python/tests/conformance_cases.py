"""The ONNX backend test data shipped in the onnx package, and which of its cases pnconv's engine
is expected to run: the applicability procedure used by test_conformance.py.

A node-style case is a directory holding model.onnx and test_data_set_*/{input,output}_*.pb; a
light model is light/<name>.onnx with only light/<name>_output_0.pb. Every model is an old one
(IR 3, opset 6 to 9). A case is applicable when

1. onnx.version_converter.convert_version(model, 13) succeeds,
2. every node of the converted graph is an operator pnconv's engine supports (SUPPORTED_OPS,
   in the default domain; Gather only with constant indices, Cast only to float),
3. every graph input and output is a float32 tensor: the engine computes in float32 and
   `pnconv run` refuses other input types by design (an exit-1 error that
   test_conformance.py checks for the cases this rule excludes),
4. onnxruntime runs the converted model (on every test data set's inputs, or for a light model
   on the dummy input onnx's own backend runner feeds it).

`applicability(case)` returns None for an applicable case, else the reason it is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper

DATA_DIR = Path(onnx.__file__).resolve().parent / "backend" / "test" / "data"

# Node-style cases are found in every directory under DATA_DIR ("node", "pytorch-converted",
# "pytorch-operator", "simple"; "node" is absent from some onnx wheels; "real" holds only
# data.json files that point at the light models). Light models are LIGHT_DIR/*.onnx.
LIGHT_DIR = "light"
TARGET_OPSET = 13

SUPPORTED_OPS = frozenset({
    "Conv", "BatchNormalization", "PRelu", "Relu", "Add", "Sub", "Mul", "Div", "Sum", "Concat",
    "Slice", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout", "Gemm",
    "MatMul", "MaxPool", "AveragePool", "GlobalAveragePool", "Softmax", "Gather", "Cast",
    "Shape", "Constant", "ConstantOfShape",
})


@dataclass(frozen=True)
class Case:
    name: str  # "<directory>/<case>", e.g. "pytorch-converted/test_Conv2d"
    model_path: Path
    light: bool

    @property
    def directory(self) -> Path:
        return self.model_path.parent

    def data_sets(self) -> list[tuple[list[np.ndarray], list[np.ndarray]]]:
        """[(inputs, outputs)] of a node-style case, in file order."""
        sets = []
        for d in sorted(self.directory.glob("test_data_set_*")):
            inputs = [read_pb(p) for p in sorted_pbs(d, "input")]
            outputs = [read_pb(p) for p in sorted_pbs(d, "output")]
            sets.append((inputs, outputs))
        return sets

    def stored_light_outputs(self) -> list[np.ndarray]:
        stem = self.model_path.with_suffix("")
        outputs, i = [], 0
        while (p := Path(f"{stem}_output_{i}.pb")).is_file():
            outputs.append(read_pb(p))
            i += 1
        return outputs


def sorted_pbs(directory: Path, kind: str) -> list[Path]:
    return sorted(directory.glob(f"{kind}_*.pb"), key=lambda p: int(p.stem.split("_")[-1]))


def read_pb(path: Path) -> np.ndarray:
    tensor = TensorProto()
    tensor.ParseFromString(Path(path).read_bytes())
    return numpy_helper.to_array(tensor)


def all_cases() -> list[Case]:
    cases = []
    for root in sorted(p for p in DATA_DIR.iterdir() if p.is_dir() and p.name != LIGHT_DIR):
        group = root.name
        for d in sorted(root.iterdir()):
            if (d / "model.onnx").is_file():
                cases.append(Case(f"{group}/{d.name}", d / "model.onnx", light=False))
    light = DATA_DIR / LIGHT_DIR
    if light.is_dir():
        for p in sorted(light.glob("*.onnx")):
            cases.append(Case(f"{LIGHT_DIR}/{p.stem}", p, light=True))
    return sorted(cases, key=lambda c: c.name)


def case_by_name(name: str) -> Case:
    for case in all_cases():
        if case.name == name:
            return case
    raise KeyError(name)


def runtime_inputs(model: onnx.ModelProto) -> list:
    initializers = {t.name for t in model.graph.initializer}
    return [i for i in model.graph.input if i.name not in initializers]


def input_shape(value_info) -> tuple:
    return tuple(d.dim_value if d.HasField("dim_value") else 1
                 for d in value_info.type.tensor_type.shape.dim)


def dummy_input(value_info) -> np.ndarray:
    """The input onnx's backend runner feeds a light model (generate_dummy_data with
    random=False): arange(n) / n at the input's shape; the stored output was made from it."""
    shape = input_shape(value_info)
    n = int(np.prod(shape))
    return (np.arange(n).reshape(shape) / n).astype(np.float32)


def convert(model_path: Path) -> onnx.ModelProto:
    model = onnx.load(str(model_path))
    return onnx.version_converter.convert_version(model, TARGET_OPSET)


def unsupported_nodes(model: onnx.ModelProto) -> list[str]:
    """Descriptions of the nodes pnconv's engine cannot run ([] when it can run them all)."""
    constants = {t.name for t in model.graph.initializer}
    constants |= {o for n in model.graph.node if n.op_type == "Constant" for o in n.output}
    bad = []
    for n in model.graph.node:
        if n.domain not in ("", "ai.onnx") or n.op_type not in SUPPORTED_OPS:
            bad.append(f"unsupported op {n.op_type}" + (f" ({n.domain})" if n.domain else ""))
        elif n.op_type == "Gather" and n.input[1] not in constants:
            bad.append("Gather with non-constant indices")
        elif n.op_type == "Cast":
            to = next(a.i for a in n.attribute if a.name == "to")
            if to != TensorProto.FLOAT:
                bad.append(f"Cast to {TensorProto.DataType.Name(to)}")
    return sorted(set(bad))


def elem_type_name(value_info) -> str:
    return TensorProto.DataType.Name(value_info.type.tensor_type.elem_type)


def non_float_values(model: onnx.ModelProto) -> list[str]:
    """Graph inputs and outputs that are not float32 tensors (the engine computes in float32)."""
    bad = [f"graph {kind} of type {elem_type_name(v)}"
           for kind, values in (("input", runtime_inputs(model)), ("output", model.graph.output))
           for v in values
           if not v.type.HasField("tensor_type")
           or v.type.tensor_type.elem_type != TensorProto.FLOAT]
    return sorted(set(bad))


def ort_session(model: onnx.ModelProto):
    import onnxruntime as ort

    ort.set_default_logger_severity(3)  # failures are reported by the exception, not the log
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    options.log_severity_level = 3
    return ort.InferenceSession(model.SerializeToString(), options,
                                providers=["CPUExecutionProvider"])


def ort_run(model: onnx.ModelProto, inputs: list[np.ndarray], session=None) -> list[np.ndarray]:
    import onnxruntime as ort

    session = session or ort_session(model)
    names = [i.name for i in session.get_inputs()]
    quiet = ort.RunOptions()
    quiet.log_severity_level = 4
    return session.run(None, dict(zip(names, inputs)), quiet)


def applicability(case: Case) -> str | None:
    """None if `case` is applicable, else why not (one short reason)."""
    try:
        converted = convert(case.model_path)
    except Exception:  # noqa: BLE001 - any failure of the converter
        return f"version conversion to opset {TARGET_OPSET} fails"
    bad = unsupported_nodes(converted)
    if bad:
        return "; ".join(bad)
    bad = non_float_values(converted)
    if bad:
        return "; ".join(bad)
    try:
        session = ort_session(converted)
        if case.light:
            ort_run(converted, [dummy_input(i) for i in runtime_inputs(converted)], session)
        else:
            for inputs, _ in case.data_sets():
                ort_run(converted, inputs, session)
    except Exception:  # noqa: BLE001 - any failure of onnxruntime
        return "onnxruntime cannot run the converted model"
    return None


def survey() -> dict[str, str | None]:
    """{case name: applicability(case)} over the whole data directory."""
    return {case.name: applicability(case) for case in all_cases()}


if __name__ == "__main__":
    from collections import Counter

    results = survey()
    applicable = sorted(n for n, r in results.items() if r is None)
    print(f"{len(results)} cases, {len(applicable)} applicable")
    print("APPLICABLE = [")
    for n in applicable:
        print(f"    {n!r},")
    print("]")
    reasons = Counter()
    for n, r in sorted(results.items()):
        if r is not None:
            print(f"  {n}: {r}")
            for part in r.split("; "):
                reasons[part] += 1
    for reason, count in reasons.most_common():
        print(f"{count:4d}  {reason}")
