"""`pnconv distill-targets` and `merge-targets` against onnxruntime (targets), h5py (the file)
and themselves (resumed, sharded and merged runs give the bytes of one uninterrupted run)."""
from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import onnxruntime as ort
import pytest
from PIL import Image

import pnconv_helpers as ph
from test_embed import FACES, face_files, flatten_model, pillow_chw, write_rec

sys.path.insert(0, str(ph.REPO_ROOT / "python"))
from pnconv_targets import StagedTargets, kd_loss  # noqa: E402

MODELS = ph.REPO_ROOT / "fixtures" / "models"


@pytest.fixture(scope="module")
def teachers(tmp_path_factory):
    """Three teacher stages: the same architecture with different weights, as checkpoints are."""
    folder = tmp_path_factory.mktemp("teachers")
    stages = []
    for index, source in enumerate(["iresnet-mini-128.dynamo.onnx", "pocketnet-s-128.onnx", "pocketnet-s-128.dynamo.onnx"]):
        target = folder / f"ep{index + 1}.onnx"
        shutil.copy(MODELS / source, target)
        if (MODELS / f"{source}.data").exists():
            shutil.copy(MODELS / f"{source}.data", folder / f"{source}.data")
        stages.append(target)
    return stages


def distill(pnconv, teachers, images, output, *extra, check=True):
    args = ["distill-targets", *[a for t in teachers for a in ("--teacher", t)], "--images", images, "-o", output, *extra]
    result = pnconv.run(*args)
    if check:
        assert result.returncode == 0, result.describe()
    return result


