"""zkprof as a library: profile cases from Python (a notebook, a script) without Snakemake.

    from pathlib import Path
    import zkprof.api as zp

    program = zp.build_guest("evm", Path("build/guests"))
    source = zp.StateTests(Path("examples/state_tests"))
    df = zp.profile(source, program, zp.RunConfig(results_dir=Path("results")))

It writes the same rows, failure markers and logs as the workflow, through the same functions the
workflow's jobs call; it keeps one Parquet file per case (the workflow keeps one per batch).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from zkprof import metrics
from zkprof.cases import CaseError
from zkprof.guest import GuestProgram, build_program, resolve_guest_dir
from zkprof.profile import (
    case_log_path,
    case_metrics_path,
    failed_marker,
    record_case,
    warm_program,
)
from zkprof.runner import RunSettings, Worker
from zkprof.sources import CaseSource, RawInputs, SourceCase, StateTests
from zkprof.witness import prepare

__all__ = [
    "CaseError",
    "CaseSource",
    "RawInputs",
    "RunConfig",
    "SourceCase",
    "StateTests",
    "build_guest",
    "load_cases",
    "profile",
    "profile_cases",
]


@dataclass(frozen=True)
class RunConfig:
    """The settings of a run, as in config.yaml."""

    results_dir: Path
    action: str = "execute"
    segment_po2: int = 18
    cycle_limit: int | None = 4_000_000_000
    timeout_s: float | None = 7200
    receipt_kind: str = "composite"
    force_rerun: bool = False
    retry_failed: bool = True

    def settings(self) -> RunSettings:
        return RunSettings(
            action=self.action,
            segment_po2=self.segment_po2,
            cycle_limit=self.cycle_limit,
            receipt_kind=self.receipt_kind,
            timeout_s=self.timeout_s,
        )


def build_guest(guest: str | Path, out_dir: Path, *, accelerators: bool = True) -> GuestProgram:
    """Build a guest crate (a name under native/guests/ or a path) with the offline toolchain.
    `accelerators`, as the workflow's setting of that name (and its default): the built-in EVM
    guest with RISC Zero's accelerators (`evm-accelerated`)."""
    return build_program(resolve_guest_dir(guest, accelerators=accelerators), out_dir)


def load_cases(
    source: CaseSource, include: Iterable[str] = (), exclude: Iterable[str] = ()
) -> tuple[list[SourceCase], list[CaseError]]:
    """Every case of a source, filtered by regexes on case ids like the workflow's include/exclude."""
    includes = [re.compile(p) for p in include]
    excludes = [re.compile(p) for p in exclude]
    cases: list[SourceCase] = []
    errors: list[CaseError] = []
    for path in source.files():
        found, errs = source.load_file(path)
        errors += errs
        cases += [
            c
            for c in found
            if (not includes or any(p.search(c.case_id) for p in includes))
            and not any(p.search(c.case_id) for p in excludes)
        ]
    return cases, errors


def _needs_run(config: RunConfig, case_id: str) -> bool:
    if (
        config.force_rerun
        or not case_metrics_path(config.results_dir, config.action, case_id).exists()
    ):
        return True
    return (
        config.retry_failed and failed_marker(config.results_dir, config.action, case_id).exists()
    )


def profile_cases(
    cases: Iterable[SourceCase], program: GuestProgram, config: RunConfig
) -> pd.DataFrame:
    """Profile each case (skipping those whose metrics exist, unless forced or a failed retry) and
    return all their rows."""
    settings = config.settings()
    warm_program(program)
    paths = []
    with Worker(program.program_path.read_bytes()) as worker:
        for case in cases:
            out = case_metrics_path(config.results_dir, config.action, case.case_id)
            if _needs_run(config, case.case_id):
                description, guest_input = prepare(case)
                row = record_case(
                    description,
                    guest_input,
                    program,
                    settings,
                    results_dir=config.results_dir,
                    log_path=case_log_path(config.results_dir, config.action, case.case_id),
                    worker=worker,
                )
                metrics.write_rows([row], out)
            paths.append(out)
    return metrics.read_table(paths).to_pandas()


def profile(
    source: CaseSource,
    program: GuestProgram,
    config: RunConfig,
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
) -> pd.DataFrame:
    """Load a source's cases and profile them. An input file that cannot be read becomes a failed
    row naming the file and field (as in the workflow); every other case still runs."""
    from zkprof.aggregate import input_error_rows

    cases, errors = load_cases(source, include, exclude)
    df = profile_cases(cases, program, config)
    if not errors:
        return df
    bad = metrics.to_table(
        input_error_rows([str(e) for e in errors], [e.source for e in errors], config.action)
    )
    return pd.concat([df, bad.to_pandas()], ignore_index=True)
