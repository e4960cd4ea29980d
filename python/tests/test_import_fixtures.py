"""`pnconv import` and `pnconv inspect` on the four committed fixture models, checked against
onnx, numpy_helper, onnx shape inference and onnxruntime."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import pytest

import pnconv_helpers as ph


@dataclass(frozen=True)
class Fixture:
    file: str
    architecture: str
    stage_depths: list | None  # iresnet-mini: layers (1, 1, 1, 1) in fixtures/models.py


FIXTURES = [
    Fixture("iresnet-mini-128.onnx", "iresnet", [1, 1, 1, 1]),
    Fixture("iresnet-mini-128.dynamo.onnx", "iresnet", [1, 1, 1, 1]),
    Fixture("pocketnet-s-128.onnx", "pocketnet", None),
    Fixture("pocketnet-s-128.dynamo.onnx", "pocketnet", None),
]


@dataclass
class Imported:
    fixture: Fixture
    source: Path
    model: onnx.ModelProto
    pnm_path: Path
    pnm: ph.PNM
    import_stdout: str


@pytest.fixture(scope="module", params=FIXTURES, ids=lambda f: f.file)
def imported(request, pnconv, tmp_path_factory) -> Imported:
    fixture = request.param
    source = ph.FIXTURE_MODELS / fixture.file
    out = tmp_path_factory.mktemp("import") / (source.stem + ".pnm")
    result = pnconv.import_model(source, out, "--json")
    model = onnx.load(str(source))  # with its external data, if any
    return Imported(fixture, source, model, out, ph.read_pnm(out), result.stdout)


# --- weights ----------------------------------------------------------------------------------


def test_initializers_are_bit_identical(imported):
    onnx_weights = ph.initializer_arrays(imported.model)
    compared = 0
    for name, array in imported.pnm.weights.items():
        if name in onnx_weights:
            ph.assert_same_bits(array, onnx_weights[name], f"weight {name!r}")
            compared += 1
    assert compared > 0


def test_every_initializer_a_kept_node_reads_is_present(imported):
    onnx_weights = {t.name for t in imported.model.graph.initializer}
    read = {x for n in imported.pnm.nodes for x in n["inputs"]}
    missing = sorted((read & onnx_weights) - set(imported.pnm.weights))
    assert not missing
    ph.assert_graph_closed(imported.pnm)


def test_folded_weights_come_from_constants_or_reshape_targets(imported):
    onnx_weights = {t.name for t in imported.model.graph.initializer}
    constants = ph.constant_values(imported.model)
    reshape_targets = {n["inputs"][1] for n in imported.pnm.nodes if n["op"] == "Reshape"}
    for name, array in imported.pnm.weights.items():
        if name in onnx_weights:
            continue
        if name in constants:
            ph.assert_same_bits(array, constants[name], f"folded Constant {name!r}")
        else:
            assert name in reshape_targets, f"weight {name!r} is neither an ONNX initializer, a " \
                                            f"Constant's value nor a Reshape target"


def test_folded_reshape_targets_hold_at_batch_1_and_3(imported):
    folded = ph.assert_graph_matches(imported.pnm, imported.model)
    computed = [n for n in imported.model.graph.node if n.op_type == "Reshape"
                and n.input[1] not in {t.name for t in imported.model.graph.initializer}
                and n.input[1] not in ph.constant_values(imported.model)]
    # The legacy PocketNet export computes its final Reshape target from the batch size.
    assert len(folded) == len(computed)
    assert (len(folded) > 0) == (imported.fixture.file == "pocketnet-s-128.onnx")
    ph.assert_folded_reshapes_hold(imported.model, imported.pnm, folded)


# --- graph ------------------------------------------------------------------------------------


def test_graph_is_the_onnx_graph_simplified(imported):
    ph.assert_graph_matches(imported.pnm, imported.model)
    g = imported.pnm.graph
    assert [i["name"] for i in g["inputs"]] == [i.name for i in ph.runtime_inputs(imported.model)]
    assert [o["name"] for o in g["outputs"]] == [o.name for o in imported.model.graph.output]
    assert all(i["dtype"] == "float32" for i in g["inputs"] + g["outputs"])
    assert g["inputs"][0]["dims"][1:] == [3, 112, 112]


def test_removed_nodes_are_exactly_constants_and_the_shape_chain(imported):
    kept = {n["name"] for n in imported.pnm.nodes}
    removed = [n for n in imported.model.graph.node if n.name not in kept]
    assert {n.op_type for n in removed} <= {"Constant", "Identity", "Dropout", "Shape", "Gather",
                                            "Unsqueeze", "Concat"}
    assert len(kept) + len(removed) == len(imported.model.graph.node)


# --- shapes -----------------------------------------------------------------------------------


def test_shapes_agree_with_onnx_shape_inference(imported, pnconv):
    report = pnconv.inspect_json(imported.source, shapes=True)
    ph.assert_shapes_match_onnx(report["shapes"], imported.pnm, imported.model)
    assert report["shapes"]["embedding"] == [1, 128]


# --- summary ----------------------------------------------------------------------------------


def test_summary_matches_independent_computation(imported, pnconv):
    model, fixture = imported.model, imported.fixture
    report = pnconv.inspect_json(imported.source)
    shapes = ph.static_shapes(model, batch=1)
    expected_nodes = ph.expected_graph(model)
    (onnx_input,) = ph.runtime_inputs(model)

    assert report["parameters"] == ph.reference_parameters(model)
    assert report["macs_per_image"] == ph.reference_macs(model, shapes)
    assert report["embedding_size"] == 128
    assert report["architecture"] == fixture.architecture
    assert report.get("stage_depths") == fixture.stage_depths
    assert report["input"] == onnx_input.name
    assert report["input_shape"] == [d if isinstance(d, int) and d > 0 else -1
                                     for d in ph.dims_of(onnx_input)]
    assert report["operators"] == ph.histogram(expected_nodes)
    assert report["nodes"] == len(expected_nodes)
    assert report["opset"] == ph.default_opset(model)
    assert report["source"] == fixture.file
    assert report["source_sha256"] == ph.sha256(imported.source)


def test_import_json_is_the_onnx_summary(imported, pnconv):
    assert json.loads(imported.import_stdout) == pnconv.inspect_json(imported.source)


def test_pnm_summary_equals_onnx_summary(imported, pnconv):
    from_onnx = pnconv.inspect_json(imported.source, shapes=True)
    from_pnm = pnconv.inspect_json(imported.pnm_path, shapes=True)
    assert from_pnm.pop("model") == str(imported.pnm_path)
    assert from_onnx.pop("model") == str(imported.source)
    assert from_pnm == from_onnx
    assert from_pnm["source_sha256"] == ph.sha256(imported.source)


def test_pnm_root_attributes(imported, pnconv):
    attrs, model = imported.pnm.attrs, imported.model
    report = pnconv.inspect_json(imported.source)
    assert attrs["format"] == "pnconv-model"
    assert attrs["format_version"] == 1
    assert attrs["architecture"] == imported.fixture.architecture
    assert attrs["embedding_dim"] == 128
    assert attrs["input_name"] == "input"
    assert list(attrs["input_shape"]) == report["input_shape"]
    assert attrs["parameters"] == report["parameters"]
    assert attrs["macs_per_image"] == report["macs_per_image"]
    assert attrs["source"] == imported.fixture.file
    assert attrs["source_sha256"] == ph.sha256(imported.source)
    assert attrs["opset"] == ph.default_opset(model)
    assert attrs["ir_version"] == model.ir_version
    assert model.producer_name in attrs["producer"]
    assert attrs["created_by"].startswith("pnconv")
    assert np.asarray(attrs["input_shape"]).dtype.kind == "i"
