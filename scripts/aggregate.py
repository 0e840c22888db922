# Snakemake adapter: per-case rows -> dataset, hardware description and summary table.
from pathlib import Path

from zkprof.aggregate import aggregate_run

sm = snakemake  # noqa: F821 (provided by Snakemake)
aggregate_run(
    [Path(p) for p in sm.input.cases] + [Path(sm.input.errors)],
    metrics_out=Path(sm.output.metrics),
    hardware_out=Path(sm.output.hardware),
    summary_out=Path(sm.output.summary),
    log_path=Path(sm.log[0]),
    allow_mixed_image_ids=sm.config["allow_mixed_image_ids"],
    calibration_path=Path(sm.input.calibration[0]) if sm.input.calibration else None,
)
