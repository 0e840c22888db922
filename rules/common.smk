# Configuration checks, case discovery and the input functions every other rule uses.
import json
from pathlib import Path

import psutil
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from zkprof.calibrate import load_calibration

from zkprof.guest import resolve_guest_dir
from zkprof.paths import GUESTS_DIR, NATIVE_DIR
from zkprof.profile import batch_metrics_path
from zkprof.sources import source_for
from zkprof.workflow import (
    force_when_dag_is_built,
    forced_targets,
    index_cases,
    jobs_use_this_interpreter,
    execute_rows,
    normalize_config,
    plan_proofs,
    source_files,
    source_key,
)

normalize_config(config, Path(workflow.basedir) / "config" / "schema.yaml")
validate(config, "../config/schema.yaml")

jobs_use_this_interpreter()
RESULTS = Path(config["results_dir"])
ACTION = config["action"]
# An estimate is an execute run plus predictions: it shares (and reuses) the execute results.
RUN_ACTION = "execute" if ACTION == "estimate" else ACTION
SOURCE = source_for(config.get("tests_dir"), config.get("inputs_dir"))
GUEST_DIR = resolve_guest_dir(config["guest"], accelerators=config["accelerators"])
GUEST = GUEST_DIR.name

# Filters go positionally: snakefmt would read a keyword argument named after it as a directive.
INDEX = index_cases(SOURCE, config["include"], config["exclude"], RESULTS / ".index")
CASES = INDEX.by_id()
SOURCES = INDEX.sources()
# Cases run in batches (neighbours in one file) so that thousands of cases are not thousands of
# jobs; each case still has its own row, log and failure marker.
BATCHES = {
    action: INDEX.batches(size) for action, size in config["cases_per_job"].items()
}


wildcard_constraints:
    source_key=r"[A-Za-z0-9_-]+",
    batch=r"[A-Za-z0-9_-]+",
    action=r"execute|prove",


def case_metrics(action):
    return [batch_metrics_path(RESULTS, action, b) for b in BATCHES[action]]


def guest_sources(wildcards):
    # zkprof's own guests use the shared crates: a change there is a new guest.
    roots = [GUEST_DIR]
    if GUEST_DIR.resolve().parent == GUESTS_DIR:
        roots += [NATIVE_DIR / "evm", NATIVE_DIR / "types"]
    return [str(p) for root in roots if root.is_dir() for p in source_files(root)]


def source_file_of(wildcards):
    return SOURCE.root / SOURCES[wildcards.source_key]


def witnesses_of_batch(wildcards):
    source = BATCHES[wildcards.action][wildcards.batch].source
    return RESULTS / "witnesses" / f"{source_key(source)}.parquet"


def calibration_inputs(wildcards=None):
    """The calibration predictions come from: the configured file, or the one the calibrate rule
    makes in the results (when it exists, or an estimate needs it)."""
    if config["calibration"]:
        return [config["calibration"]]
    made = RESULTS / "calibration.json"
    return [made] if ACTION == "estimate" or made.exists() else []


def proof_plans():
    """Per case, when proving with a calibration: po2, note and memory (see plan_proofs)."""
    if (
        ACTION != "prove"
        or not calibration_inputs()
        or not Path(calibration_inputs()[0]).exists()
    ):
        if config["auto_po2"]:
            raise WorkflowError(
                "auto_po2 needs a calibration: pass calibration=FILE (from `zkprof calibrate`) "
                f"or run `snakemake {RESULTS / 'calibration.json'}` first"
            )
        return {}
    limit = config["prove_memory_mb"] * 10**6 if config["prove_memory_mb"] else None
    return plan_proofs(
        CASES,
        config["segment_po2"],
        load_calibration(calibration_inputs()[0]),
        execute_rows(RESULTS / "execute" / "metrics.parquet"),
        limit or int(psutil.virtual_memory().total * 0.8),
        config["auto_po2"],
    )


PLANS = proof_plans()


def batch_plan(wildcards):
    batch = BATCHES[wildcards.action][wildcards.batch]
    if wildcards.action != "prove" or not PLANS:
        return None
    return {c: [PLANS[c].po2, PLANS[c].note] for c in batch.case_ids}


def run_cases_spec(wildcards, input, output, threads):
    """What a run job needs, as one JSON argument of `python -m zkprof.jobs run-cases`."""
    return json.dumps(
        {
            "action": wildcards.action,
            "case_ids": BATCHES[wildcards.action][wildcards.batch].case_ids,
            "witnesses": input.witnesses,
            "program": input.program,
            "metrics": output.metrics,
            "results_dir": str(RESULTS),
            "threads": threads,
            "segment_po2": config["segment_po2"],
            "cycle_limit": config["cycle_limit"],
            "receipt_kind": config["receipt_kind"],
            "timeout_s": config.get("timeout_s"),
            "pprof": config["pprof"],
            "plan": batch_plan(wildcards),
        }
    )


def prove_mem_mb(wildcards):
    if wildcards.action != "prove":
        return 512
    if PLANS:  # predicted from the calibration, per case
        batch = BATCHES[wildcards.action][wildcards.batch]
        return max(PLANS[c].mem_mb for c in batch.case_ids)
    # Without one: about 2x per +1 po2 (measured: 0.6 GB at po2 16).
    return max(
        512, int(config["prove_mem_mb_base"] * 2 ** (config["segment_po2"] - 16))
    )


def job_threads(wildcards):
    # risc0's executor is single-threaded; its prover uses every thread it is given.
    if wildcards.action == "execute":
        return 1
    return config["prove_threads"] or workflow.cores


def all_outputs():
    if ACTION == "estimate":
        return [
            RESULTS / "execute" / "metrics.parquet",
            RESULTS / "execute" / "summary.md",
            RESULTS / "estimate" / "estimate.md",
            RESULTS / "estimate" / "estimate.json",
        ]
    reports = RESULTS / ACTION / "report"
    gate = [reports / "no_regression.txt"] if config["fail_on_regression_pct"] else []
    return [
        RESULTS / ACTION / "metrics.parquet",
        RESULTS / ACTION / "summary.md",
        reports / "report.md",
        reports / "bencher.json",
        reports / "summary.md",
    ] + gate


# --config force_rerun=true forces every case, as Snakemake's own --forcerun run_cases does; with
# retry_failed, the batches holding a case whose last run failed are forced, so they run again.
force_when_dag_is_built(
    workflow, lambda: forced_targets(config, RESULTS, RUN_ACTION, BATCHES[RUN_ACTION])
)


def results_note():
    if ACTION == "estimate":
        return (
            f"zkprof: {len(CASES)} cases executed; what proving them would cost: "
            f"{RESULTS / 'estimate' / 'estimate.md'}"
        )
    where = RESULTS / ACTION
    return (
        f"zkprof: {len(CASES)} cases, results in {where}/: metrics.parquet (one row per case), "
        f"summary.md, report/report.md, report/bencher.json"
    )
