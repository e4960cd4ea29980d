"""Engine speed: pnconv against onnxruntime on the same models, side by side in one run.

Models: an iresnet50-size teacher (12.6 GFLOP, 512-d, random weights, written by
bench/iresnet_onnx.py) and PocketNetS-128 at its real size (fixtures/models, random weights).
For 1 and 2 threads and batch 1 and 8 it prints images per second of each and the ratio
pnconv / onnxruntime (above 1: pnconv is faster). Both sides are timed the same way: one
warm-up run, then the median of repeated runs over a few seconds.

usage: .venv/bin/python bench/runtime_speed.py [--seconds S] [--models iresnet50,pocketnet]
"""
import argparse
import json
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


def pnconv_speed(binary, model, batch, threads, seconds):
    out = subprocess.run([binary, "benchmark", str(model), "--batch", str(batch), "--threads", str(threads),
                          "--seconds", str(seconds), "--json"], check=True, capture_output=True, text=True)
    return float(json.loads(out.stdout)["images_per_second"])


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

    print(f"{'model':28}{'threads':>8}{'batch':>6}{'pnconv img/s':>14}{'onnxruntime':>13}{'ratio':>8}")
    for label, path in models.items():
        for threads in (1, 2):
            for batch in (1, 8):
                ours = pnconv_speed(args.pnconv, path, batch, threads, args.seconds)
                theirs = onnxruntime_speed(path, batch, threads, args.seconds)
                print(f"{label:28}{threads:>8}{batch:>6}{ours:>14.2f}{theirs:>13.2f}{ours / theirs:>7.2f}x", flush=True)


if __name__ == "__main__":
    main()
