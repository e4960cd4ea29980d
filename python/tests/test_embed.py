"""`pnconv embed` against Pillow (decoded pixels), onnxruntime (embeddings) and h5py (the file).

Pixels are read back through an ONNX model that only flattens its input, so the embedding
*is* the preprocessed image: that checks decoding and preprocessing end to end.
"""
from __future__ import annotations

import shutil
import struct
from pathlib import Path

import h5py
import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper
from PIL import Image

import pnconv_helpers as ph

FACES = ph.REPO_ROOT / "fixtures" / "faces-small"
MODELS = ph.REPO_ROOT / "fixtures" / "models"
DYNAMIC_MODELS = ["iresnet-mini-128.dynamo.onnx", "pocketnet-s-128.onnx", "pocketnet-s-128.dynamo.onnx"]


def face_files() -> list[Path]:
    return sorted(FACES.glob("*.jpg"))


def pillow_chw(path) -> np.ndarray:
    """The documented preprocessing with Pillow: RGB, (x/255 - 0.5)/0.5, CHW float32."""
    pixels = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32)
    return ((pixels / 255.0 - 0.5) / 0.5).transpose(2, 0, 1)


def flatten_model(path, size=112):
    graph = helper.make_graph(
        [helper.make_node("Flatten", ["input"], ["pixels"], axis=1)], "pixels",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3, size, size])],
        [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, ["batch", 3 * size * size])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def embed(pnconv, model, images, output, *extra):
    result = pnconv.run("embed", model, "--images", images, "-o", output, *extra)
    assert result.returncode == 0, result.describe()
    with h5py.File(output, "r") as f:
        return (f["embeddings"][()], [k.decode() for k in f["keys"][()]], f["labels"][()], dict(f.attrs))


def assert_close_embeddings(ours, reference):
    cosine = (ours * reference).sum(1) / np.linalg.norm(ours, axis=1) / np.linalg.norm(reference, axis=1)
    assert cosine.min() >= 0.99999, cosine
    assert np.abs(ours - reference).max() <= 1e-4 * np.abs(reference).max()


def test_jpeg_pixels_match_pillow(pnconv, tmp_path):
    pixels, keys, labels, _ = embed(pnconv, flatten_model(tmp_path / "flat.onnx"), FACES, tmp_path / "p.h5")
    assert keys == [p.name for p in face_files()]
    assert (labels == -1).all()
    expected = np.stack([pillow_chw(p).reshape(-1) for p in face_files()])
    # JPEG decoders may round the IDCT and chroma upsampling differently, by one level in a
    # few pixels; both sides here use libjpeg-turbo's accurate integer IDCT with fancy
    # upsampling, so allow at most one level (2/255 after normalization) and require almost
    # every value to be identical.
    difference = np.abs(pixels - expected)
    assert difference.max() <= 2 / 255 + 1e-6
    assert (difference > 1e-6).mean() < 0.01


def test_png_pixels_are_exact(pnconv, tmp_path):
    folder = tmp_path / "png"
    folder.mkdir()
    rng = np.random.default_rng()
    images = {"a.png": rng.integers(0, 256, (112, 112, 3), dtype=np.uint8),
              "b/gray.png": rng.integers(0, 256, (112, 112), dtype=np.uint8),
              "c.png": rng.integers(0, 256, (112, 112, 4), dtype=np.uint8)}
    for name, array in images.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(array).save(folder / name)
    pixels, keys, _, _ = embed(pnconv, flatten_model(tmp_path / "flat.onnx"), folder, tmp_path / "p.h5")
    assert keys == sorted(images)
    for row, key in enumerate(keys):
        np.testing.assert_array_equal(pixels[row], pillow_chw(folder / key).reshape(-1))


@pytest.mark.parametrize("name", ["iresnet-mini-128.onnx"] + DYNAMIC_MODELS)
def test_embeddings_match_onnxruntime_on_real_faces(pnconv, tmp_path, name):
    ours, keys, labels, attrs = embed(pnconv, MODELS / name, FACES / "labels.txt", tmp_path / "e.h5", "--batch", "1" if "iresnet-mini-128.onnx" == name else "4")
    session = ort.InferenceSession(str(MODELS / name), providers=["CPUExecutionProvider"])
    reference = np.concatenate([session.run(None, {"input": pillow_chw(FACES / key)[None]})[0] for key in keys])
    assert_close_embeddings(ours, reference)
    listed = dict(line.split("\t") for line in (FACES / "labels.txt").read_text().splitlines() if line)
    assert list(labels) == [int(listed[key]) for key in keys]
    assert attrs["format"] == "pnconv-embeddings" and attrs["embedding_dim"] == 128
    assert attrs["model_sha256"] == ph.sha256(MODELS / name)


@pytest.mark.parametrize("name", DYNAMIC_MODELS)
def test_batch_sizes_and_threads_agree(pnconv, tmp_path, name):
    runs = [embed(pnconv, MODELS / name, FACES, tmp_path / f"{i}.h5", *extra)[0]
            for i, extra in enumerate([("--batch", "1", "--threads", "1"), ("--batch", "5", "--threads", "2"),
                                       ("--batch", "7", "--threads", "1")])]
    for other in runs[1:]:
        assert np.abs(other - runs[0]).max() <= 1e-5 * np.abs(runs[0]).max()


