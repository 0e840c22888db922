# Snakemake adapter: fail (with the list) when a metric regressed beyond the threshold.
from pathlib import Path

from zkprof.report.pipeline import build_run_report

sm = snakemake  # noqa: F821 (provided by Snakemake)
changes = build_run_report(
    Path(sm.input.metrics),
    Path(sm.input.prev),
    noise_pct=sm.params.noise_pct,
    allow_mixed_images=sm.config["allow_mixed_image_ids"],
).changes()
worse = changes.exceeding(sm.params.threshold_pct) if changes is not None else None
note = f"note: {changes.note}\n" if changes is not None and changes.note else ""
if worse is not None and len(worse):
    Path(sm.log[0]).write_text(note + worse.to_string(index=False) + "\n")
    raise SystemExit(
        f"{note}regressions of at least {sm.params.threshold_pct}% (see {sm.input.report}):\n"
        + worse.to_string(index=False)
    )
verdict = f"{note}no regression of {sm.params.threshold_pct}% or more\n"
Path(sm.log[0]).write_text(verdict)
Path(sm.output[0]).write_text(verdict)
