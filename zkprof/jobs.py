"""The workflow's per-file and per-batch jobs: `python -m zkprof.jobs witnesses|run-cases SPEC LOG`.

SPEC is one JSON object (the rule builds it, see rules/). These are shell commands rather than
Snakemake `script:`s because a script job imports Snakemake before it starts (0.2 s per job,
measured), and a workflow of small cases has many jobs.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from zkprof.metrics import without_pandas


def witnesses(spec: dict[str, Any], log_path: Path) -> None:
    """One input file -> the witnesses of all its cases (see zkprof.witness)."""
    from zkprof.sources import source_for
    from zkprof.witness import write_file_witnesses

    source = source_for(spec["tests_dir"], spec["inputs_dir"])
    descriptions = write_file_witnesses(source, Path(spec["source_file"]), Path(spec["out"]))
    log_path.write_text("".join(f"{d['case_id']}: error={d['error']}\n" for d in descriptions))


def run_cases(spec: dict[str, Any], log_path: Path) -> None:
    """A batch of witnesses + the program -> one metrics row per case (see zkprof.profile)."""
    from zkprof.profile import run_batch
    from zkprof.runner import RunSettings

    # risc0's prover uses rayon; keep it within the threads Snakemake gave this job.
    os.environ["RAYON_NUM_THREADS"] = str(spec["threads"])
    settings = RunSettings(
        action=spec["action"],
        segment_po2=spec["segment_po2"],
        cycle_limit=spec["cycle_limit"],
        receipt_kind=spec["receipt_kind"],
        timeout_s=spec["timeout_s"],
    )
    with log_path.open("w") as log:
        run_batch(
            Path(spec["witnesses"]),
            list(spec["case_ids"]),
            Path(spec["program"]),
            Path(spec["metrics"]),
            settings,
            results_dir=Path(spec["results_dir"]),
            pprof=spec["pprof"],
            plan=spec["plan"],
            log=lambda line: print(line, file=log, flush=True),
        )


JOBS = {"witnesses": witnesses, "run-cases": run_cases}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3 or args[0] not in JOBS:
        print(f"usage: python -m zkprof.jobs {'|'.join(JOBS)} SPEC_JSON LOG", file=sys.stderr)
        return 2
    without_pandas()  # neither job uses pandas (see there)
    JOBS[args[0]](json.loads(args[1]), Path(args[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
