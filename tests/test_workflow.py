"""The Snakemake pipeline end to end: real Snakemake, real zkVM, assertions on what actually ran."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from zkprof import metrics
from zkprof.calibration import CalibrationOp, calibration_input
from zkprof.paths import REPO_ROOT

EXAMPLES = REPO_ROOT / "examples" / "state_tests"


def snakemake_cmd(workdir: Path, *args: str, **config: object) -> list[str]:
    """The command that runs the repo's workflow with results and tests under `workdir`."""
    settings = {
        "results_dir": str(workdir / "results"),
        "tests_dir": str(workdir / "tests"),
    } | config
    return [
        sys.executable, "-m", "snakemake",
        "--snakefile", str(REPO_ROOT / "Snakefile"),
        "--profile", str(REPO_ROOT / "profiles" / "default"),
        "--directory", str(workdir),
        "--configfile", str(REPO_ROOT / "config.yaml"),
        "--cores", "2",
        "--config", *[f"{k}={json.dumps(v)}" for k, v in settings.items()],
        *args,
    ]  # fmt: skip


def snakemake(
    workdir: Path, *args: str, check: bool = True, **config: object
) -> subprocess.CompletedProcess[str]:
    """Runs the repo's workflow with results and tests under `workdir`."""
    cmd = snakemake_cmd(workdir, *args, **config)
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=workdir)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def rows_in(files: list[Path]) -> dict[str, object]:
    """case id -> when its row was written, for the rows in `files`."""
    table = metrics.read_table(files)
    return dict(zip(table["case_id"].to_pylist(), table["timestamp"].to_pylist(), strict=True))


def kept_rows(partial: Path) -> dict[str, object]:
    """case id -> when its row was written, for the rows kept in the journals of unfinished jobs."""
    rows = [r for j in sorted(partial.glob("*.arrows")) for r in metrics.read_journal(j).values()]
    return {r["case_id"]: r["timestamp"] for r in rows}


def case_files(workdir: Path, action: str = "execute") -> dict[str, object]:
    """case id -> when its row was written: what re-ran shows as a changed timestamp."""
    return rows_in(sorted((workdir / "results" / action / "batches").glob("*.parquet")))


def changed(before: dict[str, object], after: dict[str, object]) -> set[str]:
    return {c for c in after if before.get(c) != after[c]}


