"""Conformance of pnconv's engine with the ONNX backend test data shipped in the onnx package
(onnx/backend/test/data), through `pnconv run`.

The models there are old (IR 3, opset 6, for all but simple/ and light/). Each is converted with
onnx.version_converter.convert_version(model, 13), saved, and run by pnconv. A case is
*applicable* (conformance_cases.applicability) when the conversion succeeds, every node is an
operator the engine supports (Gather only with constant indices, Cast only to float), its graph
inputs and outputs are float32 (the engine refuses other input types by design; that refusal is
checked here too), and onnxruntime runs the converted model.

Counts with onnx 1.23 (`python conformance_cases.py` in this directory reprints them):

    149 cases: pytorch-converted 82, pytorch-operator 35, simple 23, light 9
                (no node/ directory in this wheel; real/ holds only data.json files that point
                at the light models)
     68 applicable: pytorch-converted 54, pytorch-operator 8, simple 1, light 5
     81 not applicable: 70 use an unsupported operator (Pad, Transpose, LRN, ConvTranspose,
                LogSoftmax, Sigmoid, Split, Expand, sequence and string operators, ...),
                6 have float64/int64 graph inputs and outputs, 3 are PReLU with a [C] slope on
                an N-D input, which opset 7+ broadcasting rejects (onnxruntime refuses them),
                2 are Gather with runtime indices (Embedding)

Node-style cases (directory with model.onnx and test_data_set_*/{input,output}_*.pb) are run on
their stored inputs (the .pb files as they are) at --threads 1 and 2, and every output is compared
with the stored reference at rtol=1e-4, atol=1e-5.

Light models (light/*.onnx, weights replaced by ConstantOfShape fills, only an output .pb) are run
by pnconv and onnxruntime at --threads 2 on two fresh random inputs (uniform in [-1, 1], a new
seed each session, named in failure messages) and on the input onnx's own backend runner feeds them
(arange(n)/n, from which the stored output was made). Gates: per batch row cosine >= 0.99999 and
max |diff| <= 1e-4 * max |onnxruntime|; the stored output is compared at rtol=1e-4, atol=1e-5.
The input of the final Softmax is added as a graph output and gated the same way, because the
constant fills make every logit of a row equal, so the probabilities alone (a uniform 0.001) say
little; see LIGHT_SOFTMAX_ILL_CONDITIONED for the three models whose probabilities are not gated.

Applicable cases the engine gets wrong would be strict xfails in KNOWN_ENGINE_BUGS; there are none.
"""

from __future__ import annotations

import secrets
from collections import Counter
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import helper

import conformance_cases as cc

