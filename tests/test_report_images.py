"""One run, one guest program: rows of several image ids are refused (or, when allowed, grouped per
image id), and a comparison with a run of another guest says so, in the workflow's dataset and in
every report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from tests.report_fixtures import native_rows
from zkprof import metrics
from zkprof.aggregate import aggregate_run as aggregate_dataset
from zkprof.aggregate import input_error_rows
from zkprof.metrics import write_rows
from zkprof.report.aggregate import TOTAL
from zkprof.report.cli import EXIT_USAGE, main
from zkprof.report.image_ids import (
    IMAGE_LABEL,
    NO_IMAGE,
    MixedImageIdsError,
    image_ids,
    image_labels,
)
from zkprof.report.load import ReportInputError, load_run
from zkprof.report.pipeline import build_run_report, write_reports

OLD = "a0" * 32
NEW = "b1" * 32
OTHER = "c2" * 32


def tagged(rows: list[dict[str, Any]], image_id: str, guest: str = "evm") -> list[dict[str, Any]]:
    return [row | {"image_id": image_id, "guest": guest} for row in rows]


def mixed_rows() -> list[dict[str, Any]]:
    """native_rows from the new guest, but the two arith cases 2 and 3 kept from the old one."""
    rows = tagged(native_rows(), NEW)
    for row in rows:
        if row["case_id"] in ("arith_2", "arith_3"):
            row["image_id"] = OLD
    return rows


def write(rows: list[dict[str, Any]], path: Path) -> Path:
    write_rows(rows, path)
    return path


def test_image_ids_counts_and_labels() -> None:
    table = metrics.to_table(
        mixed_rows() + input_error_rows(["bad json"], ["tests/x.json"], "prove")
    )
    ids = image_ids(table)
    assert ids.counts == {NEW: 5, OLD: 2}  # most rows first
    assert ids.guests == {NEW: ("evm",), OLD: ("evm",)}
    assert ids.unknown == 1 and ids.mixed
    labels = image_labels(table, ids).to_pylist()
    assert labels[:3] == [f"evm@{NEW[:12]}", f"evm@{OLD[:12]}", f"evm@{OLD[:12]}"]
    assert labels[-1] == NO_IMAGE
    # Dictionary-encoded columns (as reports read them) give the same labels.
    encoded = table.set_column(
        table.schema.get_field_index("image_id"),
        "image_id",
        table.column("image_id").dictionary_encode(),
    )
    assert image_labels(encoded, image_ids(encoded)).to_pylist() == labels


def test_rows_without_image_id_are_not_a_program() -> None:
    # Input errors never reached a guest: one image id plus those is still one program.
    rows = tagged(native_rows(), NEW) + input_error_rows(["bad"], ["t/a.json"], "prove")
    ids = image_ids(metrics.to_table(rows))
    assert not ids.mixed and ids.unknown == 1
    assert not image_ids(metrics.to_table(native_rows())).counts  # no image ids at all
    assert not image_ids(pa.table({"case_id": ["a"]})).mixed  # no column


def test_report_refuses_mixed_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(mixed_rows(), tmp_path / "prove" / "metrics.parquet")
    with pytest.raises(MixedImageIdsError) as refused:
        load_run(path)
    message = str(refused.value)
    assert f"evm (image id {NEW}): 5 rows" in message
    assert f"evm (image id {OLD}): 2 rows" in message
    assert "--allow-mixed-image-ids" in message
    assert isinstance(refused.value, ReportInputError)
    # The workflow's report rule and the command line both refuse it.
    with pytest.raises(MixedImageIdsError):
        write_reports(path, tmp_path / "out", plots=False)
    assert main([str(path), "--out", str(tmp_path / "o"), "--no-plots"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "2 guest programs" in err and OLD in err and NEW in err
    assert not (tmp_path / "o" / "report.md").exists()


def test_mixed_run_allowed_is_split_per_image(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(mixed_rows(), tmp_path / "prove" / "metrics.parquet")
    report = build_run_report(path, allow_mixed_images=True)
    agg = report.aggregate
    assert agg.by == (IMAGE_LABEL, "group")
    new, old = f"evm@{NEW[:12]}", f"evm@{OLD[:12]}"
    assert agg.groups == [f"{old}/arith", f"{new}/arith", f"{new}/calls"]  # natural order
    assert agg.stat(f"{old}/arith", "total_cycles", "sum") == 5000  # cases 2 and 3
    assert agg.stat(f"{new}/arith", "total_cycles", "sum") == 1000
    assert agg.stat(TOTAL, "total_cycles", "sum") == 16000

    out = tmp_path / "out"
    status = main([str(path), "--out", str(out), "--no-plots", "--allow-mixed-image-ids"])
    assert status == 0
    text = (out / "report.md").read_text()
    assert "**Rows of 2 guest programs (image ids) in this run:**" in text
    assert f"| {old}/arith |" in text and "split per image id" in text
    summary = (out / "summary.md").read_text()
    assert "(see note)" in summary and "reported per image id" in summary
    bencher = json.loads((out / "bencher.json").read_text())
    assert f"prove::{old}/arith" in bencher


def test_single_image_id_is_named(tmp_path: Path) -> None:
    path = write(tagged(native_rows(), NEW), tmp_path / "prove" / "metrics.parquet")
    report = build_run_report(path)
    assert report.aggregate.by == ("group",)  # no split for one program
    out = tmp_path / "out"
    write_reports(path, out, plots=False)
    assert f"Guest: evm (image id {NEW})." in (out / "report.md").read_text()
    assert "see note" not in (out / "summary.md").read_text()


def test_comparison_across_guests_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prev = write(tagged(native_rows(), OLD), tmp_path / "prev" / "prove" / "metrics.parquet")
    cur = write(tagged(native_rows(1.1), NEW), tmp_path / "cur" / "prove" / "metrics.parquet")
    report = build_run_report(cur, prev)
    assert report.comparison is not None
    change = report.comparison.image_change
    assert change is not None and OLD in change and NEW in change
    changes = report.changes()
    assert changes is not None and changes.note == change
    assert len(changes.regressions)  # still compared, and still listed: but never silently

    out = tmp_path / "out"
    assert main([str(cur), "--prev", str(prev), "--out", str(out), "--no-plots"]) == 0
    assert "note: The guest program changed" in capsys.readouterr().err
    text = (out / "report.md").read_text()
    intro, _, rest = text.partition("## Regressions")
    assert "**Different guest program.** The guest program changed" in intro
    assert OLD in intro and NEW in intro
    assert "do not share one known image id" in rest.partition("## Cases by status")[0]
    summary = (out / "summary.md").read_text()
    assert "[prove](" not in summary  # no link given: the name, marked
    assert "prove (see note)" in summary
    assert f"- **prove**: The guest program changed: this run ran evm (image id {NEW})" in summary


def test_same_guest_comparison_has_no_note(tmp_path: Path) -> None:
    prev = write(tagged(native_rows(), NEW), tmp_path / "prev" / "prove" / "metrics.parquet")
    cur = write(tagged(native_rows(1.1), NEW), tmp_path / "cur" / "prove" / "metrics.parquet")
    report = build_run_report(cur, prev)
    assert report.comparison is not None and report.comparison.image_change is None
    changes = report.changes()
    assert changes is not None and changes.note is None
    out = tmp_path / "out"
    write_reports(cur, out, prev, plots=False)
    assert "Different guest program" not in (out / "report.md").read_text()
    assert "note" not in (out / "summary.md").read_text()


def test_unknown_previous_image_id(tmp_path: Path) -> None:
    prev = write(native_rows(), tmp_path / "prev" / "prove" / "metrics.parquet")
    cur = write(tagged(native_rows(), NEW), tmp_path / "cur" / "prove" / "metrics.parquet")
    report = build_run_report(cur, prev)
    assert report.comparison is not None
    assert "previous run records no image id" in str(report.comparison.image_change)


def test_mixed_previous_run(tmp_path: Path) -> None:
    prev = write(mixed_rows(), tmp_path / "prev" / "prove" / "metrics.parquet")
    cur = write(tagged(native_rows(), NEW), tmp_path / "cur" / "prove" / "metrics.parquet")
    with pytest.raises(MixedImageIdsError, match="prev"):
        build_run_report(cur, prev)
    # Allowed: both runs are split the same way, so the same program's groups are compared.
    report = build_run_report(cur, prev, allow_mixed_images=True)
    assert report.comparison is not None
    assert report.aggregate.by == report.comparison.previous.by == (IMAGE_LABEL, "group")
    group = f"evm@{NEW[:12]}/arith"
    change = report.comparison.change(group, "total_cycles", "sum")
    assert (change.value, change.baseline) == (6000, 1000)  # arith_2, _3 were the old guest's


def test_workflow_dataset_refuses_mixed_run(tmp_path: Path) -> None:
    cases = tmp_path / "prove" / "cases"
    files = [write([row], cases / f"{row['case_id']}.parquet") for row in mixed_rows()]
    out = tmp_path / "prove"
    metrics_out, hardware_out, summary_out = (
        out / "metrics.parquet",
        out / "hardware.json",
        out / "summary.md",
    )

    def dataset(allow: bool) -> pd.DataFrame:
        return aggregate_dataset(
            files,
            metrics_out=metrics_out,
            hardware_out=hardware_out,
            summary_out=summary_out,
            allow_mixed_image_ids=allow,
        )

    with pytest.raises(MixedImageIdsError) as refused:
        dataset(False)
    assert f"{OLD}): 2 rows" in str(refused.value) and f"{NEW}): 5 rows" in str(refused.value)
    assert not any(p.exists() for p in (metrics_out, hardware_out, summary_out))  # none written

    df = dataset(True)
    assert len(df) == 7
    summary = summary_out.read_text()
    assert "**Rows of 2 guest programs (image ids):**" in summary
    assert f"| evm@{OLD[:12]}/arith |" in summary and f"| evm@{NEW[:12]}/calls |" in summary
    # The dataset itself keeps each row's own group and image id.
    assert sorted(df["group"].unique()) == ["arith", "calls"]
    # ... and the report of it must be allowed explicitly too.
    with pytest.raises(MixedImageIdsError):
        load_run(metrics_out)


def test_workflow_dataset_names_its_guest(tmp_path: Path) -> None:
    rows = tagged(native_rows(), NEW) + input_error_rows(["bad"], ["t/a.json"], "prove")
    files = [write(rows, tmp_path / "cases.parquet")]
    aggregate_dataset(
        files,
        metrics_out=tmp_path / "metrics.parquet",
        hardware_out=tmp_path / "hardware.json",
        summary_out=tmp_path / "summary.md",
    )
    summary = (tmp_path / "summary.md").read_text()
    assert f"Guest: evm (image id {NEW})." in summary
    assert "| arith |" in summary