def normalized(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_targets_match_onnxruntime_original_and_mirrored(pnconv, tmp_path, teachers):
    distill(pnconv, teachers, FACES / "labels.txt", tmp_path / "t.h5")
    with h5py.File(tmp_path / "t.h5", "r") as f:
        assert f.attrs["format"] == "pnconv-targets" and f.attrs["format_version"] == 1
        assert f.attrs["flip"] == 1 and f.attrs["normalized"] == 1 and f.attrs["embedding_dim"] == 128
        keys = [k.decode() for k in f["keys"][()]]
        listed = dict(line.split("\t") for line in (FACES / "labels.txt").read_text().splitlines() if line)
        assert list(f["labels"][()]) == [int(listed[k]) for k in keys]
        images = np.stack([pillow_chw(FACES / k) for k in keys])
        for index, teacher in enumerate(teachers):
            group = f["stages"][teacher.stem]
            assert group.attrs["index"] == index and group.attrs["source"] == teacher.name
            assert group.attrs["sha256"] == ph.sha256(teacher)
            stored = group["embeddings"][()]
            assert stored.dtype == np.float16 and stored.shape == (len(keys), 2, 128)
            session = ort.InferenceSession(str(teacher), providers=["CPUExecutionProvider"])
            for view, batch in enumerate([images, images[:, :, :, ::-1].copy()]):
                reference = normalized(np.concatenate([session.run(None, {"input": x[None]})[0] for x in batch]))
                ours = stored[:, view].astype(np.float32)
                cosine = (ours * reference).sum(1) / np.linalg.norm(ours, axis=1)
                assert cosine.min() >= 0.9999, cosine


@pytest.mark.parametrize("extra, expected", [
    ([], [0, 1, 2]),
    (["--epochs", "6"], [0, 0, 1, 1, 2, 2]),
    (["--epochs", "2"], [0, 1]),
    (["--schedule", "0-3:0,4:2,5-7:1"], [0, 0, 0, 0, 2, 1, 1, 1]),
])
def test_schedules(pnconv, tmp_path, teachers, extra, expected):
    distill(pnconv, teachers, FACES, tmp_path / "t.h5", "--no-flip", "--dtype", "float32", *extra)
    with h5py.File(tmp_path / "t.h5", "r") as f:
        assert f["schedule"].dtype == np.int32 and list(f["schedule"][()]) == expected
        assert f["stages/ep1/embeddings"].shape == (10, 1, 128) and f["stages/ep1/embeddings"].dtype == np.float32
        assert f.attrs["flip"] == 0


def test_raw_targets_are_the_embeddings(pnconv, tmp_path, teachers):
    distill(pnconv, teachers[:1], FACES, tmp_path / "t.h5", "--raw", "--dtype", "float32", "--no-flip")
    result = pnconv.run("embed", teachers[0], "--images", FACES, "-o", tmp_path / "e.h5")
    assert result.returncode == 0, result.describe()
    with h5py.File(tmp_path / "t.h5", "r") as t, h5py.File(tmp_path / "e.h5", "r") as e:
        assert t.attrs["normalized"] == 0
        np.testing.assert_allclose(t["stages/ep1/embeddings"][:, 0], e["embeddings"][()], rtol=1e-5, atol=1e-6)


@pytest.fixture(scope="module")
def many_faces(tmp_path_factory):
    """120 images (the faces, mirrored and shifted copies), enough for blocks to be killed between."""
    folder = tmp_path_factory.mktemp("many")
    for index in range(120):
        image = Image.open(face_files()[index % 10])
        if index // 10 % 2:
            image = image.transpose(Image.FLIP_LEFT_RIGHT)
        image = Image.fromarray(np.roll(np.asarray(image), index // 20, axis=0))
        image.save(folder / f"{index:04d}.png")
    return folder


def test_killed_runs_resume_to_identical_bytes(pnconv, tmp_path, teachers, many_faces):
    args = ["--block", "8", "--batch", "4", "--threads", "2"]
    distill(pnconv, teachers, many_faces, tmp_path / "whole.h5", *args)
    command = [str(pnconv.binary), "distill-targets", *[a for t in teachers for a in ("--teacher", str(t))],
               "--images", str(many_faces), "-o", str(tmp_path / "resumed.h5"), *args]
    rng = random.Random()
    kills = 0
    while not (tmp_path / "resumed.h5").exists() and kills < 6:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, 1.2))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
        assert not (tmp_path / "resumed.h5").exists() or process.returncode == 0
    assert kills >= 2, "the job finished before it could be killed twice; make it longer"
    partial = tmp_path / "resumed.h5.partial"
    assert (tmp_path / "resumed.h5").exists() or partial.exists()
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert not partial.exists(), "the partial work is removed once the file is complete"
    assert (tmp_path / "resumed.h5").read_bytes() == (tmp_path / "whole.h5").read_bytes()


def test_two_shards_merged_equal_one_run(pnconv, tmp_path, teachers, many_faces):
    args = ["--block", "16", "--threads", "2"]
    distill(pnconv, teachers, many_faces, tmp_path / "whole.h5", *args)
    for shard in ("1/2", "0/2"):
        distill(pnconv, teachers, many_faces, tmp_path / f"part{shard[0]}.h5", "--shard", shard, *args)
    with h5py.File(tmp_path / "part0.h5", "r") as first, h5py.File(tmp_path / "part1.h5", "r") as second:
        assert second.attrs["shard"] == "1/2" and second.attrs["total_images"] == 120
        # Shards are cut in whole blocks (16 images here): 4 blocks each.
        assert len(first["keys"]) == 64 and len(second["keys"]) == 56
    result = pnconv.run("merge-targets", tmp_path / "merged.h5", tmp_path / "part1.h5", tmp_path / "part0.h5")
    assert result.returncode == 0, result.describe()
    assert (tmp_path / "merged.h5").read_bytes() == (tmp_path / "whole.h5").read_bytes()
    missing = pnconv.run("merge-targets", tmp_path / "bad.h5", tmp_path / "part1.h5")
    assert missing.returncode == 1 and "0/2" in missing.stderr and "missing" in missing.stderr
    assert not (tmp_path / "bad.h5").exists()


def test_rec_source_with_labels_and_the_python_view(pnconv, tmp_path, teachers):
    files = face_files()
    rec = write_rec(tmp_path, [(500 + i, p.read_bytes()) for i, p in enumerate(files)])
    distill(pnconv, teachers, rec, tmp_path / "t.h5", "--epochs", "6")
    targets = StagedTargets(tmp_path / "t.h5")
    assert targets.keys == [str(i) for i in range(1, 11)] and list(targets.labels) == list(range(500, 510))
    assert targets.epochs == 6 and targets.stage_of_epoch(5) == 2
    with h5py.File(tmp_path / "t.h5", "r") as f:
        stored = f["stages/ep3/embeddings"][()]
    np.testing.assert_array_equal(targets.target(4, epoch=5, flipped=True), stored[3, 1].astype(np.float32))
    batch = targets.batch([7, 2, 7], epoch=0, flipped=[False, True, True])
    with h5py.File(tmp_path / "t.h5", "r") as f:
        first = f["stages/ep1/embeddings"][()].astype(np.float32)
    np.testing.assert_array_equal(batch, np.stack([first[6, 0], first[1, 1], first[6, 1]]))
    student = np.random.default_rng().normal(size=(3, 128))
    unit = student / np.linalg.norm(student, axis=1, keepdims=True)
    assert kd_loss(student, batch) == pytest.approx(100 * np.mean((unit - batch) ** 2))
    assert kd_loss(batch * 3.0, batch) == pytest.approx(0, abs=1e-6)  # float16 targets are unit to 1e-3


def assert_refused(pnconv, tmp_path, args, code, *words):
    before = ph.snapshot(tmp_path)
    result = pnconv.run(*args)
    assert result.returncode == code, result.describe()
    errors = [line for line in result.stderr_lines if line.startswith("pnconv: error:")]
    assert len(errors) == 1, result.describe()
    for word in words:
        assert str(word) in errors[0], result.describe()
    assert ph.snapshot(tmp_path) == before
    return errors[0]


def test_bad_inputs(pnconv, tmp_path, teachers):
    out = tmp_path / "o.h5"
    base = ["distill-targets", "--images", FACES, "-o", out]
    other = flatten_model(tmp_path / "other.onnx")
    assert_refused(pnconv, tmp_path, base + ["--teacher", teachers[0], "--teacher", other], 1, "other.onnx")
    assert_refused(pnconv, tmp_path, base + ["--teacher", teachers[0], "--teacher", tmp_path / "nope.onnx"], 1, "nope.onnx")
    assert_refused(pnconv, tmp_path, base + ["--teacher", teachers[0], "--shard", "3/2"], 64, "3/2")
    assert_refused(pnconv, tmp_path, base + ["--teacher", teachers[0], "--schedule", "0-1:0,1-2:0"], 1, "epoch 1")
    assert_refused(pnconv, tmp_path, ["distill-targets", "--images", FACES, "-o", tmp_path / "no" / "o.h5", "--teacher", teachers[0]], 1, "no/o.h5")


def test_corrupt_images_stop_or_are_skipped(pnconv, tmp_path, teachers):
    folder = tmp_path / "faces"
    shutil.copytree(FACES, folder)
    (folder / "00000130.jpg").write_bytes((FACES / "00000130.jpg").read_bytes()[:300])
    result = distill(pnconv, teachers[:1], folder, tmp_path / "t.h5", check=False)
    assert result.returncode == 1 and "00000130.jpg" in result.stderr
    assert not (tmp_path / "t.h5").exists()
    distill(pnconv, teachers[:1], folder, tmp_path / "t.h5", "--skip-bad", "--force")
    with h5py.File(tmp_path / "t.h5", "r") as f:
        keys = [k.decode() for k in f["keys"][()]]
        row = keys.index("00000130.jpg")
        assert "00000130.jpg" in f.attrs["skipped"]
        assert not f["stages/ep1/embeddings"][row].any()
        assert f["stages/ep1/embeddings"][row + 1].any()


def test_other_arguments_over_unfinished_work_are_refused(pnconv, tmp_path, teachers):
    partial = tmp_path / "t.h5.partial"
    folder = tmp_path / "faces"
    shutil.copytree(FACES, folder)
    (folder / "zz.jpg").write_bytes(b"broken")
    distill(pnconv, teachers[:1], folder, tmp_path / "t.h5", "--block", "2", check=False)
    assert partial.exists() and not (tmp_path / "t.h5").exists()
    done = (partial / "done.bin").read_bytes()
    message = assert_refused(pnconv, tmp_path, ["distill-targets", "--teacher", teachers[0], "--images", folder,
                                                "-o", tmp_path / "t.h5", "--no-flip"], 1, "--force")
    assert "--no-flip" in message
    assert (partial / "done.bin").read_bytes() == done, "nothing of the unfinished run was lost"
    (folder / "zz.jpg").unlink()
    distill(pnconv, teachers[:1], folder, tmp_path / "t.h5", "--no-flip", "--force")
    assert (tmp_path / "t.h5").exists() and not partial.exists()
