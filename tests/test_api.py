"""zkprof as a library, a toy case source through the public API, and bring-your-own-guest runs."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

import zkprof.api as zp
from zkprof import metrics
from zkprof.calibration import CalibrationOp, calibration_input
from zkprof.guest import GuestProgram
from zkprof.paths import GUESTS_DIR, REPO_ROOT
from zkprof.sources import raw_input_bytes

from .test_workflow import case_files, run_metrics, snakemake

EXAMPLES = REPO_ROOT / "examples" / "state_tests"


@dataclass(frozen=True)
class LoopSizes:
    """A toy source written against the public API only: one case per size in a text file."""

    root: Path
    kind: str = "loop_sizes"

    def files(self) -> list[Path]:
        return sorted(self.root.glob("*.txt"))

    def load_file(self, path: Path) -> tuple[list[zp.SourceCase], list[zp.CaseError]]:
        cases, errors = [], []
        for n, line in enumerate(path.read_text().split()):
            if not line.isdigit():
                errors.append(
                    zp.CaseError(path.name, None, f"line {n + 1}", f"not a size: {line!r}")
                )
                continue
            case_id = f"{path.stem}__{line}"
            description = {
                "kind": self.kind,
                "case_id": case_id,
                "source": path.name,
                "group": path.stem,
            }
            size = int(line)
            cases.append(
                zp.SourceCase(
                    case_id,
                    path.name,
                    path.stem,
                    None,
                    description,
                    lambda size=size: calibration_input(CalibrationOp.LCG_ROUNDS, size),
                )
            )
        return cases, errors


def test_toy_source_through_the_public_api(tmp_path: Path, calibration: GuestProgram) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "sizes.txt").write_text("1000 20000 oops 300000\n")
    config = zp.RunConfig(results_dir=tmp_path / "results", segment_po2=16)
    df = zp.profile(LoopSizes(tmp_path / "in"), calibration, config)
    ok = df[df["status"] == metrics.MATCHED].sort_values("total_cycles")
    assert list(ok["case_id"]) == ["sizes__1000", "sizes__20000", "sizes__300000"]
    assert ok["total_cycles"].is_monotonic_increasing
    bad = df[df["status"] == metrics.FAILED]
    assert (
        len(bad) == 1 and "line 3" in bad.iloc[0]["reason"] and "sizes.txt" in bad.iloc[0]["reason"]
    )

    # Skip-if-exists, then force.
    files = sorted((tmp_path / "results" / "execute" / "cases").glob("*.parquet"))
    mtimes = [p.stat().st_mtime_ns for p in files]
    zp.profile(LoopSizes(tmp_path / "in"), calibration, config)
    assert [p.stat().st_mtime_ns for p in files] == mtimes
    zp.profile(
        LoopSizes(tmp_path / "in"),
        calibration,
        zp.RunConfig(**(vars(config) | {"force_rerun": True})),
    )
    assert all(p.stat().st_mtime_ns != m for p, m in zip(files, mtimes, strict=True))


def test_library_writes_what_the_workflow_writes(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    shutil.copytree(EXAMPLES / "transfer", tmp_path / "tests" / "transfer")
    snakemake(tmp_path)
    workflow = run_metrics(tmp_path).set_index("case_id").sort_index()
    program = zp.build_guest("evm", tmp_path / "lib_guests")
    lib = zp.profile(
        zp.StateTests(tmp_path / "tests"), program, zp.RunConfig(results_dir=tmp_path / "lib")
    )
    lib = lib.set_index("case_id").sort_index()
    assert list(lib.index) == list(workflow.index)
    same = [
        "status",
        "total_cycles",
        "user_cycles",
        "state_root",
        "logs_hash",
        "gas_used",
        "image_id",
        "group",
    ]
    pd.testing.assert_frame_equal(lib[same], workflow[same])


def test_raw_input_rules(tmp_path: Path) -> None:
    (tmp_path / "a.hex").write_text("00 e8 03 00 00\n")
    (tmp_path / "b.json").write_text(json.dumps({"words": [1, 2**32 - 1]}))
    (tmp_path / "c.json").write_text(json.dumps({"utf8": "hi"}))
    assert raw_input_bytes(tmp_path / "a.hex") == calibration_input(CalibrationOp.LCG_ROUNDS, 1000)
    assert raw_input_bytes(tmp_path / "b.json") == b"\x01\0\0\0\xff\xff\xff\xff"
    assert raw_input_bytes(tmp_path / "c.json") == b"hi"
    (tmp_path / "d.json").write_text(json.dumps({"words": [-1]}))
    with pytest.raises(ValueError, match="words"):
        raw_input_bytes(tmp_path / "d.json")


def test_bring_your_own_guest_in_the_workflow(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    (inputs / "small").mkdir(parents=True)
    (inputs / "big").mkdir()
    for n in (1_000, 10_000):
        (inputs / "small" / f"lcg_{n}.bin").write_bytes(
            calibration_input(CalibrationOp.LCG_ROUNDS, n)
        )
    (inputs / "big" / "lcg_200000.hex").write_text(
        calibration_input(CalibrationOp.LCG_ROUNDS, 200_000).hex()
    )
    (inputs / "big" / "panics.bin").write_bytes(
        calibration_input(CalibrationOp.PANIC, 0, b"on purpose")
    )
    (inputs / "big" / "bad.json").write_text('{"hex": "zz"}')
    guest = tmp_path / "my_guest"
    shutil.copytree(GUESTS_DIR / "calibration", guest, ignore=shutil.ignore_patterns("target"))
    snakemake(tmp_path, guest=str(guest), inputs_dir=str(inputs), segment_po2=16)
    df = run_metrics(tmp_path).set_index("case_id")
    assert df.loc["small__lcg_1000.bin", "status"] == metrics.MATCHED
    assert (
        df.loc["big__lcg_200000.hex", "total_cycles"]
        > df.loc["small__lcg_10000.bin", "total_cycles"]
    )
    assert df.loc["small__lcg_1000.bin", "group"] == "small"
    assert "on purpose" in df.loc["big__panics.bin", "reason"]
    assert df.filter(like="bad.json", axis=0)["reason"].str.contains("bad.json").all()
    assert (df["guest"].dropna() == "my_guest").all()
    before = case_files(tmp_path)
    snakemake(
        tmp_path, guest=str(guest), inputs_dir=str(inputs), segment_po2=16, retry_failed=False
    )
    assert case_files(tmp_path) == before


def test_job_entry_point_refuses_bad_usage(capsys: pytest.CaptureFixture[str]) -> None:
    from zkprof import jobs

    assert jobs.main(["no-such-job", "{}", "log"]) == 2
    assert jobs.main(["run-cases"]) == 2
    assert "usage: python -m zkprof.jobs witnesses|run-cases" in capsys.readouterr().err
