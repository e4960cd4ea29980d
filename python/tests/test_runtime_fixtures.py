"""`pnconv run` on the four committed fixture models, each as its .onnx and as the .pnm that
`pnconv import` writes of it, against onnxruntime on the same random inputs (uniform in [-1, 1]:
one seeded, one fresh each session, its seed in the test id): per image cosine >= 0.99999 and
max |diff| <= 1e-4 * max |onnxruntime|. Batch 5 rows equal batch 1 runs of the same images, and
--threads 1 and 2 agree, within 1e-5 relative. Then the ways `run` must refuse bad inputs: exit
code, one error line that names what is wrong, and no output file left behind."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

import pnconv_helpers as ph

FRESH_SEED = secrets.randbits(32)
SEEDS = [pytest.param(20240607, id="seed20240607"),
         pytest.param(FRESH_SEED, id=f"fresh{FRESH_SEED}")]
COSINE_MIN = 0.99999
REL_MAX_ABS = 1e-4  # pnconv vs onnxruntime
REL_SELF = 1e-5  # pnconv vs pnconv (batch sizes, thread counts)
IMAGE = (3, 112, 112)
INPUT, OUTPUT, EMBEDDING = "input", "embedding", 128


@dataclass(frozen=True)
class Fixture:
    file: str
    dynamic_batch: bool


FIXTURES = [
    Fixture("iresnet-mini-128.onnx", False),
    Fixture("iresnet-mini-128.dynamo.onnx", True),
    Fixture("pocketnet-s-128.onnx", True),
    Fixture("pocketnet-s-128.dynamo.onnx", True),
]
FORMS = ["onnx", "pnm"]


@dataclass
class Model:
    fixture: Fixture
    form: str
    path: Path  # what `pnconv run` is given
    source: Path  # the .onnx

    @property
    def id(self) -> str:
        return f"{self.fixture.file}:{self.form}"


# --- models and references --------------------------------------------------------------------


@pytest.fixture(scope="module")
def imported(pnconv, tmp_path_factory) -> dict:
    """{fixture file: .pnm path}, each imported once."""
    out_dir = tmp_path_factory.mktemp("pnm")
    paths = {}
    for fixture in FIXTURES:
        pnm = out_dir / (Path(fixture.file).stem + ".pnm")
        pnconv.import_model(ph.FIXTURE_MODELS / fixture.file, pnm)
        paths[fixture.file] = pnm
    return paths


def params(fixtures):
    return [pytest.param((f, form), id=f"{f.file}:{form}") for f in fixtures for form in FORMS]


@pytest.fixture
def model(request, imported) -> Model:
    fixture, form = request.param
    source = ph.FIXTURE_MODELS / fixture.file
    return Model(fixture, form, source if form == "onnx" else imported[fixture.file], source)


_sessions: dict = {}


def onnxruntime_embeddings(source: Path, x: np.ndarray) -> np.ndarray:
    """onnxruntime's output; image by image when the model's batch is static."""
    import onnxruntime as ort

    if source not in _sessions:
        _sessions[source] = ort.InferenceSession(str(source), providers=["CPUExecutionProvider"])
    session = _sessions[source]
    dims = session.get_inputs()[0].shape
    if isinstance(dims[0], int):
        return np.concatenate([session.run([OUTPUT], {INPUT: x[i:i + 1]})[0]
                               for i in range(x.shape[0])])
    return session.run([OUTPUT], {INPUT: x})[0]


def images(seed: int, batch: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1, 1, (batch, *IMAGE)).astype(np.float32)


def run(pnconv, model_path, x: np.ndarray, work: Path, threads: int = 1, tag: str = "") -> np.ndarray:
    """pnconv run on `x` (saved as .npy in `work`); returns the embedding."""
    tag = tag or f"b{x.shape[0]}t{threads}"
    x_file, out = work / f"x-{tag}.npy", work / f"out-{tag}.npz"
    np.save(x_file, x)
    pnconv.ok("run", model_path, "--input", f"{INPUT}={x_file}", "-o", out, "--threads", threads)
    with np.load(out) as z:
        assert z.files == [OUTPUT]
        y = z[OUTPUT]
    assert y.dtype == np.float32 and y.shape == (x.shape[0], EMBEDDING)
    return y


def cosine_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = a.astype(np.float64), b.astype(np.float64)
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def assert_matches_onnxruntime(actual: np.ndarray, expected: np.ndarray, what: str):
    assert actual.shape == expected.shape
    cos = cosine_rows(actual, expected)
    diff = np.abs(actual.astype(np.float64) - expected).max(1)
    bound = REL_MAX_ABS * np.abs(expected).max(1)
    assert (cos >= COSINE_MIN).all() and (diff <= bound).all(), (
        f"{what}: cosine per image {cos.tolist()}, max |diff| per image {diff.tolist()} "
        f"(bounds {bound.tolist()})")


def assert_close_relative(actual: np.ndarray, expected: np.ndarray, what: str):
    diff = float(np.abs(actual.astype(np.float64) - expected).max())
    bound = REL_SELF * float(np.abs(expected).max())
    assert actual.shape == expected.shape and diff <= bound, f"{what}: max |diff| {diff:.3g} > {bound:.3g}"


def test_fixture_batch_axes_are_as_listed():
    for fixture in FIXTURES:
        m = onnx.load(str(ph.FIXTURE_MODELS / fixture.file), load_external_data=False)
        (inp,) = ph.runtime_inputs(m)
        first = inp.type.tensor_type.shape.dim[0]
        assert (not first.HasField("dim_value")) == fixture.dynamic_batch, fixture.file
        assert inp.name == INPUT and [o.name for o in m.graph.output] == [OUTPUT]


# --- against onnxruntime ----------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("model", params(FIXTURES), indirect=True)
def test_matches_onnxruntime(pnconv, tmp_path, model, seed):
    batches = [1, 5] if model.fixture.dynamic_batch else [1]
    for batch in batches:
        x = images(seed, batch)
        actual = run(pnconv, model.path, x, tmp_path, threads=2)
        expected = onnxruntime_embeddings(model.source, x)
        assert_matches_onnxruntime(actual, expected, f"{model.id} batch {batch} seed {seed}")


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f.file)
def test_pnm_computes_what_its_onnx_computes(pnconv, tmp_path, imported, fixture):
    """The imported .pnm and its .onnx give the same bits (one graph, one engine)."""
    x = images(FRESH_SEED, 1)
    from_pnm = run(pnconv, imported[fixture.file], x, tmp_path, tag="pnm")
    from_onnx = run(pnconv, ph.FIXTURE_MODELS / fixture.file, x, tmp_path, tag="onnx")
    ph.assert_same_bits(from_pnm, from_onnx, f"{fixture.file}: .pnm vs .onnx")


def test_nodes_without_names(pnconv, tmp_path):
    """ONNX does not require node names: a model whose nodes have none computes what
    onnxruntime computes. (.pnw exports drop node names too; test_export runs those.)"""
    m = onnx.load(str(ph.FIXTURE_MODELS / "pocketnet-s-128.onnx"))
    for node in m.graph.node:
        node.name = ""
    path = tmp_path / "nameless.onnx"
    onnx.save(m, str(path))
    x = images(FRESH_SEED, 2)
    assert_matches_onnxruntime(run(pnconv, path, x, tmp_path), onnxruntime_embeddings(path, x), "nameless nodes")


# --- batch sizes and threads ------------------------------------------------------------------


@pytest.mark.parametrize("threads", [1, 2], ids=["threads1", "threads2"])
@pytest.mark.parametrize("model", params([f for f in FIXTURES if f.dynamic_batch]), indirect=True)
def test_batch_rows_equal_single_images(pnconv, tmp_path, model, threads):
    x = images(FRESH_SEED, 5)
    batched = run(pnconv, model.path, x, tmp_path, threads=threads)
    for i in range(5):
        single = run(pnconv, model.path, x[i:i + 1], tmp_path, threads=threads, tag=f"image{i}")
        assert_close_relative(batched[i:i + 1], single,
                              f"{model.id} threads {threads}: row {i} of batch 5 vs image {i} alone "
                              f"(seed {FRESH_SEED})")


@pytest.mark.parametrize("model", params(FIXTURES), indirect=True)
def test_one_and_two_threads_agree(pnconv, tmp_path, model):
    for batch in ([1, 2, 5] if model.fixture.dynamic_batch else [1]):
        x = images(FRESH_SEED + batch, batch)
        one = run(pnconv, model.path, x, tmp_path, threads=1)
        two = run(pnconv, model.path, x, tmp_path, threads=2)
        assert_close_relative(two, one, f"{model.id} batch {batch}: --threads 2 vs 1 "
                                        f"(seed {FRESH_SEED + batch})")


def test_pb_input_runs_like_npy(pnconv, tmp_path):
    """An ONNX TensorProto .pb input gives the same bits as the same tensor in .npy."""
    source = ph.FIXTURE_MODELS / "pocketnet-s-128.onnx"
    x = images(FRESH_SEED, 2)
    pb = tmp_path / "x.pb"
    pb.write_bytes(numpy_helper.from_array(x, "input").SerializeToString())
    pnconv.ok("run", source, "--input", f"{INPUT}={pb}", "-o", tmp_path / "pb.npz")
    with np.load(tmp_path / "pb.npz") as z:
        from_pb = z[OUTPUT]
    ph.assert_same_bits(from_pb, run(pnconv, source, x, tmp_path), "from .pb vs from .npy")


# --- bad inputs ---------------------------------------------------------------------------------


def refused(pnconv, work: Path, args: list, code: int):
    """Runs pnconv in `work` with an output path there; checks the exit code, the error line
    and that no file appeared (nor a temporary one) and returns stderr."""
    before = ph.snapshot(work)
    out = work / "out.npz"
    result = pnconv.run("run", *args, cwd=work)
    assert result.returncode == code, result.describe()
    assert result.stdout == "", result.describe()
    errors = [line for line in result.stderr_lines if line.startswith("pnconv: error: ")]
    assert len(errors) == 1, result.describe()
    if code == 1:
        assert result.stderr_lines == errors, result.describe()
    assert not out.exists()
    assert ph.snapshot(work) == before, "files were left behind"
    return errors[0]


def save(work: Path, name: str, array) -> Path:
    path = work / name
    np.save(path, array)
    return path


WRONG_SHAPES = [
    pytest.param((1, 3, 112, 113), "[1, 3, 112, 112]", id="width"),
    pytest.param((1, 4, 112, 112), "[1, 3, 112, 112]", id="channels"),
    pytest.param((1, 3, 112), None, id="rank3"),
    pytest.param((1, 1, 3, 112, 112), None, id="rank5"),
]


@pytest.mark.parametrize("shape,expected", WRONG_SHAPES)
@pytest.mark.parametrize("model", params(FIXTURES), indirect=True)
def test_wrong_shape_is_refused(pnconv, tmp_path, model, shape, expected):
    x = save(tmp_path, "x.npy", np.zeros(shape, np.float32))
    message = refused(pnconv, tmp_path, [model.path, "--input", f"{INPUT}={x}", "-o", "out.npz"], 1)
    assert f"'{INPUT}'" in message and str(list(shape)) in message, message
    assert (expected or "3, 112, 112]") in message, message


@pytest.mark.parametrize("form", FORMS)
def test_static_batch_model_refuses_another_batch(pnconv, tmp_path, imported, form):
    fixture = FIXTURES[0]
    assert not fixture.dynamic_batch
    path = ph.FIXTURE_MODELS / fixture.file if form == "onnx" else imported[fixture.file]
    x = save(tmp_path, "x.npy", images(FRESH_SEED, 5))
    message = refused(pnconv, tmp_path, [path, "--input", f"{INPUT}={x}", "-o", "out.npz"], 1)
    assert f"'{INPUT}'" in message and "[1, 3, 112, 112]" in message, message


@pytest.fixture(params=[FIXTURES[0], FIXTURES[3]], ids=lambda f: f.file)
def source(request) -> Path:
    return ph.FIXTURE_MODELS / request.param.file


def test_unknown_input_name(pnconv, tmp_path, source):
    x = save(tmp_path, "x.npy", images(0, 1))
    message = refused(pnconv, tmp_path, [source, "--input", f"nope={x}", "-o", "out.npz"], 64)
    assert "'nope'" in message and INPUT in message, message


def test_unknown_input_beside_the_right_one(pnconv, tmp_path, source):
    x = save(tmp_path, "x.npy", images(0, 1))
    message = refused(pnconv, tmp_path, [source, "--input", f"{INPUT}={x}", "--input", f"extra={x}",
                                         "-o", "out.npz"], 64)
    assert "'extra'" in message, message


def test_missing_output_option(pnconv, tmp_path, source):
    x = save(tmp_path, "x.npy", images(0, 1))
    message = refused(pnconv, tmp_path, [source, "--input", f"{INPUT}={x}"], 64)
    assert "-o" in message, message


def test_missing_input(pnconv, tmp_path, source):
    message = refused(pnconv, tmp_path, [source, "-o", "out.npz"], 64)
    assert f"'{INPUT}'" in message, message


def npy_header(shape, descr="<f4") -> bytes:
    header = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {tuple(shape)}, }}"
    header = header.encode() + b" " * (63 - (len(header) + 10) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header


CORRUPT_NPY = [
    pytest.param(b"\x93NUMPY\x01\x00garbage", id="garbage-header"),
    pytest.param(b"this is not a numpy file at all" * 4, id="no-magic"),
    pytest.param(npy_header((1, 3, 112, 112)) + b"\0" * 1000, id="truncated-data"),
    pytest.param(b"", id="empty"),
    pytest.param(npy_header((1, 3, 112, 112)).replace(b"'shape'", b"'shapf'") + b"\0" * 150528,
                 id="no-shape-key"),
]


@pytest.mark.parametrize("content", CORRUPT_NPY)
def test_corrupt_npy(pnconv, tmp_path, source, content):
    bad = tmp_path / "bad input.npy"
    bad.write_bytes(content)
    message = refused(pnconv, tmp_path, [source, "--input", f"{INPUT}={bad}", "-o", "out.npz"], 1)
    assert "bad input.npy" in message, message


def test_truncated_data_npy_is_valid_once_complete(tmp_path):
    """The hand-made header above is a real .npy header (numpy reads the completed file)."""
    path = tmp_path / "ok.npy"
    path.write_bytes(npy_header((1, 3, 112, 112)) + b"\0" * (3 * 112 * 112 * 4))
    assert np.load(path).shape == (1, 3, 112, 112)


@pytest.mark.parametrize("dtype", [np.float64, np.float16, np.int64])
def test_non_float32_npy(pnconv, tmp_path, source, dtype):
    x = save(tmp_path, "wide.npy", images(0, 1).astype(dtype))
    message = refused(pnconv, tmp_path, [source, "--input", f"{INPUT}={x}", "-o", "out.npz"], 1)
    assert "wide.npy" in message and np.dtype(dtype).name in message, message


def test_missing_input_file(pnconv, tmp_path, source):
    message = refused(pnconv, tmp_path, [source, "--input", f"{INPUT}=absent.npy", "-o", "out.npz"], 1)
    assert "absent.npy" in message, message


def test_failed_run_keeps_an_existing_output(pnconv, tmp_path, source):
    """A failing run leaves a previous output file as it was (outputs are renamed into place)."""
    out = tmp_path / "out.npz"
    out.write_bytes(b"previous result")
    x = save(tmp_path, "x.npy", np.zeros((1, 3, 112, 113), np.float32))
    result = pnconv.run("run", source, "--input", f"{INPUT}={x}", "-o", out, cwd=tmp_path)
    assert result.returncode == 1, result.describe()
    assert out.read_bytes() == b"previous result"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.npz", "x.npy"]
