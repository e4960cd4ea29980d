"""`pnconv eval` against a short numpy implementation of insightface's verification protocol.

The reference is fed the embeddings pnconv itself computes (`pnconv embed` over the decoded
images and their mirrors, written losslessly as PNG), so that every number pnconv prints can be
compared tightly. Pair files are the fixture lfw-10pairs.bin and .bin files written here with
Python's pickle in the forms real files use (protocols 2, 4, 5; bytes or numpy arrays; labels
as a list or a numpy bool array), built from known pairs so that the accuracy is known.
"""
from __future__ import annotations

import io
import json
import pickle
from pathlib import Path

import h5py
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from PIL import Image

import pnconv_helpers as ph

FACES = ph.REPO_ROOT / "fixtures" / "faces-small"
LFW = ph.REPO_ROOT / "fixtures" / "lfw-10pairs.bin"
MODELS = ph.REPO_ROOT / "fixtures" / "models"
THRESHOLDS = np.arange(0, 4, 0.01)
FARS = {"1e-3": 1e-3, "1e-4": 1e-4}


# --------------------------------------------------------------------------------------------
# Reference protocol (insightface verification.py, numpy only)
# --------------------------------------------------------------------------------------------


def kfold(n, splits=10):
    sizes = [n // splits + (1 if i < n % splits else 0) for i in range(splits)]
    starts = np.cumsum([0] + sizes)
    return [np.arange(starts[i], starts[i + 1]) for i in range(splits)]


def slinear(far_train, target):
    """scipy.interpolate.interp1d(far_train, THRESHOLDS, kind='slinear')(target), for a
    non-decreasing far_train starting at or below target."""
    p = np.nonzero(far_train <= target)[0][-1]
    if p + 1 == len(far_train):
        return THRESHOLDS[p]
    w = 1.0 / (far_train[p + 1] - far_train[p])
    return THRESHOLDS[p] * ((far_train[p + 1] - target) * w) + THRESHOLDS[p + 1] * ((target - far_train[p]) * w)


def reference(original, mirrored, issame):
    issame = np.asarray(issame, dtype=bool)
    emb = (original + mirrored).astype(np.float32).astype(np.float64)
    emb /= np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-12)
    dist = np.sum(np.square(emb[0::2] - emb[1::2]), axis=1)
    n = len(dist)
    folds = kfold(n)
    accuracies, thresholds = [], []
    for test in folds:
        train = np.setdiff1d(np.arange(n), test)
        train_acc = [np.mean((dist[train] < t) == issame[train]) for t in THRESHOLDS]
        best = int(np.argmax(train_acc))
        accuracies.append(np.mean((dist[test] < THRESHOLDS[best]) == issame[test]))
        thresholds.append(THRESHOLDS[best])
    out = {"pairs": n, "same_pairs": int(issame.sum()), "accuracy": np.mean(accuracies),
           "accuracy_std": np.std(accuracies), "best_threshold": np.mean(thresholds),
           "fold_accuracies": accuracies, "fold_thresholds": thresholds}
    for name, target in FARS.items():
        if (~issame).sum() < 1 / target:
            out[f"tar_at_far_{name}"] = None
            continue
        tars, fars = [], []
        for test in folds:
            train = np.setdiff1d(np.arange(n), test)
            diff = ~issame[train]
            far_train = np.array([np.sum((dist[train] < t) & diff) / diff.sum() for t in THRESHOLDS])
            thr = slinear(far_train, target) if far_train.max() >= target else 0.0
            accept = dist[test] < thr
            tars.append(np.sum(accept & issame[test]) / issame[test].sum())
            fars.append(np.sum(accept & ~issame[test]) / (~issame[test]).sum())
        out[f"tar_at_far_{name}"] = {"tar": np.mean(tars), "tar_std": np.std(tars), "far": np.mean(fars)}
    return out


def assert_matches(ours, ref):
    for key in ("pairs", "same_pairs"):
        assert ours[key] == ref[key], key
    for key in ("accuracy", "accuracy_std", "best_threshold"):
        assert ours[key] == pytest.approx(ref[key], abs=1e-9), key
    np.testing.assert_allclose(ours["fold_accuracies"], ref["fold_accuracies"], atol=1e-12)
    np.testing.assert_allclose(ours["fold_thresholds"], ref["fold_thresholds"], atol=1e-12)
    for name in FARS:
        key = f"tar_at_far_{name}"
        if ref[key] is None:
            assert ours[key] is None, key
        else:
            assert ours[key] is not None, key
            for field in ("tar", "tar_std", "far"):
                assert ours[key][field] == pytest.approx(ref[key][field], abs=1e-9), (key, field)


