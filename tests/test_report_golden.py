"""Reports against golden files checked by hand (see the comments for what was checked).

Regenerate with ZKPROF_UPDATE_GOLDEN=1 after a deliberate change, then check the diff by hand."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import jsonschema
import pytest

from tests.report_fixtures import native_rows, openvm_metrics, write_json
from zkprof.metrics import write_rows
from zkprof.report.bencher import MAX_MEASURE_CHARS, measure_name
from zkprof.report.cli import main
from zkprof.report.pipeline import write_reports

GOLDEN = Path(__file__).parent / "golden"
BMF_SCHEMA = json.loads((GOLDEN / "bmf.schema.json").read_text())


def assert_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("ZKPROF_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), f"{name} differs from its golden file"


def check_bmf(doc: dict) -> None:
    jsonschema.validate(doc, BMF_SCHEMA)
    for measures in doc.values():
        assert all(len(m) <= MAX_MEASURE_CHARS for m in measures)


@pytest.fixture
def native_run(tmp_path: Path) -> tuple[Path, Path]:
    """Current run: cycles x1.1, proving x0.5 against the previous run."""
    write_rows(native_rows(), tmp_path / "prev" / "prove" / "metrics.parquet")
    write_rows(native_rows(1.1, 0.5), tmp_path / "cur" / "prove" / "metrics.parquet")
    return tmp_path / "cur" / "prove", tmp_path / "prev"


def test_native_report(native_run: Path, tmp_path: Path) -> None:
    # Checked by hand: arith cycles 1100/2200/3300 (+10%, red: cycles, lower is better);
    # prove_ms halved (green); prove_cycles_per_s x2.2 (+120%, green: higher is better);
    # gas_used unchanged (no span); estimates on 32 provers: total 8 s (was 16), parallel 3 s.
    current, prev = native_run
    out = tmp_path / "report"
    paths = write_reports(
        current, out, prev, benchmark_results_link="https://example.org/r", plots=False
    )
    assert [p.name for p in paths] == ["report.md", "bencher.json", "summary.md"]
    report = (out / "report.md").read_text().replace(str(prev), "PREV")
    assert_golden("native_report.md", report)
    assert_golden("native_summary.md", (out / "summary.md").read_text())
    doc = json.loads((out / "bencher.json").read_text())
    check_bmf(doc)
    assert doc["prove"]["proof_time_s"] == {"value": 8.0}
    assert doc["prove::arith"]["total_cycles"] == {
        "value": 2200.0,
        "lower_value": 1100.0,
        "upper_value": 3300.0,
    }


def test_native_report_without_baseline(tmp_path: Path) -> None:
    write_rows(native_rows(), tmp_path / "run" / "metrics.parquet")
    write_reports(tmp_path / "run" / "metrics.parquet", tmp_path / "out", plots=False)
    assert_golden("native_report_no_prev.md", (tmp_path / "out" / "report.md").read_text())


@pytest.fixture
def openvm_files(tmp_path: Path) -> tuple[Path, Path]:
    """Current: proving 10% faster than the previous file, preflight rates per segment x2."""
    current = write_json(openvm_metrics(), tmp_path / "fib-abc.json")
    prev = write_json(
        openvm_metrics(proof_scale=1.1, rate_scale=0.5), tmp_path / "prev" / "fib-abc.json"
    )
    return current, prev


def test_openvm_outputs(openvm_files: tuple[Path, Path], tmp_path: Path) -> None:
    # Checked by hand against openvm-prof's rules:
    # fib proof time 20 ms metered + 1000 + 500 = 1.52 s; parallel: 20 + 150 ms serial preflight
    #   + max(900, 450) = 1.07 s; leaf 0.7 s sequential, 0.4 parallel; internal.0 0.25 s.
    # generate_blob_total_time_ms = 1.996 + 2 = 3.996 -> "4" (openvm-prof prints "3.100").
    # Preflight rate max/min doubled: green (openvm-prof: red). Keygen group: not in the tables.
    current, prev = openvm_files
    summary_path = tmp_path / "summary.md"
    code = main(
        [
            "--json-paths", str(current),
            "--prev-json-paths", str(prev),
            "--output-json", str(tmp_path / "bmf.json"),
            "summary",
            "--benchmark-results-link", "https://example.org/results",
            "--summary-md-path", str(summary_path),
        ]
    )  # fmt: skip
    assert code == 0
    assert_golden("openvm_fib.md", current.with_suffix(".md").read_text())
    assert_golden("openvm_fib.detailed.md", (tmp_path / "fib-abc.detailed.md").read_text())
    assert_golden("openvm_summary.md", summary_path.read_text())
    doc = json.loads((tmp_path / "bmf.json").read_text())
    check_bmf(doc)
    assert doc["fib"]["total_proof_time_s"]["value"] == pytest.approx(1.52 + 0.7 + 0.25)
    assert doc["fib::leaf"]["total_proof_time_ms"] == {
        "value": 350.0,
        "lower_value": 300.0,
        "upper_value": 400.0,
    }


def test_openvm_zero_baseline_and_no_previous(tmp_path: Path) -> None:
    """A metric that was 0 reads "from 0", never "NaN%"; a missing previous file compares nothing."""
    doc = openvm_metrics()
    prev = openvm_metrics()
    for e in prev["gauge"]:
        if e["metric"] == "execute_metered_time_ms":
            e["value"] = 0
    current = write_json(doc, tmp_path / "a.json")
    write_json(prev, tmp_path / "prev.json")
    assert (
        main(["--json-paths", str(current), "--prev-json-paths", str(tmp_path / "prev.json")]) == 0
    )
    text = current.with_suffix(".md").read_text()
    assert "NaN" not in text and "inf" not in text
    assert (
        "| `execute_metered_time_ms` | <span style='color: red'>(+20.0 ms [from 0])</span> 20.0 ms |"
        in text
    )
    assert (
        main(["--json-paths", str(current), "--prev-json-paths", str(tmp_path / "none.json")]) == 0
    )
    assert "<span" not in current.with_suffix(".md").read_text()


def test_openvm_output_does_not_depend_on_entry_order(
    openvm_files: tuple[Path, Path], tmp_path: Path
) -> None:
    current, _ = openvm_files
    doc = json.loads(current.read_text())
    for kind in ("counter", "gauge"):
        random.Random(1).shuffle(doc[kind])
        for e in doc[kind]:
            random.Random(2).shuffle(e["labels"])
    shuffled = write_json(doc, tmp_path / "shuffled" / current.name)
    assert main(["--json-paths", str(current)]) == 0
    assert main(["--json-paths", str(shuffled)]) == 0
    for suffix in (".md", ".detailed.md"):
        assert (tmp_path / "shuffled" / f"{current.stem}{suffix}").read_text() == (
            current.parent / f"{current.stem}{suffix}"
        ).read_text()


def test_long_measure_names_stay_unique() -> None:
    a, b = "x" * 70 + "_time_ms", "x" * 70 + "_cells"
    assert len(measure_name(a)) == MAX_MEASURE_CHARS
    assert measure_name(a) != measure_name(b)
    assert measure_name("short_ms") == "short_ms"
