"""Loading a 260 MB iresnet100 ONNX file: pnconv (whole `pnconv inspect` process: read,
protobuf-c parse, IR, simplification, shape inference, SHA-256) against `onnx.load` alone,
side by side in one run. Prints seconds and peak memory of each, and the ratios.

usage: .venv/bin/python bench/import_speed.py [--repeat N] [--pnconv PATH]
"""
import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent

ONNX_LOAD = """
import sys, time
import onnx
def high_water_kib():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
before = high_water_kib()
start = time.perf_counter()
model = onnx.load(sys.argv[1])
seconds = time.perf_counter() - start
print(seconds, high_water_kib(), before)
"""


def run_measured(command):
    """Wall seconds and peak RSS (KiB) of one child process."""
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.execv(command[0], command)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(command)} failed")
    return seconds, usage.ru_maxrss


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pnconv", default=str(ROOT / ".build/release/pnconv"))
    args = parser.parse_args()

    work = ROOT / "bench/work"
    work.mkdir(parents=True, exist_ok=True)
    model = work / "iresnet100-512.onnx"
    if not model.exists():
        # In a child process, so that this process (whose peak memory children inherit) stays small.
        print(f"writing {model} ...", flush=True)
        subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); "
                        f"from iresnet_onnx import write_iresnet; write_iresnet({str(model)!r})"], check=True)
    size = model.stat().st_size / 1e6
    print(f"model: {model.name}, {size:.0f} MB; {args.repeat} runs each, alternating; median shown")

    pn_times, pn_peaks, ox_times, ox_peaks, ox_baselines, ox_process = [], [], [], [], [], []
    for _ in range(args.repeat):
        seconds, peak = run_measured([args.pnconv, "inspect", str(model), "--json"])
        pn_times.append(seconds)
        pn_peaks.append(peak)
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", ONNX_LOAD, str(model)], check=True, capture_output=True, text=True)
        ox_process.append(time.perf_counter() - start)
        load_seconds, peak, baseline = out.stdout.split()
        ox_times.append(float(load_seconds))
        ox_peaks.append(int(peak))
        ox_baselines.append(int(baseline))

    pn_t, ox_t = statistics.median(pn_times), statistics.median(ox_times)
    pn_m, ox_m = statistics.median(pn_peaks) / 1024, statistics.median(ox_peaks) / 1024
    base_m = statistics.median(ox_baselines) / 1024
    print(f"{'':34}{'seconds':>10}{'peak MB':>10}")
    print(f"{'pnconv inspect (whole process)':34}{pn_t:10.3f}{pn_m:10.0f}")
    print(f"{'onnx.load (the call only)':34}{ox_t:10.3f}{ox_m:10.0f}   (process peak; {base_m:.0f} MB before the call;"
          f" whole python process {statistics.median(ox_process):.3f} s)")
    print(f"ratio pnconv / onnx.load: time {pn_t / ox_t:.2f}x, peak memory {pn_m / ox_m:.2f}x")


if __name__ == "__main__":
    main()