# Sorted; test_applicable_list_is_current recomputes it over the whole data directory.
APPLICABLE = [
    'light/light_densenet121',
    'light/light_inception_v2',
    'light/light_resnet50',
    'light/light_squeezenet',
    'light/light_vgg19',
    'pytorch-converted/test_AvgPool1d',
    'pytorch-converted/test_AvgPool1d_stride',
    'pytorch-converted/test_AvgPool2d',
    'pytorch-converted/test_AvgPool2d_stride',
    'pytorch-converted/test_AvgPool3d',
    'pytorch-converted/test_AvgPool3d_stride',
    'pytorch-converted/test_AvgPool3d_stride1_pad0_gpu_input',
    'pytorch-converted/test_BatchNorm1d_3d_input_eval',
    'pytorch-converted/test_BatchNorm2d_eval',
    'pytorch-converted/test_BatchNorm2d_momentum_eval',
    'pytorch-converted/test_BatchNorm3d_eval',
    'pytorch-converted/test_BatchNorm3d_momentum_eval',
    'pytorch-converted/test_Conv1d',
    'pytorch-converted/test_Conv1d_dilated',
    'pytorch-converted/test_Conv1d_groups',
    'pytorch-converted/test_Conv1d_pad1',
    'pytorch-converted/test_Conv1d_pad1size1',
    'pytorch-converted/test_Conv1d_pad2',
    'pytorch-converted/test_Conv1d_pad2size1',
    'pytorch-converted/test_Conv1d_stride',
    'pytorch-converted/test_Conv2d',
    'pytorch-converted/test_Conv2d_depthwise',
    'pytorch-converted/test_Conv2d_depthwise_padded',
    'pytorch-converted/test_Conv2d_depthwise_strided',
    'pytorch-converted/test_Conv2d_depthwise_with_multiplier',
    'pytorch-converted/test_Conv2d_dilated',
    'pytorch-converted/test_Conv2d_groups',
    'pytorch-converted/test_Conv2d_groups_thnn',
    'pytorch-converted/test_Conv2d_no_bias',
    'pytorch-converted/test_Conv2d_padding',
    'pytorch-converted/test_Conv2d_strided',
    'pytorch-converted/test_Conv3d',
    'pytorch-converted/test_Conv3d_dilated',
    'pytorch-converted/test_Conv3d_dilated_strided',
    'pytorch-converted/test_Conv3d_groups',
    'pytorch-converted/test_Conv3d_no_bias',
    'pytorch-converted/test_Conv3d_stride',
    'pytorch-converted/test_Conv3d_stride_padding',
    'pytorch-converted/test_Linear',
    'pytorch-converted/test_MaxPool1d',
    'pytorch-converted/test_MaxPool1d_stride',
    'pytorch-converted/test_MaxPool1d_stride_padding_dilation',
    'pytorch-converted/test_MaxPool2d',
    'pytorch-converted/test_MaxPool2d_stride_padding_dilation',
    'pytorch-converted/test_MaxPool3d',
    'pytorch-converted/test_MaxPool3d_stride',
    'pytorch-converted/test_MaxPool3d_stride_padding',
    'pytorch-converted/test_PReLU_1d',
    'pytorch-converted/test_PReLU_2d',
    'pytorch-converted/test_PReLU_3d',
    'pytorch-converted/test_ReLU',
    'pytorch-converted/test_Softmax',
    'pytorch-converted/test_softmax_functional_dim3',
    'pytorch-converted/test_softmax_lastdim',
    'pytorch-operator/test_operator_addmm',
    'pytorch-operator/test_operator_concat2',
    'pytorch-operator/test_operator_conv',
    'pytorch-operator/test_operator_flatten',
    'pytorch-operator/test_operator_index',
    'pytorch-operator/test_operator_maxpool',
    'pytorch-operator/test_operator_mm',
    'pytorch-operator/test_operator_view',
    'simple/test_single_relu_model',
]
TOTAL_CASES = 149

# Applicable cases the engine currently gets wrong. Strict: once the engine is fixed the test
# XPASSes, which fails the run, and the entry must be removed.
KNOWN_ENGINE_BUGS: dict[str, str] = {}

# Per-case loosened tolerances for node-style cases, with the reason: none needed so far.
NODE_TOLERANCES: dict[str, tuple[float, float, str]] = {}
RTOL, ATOL = 1e-4, 1e-5

# Light models whose final Softmax sees logits so large that one float32 ulp of them is >= 1
# (the test asserts that; they are 5e9 to 3e31, ulps of 512 and more):
# onnxruntime computes the 1000 logits of a row bit-identical (identical constant weights) and
# gets a uniform 0.001, while any other correct summation order leaves them an ulp or two apart,
# which Softmax turns into a near one-hot row. For these only the logits are gated (and the
# probabilities checked to be a distribution); the test asserts the logits are still this large.
LIGHT_SOFTMAX_ILL_CONDITIONED = {
    "light/light_squeezenet": "no BatchNormalization: logits ~5e9",
    "light/light_resnet50": "logits ~1e19",
    "light/light_vgg19": "no BatchNormalization: logits ~3e31",
}

COSINE_MIN = 0.99999
REL_MAX_ABS = 1e-4
FRESH_SEED = secrets.randbits(32)

NODE_CASES = [n for n in APPLICABLE if not n.startswith(cc.LIGHT_DIR + "/")]
LIGHT_CASES = [n for n in APPLICABLE if n.startswith(cc.LIGHT_DIR + "/")]


def with_known_bugs(names):
    return [pytest.param(n, id=n, marks=pytest.mark.xfail(reason=KNOWN_ENGINE_BUGS[n], strict=True))
            if n in KNOWN_ENGINE_BUGS else pytest.param(n, id=n) for n in names]


# --- the list -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def survey() -> dict:
    return cc.survey()


