"""A run's dataset, read for reporting: only the columns a report uses, schema version checked."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from zkprof import metrics
from zkprof.report.image_ids import (
    GUEST,
    IMAGE_ID,
    IMAGE_LABEL,
    ImageIds,
    check_one_image,
    image_ids,
    image_labels,
)
from zkprof.report.load_errors import ReportInputError
from zkprof.report.metrics_catalog import NATIVE_METRICS, PREDICTED_METRICS

__all__ = ["ReportInputError", "Run", "load_run", "resolve_metrics_path", "split_by_image"]

METRICS_FILE = "metrics.parquet"
HARDWARE_FILE = "hardware.json"
ACTIONS = ("execute", "prove")
# Columns every report reads besides the metrics and the grouping labels.
BASE_COLUMNS = ("case_id", "status", "reason", "action", GUEST, IMAGE_ID)


@dataclass(frozen=True)
class Run:
    name: str
    action: str
    source: Path
    # BASE_COLUMNS, the grouping labels, and the metric and predicted_* columns the file has
    table: pa.Table
    hardware: dict[str, Any] | None
    images: ImageIds = field(default_factory=ImageIds)  # the guest programs the rows come from
    # Columns converted once: a report reads each many times.
    _converted: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def metric_names(self) -> list[str]:
        return [m for m in NATIVE_METRICS if m in self.table.column_names]

    def values(self, column: str) -> np.ndarray:
        """A numeric column as float64, nulls as NaN (read-only: it is shared)."""
        key = f"values:{column}"
        if key not in self._converted:
            col = pc.cast(self.table.column(column), pa.float64())
            array = col.to_numpy(zero_copy_only=False)
            array.flags.writeable = False
            self._converted[key] = array
        return self._converted[key]

    def strings(self, column: str) -> pa.Array:
        key = f"strings:{column}"
        if key not in self._converted and column == IMAGE_LABEL:
            # Not stored: derived from image_id and guest, for a run split per image id.
            self._converted[key] = image_labels(self.table, self.images)
        if key not in self._converted:
            array = self.table.column(column).combine_chunks()
            if pa.types.is_dictionary(array.type):
                array = array.dictionary_decode()
            self._converted[key] = array.fill_null("")
        return self._converted[key]


def resolve_metrics_path(path: Path, action: str | None = None) -> Path:
    """A Parquet file, a run folder (results/<action>) or a results folder -> the metrics file.

    In a results folder holding several actions, `action` picks one (a comparison uses the action
    of the run it is compared with)."""
    if path.is_file():
        return path
    if (path / METRICS_FILE).is_file():
        return path / METRICS_FILE
    if not path.exists():
        raise ReportInputError(f"{path}: no such file or folder")
    found = [a for a in ACTIONS if (path / a / METRICS_FILE).is_file()]
    if action in found:
        return path / str(action) / METRICS_FILE
    if len(found) == 1:
        return path / found[0] / METRICS_FILE
    if not found:
        raise ReportInputError(f"{path}: no {METRICS_FILE} here nor in {'/ or '.join(ACTIONS)}/")
    raise ReportInputError(
        f"{path} holds runs for {', '.join(found)}: name one, e.g. {path / found[0]}"
    )


def _hardware(path: Path, schema: pa.Schema) -> dict[str, Any] | None:
    raw = (schema.metadata or {}).get(b"zkprof.hardware")
    if raw:
        return dict(json.loads(raw))
    sibling = path.parent / HARDWARE_FILE
    return dict(json.loads(sibling.read_text())) if sibling.is_file() else None


def load_run(
    path: Path,
    *,
    group_by: tuple[str, ...] = ("group",),
    name: str | None = None,
    action: str | None = None,
    allow_mixed_images: bool = False,
) -> Run:
    """Read the columns a report needs from a run's metrics (see `resolve_metrics_path`).

    Rows of more than one image id raise `MixedImageIdsError` unless `allow_mixed_images`; group
    such a run by IMAGE_LABEL too (`split_by_image`)."""
    file = resolve_metrics_path(Path(path), action)
    try:
        schema = pq.read_schema(file)
    except (OSError, pa.ArrowInvalid) as err:
        raise ReportInputError(f"{file}: not a Parquet file ({err})") from err
    version = (schema.metadata or {}).get(b"zkprof.schema_version", b"?").decode()
    if version not in metrics.READABLE_VERSIONS:
        raise ReportInputError(
            f"{file}: metrics schema version {version}, expected one of {metrics.READABLE_VERSIONS}"
        )
    unknown = [label for label in group_by if label not in (*schema.names, IMAGE_LABEL)]
    if unknown:
        raise ReportInputError(f"{file}: no column {', '.join(unknown)} to group by")
    wanted = [*BASE_COLUMNS, *group_by, *NATIVE_METRICS, *PREDICTED_METRICS.values()]
    columns = [c for c in dict.fromkeys(wanted) if c in schema.names]
    # Repetitive labels stay dictionary-encoded as stored: far cheaper than decoding 1M strings.
    labels = [c for c in ("status", "action", "reason", GUEST, IMAGE_ID, *group_by) if c in columns]
    table = pq.read_table(file, columns=columns, memory_map=True, read_dictionary=labels)
    images = image_ids(table)
    check_one_image(images, str(file), allow_mixed=allow_mixed_images)
    actions = pc.unique(table.column("action").drop_null()).to_pylist() if table.num_rows else []
    run_action = action or ("/".join(sorted(actions)) if actions else file.parent.name)
    return Run(
        name=name or run_action,
        action=run_action,
        source=file,
        table=table,
        hardware=_hardware(file, schema),
        images=images,
    )


def split_by_image(by: tuple[str, ...], *runs: Run | None) -> tuple[str, ...]:
    """The grouping for runs that are compared: per image id first when any of them mixes ids, so
    a group never holds rows of two guest programs."""
    if IMAGE_LABEL in by or not any(run is not None and run.images.mixed for run in runs):
        return by
    return (IMAGE_LABEL, *by)
