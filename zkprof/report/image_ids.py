"""Which guest programs (image ids) a run's rows come from, and the rule that one run is one program.

The workflow's dataset (`zkprof.aggregate`) and every report (`zkprof.report.load`) check it here, so
numbers of two guests are never aggregated or compared as if they were one: mixed rows are refused
unless asked for, and then grouped per image id. Rows with no image id (an input that could not be
read never reaches a guest) do not count as a program of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from zkprof.report.load_errors import ReportInputError

IMAGE_ID = "image_id"
GUEST = "guest"
# The grouping label a run mixing image ids is split by: "<guest>@<image id prefix>".
IMAGE_LABEL = "guest_image"
SHORT_ID_CHARS = 12  # enough to tell image ids apart in a table; messages name them in full
NO_IMAGE = "no image id"
ALLOW_FLAG = "--allow-mixed-image-ids"


class MixedImageIdsError(ReportInputError):
    """One run's rows come from several guest programs (image ids)."""


def _rows(n: int) -> str:
    return f"{n:,} row" if n == 1 else f"{n:,} rows"


def short_id(image_id: str) -> str:
    return image_id[:SHORT_ID_CHARS]


@dataclass(frozen=True)
class ImageIds:
    """Rows per image id (most rows first), the guest names recorded with each, and rows with none."""

    counts: dict[str, int] = field(default_factory=dict)
    guests: dict[str, tuple[str, ...]] = field(default_factory=dict)
    unknown: int = 0

    @property
    def mixed(self) -> bool:
        return len(self.counts) > 1

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(self.counts)

    def describe(self, image_id: str, *, full: bool = True) -> str:
        """'evm (image id 0123...)': the guest name(s) and the id, in full unless `full` is off."""
        names = ", ".join(self.guests.get(image_id, ())) or "unnamed guest"
        return f"{names} (image id {image_id if full else short_id(image_id)})"

    def label(self, image_id: str) -> str:
        names = "+".join(self.guests.get(image_id, ())) or "guest"
        return f"{names}@{short_id(image_id)}"

    def listing(self, *, full: bool = True) -> str:
        """Every image id with its guest and row count, most rows first."""
        parts = [f"{self.describe(i, full=full)}: {_rows(n)}" for i, n in self.counts.items()]
        if self.unknown:
            parts.append(f"{NO_IMAGE}: {_rows(self.unknown)}")
        return "; ".join(parts)


def image_ids(table: pa.Table) -> ImageIds:
    """The image ids of a metrics table (columns `image_id` and `guest`; either may be absent)."""
    if IMAGE_ID not in table.column_names or not table.num_rows:
        return ImageIds(unknown=table.num_rows if IMAGE_ID not in table.column_names else 0)
    keys = [IMAGE_ID, *([GUEST] if GUEST in table.column_names else [])]
    # Grouped on the (dictionary-encoded) columns: no per-row Python, cheap for a million rows.
    grouped = table.select(keys).group_by(keys).aggregate([([], "count_all")]).to_pylist()
    counts: dict[str, int] = {}
    guests: dict[str, set[str]] = {}
    unknown = 0
    for row in grouped:
        image_id, n = row[IMAGE_ID], int(row["count_all"])
        if not image_id:
            unknown += n
            continue
        counts[image_id] = counts.get(image_id, 0) + n
        if row.get(GUEST):
            guests.setdefault(image_id, set()).add(row[GUEST])
    ordered = dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
    return ImageIds(ordered, {i: tuple(sorted(g)) for i, g in guests.items()}, unknown)


def check_one_image(ids: ImageIds, source: str, *, allow_mixed: bool = False) -> None:
    """Refuse a run whose rows come from more than one image id, naming the ids and row counts."""
    if not ids.mixed or allow_mixed:
        return
    raise MixedImageIdsError(
        f"{source}: rows of {len(ids.counts)} guest programs in one run ({ids.listing()}). "
        "Numbers of different programs cannot be aggregated as one run: rerun the cases of the "
        "stale program (e.g. delete their Parquet files or use force_rerun), or allow it with "
        f"{ALLOW_FLAG} (allow_mixed_image_ids) to report each image id separately."
    )


def image_labels(table: pa.Table, ids: ImageIds) -> pa.Array:
    """Per row, the IMAGE_LABEL of its image id ("evm@0123456789ab"; NO_IMAGE without one)."""
    if IMAGE_ID not in table.column_names:
        return pa.array([NO_IMAGE] * table.num_rows, pa.string())
    column = table.column(IMAGE_ID).combine_chunks()
    # Labels are computed per distinct id, then taken per row by index: no per-row Python.
    distinct = list(ids.counts)
    names = [ids.label(i) for i in distinct] + [NO_IMAGE]
    value_set = pa.array(distinct, pa.string())
    if pa.types.is_dictionary(column.type):
        per_word = pc.index_in(column.dictionary, value_set=value_set).fill_null(len(distinct))
        words = np.append(per_word.to_numpy(zero_copy_only=False), len(distinct))
        rows = column.indices.fill_null(len(column.dictionary)).to_numpy(zero_copy_only=False)
        codes = words[rows]
    else:
        index = pc.index_in(column, value_set=value_set).fill_null(len(distinct))
        codes = index.to_numpy(zero_copy_only=False)
    return pa.DictionaryArray.from_arrays(
        pa.array(codes.astype(np.int32)), pa.array(names, pa.string())
    )


def image_change(current: ImageIds, previous: ImageIds) -> str | None:
    """A plain sentence when two runs do not come from the same guest program, else None."""
    if current.ids == previous.ids:
        return None
    if not previous.ids:
        return (
            "The previous run records no image id, so it cannot be told whether it ran the same "
            "guest program as this one."
        )
    if not current.ids:
        return (
            "This run records no image id, so it cannot be told whether it ran the same guest "
            "program as the previous one."
        )
    now = " and ".join(current.describe(i) for i in current.counts)
    before = " and ".join(previous.describe(i) for i in previous.counts)
    return (
        f"The guest program changed: this run ran {now}, the previous run {before}. Changes in "
        "cycles (and in the times that follow them) come from the different guest program, not "
        "only from zkprof, risc0 or the machine."
    )