def run_metrics(workdir: Path, action: str = "execute") -> pd.DataFrame:
    return pd.read_parquet(workdir / "results" / action / "metrics.parquet")


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One execute run over a copy of the built-in examples."""
    workdir = tmp_path_factory.mktemp("wf")
    shutil.copytree(EXAMPLES, workdir / "tests")
    snakemake(workdir)
    return workdir


def test_execute_run_over_examples(executed: Path) -> None:
    df = run_metrics(executed)
    assert len(df) == len(case_files(executed)) >= 7
    assert set(df["status"]) == {metrics.MATCHED}, df[df["status"] != metrics.MATCHED][
        ["case_id", "reason"]
    ]
    ran = df[df["status"] == metrics.MATCHED]
    assert (ran["total_cycles"] > 0).all() and (ran["gas_used"] >= 0).all()
    assert (
        ran["total_cycles"] == ran["user_cycles"] + ran["paging_cycles"] + ran["reserved_cycles"]
    ).all()
    assert (ran["native_ms"] > 0).all() and (ran["execute_ms"] > 0).all()
    # Peak RSS in bytes: a zkVM child process holds tens of MB, not tens of GB (the 1024x bug).
    assert ran["peak_rss_bytes"].between(10 * 2**20, 8 * 2**30).all()
    assert df["image_id"].nunique() == 1
    hardware = json.loads((executed / "results" / "execute" / "hardware.json").read_text())
    assert hardware["cpu_cores_logical"] >= 1 and hardware["memory_bytes"] > 0
    summary = (executed / "results" / "execute" / "summary.md").read_text()
    assert "| group |" in summary and "**all**" in summary


def test_rerun_rules(executed: Path) -> None:
    before = case_files(executed)
    # A second run does nothing.
    out = snakemake(executed)
    assert "Nothing to be done" in out.stdout + out.stderr
    assert changed(before, case_files(executed)) == set()

    # Touching a file without changing it re-runs nothing.
    fixture = next((executed / "tests").rglob("*.json"))
    os.utime(fixture, None)
    snakemake(executed)
    assert changed(before, case_files(executed)) == set()

    # Editing one fixture re-runs only that file's cases.
    target = executed / "tests" / "transfer" / "value_transfer.json"
    data = json.loads(target.read_text())
    name = next(iter(data))
    tx = data[name]["transaction"]
    tx["value"] = [hex(int(v, 16) + 1) for v in tx["value"]]
    target.write_text(json.dumps(data, indent=1))
    snakemake(executed)
    after = case_files(executed)
    df = run_metrics(executed).set_index("case_id")
    assert changed(before, after) == set(df.index[df["source"] == "transfer/value_transfer.json"])
    # The fixture's expectation was not updated, so the edited test's cases are now mismatched.
    edited = df[df["test_name"] == name]
    assert len(edited) == 2 and set(edited["status"]) == {metrics.MISMATCHED}
    assert edited["reason"].str.contains("state root").all()

    # Adding a file runs only its cases.
    before = after
    extra = executed / "tests" / "added" / "copy.json"
    extra.parent.mkdir()
    shutil.copy(executed / "tests" / "keccak" / "keccak_memory.json", extra)
    snakemake(executed)
    after = case_files(executed)
    assert changed(before, after) == {c for c in after if c.startswith("added__copy__")}
    assert changed(before, after)

    # A new guest program re-runs every case.
    before = after
    (program,) = (executed / "results" / "guests").glob("*.bin")
    program.write_bytes(program.read_bytes() + b"\0")
    snakemake(executed, check=False)
    assert changed(before, case_files(executed)) == set(before)


def test_force_rerun(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES / "transfer", tmp_path / "tests" / "transfer")
    snakemake(tmp_path)
    before = case_files(tmp_path)
    snakemake(tmp_path, force_rerun=True, pprof=True)
    assert changed(before, case_files(tmp_path)) == set(before)
    # With pprof, every case lists its hottest guest functions, and so does the summary.
    df = run_metrics(tmp_path)
    assert df["hot_functions"].str.contains("%").all()
    summary = (tmp_path / "results" / "execute" / "summary.md").read_text()
    assert "Hottest guest functions" in summary
    # ...and a flame graph: its own beside its profile, and its group's merged in the report,
    # linked from report.md.
    results = tmp_path / "results" / "execute"
    for case_id in df["case_id"]:
        assert ElementTree.parse(results / "logs" / f"{case_id}.svg").getroot().tag.endswith("svg")
    merged = results / "report" / "flame_graphs" / "transfer.svg"
    assert "transfer, 4 cases merged" in merged.read_text()
    report = (results / "report" / "report.md").read_text()
    assert "## Flame graphs" in report and "(flame_graphs/transfer.svg)" in report
    for target in re.findall(r"\]\(([^)]+\.svg)\)", report):
        assert (results / "report" / target).is_file(), target


def test_bad_fixture_does_not_stop_the_others(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES / "keccak", tmp_path / "tests" / "keccak")
    (tmp_path / "tests" / "broken.json").write_text('{"t": {"env": ')
    good = json.loads((EXAMPLES / "transfer" / "value_transfer.json").read_text())
    name = next(iter(good))
    good[name]["transaction"]["gasLimit"] = ["0xzz"]
    (tmp_path / "tests" / "badfield.json").write_text(json.dumps(good))
    snakemake(tmp_path)
    df = run_metrics(tmp_path)
    failed = df[df["status"] == metrics.FAILED]
    assert set(failed["source"]) == {"broken.json", "badfield.json"}
    assert failed["reason"].str.contains("broken.json").any()
    assert failed["reason"].str.contains("gasLimit").any()
    assert (df[df["source"].str.startswith("keccak/")]["status"] == metrics.MATCHED).all()


def test_failed_cases_are_retried_only_when_asked(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES / "compute", tmp_path / "tests" / "compute")
    snakemake(tmp_path, cycle_limit=1000)
    df = run_metrics(tmp_path)
    assert set(df["status"]) == {metrics.FAILED}
    assert df["reason"].str.contains("cycle limit").all()
    before = case_files(tmp_path)
    snakemake(tmp_path, cycle_limit=1000, retry_failed=False)
    assert changed(before, case_files(tmp_path)) == set()
    snakemake(tmp_path, cycle_limit=1000, retry_failed=True)
    assert changed(before, case_files(tmp_path)) == set(before)
    snakemake(tmp_path)  # the default limit: they now pass, and stay done
    assert set(run_metrics(tmp_path)["status"]) == {metrics.MATCHED}
    before = case_files(tmp_path)
    snakemake(tmp_path)
    assert changed(before, case_files(tmp_path)) == set()


def test_interrupted_run_resumes_without_redoing(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "tests")
    cmd = snakemake_cmd(tmp_path)
    proc = subprocess.Popen(
        cmd,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    batches = tmp_path / "results" / "execute" / "batches"
    partial = tmp_path / "results" / "execute" / "partial"

    # Kill once some batches are done and another is half done (its finished cases kept aside).
    def half_done() -> bool:
        return any(
            metrics.read_journal(j) and not (batches / f"{j.stem}.parquet").exists()
            for j in partial.glob("*.arrows")
        )

    while time.monotonic() < deadline and proc.poll() is None:
        if len(list(batches.glob("*.parquet"))) >= 3 and half_done():
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    # A job killed after writing its file but before Snakemake recorded it stays "incomplete" and
    # is rightly redone; every job Snakemake recorded as finished must be kept, and so must every
    # case that an interrupted job had finished.
    incomplete = {
        base64.b64decode(p.name).decode()
        for p in (tmp_path / ".snakemake" / "incomplete").glob("*")
        if p.is_file()
    }
    finished = [p for p in batches.glob("*.parquet") if str(p) not in incomplete]
    done = rows_in(finished)
    kept = kept_rows(partial)
    # `kept` is empty when the kill came just as the half-done batch finished: then only whole
    # batches are checked (the partial rows are also covered by the random-kill test below).
    assert done, "the run was killed before any batch finished"
    snakemake(tmp_path, "--unlock")  # a killed Snakemake leaves its lock behind
    snakemake(tmp_path)
    after = case_files(tmp_path)
    assert {c: after[c] for c in done} == done  # finished batches were not redone
    assert {c: after[c] for c in kept} == kept  # nor the finished cases of interrupted ones
    assert not partial.exists()
    assert set(run_metrics(tmp_path)["status"]) == {metrics.MATCHED}


def check_proved(df: pd.DataFrame) -> None:
    assert len(df) >= 1 and set(df["status"]) == {metrics.MATCHED}
    for _, row in df.iterrows():
        assert row["receipt_bytes"] > row["seal_bytes"] > 0
        assert row["verify_ms"] > 0 and row["prove_ms"] > row["execute_ms"]
        assert row["prove_cycles_per_s"] > 0 and row["receipt_kind"] == "composite"
        assert row["segments"] == len(row["segment_po2s"]) >= 2


def test_prove_one_cheap_case(tmp_path: Path) -> None:
    # The cheapest case that still has two segments: the calibration guest on a small input (an EVM
    # case is over 500,000 cycles, minutes to prove here; that one is in the slow tier below).
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "lcg_2000.bin").write_bytes(calibration_input(CalibrationOp.LCG_ROUNDS, 2_000))
    guest = str(REPO_ROOT / "native" / "guests" / "calibration")
    snakemake(tmp_path, action="prove", segment_po2=14, guest=guest, inputs_dir=str(inputs))
    check_proved(run_metrics(tmp_path, "prove"))
    # Execute results are not touched by a prove run, and a second run does nothing.
    assert not (tmp_path / "results" / "execute").exists()
    before = case_files(tmp_path, "prove")
    snakemake(tmp_path, action="prove", segment_po2=14, guest=guest, inputs_dir=str(inputs))
    assert case_files(tmp_path, "prove") == before


@pytest.mark.slow
def test_prove_evm_case(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES / "transfer", tmp_path / "tests" / "transfer")
    # The plain guest: the accelerated one's keccak proofs need the recursion programs.
    snakemake(
        tmp_path,
        action="prove",
        segment_po2=18,
        accelerators=False,
        include=["value_transfer__Cancun__d0g0v0$"],
    )
    check_proved(run_metrics(tmp_path, "prove"))


def test_dry_run_lists_jobs_and_lint_is_clean(executed: Path) -> None:
    out = snakemake(executed, "-n", force_rerun=True)
    assert "run_cases" in out.stdout
    lint = snakemake(executed, "--lint", check=False)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_reports_with_comparison_against_an_earlier_run(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES / "keccak", tmp_path / "tests" / "keccak")
    earlier = tmp_path / "earlier"
    snakemake(tmp_path, results_dir=str(earlier))
    snakemake(
        tmp_path,
        report_prev=str(earlier / "execute"),
        benchmark_results_link="https://example.org/r",
    )
    reports = tmp_path / "results" / "execute" / "report"
    for name in (
        "report.md",
        "bencher.json",
        "summary.md",
        "cycles_per_case.png",
        "time_vs_cycles.png",
        "changes.png",
    ):
        assert (reports / name).stat().st_size > 0, name
    markdown = (reports / "report.md").read_text()
    assert "keccak" in markdown and "%" in markdown and "nan" not in markdown.lower()
    bencher = json.loads((reports / "bencher.json").read_text())
    assert all(len(measure) <= 64 for bench in bencher.values() for measure in bench)
    assert "https://example.org/r" in (reports / "summary.md").read_text()
    # The CI gate passes when nothing regressed that much (times vary between runs; cycles not)...
    snakemake(tmp_path, report_prev=str(earlier / "execute"), fail_on_regression_pct=1000)
    assert (reports / "no_regression.txt").exists()
    # ...and fails, keeping the report, when the baseline needed half the cycles.
    baseline = pq.read_table(earlier / "execute" / "metrics.parquet")
    i = baseline.schema.get_field_index("total_cycles")
    halved = pc.divide(baseline["total_cycles"], 2)
    cheaper = tmp_path / "cheaper.parquet"
    pq.write_table(baseline.set_column(i, baseline.schema.field(i), halved), cheaper)
    gate = snakemake(tmp_path, report_prev=str(cheaper), fail_on_regression_pct=50, check=False)
    assert gate.returncode != 0 and "total_cycles" in gate.stdout + gate.stderr
    assert (reports / "report.md").exists()


def test_snakemake_html_report_holds_the_plots(executed: Path) -> None:
    from zkprof.report.plots import PLOT_FILES

    from .browser import chromium, render_report

    html = executed / "report.html"
    snakemake(executed, "--report", str(html))
    if chromium() is None:
        message = "chromium not installed (bash envs/bootstrap.sh --dev installs it)"
        if os.environ.get("ZKPROF_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    page = render_report(html, executed)
    shown = {Path(path).name: size for path, size in page.images.items()}
    assert set(PLOT_FILES) <= set(shown), sorted(shown)
    for name in PLOT_FILES:
        size = shown[name]
        assert size is not None and size[0] > 200 and size[1] > 100, (name, size)
    # The workflow's description, rendered by the page's scripts.
    assert "zkprof profiled the Ethereum test cases" in page.text
    # report.md reads in human units: no raw byte counts or unrounded milliseconds.
    report = (executed / "results" / "execute" / "report" / "report.md").read_text()
    assert not re.search(r"\d{1,3}(,\d{3}){2,}", report), "a number of millions printed raw"
    assert " MiB" in report and " ms" in report


def test_killed_at_random_points_then_resumed_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    """SIGKILL the whole run at random moments, several times, resuming after each; the final
    results must equal an uninterrupted run's (same cases, cycles, roots), and every Parquet file
    left behind must be complete (they are written under a temporary name, then renamed)."""
    import random

    keys = ["status", "total_cycles", "user_cycles", "segments", "state_root", "logs_hash"]
    # The uninterrupted run first: its duration places the kills (the run gets faster over time;
    # fixed moments ended up after it had finished).
    reference = tmp_path / "reference"
    shutil.copytree(EXAMPLES, reference / "tests")
    start = time.monotonic()
    snakemake(reference)
    duration = time.monotonic() - start
    uninterrupted = run_metrics(reference).set_index("case_id").sort_index()[keys]

    shutil.copytree(EXAMPLES, tmp_path / "tests")
    cmd = snakemake_cmd(tmp_path)
    rng = random.Random(8)
    kills = 0
    for _ in range(3):
        proc = subprocess.Popen(
            cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        time.sleep(rng.uniform(0.15, 0.5) * duration)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait()
        for path in (tmp_path / "results").rglob("*.parquet"):
            pq.read_metadata(path)  # a truncated file would not parse
        snakemake(tmp_path, "--unlock")
    assert kills >= 2, f"the run finished before it could be killed ({duration:.1f} s in all)"
    snakemake(tmp_path)
    resumed = run_metrics(tmp_path).set_index("case_id").sort_index()[keys]
    pd.testing.assert_frame_equal(resumed, uninterrupted)