def test_applicable_list_is_current(survey):
    applicable = sorted(n for n, reason in survey.items() if reason is None)
    assert APPLICABLE == sorted(APPLICABLE), "keep APPLICABLE sorted"
    assert applicable == APPLICABLE, (
        f"applicability changed: now applicable but not listed "
        f"{sorted(set(applicable) - set(APPLICABLE))}, listed but no longer applicable "
        f"{ {n: survey.get(n, 'missing') for n in sorted(set(APPLICABLE) - set(applicable))} }")
    assert len(survey) == TOTAL_CASES
    reasons = Counter(r for r in survey.values() if r is not None)
    print(f"\n{len(survey)} cases, {len(applicable)} applicable; not applicable:")
    for reason, count in reasons.most_common():
        print(f"  {count:3d}  {reason}")


def test_every_model_in_the_data_directory_is_a_case():
    models = {p.relative_to(cc.DATA_DIR) for p in cc.DATA_DIR.rglob("*.onnx")}
    cases = {c.model_path.relative_to(cc.DATA_DIR) for c in cc.all_cases()}
    assert models == cases
    for c in cc.all_cases():
        if c.light:
            assert c.stored_light_outputs(), c.name
        else:
            sets = c.data_sets()
            assert sets and all(ins and outs for ins, outs in sets), c.name


def test_known_bugs_and_loosened_cases_are_applicable():
    assert set(KNOWN_ENGINE_BUGS) <= set(APPLICABLE)
    assert set(NODE_TOLERANCES) <= set(NODE_CASES)
    assert set(LIGHT_SOFTMAX_ILL_CONDITIONED) <= set(LIGHT_CASES)


# --- running ----------------------------------------------------------------------------------


def converted_model(case: cc.Case, tmp_path: Path) -> tuple[onnx.ModelProto, Path]:
    model = cc.convert(case.model_path)
    path = tmp_path / "model.onnx"
    onnx.save(model, str(path))
    return model, path


def run_pnconv(pnconv, model_path: Path, feeds: list[tuple[str, Path]], out: Path,
               threads: int) -> dict:
    args = ["run", model_path, "-o", out, "--threads", threads]
    for name, file in feeds:
        args += ["--input", f"{name}={file}"]
    pnconv.ok(*args)
    with np.load(out) as z:
        return {k: z[k] for k in z.files}


@pytest.mark.parametrize("threads", [1, 2], ids=["threads1", "threads2"])
@pytest.mark.parametrize("name", with_known_bugs(NODE_CASES))
def test_node_case_matches_stored_outputs(pnconv, tmp_path, name, threads):
    case = cc.case_by_name(name)
    model, path = converted_model(case, tmp_path)
    inputs = cc.runtime_inputs(model)
    output_names = [o.name for o in model.graph.output]
    rtol, atol, _reason = NODE_TOLERANCES.get(name, (RTOL, ATOL, ""))
    data_sets = sorted(case.directory.glob("test_data_set_*"))
    assert data_sets
    for index, data_set in enumerate(data_sets):
        input_files = cc.sorted_pbs(data_set, "input")
        output_files = cc.sorted_pbs(data_set, "output")
        assert len(input_files) == len(inputs) and len(output_files) == len(output_names)
        got = run_pnconv(pnconv, path, [(i.name, f) for i, f in zip(inputs, input_files)],
                         tmp_path / f"out{index}.npz", threads)
        assert sorted(got) == sorted(output_names)
        for out_name, ref_file in zip(output_names, output_files):
            expected = cc.read_pb(ref_file)
            actual = got[out_name]
            assert actual.dtype == np.float32
            assert actual.shape == expected.shape, f"{out_name}: {actual.shape} vs {expected.shape}"
            np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol,
                                       err_msg=f"{name} {data_set.name} output {out_name!r}")


def dtype_only_cases(survey) -> list[str]:
    return sorted(n for n, r in survey.items()
                  if r is not None and r.startswith("graph input of type"))


