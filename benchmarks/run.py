"""zkprof's benchmark suite: measures, side by side in one run, and writes BENCHMARKS.md.

    python3 benchmarks/run.py                 # every benchmark
    python3 benchmarks/run.py binding         # only some (the other sections are kept)

Benchmarks are not tests: nothing fails on a slow figure. These machines are noisy, so every ratio
is a ratio of medians over repeats, measured interleaved.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
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
from zkprof.paths import GUESTS_DIR, cache_dir, shared_fixtures_dir  # noqa: E402

OUT = REPO / "BENCHMARKS.md"
BUILD = REPO / "build" / "guests"


@functools.cache
def reference_host() -> Path:
    """The pure-Rust reference host, built on first use with the toolchain of envs/bootstrap.sh (the
    main job does not need it, so the bootstrap does not build it)."""
    target = Path(os.environ.get("CARGO_TARGET_DIR", cache_dir() / "target"))
    binary = target / "release" / "zkprof-reference-host"
    rust_bin = os.environ.get("ZKPROF_RUST_BIN", "/usr/bin")
    env = {
        **os.environ,
        "CARGO_TARGET_DIR": str(target),
        "PATH": f"{rust_bin}:{os.environ['PATH']}",
    }
    if "RECURSION_SRC_PATH" not in env:
        env["DOCS_RS"] = "1"
    env.pop("RUSTUP_TOOLCHAIN", None)
    # Cargo decides whether it is stale (seconds when it is not).
    subprocess.run(
        [f"{rust_bin}/cargo", "build", "--release", "-q", "-p", "zkprof-reference-host"],
        cwd=REPO / "native",
        env=env,
        check=True,
    )
    return binary


def ref_once(action: str, program: Path, input_file: Path, po2: int) -> float:
    """One timed call in a reference-host process. An execution is run twice and the second is
    timed: the binding's process is warm (its heap kept from earlier calls), so the Rust side must
    be too. A proof's own allocations dwarf that, so it is timed on its first call."""
    calls = "2" if action == "execute" else "1"
    out = subprocess.run(
        [str(reference_host()), action, str(program), str(input_file), str(po2), calls],
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
            "(`native/reference-host`, timed inside the process; an execution's second call in its",
            "process, as the binding's process is warm too), interleaved. Target: ratio <= 1.03.",
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
           *args, "--config", f"tests_dir={workdir / 'tests'}", f"results_dir={workdir / 'results'}"]  # fmt: skip
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, cwd=workdir)
    return time.perf_counter() - start


def suite_10k(tmp: Path) -> Path:
    workdir = tmp / "dry10k"
    if not (workdir / "tests").is_dir():
        synthetic_suite(workdir / "tests", files=100, cases_per_file=100)
    return workdir


def bench_dry_run(tmp: Path) -> str:
    """`snakemake -n` on 10,000 cases: parse + case index + DAG, cold and with the index cached."""
    import shutil

    workdir = suite_10k(tmp)
    shutil.rmtree(workdir / "results", ignore_errors=True)
    shutil.rmtree(workdir / ".snakemake", ignore_errors=True)
    cold = snakemake_seconds(workdir, "-n")
    warm = [snakemake_seconds(workdir, "-n") for _ in range(3)]
    return "\n".join([
        "10,000 cases (100 state-test files of 100 cases: 100 witness jobs and 200 run jobs of 50",
        "cases), `snakemake -n --cores 2`. The first call parses every file, later calls read the",
        "per-file case index (keyed by file content). Target: <= 10 s.",
        "",
        "| call | seconds |",
        "|---|---|",
        f"| first (index cold) | {cold:.1f} |",
        f"| later (median of 3) | {statistics.median(warm):.1f} |",
    ])  # fmt: skip


def bench_noop_rerun(tmp: Path) -> str:
    """The same 10,000 cases run for real, then a rerun that has nothing to do."""
    workdir = suite_10k(tmp)
    full = snakemake_seconds(workdir)
    noop = [snakemake_seconds(workdir) for _ in range(3)]
    return "\n".join([
        "The 10,000 cases above run for real (`snakemake --cores 2`), then run again with nothing",
        "changed. Target for the no-op rerun: <= 10 s.",
        "",
        "| call | seconds |",
        "|---|---|",
        f"| the full run (guest build, 10,000 executions, aggregate, reports) | {full:.0f} |",
        f"| no-op rerun (median of 3) | {statistics.median(noop):.1f} |",
    ])  # fmt: skip


