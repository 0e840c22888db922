"""zkprof's benchmark suite: measures, side by side in one run, and writes BENCHMARKS.md.

    python3 benchmarks/run.py                 # every benchmark
    python3 benchmarks/run.py binding         # only some (the other sections are kept)

Benchmarks are not tests: nothing fails on a slow figure. These machines are noisy, so every ratio
is a ratio of medians over repeats, measured interleaved.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from zkprof import _native  # noqa: E402
from zkprof.calibration import CalibrationOp, calibration_input  # noqa: E402
from zkprof.guest import build_program  # noqa: E402
from zkprof.hardware import describe_hardware  # noqa: E402
from zkprof.paths import GUESTS_DIR, cache_dir  # noqa: E402

OUT = REPO / "BENCHMARKS.md"
BUILD = REPO / "build" / "guests"


def reference_host() -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR", cache_dir() / "target"))
    binary = target / "release" / "zkprof-reference-host"
    if not binary.exists():
        raise SystemExit(
            f"{binary} missing: run `cargo build --release -p zkprof-reference-host` in native/"
        )
    return binary


def ref_once(action: str, program: Path, input_file: Path, po2: int) -> float:
    out = subprocess.run(
        [str(reference_host()), action, str(program), str(input_file), str(po2), "1"],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(json.loads(out.stdout.splitlines()[-1])["ms"])


def binding_once(action: str, program: bytes, guest_input: bytes, po2: int) -> float:
    start = time.perf_counter()
    if action == "execute":
        _native.execute(program, guest_input, segment_po2=po2)
    else:
        _native.prove(program, guest_input, segment_po2=po2)
    return (time.perf_counter() - start) * 1e3


def binding_overhead(tmp: Path, action: str, rounds: int, po2: int, repeats: int) -> str:
    """Binding overhead: zkprof._native against the pure-Rust reference host, same program/input."""
    guest = build_program(GUESTS_DIR / "calibration", BUILD, quiet=True)
    program = guest.program_path.read_bytes()
    guest_input = calibration_input(CalibrationOp.LCG_ROUNDS, rounds)
    input_file = tmp / f"{action}.in"
    input_file.write_bytes(guest_input)
    cycles = _native.execute(program, guest_input, segment_po2=po2)["total_cycles"]
    py, rust = [], []
    for _ in range(repeats):  # interleaved, so drift hits both sides alike
        py.append(binding_once(action, program, guest_input, po2))
        rust.append(ref_once(action, guest.program_path, input_file, po2))
    ratio = statistics.median(py) / statistics.median(rust)
    return "\n".join(
        [
            "Median wall time of the same risc0 call from Python (`zkprof._native`, timed around the call,",
            "GIL release and result conversion included) and from the pure-Rust reference host",
            "(`native/reference-host`, timed inside the process), interleaved. Target: ratio <= 1.03.",
            "",
            "| action | workload (calibration guest) | repeats | binding ms | Rust ms | ratio |",
            "|---|---|---|---|---|---|",
            f"| {action} | {cycles:,} cycles, po2 {po2} | {repeats} | {statistics.median(py):,.1f} | "
            f"{statistics.median(rust):,.1f} | **{ratio:.3f}** |",
        ]
    )


def synthetic_suite(folder: Path, files: int, cases_per_file: int) -> None:
    """`files` state-test files of `cases_per_file` cases each (one value index per case), made from
    the built-in value-transfer example."""
    template = json.loads((REPO / "examples/state_tests/transfer/value_transfer.json").read_text())
    name, test = next(iter(template.items()))
    post = test["post"]["Cancun"][0]
    test["transaction"]["value"] = [hex(v) for v in range(cases_per_file)]
    test["post"] = {
        "Cancun": [
            post | {"indexes": {"data": 0, "gas": 0, "value": v}} for v in range(cases_per_file)
        ]
    }
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        (folder / f"suite_{i:04d}.json").write_text(json.dumps({f"{name}_{i}": test}))


def snakemake_seconds(workdir: Path, *args: str) -> float:
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
           "--directory", str(workdir), "--configfile", str(REPO / "config.yaml"), "--cores", "2",
           "--config", f"tests_dir={workdir / 'tests'}", f"results_dir={workdir / 'results'}", *args]  # fmt: skip
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, cwd=workdir)
    return time.perf_counter() - start


def bench_dry_run(tmp: Path) -> str:
    """`snakemake -n` on 10,000 cases: parse + case index + DAG, cold and with the index cached."""
    workdir = tmp / "dry10k"
    if workdir.exists():
        import shutil

        shutil.rmtree(workdir)
    synthetic_suite(workdir / "tests", files=100, cases_per_file=100)
    cold = snakemake_seconds(workdir, "-n")
    warm = [snakemake_seconds(workdir, "-n") for _ in range(3)]
    return "\n".join([
        "10,000 cases (100 state-test files of 100 cases), `snakemake -n --cores 2`; the first call",
        "parses every file, later calls read the per-file case index (keyed by file content).",
        "Target: <= 10 s.",
        "",
        "| call | seconds |",
        "|---|---|",
        f"| first (index cold) | {cold:.1f} |",
        f"| later (median of 3) | {statistics.median(warm):.1f} |",
    ])  # fmt: skip


def bench_report(tmp: Path) -> str:
    from zkprof.report.bench import bench_report_million_rows

    return bench_report_million_rows()


BENCHMARKS: dict[str, tuple[str, Callable[[Path], str]]] = {
    "binding_execute": (
        "Binding overhead: execute",
        lambda tmp: binding_overhead(tmp, "execute", 1_000_000, 20, 21),
    ),
    "binding_prove": (
        "Binding overhead: prove",
        lambda tmp: binding_overhead(tmp, "prove", 2_000, 14, 3),
    ),
    "dryrun": ("Workflow planning with 10,000 cases", bench_dry_run),
    "report": ("Reports on 1,000,000 metric rows", bench_report),
}


def machine_line() -> str:
    hw = describe_hardware()
    return (
        f"{hw['cpu_model']}, {hw['cpu_cores_logical']} logical cores, {hw['memory_bytes'] / 2**30:.1f} GiB, "
        f"{hw['os']}, kernel {hw['kernel']}, risc0-zkvm {hw['risc0_zkvm']}, {hw['rustc_host']}"
    )


def write(sections: dict[str, str]) -> None:
    old = OUT.read_text() if OUT.exists() else ""
    kept = dict(re.findall(r"^## (.+?)\n(.*?)(?=^## |\Z)", old, flags=re.M | re.S))
    for title, body in sections.items():
        kept[title] = body
    order = [t for t, _ in BENCHMARKS.values()]
    lines = [
        "# zkprof benchmarks",
        "",
        "Written by `python3 benchmarks/run.py`; each section names its machine and date.",
        "",
    ]
    for title in sorted(kept, key=lambda t: order.index(t) if t in order else len(order)):
        lines += [f"## {title}", "", kept[title].strip(), ""]
    OUT.write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "only", nargs="*", choices=[*BENCHMARKS, []], help="benchmarks to run (default: all)"
    )
    args = parser.parse_args()
    tmp = REPO / "build" / "bench"
    tmp.mkdir(parents=True, exist_ok=True)
    stamp = f"Machine: {machine_line()}. Measured {dt.date.today().isoformat()}."
    sections = {}
    for name in args.only or list(BENCHMARKS):
        title, fn = BENCHMARKS[name]
        print(f"== {title}", flush=True)
        sections[title] = f"{stamp}\n\n{fn(tmp)}"
        print(sections[title], flush=True)
        write(sections)


if __name__ == "__main__":
    main()
