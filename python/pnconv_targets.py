"""Reading pnconv's staged KD targets in a training loop (numpy; wrap the arrays with
torch.from_numpy in PyTorch).

    targets = StagedTargets("targets.h5")
    t = targets.target(record=1234, epoch=3, flipped=True)        # float32 [D]
    loss = kd_loss(student_embeddings, targets.batch(records, epoch, flips))

The target of an image at student epoch e is normalize(T_s(x)) (or of the mirrored image,
when training flipped it) with s = schedule[e], exactly what online multi-step KD computes.
"""
from __future__ import annotations

import h5py
import numpy as np


class StagedTargets:
    """A view of a targets file by record: the key of a .rec record is its index, of a folder
    or list image its relative path."""

    def __init__(self, path):
        self.file = h5py.File(path, "r")
        if self.file.attrs.get("format") != "pnconv-targets":
            raise ValueError(f"{path}: not a pnconv targets file")
        self.schedule = self.file["schedule"][()]
        stages = self.file["stages"]
        self.stage_names = sorted(stages, key=lambda name: int(stages[name].attrs["index"]))
        self.keys = [k.decode() if isinstance(k, bytes) else k for k in self.file["keys"][()]]
        self.labels = self.file["labels"][()]
        self.row_of = {key: row for row, key in enumerate(self.keys)}
        self.flip = bool(self.file.attrs["flip"])

    def __len__(self):
        return len(self.keys)

    @property
    def epochs(self) -> int:
        return len(self.schedule)

    def stage_of_epoch(self, epoch: int) -> int:
        return int(self.schedule[epoch])

    def _row(self, record) -> int:
        key = str(record)
        if key not in self.row_of:
            raise KeyError(f"no image with key {key!r} in the targets")
        return self.row_of[key]

    def target(self, record, epoch: int, flipped: bool = False) -> np.ndarray:
        """The target of one image at student epoch `epoch`, of its mirror if `flipped`."""
        return self.batch([record], epoch, [flipped])[0]

    def batch(self, records, epoch: int, flipped) -> np.ndarray:
        """Targets [B, D] float32 for images `records`, each mirrored where `flipped` says."""
        if np.any(flipped) and not self.flip:
            raise ValueError("the targets were made with --no-flip: there are no mirrored targets")
        rows = np.array([self._row(r) for r in records])
        views = np.asarray(flipped, dtype=np.int64) if self.flip else np.zeros(len(rows), np.int64)
        data = self.file["stages"][self.stage_names[self.stage_of_epoch(epoch)]]["embeddings"]
        order = np.argsort(rows, kind="stable")
        picked = data[rows[order]] if len(set(rows)) == len(rows) else np.stack([data[r] for r in rows[order]])
        result = np.empty((len(rows), data.shape[2]), np.float32)
        result[order] = picked[np.arange(len(rows)), views[order]].astype(np.float32)
        return result


def kd_loss(student: np.ndarray, target: np.ndarray, weight: float = 100.0) -> float:
    """PocketNet's KD term: weight x MSE(normalize(student), target), the mean over all elements."""
    student = np.asarray(student, dtype=np.float64)
    normalized = student / np.maximum(np.linalg.norm(student, axis=1, keepdims=True), 1e-12)
    return float(weight * np.mean((normalized - np.asarray(target, dtype=np.float64)) ** 2))
