"""Per-case rows -> the run's dataset, its hardware description and a plain summary table."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from zkprof import metrics
from zkprof.atomic import write_atomic, write_bytes_atomic
from zkprof.hardware import describe_hardware
from zkprof.report.image_ids import ImageIds, check_one_image, image_ids, image_labels


def input_error_rows(
    errors: Iterable[str], sources: Iterable[str], action: str
) -> list[dict[str, Any]]:
    """One failed row per input file problem, so bad fixtures show up in every report."""
    rows = []
    for message, source in zip(errors, sources, strict=True):
        digest = hashlib.sha256(message.encode()).hexdigest()[:12]
        safe = re.sub(r"[^A-Za-z0-9_-]+", "_", source)[:100]
        rows.append(
            {
                "schema_version": metrics.SCHEMA_VERSION,
                "case_id": f"input_error__{safe}__{digest}",
                "source": source,
                "group": str(Path(source).parent),
                "action": action,
                "status": metrics.FAILED,
                "reason": f"bad input: {message}",
                "timestamp": dt.datetime.now(dt.UTC),
            }
        )
    return rows


def summary_table(df: pd.DataFrame) -> pd.DataFrame:
    """Per group: case counts by status, cycles, gas and times (sums over matched cases)."""
    ok = df[df["status"] == metrics.MATCHED]
    counts = pd.crosstab(df["group"], df["status"]).reindex(
        columns=list(metrics.STATUSES), fill_value=0
    )
    sums = ok.groupby("group")[
        ["total_cycles", "gas_used", "execute_ms", "prove_ms", "native_ms"]
    ].sum(min_count=1)
    table = counts.join(sums, how="left")
    table["cycles_per_gas"] = table["total_cycles"] / table["gas_used"].where(table["gas_used"] > 0)
    total = table.sum(numeric_only=True, min_count=1)
    total["cycles_per_gas"] = (
        total["total_cycles"] / total["gas_used"] if total.get("gas_used") else float("nan")
    )
    table.loc["**all**"] = total
    return table


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "-"
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _guest_lines(images: ImageIds) -> list[str]:
    if images.mixed:
        return [
            f"**Rows of {len(images.counts)} guest programs (image ids):** {images.listing()}. "
            "Each group is shown per image id (`guest@image id prefix/group`).",
        ]
    return [f"Guest: {images.describe(i)}." for i in images.counts]


def render_summary(
    df: pd.DataFrame, hardware: dict[str, Any], images: ImageIds | None = None
) -> str:
    """The summary table; `df` of a run mixing image ids has its groups already split per id."""
    table = summary_table(df)
    header = ["group", *table.columns]
    lines = [
        f"# zkprof summary: {', '.join(sorted(df['action'].dropna().unique())) or 'no cases'}",
        "",
        f"{len(df)} cases on {hardware['cpu_model']} ({hardware['cpu_cores_logical']} cores, "
        f"{hardware['memory_bytes'] / 2**30:.1f} GiB), risc0 {hardware['risc0_zkvm']}.",
        *_guest_lines(images or ImageIds()),
        "Cycles, gas and times are sums over matched cases.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for group, row in table.iterrows():
        cells = [str(group)] + [_fmt(v.item() if hasattr(v, "item") else v) for v in row.tolist()]
        lines.append("| " + " | ".join(cells) + " |")
    problems = df[df["status"].isin([metrics.FAILED, metrics.MISMATCHED])]
    if len(problems):
        lines += [
            "",
            "## Failed and mismatched cases",
            "",
            "| case | status | reason |",
            "|---|---|---|",
        ]
        for _, r in problems.sort_values("case_id").iterrows():
            reason = str(r["reason"]).replace("|", "\\|").replace("\n", " ")
            lines.append(f"| {r['case_id']} | {r['status']} | {reason} |")
    profiled = df[df["hot_functions"].notna()] if "hot_functions" in df else df.iloc[0:0]
    if len(profiled):
        lines += [
            "",
            "## Hottest guest functions (pprof)",
            "",
            "| case | functions (share of cycles) |",
            "|---|---|",
        ]
        for _, r in profiled.sort_values("total_cycles", ascending=False).head(50).iterrows():
            lines.append(f"| {r['case_id']} | {str(r['hot_functions']).replace('|', '/')} |")
    return "\n".join(lines) + "\n"


def with_predictions(table: pa.Table, calibration: Mapping[str, Any]) -> pa.Table:
    """`table` with predicted_* filled for every row that has segments, for a job of the row's own
    base RSS (one prediction per distinct segment po2s and base)."""
    from zkprof.predict import PREDICTION_FIELDS, prediction_fields

    cache: dict[tuple[tuple[int, ...], int | None], dict[str, Any]] = {}
    columns: dict[str, list[Any]] = {name: [] for name in PREDICTION_FIELDS}
    bases = table["base_rss_bytes"].to_pylist()
    for po2s, base in zip(table["segment_po2s"].to_pylist(), bases, strict=True):
        key = (tuple(po2s or ()), base)
        if key[0] and key not in cache:
            cache[key] = prediction_fields(key[0], calibration, base)
        for name in PREDICTION_FIELDS:
            columns[name].append(cache[key][name] if key[0] else None)
    for name, values in columns.items():
        i = table.schema.get_field_index(name)
        table = table.set_column(
            i, table.schema.field(i), pa.array(values, table.schema.field(i).type)
        )
    return table


def aggregate_run(
    case_files: list[Path],
    *,
    metrics_out: Path,
    hardware_out: Path,
    summary_out: Path,
    log_path: Path | None = None,
    allow_mixed_image_ids: bool = False,
    calibration_path: Path | None = None,
) -> pd.DataFrame:
    """Write the run's dataset, hardware description and summary; returns the rows.

    With a calibration (`zkprof calibrate`), every row that ran gets its proving predictions
    (`predicted_*`, from its segments): what proving it would cost, or beside a proof's measurement.

    Rows of more than one image id (cases kept from an older build of the guest) raise
    `MixedImageIdsError` before anything is written, unless `allow_mixed_image_ids`: then the
    summary shows each group per image id."""
    table = metrics.read_table(case_files)
    images = image_ids(table)
    check_one_image(images, str(metrics_out.parent), allow_mixed=allow_mixed_image_ids)
    if calibration_path is not None:
        from zkprof.calibrate import load_calibration

        table = with_predictions(table, load_calibration(calibration_path))
    hardware = describe_hardware()
    # The hardware description travels inside the dataset too, so a copied file stays described.
    schema_meta = dict(table.schema.metadata or {}) | {
        b"zkprof.hardware": json.dumps(hardware).encode()
    }
    table = table.replace_schema_metadata(schema_meta)
    write_atomic(metrics_out, lambda tmp: pq.write_table(table, tmp, compression="zstd"))
    write_bytes_atomic(hardware_out, (json.dumps(hardware, indent=2) + "\n").encode())
    df = table.to_pandas()
    shown = df
    if images.mixed:
        labels = image_labels(table, images).to_pandas().astype(str).to_numpy()
        shown = df.assign(group=labels + "/" + df["group"].fillna("").astype(str))
    text = render_summary(shown, hardware, images)
    write_bytes_atomic(summary_out, text.encode())
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_path.write_text(f"aggregated {len(df)} rows from {len(case_files)} files\n")
    return df
