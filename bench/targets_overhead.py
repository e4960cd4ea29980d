"""distill-targets with an iresnet50-size teacher: how much of the run goes to decoding,
preprocessing and writing HDF5, next to the teacher's compute (the bar: at most 5%).

Runs two stages of a generated iresnet50 (512-d) over 160 real faces (copies of the bundled
ones) with flip, and reads the time summary pnconv prints.

usage: .venv/bin/python bench/targets_overhead.py
"""
import pathlib
import re
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def main():
    work = ROOT / "bench/work"
    work.mkdir(parents=True, exist_ok=True)
    teacher = work / "iresnet50-512.onnx"
    if not teacher.exists():
        subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); "
                        f"from iresnet_onnx import write_iresnet; write_iresnet({str(teacher)!r}, 'iresnet50')"], check=True)
    faces = work / "faces160"
    if not faces.exists():
        faces.mkdir()
        sources = sorted((ROOT / "fixtures/faces-small").glob("*.jpg"))
        for index in range(160):
            shutil.copy(sources[index % len(sources)], faces / f"{index:04d}.jpg")
    stages = []
    for name in ("stage1.onnx", "stage2.onnx"):
        link = work / name
        if not link.exists():
            link.symlink_to(teacher.name)
        stages.append(link)
    output = work / "targets.h5"
    for leftover in (output, pathlib.Path(str(output) + ".partial")):
        shutil.rmtree(leftover, ignore_errors=True) if leftover.is_dir() else leftover.unlink(missing_ok=True)
    result = subprocess.run([str(ROOT / ".build/release/pnconv"), "distill-targets", "--teacher", str(stages[0]),
                             "--teacher", str(stages[1]), "--images", str(faces), "-o", str(output), "--threads", "2"],
                            check=True, capture_output=True, text=True)
    line = next(l for l in result.stderr.splitlines() if l.startswith("pnconv: time:"))
    teachers, decoding, writing = map(float, re.findall(r"([\d.]+) s", line))
    print(line.removeprefix("pnconv: "))
    print(f"decoding + preprocessing + writing = {100 * (decoding + writing) / teachers:.2f}% of the teachers' compute")


if __name__ == "__main__":
    main()
