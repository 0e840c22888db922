"""The concise GitHub summary of zkprof runs: one row per run, linked to its full report."""

from __future__ import annotations

from dataclasses import dataclass

from zkprof import metrics
from zkprof.report.aggregate import TOTAL, Aggregate
from zkprof.report.compare import Change, RunComparison, classify
from zkprof.report.fmt import cell, format_number
from zkprof.report.markdown import escape
from zkprof.report.metrics_catalog import direction_of, spec_for
from zkprof.report.predictions import format_error_pct

# Columns after the run and its case counts: (header, metric, statistic); "estimate" reads the
# proving-time estimates. A column shows when any run has it.
SUMMARY_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("total_cycles (sum)", "total_cycles", "sum"),
    ("cycles_per_gas (mean)", "cycles_per_gas", "mean"),
    ("execute_ms (sum)", "execute_ms", "sum"),
    ("proof_time_s", "proof_time_s", "estimate"),
    ("par_proof_time_s", "par_proof_time_s", "estimate"),
    ("par_proof_time_s ({provers} provers)", "bounded_par_proof_time_s", "estimate"),
)


@dataclass(frozen=True)
class SummaryRow:
    name: str
    report_path: str  # relative to the benchmark-results link
    aggregate: Aggregate
    comparison: RunComparison | None


def _value(aggregate: Aggregate, metric: str, stat: str) -> float | None:
    if stat != "estimate":
        return aggregate.stat(TOTAL, metric, stat)
    est = aggregate.estimates
    return float(est.at[TOTAL, metric]) if metric in est.columns and TOTAL in est.index else None


def _notes(row: SummaryRow) -> list[str]:
    """What the row's numbers must be read with: several guest programs, or a different one."""
    notes = []
    images = row.aggregate.run.images
    if images.mixed:
        notes.append(
            f"rows of {len(images.counts)} guest programs ({images.listing(full=False)}), "
            "reported per image id"
        )
    if row.comparison is not None and row.comparison.image_change:
        notes.append(row.comparison.image_change)
    return notes


def prediction_line(row: SummaryRow) -> str | None:
    """One line of a run's median prediction errors, when it has proofs beside predictions."""
    check = row.aggregate.predictions
    if check is None:
        return None
    errors = ", ".join(f"{e.label} {format_error_pct(e.median_abs_pct)}" for e in check.errors)
    return (
        f"Prediction check of **{escape(row.name)}** ({check.cases:,} proved cases), median "
        f"absolute error: {errors}."
    )


def render_summary(rows: list[SummaryRow], link: str | None, noise_pct: float) -> str:
    columns = [
        c for c in SUMMARY_COLUMNS if any(_value(r.aggregate, c[1], c[2]) is not None for r in rows)
    ]
    provers = rows[0].aggregate.provers if rows else 0
    header = ["run", "matched cases", *(c[0].format(provers=provers) for c in columns)]
    lines = ["| " + " | ".join(header) + " |", "| -- |" + " -- |" * (len(header) - 1)]
    notes: list[str] = []
    for row in rows:
        counts = row.aggregate.counts.loc[TOTAL]
        name = escape(row.name)
        title = f"[{name}]({link.rstrip('/')}/{row.report_path})" if link else name
        row_notes = _notes(row)
        if row_notes:
            title += " (see note)"
            notes += [f"- **{name}**: {escape(note)}" for note in row_notes]
        cells = [
            title,
            f"{format_number(int(counts[metrics.MATCHED]))}/{format_number(int(counts['total']))}",
        ]
        for _, metric, stat in columns:
            value = _value(row.aggregate, metric, stat)
            change: Change | None = None
            if row.comparison is not None:
                baseline = _value(row.comparison.previous, metric, stat)
                change = classify(value, baseline, direction_of(metric), noise_pct)
            cells.append(cell(value, change, spec_for(metric).unit).strip())
        lines.append("| " + " | ".join(cells) + " |")
    if notes:
        lines += ["", *notes]
    for row in rows:
        line = prediction_line(row)
        if line is not None:
            lines += ["", line]  # a paragraph each: consecutive lines would run together
    return "\n".join(lines) + "\n"