def write_rec(folder: Path, entries, header=True) -> Path:
    """A RecordIO file with its .idx, written from the format facts: magic, length word,
    IRHeader 'IfQQ' (flag, label, id, id2), then the JPEG bytes, padded to 4 bytes."""
    rec, idx = folder / "train.rec", folder / "train.idx"
    records = []
    if header:
        records.append((0, struct.pack("<IfQQ", 2, 0.0, 0, 0) + struct.pack("<ff", len(entries) + 1, len(entries) + 1)))
    for number, (label, payload) in enumerate(entries, start=1):
        records.append((number, struct.pack("<IfQQ", 0, float(label), number, 0) + payload))
    lines = []
    with open(rec, "wb") as out:
        for number, data in records:
            lines.append(f"{number}\t{out.tell()}\n")
            out.write(struct.pack("<II", 0xCED7230A, len(data)) + data + b"\0" * (-len(data) % 4))
    idx.write_text("".join(lines))
    return rec


def test_rec_list_and_folder_sources_agree(pnconv, tmp_path):
    model = MODELS / "pocketnet-s-128.dynamo.onnx"
    files = face_files()
    rec = write_rec(tmp_path, [(100 + i, p.read_bytes()) for i, p in enumerate(files)])
    from_rec, rec_keys, rec_labels, _ = embed(pnconv, model, rec, tmp_path / "r.h5")
    from_folder, _, _, _ = embed(pnconv, model, FACES, tmp_path / "f.h5")
    assert rec_keys == [str(i) for i in range(1, len(files) + 1)]
    assert list(rec_labels) == [100 + i for i in range(len(files))]
    np.testing.assert_array_equal(from_rec, from_folder)


def assert_fails_cleanly(pnconv, tmp_path, args, *words):
    before = ph.snapshot(tmp_path)
    result = pnconv.run(*args)
    assert result.returncode == 1, result.describe()
    lines = [line for line in result.stderr_lines if line.startswith("pnconv: error:")]
    assert len(lines) == 1, result.describe()
    for word in words:
        assert str(word) in lines[0], result.describe()
    assert ph.snapshot(tmp_path) == before, "a failed embed left files behind"


def bad_folder(tmp_path, name, data: bytes) -> Path:
    folder = tmp_path / "bad"
    folder.mkdir(exist_ok=True)
    shutil.copy(face_files()[0], folder / "good.jpg")
    (folder / name).write_bytes(data)
    return folder


def test_corrupt_jpeg_fails_naming_the_file(pnconv, tmp_path):
    data = face_files()[1].read_bytes()
    folder = bad_folder(tmp_path, "broken.jpg", data[: len(data) // 2])
    assert_fails_cleanly(pnconv, tmp_path, ["embed", MODELS / "pocketnet-s-128.onnx", "--images", folder, "-o", tmp_path / "o.h5"],
                         folder / "broken.jpg")


def test_wrong_size_fails_unless_resize(pnconv, tmp_path):
    folder = tmp_path / "sizes"
    folder.mkdir()
    Image.open(face_files()[0]).resize((100, 120)).save(folder / "small.png")
    args = ["embed", MODELS / "pocketnet-s-128.onnx", "--images", folder, "-o", tmp_path / "o.h5"]
    assert_fails_cleanly(pnconv, tmp_path, args, folder / "small.png", "--resize")
    embeddings, _, _, attrs = embed(pnconv, *args[1:2], folder, tmp_path / "o.h5", "--resize")
    assert embeddings.shape == (1, 128) and "resize" in attrs["preprocessing"]


def test_unreadable_path_in_list_fails(pnconv, tmp_path):
    listing = tmp_path / "list.txt"
    listing.write_text(f"{face_files()[0]}\t1\nmissing.jpg\t2\n")
    assert_fails_cleanly(pnconv, tmp_path, ["embed", MODELS / "pocketnet-s-128.onnx", "--images", listing, "-o", tmp_path / "o.h5"],
                         "missing.jpg")


def test_rec_index_past_the_end_fails(pnconv, tmp_path):
    rec = write_rec(tmp_path, [(1, face_files()[0].read_bytes())])
    rec.with_suffix(".idx").write_text(rec.with_suffix(".idx").read_text() + f"7\t{rec.stat().st_size + 64}\n")
    assert_fails_cleanly(pnconv, tmp_path, ["embed", MODELS / "pocketnet-s-128.onnx", "--images", rec, "-o", tmp_path / "o.h5"],
                         "train.rec", "7")


def test_model_that_is_not_a_face_model_fails(pnconv, tmp_path):
    model = flatten_model(tmp_path / "small.onnx", size=64)
    assert_fails_cleanly(pnconv, tmp_path, ["embed", model, "--images", FACES, "-o", tmp_path / "o.h5"], "small.onnx", "112")


def test_skip_bad_lists_skipped_images(pnconv, tmp_path):
    data = face_files()[1].read_bytes()
    folder = bad_folder(tmp_path, "broken.jpg", data[:200])
    (folder / "empty.png").write_bytes(b"")
    result = pnconv.run("embed", MODELS / "pocketnet-s-128.onnx", "--images", folder, "-o", tmp_path / "o.h5", "--skip-bad")
    assert result.returncode == 0, result.describe()
    skipped_lines = [line for line in result.stderr_lines if line.startswith("pnconv: skipped")]
    assert len(skipped_lines) == 2 and "broken.jpg" in "".join(skipped_lines) and "empty.png" in "".join(skipped_lines)
    with h5py.File(tmp_path / "o.h5", "r") as f:
        assert f["embeddings"].shape == (1, 128)
        assert [k.decode() for k in f["keys"][()]] == ["good.jpg"]
        assert "broken.jpg" in f.attrs["skipped"] and "empty.png" in f.attrs["skipped"]