def test_non_float32_models_are_refused(pnconv, tmp_path, survey):
    """The cases excluded only for their types: pnconv refuses them with one error line naming
    the input and its type, exit 1, and writes nothing."""
    names = dtype_only_cases(survey)
    assert len(names) == 6, names
    for name in names:
        case = cc.case_by_name(name)
        model, path = converted_model(case, tmp_path)
        inputs, _ = case.data_sets()[0]
        feeds = []
        for i, (vi, x) in enumerate(zip(cc.runtime_inputs(model), inputs)):
            f = tmp_path / f"in{i}.npy"
            with np.errstate(over="ignore"):  # int64 and float64 test values, only refused
                np.save(f, x.astype(np.float32))
            feeds += ["--input", f"{vi.name}={f}"]
        out = tmp_path / "out.npz"
        result = pnconv.run("run", path, "-o", out, *feeds)
        assert result.returncode == 1, result.describe()
        assert len(result.stderr_lines) == 1 and result.stderr.startswith("pnconv: error: ")
        first = cc.runtime_inputs(model)[0]
        assert f"'{first.name}'" in result.stderr and "float32" in result.stderr, result.stderr
        declared = helper.tensor_dtype_to_np_dtype(first.type.tensor_type.elem_type).name
        assert f"is {declared}" in result.stderr, result.stderr
        assert not out.exists()


# --- light models -----------------------------------------------------------------------------


def cosine_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a.reshape(a.shape[0], -1).astype(np.float64)
    b = b.reshape(b.shape[0], -1).astype(np.float64)
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def assert_gates(actual: np.ndarray, expected: np.ndarray, what: str):
    assert actual.shape == expected.shape, f"{what}: {actual.shape} vs {expected.shape}"
    assert np.isfinite(actual).all(), f"{what}: non-finite values"
    cos = cosine_rows(actual, expected)
    max_abs = float(np.abs(actual.astype(np.float64) - expected).max())
    bound = REL_MAX_ABS * float(np.abs(expected).max())
    assert cos.min() >= COSINE_MIN and max_abs <= bound, (
        f"{what}: cosine per row {cos.tolist()}, max |diff| {max_abs:.3g} (bound {bound:.3g})")


def light_inputs(value_info) -> list[tuple[str, np.ndarray]]:
    shape = cc.input_shape(value_info)
    rng = np.random.default_rng(FRESH_SEED)
    return [("dummy", cc.dummy_input(value_info))] + [
        (f"random{k}", rng.uniform(-1, 1, shape).astype(np.float32)) for k in range(2)]


@pytest.mark.parametrize("name", with_known_bugs(LIGHT_CASES))
def test_light_model_matches_onnxruntime(pnconv, tmp_path, name):
    print(f"fresh seed {FRESH_SEED}")
    case = cc.case_by_name(name)
    model = cc.convert(case.model_path)
    final_outputs = [o.name for o in model.graph.output]
    softmax = [n for n in model.graph.node if n.op_type == "Softmax"]
    logits = softmax[-1].input[0] if softmax else None
    if logits:  # gated too: see the module docstring
        model.graph.output.append(helper.make_tensor_value_info(logits, onnx.TensorProto.FLOAT, None))
    path = tmp_path / "model.onnx"
    onnx.save(model, str(path))
    (value_info,) = cc.runtime_inputs(model)
    outputs = [o.name for o in model.graph.output]
    ill_conditioned = name in LIGHT_SOFTMAX_ILL_CONDITIONED
    session = cc.ort_session(model)
    stored = case.stored_light_outputs()
    assert len(stored) == len(final_outputs)
    for label, x in light_inputs(value_info):
        what = f"{name} on {label} input (seed {FRESH_SEED})"
        file = tmp_path / f"{label}.npy"
        np.save(file, x)
        got = run_pnconv(pnconv, path, [(value_info.name, file)], tmp_path / f"{label}.npz", 2)
        assert sorted(got) == sorted(outputs)
        reference = dict(zip(outputs, cc.ort_run(model, [x], session)))
        for out_name in outputs:
            if ill_conditioned and out_name in final_outputs:
                # Probabilities: a distribution of the right shape (see LIGHT_SOFTMAX_...).
                p = got[out_name]
                assert p.shape == reference[out_name].shape, out_name
                rows = p.reshape(p.shape[0], -1)
                assert (rows >= 0).all() and np.allclose(rows.sum(1), 1, atol=1e-5), out_name
                continue
            assert_gates(got[out_name], reference[out_name], f"{what}, output {out_name!r}")
        if ill_conditioned:
            assert np.spacing(np.abs(reference[logits]).max().astype(np.float32)) >= 1, (
                f"{name}: logits are no longer large; gate the probabilities again")
        elif label == "dummy":
            for out_name, expected in zip(final_outputs, stored):
                np.testing.assert_allclose(got[out_name], expected, rtol=RTOL, atol=ATOL,
                                           err_msg=f"{name}: stored output {out_name!r}")
