# Snakemake adapter: a batch of witnesses + program -> one metrics row per case (see zkprof.profile).
import os
from pathlib import Path

from zkprof.metrics import without_pandas
from zkprof.profile import run_batch
from zkprof.runner import RunSettings

sm = snakemake  # noqa: F821 (provided by Snakemake)
without_pandas()
# risc0's prover uses rayon; keep it within the threads Snakemake gave this job.
os.environ["RAYON_NUM_THREADS"] = str(sm.threads)
settings = RunSettings(
    action=sm.wildcards.action,
    segment_po2=sm.params.segment_po2,
    cycle_limit=sm.params.cycle_limit,
    receipt_kind=sm.params.receipt_kind,
    timeout_s=sm.config.get("timeout_s"),
)
with open(sm.log[0], "w") as log:
    run_batch(
        Path(sm.input.witnesses),
        list(sm.params.case_ids),
        Path(sm.input.program),
        Path(sm.output.metrics),
        settings,
        results_dir=Path(sm.params.results_dir),
        pprof=sm.params.pprof,
        plan=sm.params.plan,
        log=lambda line: print(line, file=log, flush=True),
    )
