# Snakemake adapter: an execute run's predictions -> estimate.md and estimate.json.
from pathlib import Path

from zkprof.calibrate import load_calibration
from zkprof.report.estimate_report import write_estimate

sm = snakemake  # noqa: F821 (provided by Snakemake)
written = write_estimate(
    Path(sm.input.metrics),
    Path(sm.output.markdown).parent,
    provers=sm.params.provers,
    calibration=load_calibration(sm.input.calibration[0]),
)
Path(sm.log[0]).write_text("".join(f"{p}\n" for p in written))