# --------------------------------------------------------------------------------------------
# Writing pair files and computing pnconv's own embeddings
# --------------------------------------------------------------------------------------------


def png_bytes(pixels: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    return out.getvalue()


def write_bin(path, images, labels, protocol=4, image_form="bytes", label_form="list"):
    bins = [np.frombuffer(b, dtype=np.uint8) if image_form == "numpy" else b for b in images]
    issame = np.array(labels, dtype=bool) if label_form == "numpy" else [bool(x) for x in labels]
    Path(path).write_bytes(pickle.dumps((bins, issame), protocol=protocol))
    return path


def pnconv_embeddings(pnconv, model, images, folder: Path):
    """pnconv's raw embeddings of each encoded image and of its mirror (via `pnconv embed`)."""
    views = {}
    for view in ("original", "mirrored"):
        directory = folder / view
        directory.mkdir(parents=True)
        for i, data in enumerate(images):
            pixels = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
            if view == "mirrored":
                pixels = pixels[:, ::-1]
            Image.fromarray(np.ascontiguousarray(pixels)).save(directory / f"{i:05d}.png")
        done = pnconv.run("embed", model, "--images", directory, "-o", folder / f"{view}.h5", "--batch", "8")
        assert done.returncode == 0, done.describe()
        with h5py.File(folder / f"{view}.h5") as f:
            views[view] = f["embeddings"][()]
    return views["original"], views["mirrored"]


def run_eval(pnconv, models, pair_files, *extra):
    args = ["eval", *models]
    for file in pair_files:
        args += ["--pairs", file]
    return json.loads(pnconv.ok(*args, "--json", *extra).stdout)


def load_lfw():
    images, issame = pickle.loads(LFW.read_bytes())
    return [np.asarray(b).tobytes() for b in images], list(issame)


def projection_model(path, dim=16, seed=0):
    """A tiny face model: Flatten then Gemm to `dim` (fast enough for thousands of images)."""
    weight = np.random.default_rng(seed).standard_normal((3 * 112 * 112, dim)).astype(np.float32) / 100
    graph = helper.make_graph(
        [helper.make_node("Flatten", ["input"], ["flat"], axis=1),
         helper.make_node("Gemm", ["flat", "w"], ["embedding"])], "projection",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3, 112, 112])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", dim])],
        [numpy_helper.from_array(weight, "w")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def face_pixels():
    return [np.asarray(Image.open(p).convert("RGB")) for p in sorted(FACES.glob("*.jpg"))]


def known_pairs(faces):
    """Identical pairs (same) and pairs of different faces (different), as PNG bytes."""
    encoded = [png_bytes(f) for f in faces]
    images, labels = [], []
    for i in range(len(encoded)):
        images += [encoded[i], encoded[i]]
        labels.append(True)
        images += [encoded[i], encoded[(i + 1) % len(encoded)]]
        labels.append(False)
    return images, labels


# --------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["pocketnet-s-128.onnx", "iresnet-mini-128.dynamo.onnx"])
def test_lfw_fixture_matches_reference(pnconv, tmp_path, model):
    images, issame = load_lfw()
    assert len(images) == 20 and issame == [True] * 10
    report = run_eval(pnconv, [MODELS / model], [LFW], "--batch", "7")
    (ours,) = report["results"]
    original, mirrored = pnconv_embeddings(pnconv, MODELS / model, images, tmp_path)
    assert_matches(ours, reference(original, mirrored, issame))


@pytest.mark.parametrize("protocol,image_form,label_form", [
    (2, "bytes", "list"), (2, "numpy", "numpy"), (4, "bytes", "numpy"), (4, "numpy", "list"),
    (5, "bytes", "list"), (5, "numpy", "numpy")])
def test_written_pair_files_have_known_accuracy(pnconv, tmp_path, protocol, image_form, label_form):
    images, labels = known_pairs(face_pixels())
    path = write_bin(tmp_path / "pairs.bin", images, labels, protocol, image_form, label_form)
    model = MODELS / "pocketnet-s-128.onnx"
    (ours,) = run_eval(pnconv, [model], [path])["results"]
    assert ours["pairs"] == 20 and ours["same_pairs"] == 10
    assert ours["accuracy"] == 1.0 and ours["accuracy_std"] == 0.0
    original, mirrored = pnconv_embeddings(pnconv, model, images, tmp_path / "emb")
    assert_matches(ours, reference(original, mirrored, labels))


def test_tar_at_far_with_enough_different_pairs(pnconv, tmp_path):
    faces = face_pixels()
    variants = []
    for face in faces:
        image = Image.fromarray(face)
        for angle in (0, 8, -8, 16, -16):
            variants.append(np.asarray(image.rotate(angle, resample=Image.BILINEAR)))
    encoded = [png_bytes(v) for v in variants]  # 50 distinct images
    images, labels = [], []
    for i in range(len(encoded)):
        for j in range(i + 1, len(encoded)):
            images += [encoded[i], encoded[j]]
            labels.append(False)
        images += [encoded[i], encoded[i]]
        labels.append(True)
    assert labels.count(False) >= 1000
    path = write_bin(tmp_path / "many.bin", images, labels, 4, "numpy", "numpy")
    model = projection_model(tmp_path / "proj.onnx")
    report = run_eval(pnconv, [model], [path], "--batch", "64")
    (ours,) = report["results"]
    original, mirrored = pnconv_embeddings(pnconv, model, encoded, tmp_path / "emb")
    index = {data: k for k, data in enumerate(encoded)}
    order = [index[data] for data in images]
    ref = reference(original[order], mirrored[order], labels)
    assert_matches(ours, ref)
    assert ours["tar_at_far_1e-3"] is not None and ours["tar_at_far_1e-4"] is None
    assert ours["accuracy"] == 1.0 and ours["tar_at_far_1e-3"]["tar"] == 1.0


def test_several_models_and_files_table_and_json(pnconv, tmp_path):
    images, labels = known_pairs(face_pixels())
    path = write_bin(tmp_path / "pairs.bin", images, labels, 5)
    models = [MODELS / "pocketnet-s-128.onnx", MODELS / "iresnet-mini-128.dynamo.onnx"]
    report = run_eval(pnconv, models, [LFW, path])
    assert report["models"] == [str(m) for m in models]
    assert [(r["model"], r["pairs_file"]) for r in report["results"]] == [
        (str(m), str(f)) for m in models for f in (LFW, path)]
    table = pnconv.ok("eval", *models, "--pairs", LFW, "--pairs", path).stdout.splitlines()
    assert len(table) == 3 and "lfw-10pairs.bin" in table[0] and "pairs.bin" in table[0]
    assert table[1].startswith("pocketnet-s-128.onnx") and "100.00 ± 0.00" in table[1]


# Bad input -----------------------------------------------------------------------------------


def assert_fails(pnconv, path, *fragments):
    result = pnconv.run("eval", MODELS / "pocketnet-s-128.onnx", "--pairs", path)
    assert result.returncode == 1, result.describe()
    lines = result.stderr_lines
    assert len(lines) == 1 and lines[0].startswith(f"pnconv: error: {path}: "), result.describe()
    for fragment in fragments:
        assert fragment in lines[0], result.describe()


def test_truncated_pickle(pnconv, tmp_path):
    data = LFW.read_bytes()
    path = tmp_path / "truncated.bin"
    path.write_bytes(data[: len(data) // 2])
    assert_fails(pnconv, path, "truncated")


def test_foreign_global_is_refused_and_not_run(pnconv, tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "evil.bin"
    path.write_bytes(b"\x80\x02cos\nsystem\nX" + len(f"touch {marker}").to_bytes(4, "little")
                     + f"touch {marker}".encode() + b"\x85R.")
    assert_fails(pnconv, path, "os.system")
    assert not marker.exists()


def test_foreign_class_and_structure(pnconv, tmp_path):
    from collections import OrderedDict
    path = tmp_path / "ordered.bin"
    path.write_bytes(pickle.dumps((OrderedDict(), [True]), protocol=4))
    assert_fails(pnconv, path, "collections.OrderedDict")
    path = tmp_path / "dict.bin"
    path.write_bytes(pickle.dumps({"bins": []}, protocol=2))
    assert_fails(pnconv, path, "opcode")
    path = tmp_path / "labels.bin"
    path.write_bytes(pickle.dumps(([b"a", b"b"], [1]), protocol=3))
    assert_fails(pnconv, path, "label 0")


def test_odd_number_of_images(pnconv, tmp_path):
    images, _ = load_lfw()
    path = write_bin(tmp_path / "odd.bin", images[:3], [True], 4)
    assert_fails(pnconv, path, "odd number of images (3)")


def test_images_and_labels_mismatch(pnconv, tmp_path):
    images, _ = load_lfw()
    path = write_bin(tmp_path / "mismatch.bin", images, [True] * 9, 4, "numpy", "numpy")
    assert_fails(pnconv, path, "20 images", "9 labels")


def test_image_that_does_not_decode(pnconv, tmp_path):
    images, labels = load_lfw()
    images[13] = b"\xff\xd8\xff\xe0 not really a jpeg"
    path = write_bin(tmp_path / "bad.bin", images, labels, 2)
    assert_fails(pnconv, path, "image 13")
