"""Engine speed: pnconv against onnxruntime on the same models, side by side in one run.

Models: an iresnet50-size teacher (12.6 GFLOP, 512-d, random weights, written by
bench/iresnet_onnx.py) and PocketNetS-128 at its real size (fixtures/models, random weights).
For 1 and 2 threads and batch 1 and 8 it prints images per second of each and the ratio
pnconv / onnxruntime (above 1: pnconv is faster). Both sides are timed the same way: one
warm-up run, then the median of repeated runs over a few seconds.

onnxruntime picks its kernels for the CPU itself (AVX-512 where there is). OpenBLAS does too,
unless OPENBLAS_CORETYPE forces a kernel family, as some machines set it (this workplace sets
Haswell, AVX2). pnconv is therefore timed twice: with the environment as it is, and with
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed, which is what a machine without them gets.
Each pnconv configuration's output is checked against onnxruntime's in the same run.

usage: .venv/bin/python bench/runtime_speed.py [--seconds S] [--models iresnet50,pocketnet]
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

import numpy as np
import onnxruntime as ort

ROOT = pathlib.Path(__file__).resolve().parent.parent


def onnxruntime_speed(model, batch, threads, seconds):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    x = np.random.default_rng(0).uniform(-1, 1, (batch, 3, 112, 112)).astype(np.float32)
    session.run(None, {name: x})
    times, start = [], time.perf_counter()
    while len(times) < 3 or time.perf_counter() - start < seconds:
        begin = time.perf_counter()
        session.run(None, {name: x})
        times.append(time.perf_counter() - begin)
    return batch / statistics.median(times)


AUTO_KERNELS = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}


def pnconv_speed(binary, model, batch, threads, seconds, env=None):
    out = subprocess.run([binary, "benchmark", str(model), "--batch", str(batch), "--threads", str(threads),
                          "--seconds", str(seconds), "--json"], check=True, capture_output=True, text=True, env=env)
    return float(json.loads(out.stdout)["images_per_second"])


def openblas_core(binary, model, env):
    """The kernel family OpenBLAS reports when pnconv loads it."""
    out = subprocess.run([binary, "inspect", str(model)], capture_output=True, text=True,
                         env={**(env or os.environ), "OPENBLAS_VERBOSE": "2"})
    return next((line.split(":", 1)[1].strip() for line in out.stderr.splitlines() if line.startswith("Core:")), "?")


def worst_cosine(binary, model, env, work):
    """pnconv against onnxruntime on one random batch of 3: the smallest per-image cosine."""
    x = np.random.default_rng(1).uniform(-1, 1, (3, 3, 112, 112)).astype(np.float32)
    np.save(work / "x.npy", x)
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    subprocess.run([binary, "run", str(model), "--input", f"{name}={work / 'x.npy'}", "-o", str(work / "y.npz"),
                    "--threads", "2"], check=True, env=env)
    ours = next(iter(np.load(work / "y.npz").values()))
    theirs = session.run(None, {name: x})[0]
    return float(((ours * theirs).sum(1) / np.linalg.norm(ours, axis=1) / np.linalg.norm(theirs, axis=1)).min())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--models", default="iresnet50,pocketnet")
    parser.add_argument("--pnconv", default=str(ROOT / ".build/release/pnconv"))
    args = parser.parse_args()

    work = ROOT / "bench/work"
    work.mkdir(parents=True, exist_ok=True)
    models = {}
    if "iresnet50" in args.models:
        path = work / "iresnet50-512.onnx"
        if not path.exists():
            subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); "
                            f"from iresnet_onnx import write_iresnet; write_iresnet({str(path)!r}, 'iresnet50')"], check=True)
        models["iresnet50 (12.6 GFLOP)"] = path
    if "pocketnet" in args.models:
        models["PocketNetS-128 (0.57 GFLOP)"] = ROOT / "fixtures/models/pocketnet-s-128.onnx"

    environments = {"as set": None, "auto kernels": AUTO_KERNELS}
    for label, env in environments.items():
        core = openblas_core(args.pnconv, next(iter(models.values())), env)
        checks = ", ".join(f"{name.split()[0]} {worst_cosine(args.pnconv, path, env, work):.8f}" for name, path in models.items())
        print(f"pnconv with OpenBLAS {label}: kernel family {core}; worst cosine to onnxruntime: {checks}")
    print()
    print(f"{'model':28}{'threads':>8}{'batch':>6}{'onnxruntime':>13}{'pnconv':>9}{'ratio':>8}"
          f"{'pnconv (auto kernels)':>23}{'ratio':>8}")
    for label, path in models.items():
        for threads in (1, 2):
            for batch in (1, 8):
                theirs = onnxruntime_speed(path, batch, threads, args.seconds)
                ours = pnconv_speed(args.pnconv, path, batch, threads, args.seconds)
                auto = pnconv_speed(args.pnconv, path, batch, threads, args.seconds, AUTO_KERNELS)
                print(f"{label:28}{threads:>8}{batch:>6}{theirs:>13.2f}{ours:>9.2f}{ours / theirs:>7.2f}x"
                      f"{auto:>23.2f}{auto / theirs:>7.2f}x", flush=True)


if __name__ == "__main__":
    main()
