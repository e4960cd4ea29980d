"""`pnconv import` failures: each exits 1 with one `pnconv: error: <path>: <problem>` line on
stderr, and writes nothing: the directories involved hold exactly what they held before."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import pnconv_helpers as ph

# --- helpers ----------------------------------------------------------------------------------


@pytest.fixture
def workdir(tmp_path) -> Path:
    """tmp_path with in/ (the inputs) and out/ (where -o points)."""
    (tmp_path / "in").mkdir()
    (tmp_path / "out").mkdir()
    return tmp_path


OUTPUT_MODES = ["beside_input", "explicit_output"]


def import_args(source: Path, workdir: Path, mode: str) -> list:
    return ["import", source] + (["-o", workdir / "out" / "model.pnm"]
                                 if mode == "explicit_output" else [])


def assert_import_fails(pnconv, source: Path, workdir: Path, mode: str, *patterns: str) -> str:
    """Runs the import, expects exit 1, exactly one error line naming `source` and matching
    every regex in `patterns` (case-insensitive), and an unchanged working directory."""
    before = ph.snapshot(workdir)
    result = pnconv.run(*import_args(source, workdir, mode))
    assert result.returncode == 1, result.describe()
    assert len(result.stderr_lines) == 1, result.describe()
    line = result.stderr_lines[0]
    assert line.startswith("pnconv: error: "), line
    assert str(source) in line, f"the message does not name {source}: {line}"
    for pattern in patterns:
        assert re.search(pattern, line, re.IGNORECASE), f"{pattern!r} not in: {line}"
    assert result.stdout == "", result.describe()
    assert ph.snapshot(workdir) == before, "the failed import changed files"
    return line


def save(model: onnx.ModelProto, path: Path) -> Path:
    path.write_bytes(model.SerializeToString())
    return path


def relu_model(opset=13, ir_version=8, nodes=None, inputs=None, inits=()) -> onnx.ModelProto:
    nodes = nodes or [helper.make_node("Relu", ["X"], ["Y"], name="relu")]
    inputs = inputs or [helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, 3, 4, 4])]
    graph = helper.make_graph(nodes, "errors", inputs,
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)],
                              list(inits))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                             ir_version=ir_version)


def copy_fixture(name: str, directory: Path, with_data=True) -> Path:
    target = directory / name
    shutil.copyfile(ph.FIXTURE_MODELS / name, target)
    data = ph.FIXTURE_MODELS / (name + ".data")
    if with_data and data.exists():
        shutil.copyfile(data, directory / data.name)
    return target


def truncate(path: Path, size: int):
    path.write_bytes(path.read_bytes()[:size])


# --- files that are not (whole) models --------------------------------------------------------


@pytest.mark.parametrize("mode", OUTPUT_MODES)
def test_empty_file(pnconv, workdir, mode):
    source = workdir / "in" / "empty.onnx"
    source.write_bytes(b"")
    assert_import_fails(pnconv, source, workdir, mode, r"empty")


@pytest.mark.parametrize("mode", OUTPUT_MODES)
def test_text_file(pnconv, workdir, mode):
    source = workdir / "in" / "notes.onnx"
    source.write_text("These are notes about a model, not a model.\n" * 20)
    assert_import_fails(pnconv, source, workdir, mode, r"not an ONNX|parse")


TRUNCATIONS = {"10_bytes": lambda n: 10, "half": lambda n: n // 2,
               "90_percent": lambda n: n * 9 // 10, "minus_3": lambda n: n - 3}


@pytest.mark.parametrize("mode", OUTPUT_MODES)
@pytest.mark.parametrize("cut", list(TRUNCATIONS))
@pytest.mark.parametrize("fixture", ["iresnet-mini-128.onnx", "pocketnet-s-128.onnx",
                                     "pocketnet-s-128.dynamo.onnx"])
def test_truncated_model(pnconv, workdir, mode, fixture, cut):
    source = copy_fixture(fixture, workdir / "in")
    truncate(source, TRUNCATIONS[cut](source.stat().st_size))
    assert_import_fails(pnconv, source, workdir, mode, r"truncat|parse|not an ONNX")


@pytest.mark.parametrize("mode", OUTPUT_MODES)
def test_missing_external_data(pnconv, workdir, mode):
    source = copy_fixture("iresnet-mini-128.dynamo.onnx", workdir / "in", with_data=False)
    assert_import_fails(pnconv, source, workdir, mode, r"external data", r"missing|no such",
                        re.escape("iresnet-mini-128.dynamo.onnx.data"))


@pytest.mark.parametrize("mode", OUTPUT_MODES)
@pytest.mark.parametrize("fixture", ["iresnet-mini-128.dynamo.onnx", "pocketnet-s-128.dynamo.onnx"])
def test_truncated_external_data(pnconv, workdir, mode, fixture):
    source = copy_fixture(fixture, workdir / "in")
    data = workdir / "in" / (fixture + ".data")
    truncate(data, data.stat().st_size // 2)
    assert_import_fails(pnconv, source, workdir, mode, r"external data", r"short|truncat",
                        re.escape(fixture + ".data"))


@pytest.mark.parametrize("mode", OUTPUT_MODES)
def test_missing_file(pnconv, workdir, mode):
    source = workdir / "in" / "absent.onnx"
    assert_import_fails(pnconv, source, workdir, mode, r"no such|not found|does not exist")


# --- models pnconv does not support -----------------------------------------------------------


@pytest.mark.parametrize("mode", OUTPUT_MODES)
def test_unsupported_operators_are_all_listed(pnconv, workdir, mode):
    nodes = [helper.make_node("LeakyRelu", ["X"], ["a"], name="leaky_first", alpha=0.1),
             helper.make_node("Relu", ["a"], ["b"], name="supported_relu"),
             helper.make_node("Tanh", ["b"], ["c"], name="tanh_middle"),
             helper.make_node("LeakyRelu", ["c"], ["Y"], name="leaky_last", alpha=0.2)]
    source = save(relu_model(nodes=nodes), workdir / "in" / "unsupported.onnx")
    line = assert_import_fails(pnconv, source, workdir, mode, r"unsupported|not supported",
                               r"\bLeakyRelu\b", r"\bTanh\b", r"\bleaky_first\b",
                               r"\btanh_middle\b", r"\bleaky_last\b")
    assert "supported_relu" not in line


@pytest.mark.parametrize("mode", OUTPUT_MODES)
@pytest.mark.parametrize("opset", [8, 22])
def test_opset_out_of_range(pnconv, workdir, mode, opset):
    ir_version = 3 if opset == 8 else 10
    source = save(relu_model(opset=opset, ir_version=ir_version), workdir / "in" / "opset.onnx")
    assert_import_fails(pnconv, source, workdir, mode, r"opset", rf"\b{opset}\b")


@pytest.mark.parametrize("mode", OUTPUT_MODES)
def test_add_of_mismatched_shapes(pnconv, workdir, mode):
    inputs = [helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, 3, 4, 4]),
              helper.make_tensor_value_info("Z", TensorProto.FLOAT, [1, 5, 4, 4])]
    nodes = [helper.make_node("Add", ["X", "Z"], ["Y"], name="bad_add")]
    source = save(relu_model(nodes=nodes, inputs=inputs), workdir / "in" / "add.onnx")
    assert_import_fails(pnconv, source, workdir, mode, r"\bbad_add\b", r"shape|broadcast")


@pytest.mark.parametrize("mode", OUTPUT_MODES)
def test_conv_weight_with_wrong_input_channels(pnconv, workdir, mode):
    weight = numpy_helper.from_array(np.zeros([4, 5, 3, 3], np.float32), "W")
    nodes = [helper.make_node("Conv", ["X", "W"], ["Y"], name="bad_conv", pads=[1, 1, 1, 1])]
    source = save(relu_model(nodes=nodes, inits=[weight]), workdir / "in" / "conv.onnx")
    assert_import_fails(pnconv, source, workdir, mode, r"\bbad_conv\b", r"channel")


# --- usage errors and existing outputs --------------------------------------------------------


def test_unknown_option_is_a_usage_error(pnconv, workdir):
    source = save(relu_model(), workdir / "in" / "good.onnx")
    before = ph.snapshot(workdir)
    result = pnconv.run("import", source, "--no-such-option", "-o", workdir / "out" / "m.pnm")
    assert result.returncode == 64, result.describe()
    assert result.stderr_lines[0].startswith("pnconv: error: "), result.describe()
    assert "--no-such-option" in result.stderr_lines[0]
    assert ph.snapshot(workdir) == before


def test_failed_import_leaves_an_existing_output_untouched(pnconv, workdir):
    good = save(relu_model(), workdir / "in" / "good.onnx")
    output = workdir / "out" / "model.pnm"
    pnconv.import_model(good, output)
    bad = save(relu_model(opset=22, ir_version=10), workdir / "in" / "bad.onnx")
    before = ph.snapshot(workdir)
    result = pnconv.run("import", bad, "-o", output)
    assert result.returncode == 1, result.describe()
    assert ph.snapshot(workdir) == before
    assert ph.read_pnm(output).attrs["source"] == "good.onnx"


# --- malformed tensors ------------------------------------------------------------------------


def add_model(weight: TensorProto) -> onnx.ModelProto:
    nodes = [helper.make_node("Add", ["X", weight.name], ["Y"], name="add")]
    inputs = [helper.make_tensor_value_info("X", TensorProto.FLOAT, [4])]
    return relu_model(nodes=nodes, inputs=inputs, inits=[weight])


def short_raw_data():
    t = numpy_helper.from_array(np.zeros(4, np.float32), "W")
    t.raw_data = b"\0" * 10
    return t


def short_float_data():
    t = TensorProto(name="W", data_type=TensorProto.FLOAT, dims=[4])
    t.float_data.extend([1.0, 2.0, 3.0])
    return t


def external_outside(location):
    def make(directory: Path):
        (directory.parent / "w.bin").write_bytes(np.ones(4, np.float32).tobytes())
        t = TensorProto(name="W", data_type=TensorProto.FLOAT, dims=[4],
                        data_location=TensorProto.EXTERNAL)
        t.external_data.add(key="location", value=location(directory))
        return t
    return make


MALFORMED = {
    "raw_data_too_short": (lambda d: short_raw_data(), [r"\bW\b", r"raw_data|bytes"]),
    "float_data_too_short": (lambda d: short_float_data(), [r"\bW\b", r"float_data|values"]),
    "external_location_with_dotdot": (external_outside(lambda d: "../w.bin"),
                                      [r"\bW\b", r"outside|location"]),
    "external_location_absolute": (external_outside(lambda d: str(d.parent / "w.bin")),
                                   [r"\bW\b", r"outside|location"]),
}


@pytest.mark.parametrize("mode", OUTPUT_MODES)
@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_tensor(pnconv, workdir, mode, case):
    make, patterns = MALFORMED[case]
    source = save(add_model(make(workdir / "in")), workdir / "in" / "malformed.onnx")
    assert_import_fails(pnconv, source, workdir, mode, *patterns)


@pytest.mark.parametrize("mode", OUTPUT_MODES)
@pytest.mark.parametrize("ir_version", [2, 11])
def test_ir_version_out_of_range(pnconv, workdir, mode, ir_version):
    source = save(relu_model(ir_version=ir_version), workdir / "in" / "ir.onnx")
    assert_import_fails(pnconv, source, workdir, mode, r"ir_version|IR version", rf"\b{ir_version}\b")


# --- constants that shape code folds: any value ends in a result or an error, never a crash ---

INT64_MIN, INT64_MAX = np.iinfo(np.int64).min, np.iinfo(np.int64).max


def folded_model(node, inits, output_type=TensorProto.INT64) -> onnx.ModelProto:
    """A graph whose extra output `q` is computed from initializers only (pnconv folds it)."""
    nodes = [node, helper.make_node("Relu", ["X"], ["Y"], name="keep")]
    graph = helper.make_graph(
        nodes, "folding", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2]),
         helper.make_tensor_value_info("q", output_type, None)],
        [numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)


def slice_of(starts, ends, steps):
    node = helper.make_node("Slice", ["D", "S", "E", "A", "St"], ["q"], name="slice")
    return node, {"D": np.arange(5, dtype=np.int64), "S": np.int64([starts]),
                  "E": np.int64([ends]), "A": np.int64([0]), "St": np.int64([steps])}


HOSTILE = {
    "div_int64_min_by_minus_1": (helper.make_node("Div", ["A", "B"], ["q"], name="div"),
                                 {"A": np.int64([INT64_MIN]), "B": np.int64([-1])}),
    "div_by_zero": (helper.make_node("Div", ["A", "B"], ["q"], name="div"),
                    {"A": np.int64([7]), "B": np.int64([0])}),
    "cast_nan_and_inf_to_int64": (helper.make_node("Cast", ["F"], ["q"], name="cast", to=7),
                                  {"F": np.float32([np.nan, np.inf, -np.inf, 1e30])}),
    "slice_step_int64_max": slice_of(0, 3, INT64_MAX),
    "slice_step_minus_int64_max": slice_of(3, 0, -INT64_MAX),
    "slice_step_int64_min": slice_of(-1, INT64_MIN, INT64_MIN),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_folding_hostile_constants_does_not_crash(pnconv, workdir, case):
    node, inits = HOSTILE[case]
    source = save(folded_model(node, inits), workdir / "in" / "hostile.onnx")
    result = pnconv.run("import", source, "-o", workdir / "out" / "hostile.pnm")
    assert result.returncode in (0, 1), result.describe()
    if result.returncode == 1:
        assert len(result.stderr_lines) == 1 and result.stderr.startswith("pnconv: error: ")
        assert list((workdir / "out").iterdir()) == []
    elif node.op_type == "Slice":
        expected = np.asarray(inits["D"])[inits["S"][0]:inits["E"][0]:inits["St"][0]]
        q = ph.read_pnm(workdir / "out" / "hostile.pnm").weights.get("q")
        assert q is None or ph.same_bits(q, expected), (q, expected)
