# Snakemake adapter: a run's metrics (and optionally a previous run's) -> markdown, Bencher JSON,
# GitHub summary and plots (see zkprof.report).
from pathlib import Path

from zkprof.report.pipeline import write_reports

sm = snakemake  # noqa: F821 (provided by Snakemake)
written = write_reports(
    Path(sm.input.metrics),
    Path(sm.output.markdown).parent,
    Path(sm.input.prev[0]) if sm.input.prev else None,
    noise_pct=sm.params.noise_pct,
    provers=sm.params.provers,
    benchmark_results_link=sm.params.link,
    allow_mixed_images=sm.config["allow_mixed_image_ids"],
)
Path(sm.log[0]).write_text("\n".join(str(p) for p in written) + "\n")
