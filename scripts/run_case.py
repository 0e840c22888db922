# Snakemake adapter: witness + program -> one metrics row (see zkprof.profile).
import os
from pathlib import Path

from zkprof.profile import run_case_files
from zkprof.runner import RunSettings

sm = snakemake  # noqa: F821 (provided by Snakemake)
# risc0's prover uses rayon; keep it within the threads Snakemake gave this job.
os.environ["RAYON_NUM_THREADS"] = str(sm.threads)
log_path = Path(sm.log[0])
settings = RunSettings(
    action=sm.wildcards.action,
    segment_po2=sm.params.segment_po2,
    cycle_limit=sm.params.cycle_limit,
    receipt_kind=sm.params.receipt_kind,
    timeout_s=sm.config.get("timeout_s"),
    pprof_path=log_path.with_suffix(".pprof") if sm.params.pprof else None,
)
run_case_files(
    Path(sm.input.case),
    Path(sm.input.witness),
    Path(sm.input.program),
    Path(sm.output.metrics),
    settings,
    results_dir=Path(sm.params.results_dir),
    log_path=log_path,
)