SHARED_FIXTURES = shared_fixtures_dir() / "state_tests"


def in_process_execute_ms(results: Path) -> tuple[int, float]:
    """(cases, summed wall ms) of `_native.execute` on every witness, in this one process: the
    lower bound of what running those cases costs."""
    import pyarrow.parquet as pq

    program = (results / "guests" / "evm.bin").read_bytes()
    _native.cache_program(program)
    total, cases = 0.0, 0
    for path in sorted((results / "witnesses").glob("*.parquet")):
        for witness in pq.read_table(path, columns=["witness"])["witness"].to_pylist():
            if not witness:
                continue  # skipped case (unsupported fork): the pipeline does not run it either
            start = time.perf_counter()
            _native.execute(program, witness, segment_po2=18)
            total += (time.perf_counter() - start) * 1e3
            cases += 1
    return cases, total


def side_by_side_execute_s(results: Path) -> float:
    """The in-process sum of `in_process_execute_ms`, measured in two processes running at once
    (mean of the two): what each execution costs when both cores are busy, as in the pipeline."""
    code = (
        f"import sys, pathlib; sys.path.insert(0, {str(REPO / 'benchmarks')!r}); import run; "
        f"print(run.in_process_execute_ms(pathlib.Path({str(results)!r}))[1])"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    return statistics.mean(float(p.communicate()[0]) for p in procs) / 1e3


def pipeline_ratio(workdir: Path, repeats: int) -> tuple[int, float, float, float]:
    """(cases, pipeline s, in-process s, ratio): `snakemake --cores 2` over workdir/tests (guest already
    built; witnesses, runs, aggregate and reports timed) against the in-process sum / 2."""
    import shutil

    snakemake_seconds(workdir, str(workdir / "results" / "guests" / "evm.bin"))
    walls = []
    for _ in range(repeats):
        for sub in ("witnesses", "execute", ".index"):
            shutil.rmtree(workdir / "results" / sub, ignore_errors=True)
        walls.append(snakemake_seconds(workdir))
    cases, summed_ms = in_process_execute_ms(workdir / "results")
    wall = statistics.median(walls)
    return cases, wall, summed_ms / 1e3, wall / (summed_ms / 1e3 / 2)


def per_category(metrics: Path) -> list[str]:
    """Table rows of zkVM execute against the native reference, per report group (category)."""
    import pandas as pd

    rows = pd.read_parquet(metrics)
    rows = rows[rows["status"] == "matched"]
    lines = []
    for group, g in rows.groupby("group"):
        slowdown = g["execute_ms"] / g["native_ms"]
        lines.append(
            f"| {group} | {len(g)} | {g['gas_used'].median():,.0f} | "
            f"{g['total_cycles'].median():,.0f} | {g['cycles_per_gas'].median():,.0f} | "
            f"{g['native_ms'].median():.3f} | {g['execute_ms'].median():.1f} | "
            f"{slowdown.median():,.0f} |"
        )
    return lines


def bench_pipeline(tmp: Path) -> str:
    """Pipeline overhead: `snakemake --cores 2` against the in-process execute time / 2."""
    import shutil

    import pandas as pd

    rows: list[str] = []
    categories: list[str] = []
    suites = [("500 value transfers (smallest cases)", None)]
    if SHARED_FIXTURES.is_dir():
        suites.append(("shared fixtures, all but loops/", SHARED_FIXTURES))
    for label, source in suites:
        workdir = tmp / "pipeline"
        shutil.rmtree(workdir, ignore_errors=True)
        tests = workdir / "tests"
        if source is None:
            synthetic_suite(tests, files=5, cases_per_file=100)
        else:
            shutil.copytree(source, tests, ignore=shutil.ignore_patterns("loops"))
        cases, wall, inproc, ratio = pipeline_ratio(workdir, repeats=2)
        overhead_ms = (wall * 2 - inproc) / cases * 1e3
        metrics_path = workdir / "results" / "execute" / "metrics.parquet"
        in_jobs = pd.read_parquet(metrics_path)["execute_ms"]
        paired = side_by_side_execute_s(workdir / "results")
        rows.append(
            f"| {label} | {cases} | {wall:.1f} | {inproc:.1f} | {paired:.1f} | "
            f"{in_jobs.sum() / 1e3:.1f} | {overhead_ms:.0f} | **{ratio:.2f}** | {paired / inproc:.2f} |"
        )
        if source is not None:  # the synthetic cases share one expected result: most mismatch
            categories += per_category(metrics_path)
    return "\n".join([
        "`snakemake --cores 2` (guest already built; witnesses, run jobs, aggregate and reports",
        "included; median of 2 runs) against the sum of `_native.execute` wall times of the same",
        "cases in one process (program image cached) divided by 2 cores. The pipeline also runs",
        "each case natively (the reference run) and checks it, executes a batch's cases in a forked",
        "child (timeout, isolation), appends each row to its job's journal, then writes the batch.",
        "Target <= 1.25. `side by side` is the same in-process sum measured in two processes at",
        "once (mean of the two): what an execution costs when both cores are busy, which is the",
        "most 2 cores give here; `floor` is its ratio to the in-process sum. `in jobs` is the sum",
        "of the rows' own `execute_ms` (the same call timed inside the pipeline's jobs).",
        "",
        "| cases | count | pipeline s | in-process execute s | side by side s | in jobs s | overhead ms/case (2 cores) | ratio | floor |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "### zkVM execute against the native reference, per category",
        "",
        "From the same runs' metrics (matched cases; medians per case). Native is the same EVM",
        "crate compiled for the host, run by the pipeline beside each case; slowdown is",
        "execute_ms / native_ms per case. Category: the test's folder in the shared fixtures.",
        "",
        "| category | cases | gas | cycles | cycles/gas | native ms | execute ms | slowdown |",
        "|---|---|---|---|---|---|---|---|",
        *categories,
    ])  # fmt: skip


PREDICTION_PO2 = 16


def smallest_cases(source: Path, count: int, program: bytes) -> list[tuple[str, bytes, list[int]]]:
    """The `count` matched cases of a state-test folder with the fewest cycles at PREDICTION_PO2:
    (case id, guest input, segment po2s of their execute run)."""
    from zkprof.api import StateTests, load_cases
    from zkprof.witness import prepare

    sized = []
    cases, _ = load_cases(StateTests(source), exclude=["^loops__"])
    for case in cases:
        if case.skip_reason:
            continue
        _, guest_input = prepare(case)
        run = _native.execute(program, guest_input, segment_po2=PREDICTION_PO2)
        sized.append((run["total_cycles"], case.case_id, guest_input, run["segment_po2s"]))
    sized.sort()
    return [(case_id, data, po2s) for _, case_id, data, po2s in sized[:count]]


def bench_prediction(tmp: Path) -> str:
    """Predicted against measured proving time and peak RSS, on this machine, for the smallest
    example cases and shared fixtures (each proof takes minutes here)."""
    from zkprof.calibrate import calibrate, format_table, save_calibration
    from zkprof.predict import predict
    from zkprof.runner import RunSettings, measure_isolated

    calibration = calibrate(range(14, PREDICTION_PO2 + 1), repeats=2, log=lambda _: None)
    save_calibration(calibration, tmp / "calibration.json")
    guest = build_program(GUESTS_DIR / "evm", BUILD, quiet=True)
    program = guest.program_path.read_bytes()
    _native.cache_program(program)
    # One case of each source: each proof takes 9-14 minutes here.
    picked = smallest_cases(REPO / "examples" / "state_tests", 1, program)
    if SHARED_FIXTURES.is_dir():
        picked += smallest_cases(SHARED_FIXTURES, 1, program)
    rows, time_err, rss_err = [], [], []
    for case_id, guest_input, _ in picked:
        # As in the workflow: the prediction comes from an execute run (segments, base RSS)...
        execute = RunSettings(action="execute", segment_po2=PREDICTION_PO2)
        executed = measure_isolated(program, guest_input, execute)
        po2s = executed["segment_po2s"]
        p = predict(po2s, calibration, executed["base_rss_bytes"])
        # ...and is checked against a proof of the case.
        prove = RunSettings(action="prove", segment_po2=PREDICTION_PO2)
        measured = measure_isolated(program, guest_input, prove)
        rss = p.predicted_peak_rss_bytes
        t_err = p.predicted_prove_ms / measured["prove_ms"] - 1
        r_err = rss / measured["peak_rss_bytes"] - 1
        time_err.append(abs(t_err))
        rss_err.append(abs(r_err))
        rows.append(
            f"| {case_id} | {measured['total_cycles']:,} | {po2s} | "
            f"{p.predicted_prove_ms / 1e3:.1f} | {measured['prove_ms'] / 1e3:.1f} | {t_err:+.1%} | "
            f"{rss / 1e6:.0f} | {measured['peak_rss_bytes'] / 1e6:.0f} | {r_err:+.1%} |"
        )
    return "\n".join([
        f"Calibration: po2 14..{PREDICTION_PO2}, 2 proofs per po2, on this machine:",
        "",
        format_table(calibration),
        "",
        f"Then the smallest example case and shared fixture proved at segment po2 {PREDICTION_PO2}",
        "(composite), each predicted from its execute run's segments. Targets: median absolute",
        "error <= 10 % for proving time, <= 15 % for peak RSS.",
        "",
        "| case | cycles | segment po2s | predicted s | measured s | error | predicted MB | measured MB | error |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"Median absolute error: proving time **{statistics.median(time_err):.1%}** (worst "
        f"{max(time_err):.1%}), peak RSS **{statistics.median(rss_err):.1%}** (worst {max(rss_err):.1%}).",
    ])  # fmt: skip


THROUGHPUT_PO2 = range(14, 21)


def receipt_kb(doc: dict, entry: dict) -> float:
    """A proof's whole receipt (fixed part included) per segment, in KB."""
    k = entry["segments_per_proof"]
    return (doc["receipt_fixed_bytes"] + k * entry["receipt_bytes_per_segment"]) / k / 1e3


def bench_throughput(tmp: Path) -> str:
    """Prover throughput and peak RSS per segment po2 (one calibration, kept for `calibration=`)."""
    from zkprof.calibrate import MEASURED, calibrate, save_calibration

    # One segment per proof (po2 14 needs a few): a po2-20 segment alone takes over 10 minutes here.
    doc = calibrate(
        THROUGHPUT_PO2, repeats=1, segments_per_proof=1, log=lambda line: print(line, flush=True)
    )
    save_calibration(doc, tmp / "calibration-throughput.json")
    rows = []
    for po2 in THROUGHPUT_PO2:
        entry = doc["per_po2"][str(po2)]
        if entry["status"] != MEASURED:
            rows.append(f"| {po2} | {entry['status']}: {entry['reason']} | | | | |")
            continue
        seconds = entry["seconds_per_segment"]["median"]
        rows.append(
            f"| {po2} | {entry['segments_per_proof']} | {seconds:.1f} | "
            f"{2**po2 / seconds / 1e3:.2f} | {entry['peak_rss_bytes']['max'] / 1e9:.2f} | "
            f"{receipt_kb(doc, entry):.0f} |"
        )
    return "\n".join([
        "`zkprof calibrate --po2 14..20 --repeats 1 --segments 1` (composite proofs of the calibration guest,",
        f"{doc['threads']} prover threads; a segment of po2 p is 2^p cycles).",
        "",
        "| po2 | segments proved | s/segment | kHz (cycles/s / 1000) | peak RSS GB | receipt KB / segments |",
        "|---|---|---|---|---|---|",
        *rows,
    ])  # fmt: skip


def bench_report(tmp: Path) -> str:
    from zkprof.report.bench import bench_report_million_rows

    return bench_report_million_rows()


def bench_openvm(tmp: Path) -> str:
    from zkprof.report.bench import bench_openvm_parse

    return bench_openvm_parse()


# Shared fixtures that exercise one precompile (or keccak) each, by file.
ACCELERATED_WORKLOADS = {
    "ecrecover": "precompiles/CallEcrecover0.json",
    "sha256": "precompiles/CallSha256_4.json",
    "modexp": "precompiles/modexp.json",
    "bn254 add": "precompiles/ecadd_1-2_1-2_21000_128.json",
    "bn254 mul": "precompiles/ecmul_1-2_9_21000_96.json",
    "bn254 pairing": "precompiles/ecpairing_one_point_fail.json",
    "blake2f": "precompiles/blake2B.json",
    "identity": "precompiles/CallIdentity_4.json",
    "keccak-heavy": "keccak/sha3.json",
}
# Precompiles the shared fixtures do not call (or only with failing input): zkprof's own
# examples (results from the execution specs), one case each.
EXAMPLE_WORKLOADS = {
    "bn254 pairing, 1 pair (example)": "bn254_pairing__bn254_pairing__Cancun__d2g0v0",
    "bn254 pairing, 3 pairs (example)": "bn254_pairing__bn254_pairing__Cancun__d4g0v0",
    "bn254 G2 subgroup check, failing (example)": "bn254_pairing__bn254_pairing__Cancun__d7g0v0",
    "BLS12-381 G1 add (example)": "bls12_381__bls12_381__Prague__d0g0v0",
    "BLS12-381 G1 MSM, 3 points (example)": "bls12_381__bls12_381__Prague__d2g0v0",
    "BLS12-381 G2 add (example)": "bls12_381__bls12_381__Prague__d3g0v0",
    "BLS12-381 G2 MSM, 1 point (example)": "bls12_381__bls12_381__Prague__d4g0v0",
    "BLS12-381 pairing, 2 pairs (example)": "bls12_381__bls12_381__Prague__d5g0v0",
    "P-256 verify (example)": "p256_verify__p256_verify__Osaka__d0g0v0",
}
EXAMPLES_DIR = REPO / "examples/state_tests/precompiles"


def bench_accelerators(tmp: Path) -> str:
    """The plain and the accelerated EVM guest on every shared fixture (loops/ aside), case by
    case in one process: cycles, cycles per gas and the accelerator calls they make."""
    import pandas as pd

    from zkprof.cases import load_cases
    from zkprof.profile import profile_case
    from zkprof.runner import RunSettings
    from zkprof.witness import case_description, evm_witness

    programs = {
        "plain": build_program(GUESTS_DIR / "evm", BUILD, quiet=True),
        "accelerated": build_program(GUESTS_DIR / "evm-accelerated", BUILD, quiet=True),
    }
    shared, _ = load_cases(shared_fixtures_dir() / "state_tests")
    examples, _ = load_cases(EXAMPLES_DIR)
    wanted = set(EXAMPLE_WORKLOADS.values())
    cases = [(c, "shared") for c in shared if not c.source.startswith("loops/")]
    cases += [(c, "example") for c in examples if c.case_id in wanted]
    records = []
    for case, origin in cases:
        if case.skip_reason:
            continue
        witness, description = evm_witness(case), case_description(case)
        for name, program in programs.items():
            row = profile_case(description, witness, program, RunSettings(segment_po2=20))
            if row["status"] == "matched":
                records.append(row | {"guest_kind": name, "origin": origin})
    every = pd.DataFrame(records)
    every = every[every.groupby("case_id")["guest_kind"].transform("nunique") == 2]
    rows = every[every["origin"] == "shared"]
    calls = ["keccak_permutations", "sha_compressions", "bigint2_calls"]

    def per_gas(g: pd.DataFrame, region: str) -> str:
        # The median case's: a sum over cases is dominated by the few that burn their whole gas
        # limit (modexp's failing cases), which says nothing of the rest.
        if region != "user_cycles":
            return "-"
        ratios = g[region] / g["gas_used"].where(g["gas_used"] > 0)
        return f"{ratios.median():,.1f}" if ratios.notna().any() else "-"

    def compare(label: str, g: pd.DataFrame, region: str = "user_cycles") -> str:
        plain = g[g["guest_kind"] == "plain"]
        acc = g[g["guest_kind"] == "accelerated"]
        counts = " | ".join(f"{acc[c].sum():,}" for c in calls)
        return (
            f"| {label} | {len(acc)} | {plain[region].sum():,} | {acc[region].sum():,} | "
            f"{plain[region].sum() / max(acc[region].sum(), 1):.1f}x | {per_gas(plain, region)} | "
            f"{per_gas(acc, region)} | {counts} |"
        )

    header = (
        "| {} | cases | plain cycles | accelerated cycles | fewer | plain cycles/gas | "
        "accelerated cycles/gas | keccak permutations | SHA-256 compressions | bigint2 calls |\n"
        "|---|---|---|---|---|---|---|---|---|---|"
    )
    by_group = [compare(str(grp), g) for grp, g in rows.groupby("group")]
    by_workload = [
        compare(label, rows[rows["source"] == source])
        for label, source in ACCELERATED_WORKLOADS.items()
        if (rows["source"] == source).any()
    ]
    by_workload += [
        compare(label, every[every["case_id"] == case_id])
        for label, case_id in EXAMPLE_WORKLOADS.items()
        if (every["case_id"] == case_id).any()
    ]
    by_workload.append(compare("state-root region (all cases)", rows, "cycles_state_root"))
    lines = [
        f"{rows['case_id'].nunique()} shared-fixture cases (all but `loops/`), each executed with "
        "the plain guest (`evm`) and the accelerated one (`evm-accelerated`) in one process, "
        "segment po2 20; both matched the fixture and the native run on every case counted. "
        "Cycles are user cycles (the guest's instructions; `total_cycles` rounds segments up to "
        "powers of two), summed over the cases; cycles per gas is the median case's (user "
        "cycles over gas used). The accelerator calls "
        "are the accelerated guest's: their work is proved outside these cycles (the keccak "
        "coprocessor; the SHA-256 and bigint2 circuits' own rows).",
        "",
        "Per category:",
        "",
        header.format("category"),
        *by_group,
        "",
        "Per precompile (the fixture file that calls it, or one case of zkprof's examples in "
        "`examples/state_tests/precompiles/`) and the state-root region (shared fixtures):",
        "",
        header.format("workload"),
        *by_workload,
    ]
    return "\n".join(lines) + "\n"


def bench_blocks(tmp: Path) -> str:
    """Every shared blockchain test through the accelerated EVM guest, each chain twice in one
    process: from its execution witnesses, and with every block handed the whole state (the
    full-state approach). Cycles and witness bytes per gas by category; witness generation
    against execution."""
    import json

    import pandas as pd

    from zkprof import _native
    from zkprof.cases import load_cases
    from zkprof.cases.blockchain_tests import ChainCase
    from zkprof.profile import profile_case
    from zkprof.runner import RunSettings
    from zkprof.witness import chain_description, chain_witness

    program = build_program(GUESTS_DIR / "evm-accelerated", BUILD, quiet=True)
    cases, _ = load_cases(shared_fixtures_dir() / "blockchain_tests")
    records = []
    for case in cases:
        if not isinstance(case, ChainCase) or case.skip_reason:
            continue
        witness = chain_witness(case)
        description = chain_description(case) | {"witness": witness.facts}
        row = profile_case(description, bytes(witness), program, RunSettings(segment_po2=20))
        full_bytes, full_facts = _native.chain_witness(
            json.dumps(case.input, sort_keys=True), full_witness=True
        )
        full = profile_case(
            chain_description(case) | {"witness": dict(full_facts)},
            full_bytes,
            program,
            RunSettings(segment_po2=20),
        )
        if row["status"] == full["status"] == "matched":
            records.append(
                row
                | {
                    "full_user_cycles": full["user_cycles"],
                    "full_witness_bytes": full["witness_bytes"],
                    "category": case.source.split("/")[0],
                }
            )
    rows = pd.DataFrame(records)

    def line(label: str, g: pd.DataFrame) -> str:
        gas = g["gas_used"].sum()
        return (
            f"| {label} | {len(g)} | {g['blocks'].sum()} | {g['blocks_rejected'].sum()} | "
            f"{g['transactions'].sum()} | {gas:,} | {g['user_cycles'].sum():,} | "
            f"{g['user_cycles'].sum() / max(gas, 1):.2f} | {g['witness_bytes'].sum():,} | "
            f"{g['witness_bytes'].sum() / max(gas, 1) * 1000:.3f} | "
            f"{g['cycles_witness'].sum() / g['user_cycles'].sum():.1%} | "
            f"{g['full_user_cycles'].sum() / g['user_cycles'].sum():.2f}x | "
            f"{g['full_witness_bytes'].sum() / g['witness_bytes'].sum():.1f}x |"
        )

    generation = rows["witness_generation_ms"].sum()
    execute = rows["execute_ms"].sum()
    lines = [
        f"{len(rows)} shared blockchain tests (Cancun; {rows['blocks'].sum()} blocks, "
        f"{rows['blocks_rejected'].sum()} of them rejected as the fixtures expect), executed with "
        "the accelerated guest (`evm-accelerated`), segment po2 20, all matched. Each chain ran "
        "twice in one process: from its execution witnesses, and with every block given the "
        "whole state (the full-state approach: all trie nodes and codes). Gas is that of the "
        "imported blocks; cycles are user cycles; witness bytes are the RLP of the trie nodes, "
        "codes and headers of every block's witness.",
        "",
        "| category | chains | blocks | rejected | transactions | gas | user cycles | cycles/gas "
        "| witness bytes | witness bytes per 1000 gas | witness check share | full-state cycles "
        "| full-state bytes |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        *[line(str(cat), g) for cat, g in rows.groupby("category")],
        line("all", rows),
        "",
        f"Witness generation (the chain run natively over the whole state, recording what it "
        f"reads) took {generation:,.1f} ms for all chains, against {execute:,.1f} ms of zkVM "
        f"execution: {generation / execute:.2%}.",
    ]
    return "\n".join(lines) + "\n"


BENCHMARKS: dict[str, tuple[str, Callable[[Path], str]]] = {
    "binding_execute": (
        "Binding overhead: execute",
        lambda tmp: binding_overhead(tmp, "execute", 1_000_000, 20, 21),
    ),
    "binding_prove": (
        "Binding overhead: prove",
        lambda tmp: binding_overhead(tmp, "prove", 500, 14, 3),
    ),
    "pipeline": ("Pipeline overhead: execute", bench_pipeline),
    "dryrun": ("Workflow planning with 10,000 cases", bench_dry_run),
    "noop": ("No-op rerun with 10,000 cases", bench_noop_rerun),
    "report": ("Reports on 1,000,000 metric rows", bench_report),
    "openvm": ("openvm-prof metrics JSON, 100 MB", bench_openvm),
    "throughput": ("Prover throughput and memory per segment po2", bench_throughput),
    "prediction": ("Proving predictions against measurements", bench_prediction),
    "accelerators": ("Accelerated and plain EVM guest, side by side", bench_accelerators),
    "blocks": ("Blocks from execution witnesses", bench_blocks),
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
        "Written by `python3 benchmarks/run.py`; each section names its machine and the run it",
        "was measured in (sections that name the same start time come from one run).",
        "",
    ]
    for title in sorted(kept, key=lambda t: order.index(t) if t in order else len(order)):
        lines += [f"## {title}", "", kept[title].strip(), ""]
    OUT.write_text("\n".join(lines))


def section_body(tmp: Path, name: str) -> Path:
    """Where run_section's child leaves the body of section `name`."""
    return tmp / f"{name}.md"


def run_section(name: str, tmp: Path) -> str:
    """One section in a fresh interpreter. Sections must not inherit each other's heap or a
    prover's state: a process that has called `_native.prove` proves its later cases in place,
    so their peak RSS would include everything the process held before."""
    body = section_body(tmp, name)
    body.unlink(missing_ok=True)
    subprocess.run([sys.executable, __file__, "--section-only", name], check=True)
    return body.read_text()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "only", nargs="*", choices=[*BENCHMARKS, []], help="benchmarks to run (default: all)"
    )
    parser.add_argument("--section-only", choices=BENCHMARKS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    tmp = REPO / "build" / "bench"
    tmp.mkdir(parents=True, exist_ok=True)
    if args.section_only:  # run_section's child: measure, leave the body for the parent
        section_body(tmp, args.section_only).write_text(BENCHMARKS[args.section_only][1](tmp))
        return
    # The run's start time names the run: sections that share it were measured together.
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    stamp = f"Machine: {machine_line()}. Measured in the run started {started}."
    sections = {}
    for name in args.only or list(BENCHMARKS):
        title = BENCHMARKS[name][0]
        print(f"== {title}", flush=True)
        sections[title] = f"{stamp}\n\n{run_section(name, tmp)}"
        print(sections[title], flush=True)
        write(sections)


if __name__ == "__main__":
    main()
