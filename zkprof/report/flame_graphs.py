"""Flame graphs of a run's guest profiles (`pprof: true`): one per group, merging its matched
cases' stacks, written into the report folder and linked from report.md. The run job writes each
case's own beside its profile (results/<action>/logs/<case>.svg)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from zkprof.pprof import folded_stacks, write_flame_graph
from zkprof.report.aggregate import Aggregate

FLAME_DIR = "flame_graphs"


@dataclass(frozen=True)
class FlameGraphs:
    groups: dict[str, Path] = field(default_factory=dict)  # group -> its merged flame graph
    cases: dict[str, list[tuple[str, Path]]] = field(default_factory=dict)  # group -> (case, svg)


def profiles_dir(aggregate: Aggregate) -> Path:
    """Where the run job left the profiles: results/<action>/logs beside metrics.parquet."""
    source = aggregate.run.source
    return (source if source.is_dir() else source.parent) / "logs"


def _file_name(group: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", group) + ".svg"


def write_group_flame_graphs(aggregate: Aggregate, out_dir: Path) -> FlameGraphs:
    """A merged flame graph per group that has profiles (none when the run has none) in
    out_dir/flame_graphs, which always exists: the workflow declares it."""
    (out_dir / FLAME_DIR).mkdir(parents=True, exist_ok=True)
    logs = profiles_dir(aggregate)
    if not logs.is_dir():
        return FlameGraphs()
    ids = aggregate.run.strings("case_id").to_pylist()
    matched = np.flatnonzero(aggregate.matched)
    codes = aggregate.grouping.codes[matched]
    out = FlameGraphs()
    for code, group in enumerate(aggregate.groups):
        stacks: Counter[str] = Counter()
        merged = 0
        for row in matched[codes == code]:
            profile = logs / f"{ids[row]}.pprof"
            if not profile.is_file():
                continue
            stacks.update(folded_stacks(profile))
            merged += 1
            svg = profile.with_suffix(".svg")
            if svg.is_file():
                out.cases.setdefault(group, []).append((ids[row], svg))
        if stacks:
            path = out_dir / FLAME_DIR / _file_name(group)
            title = f"{aggregate.run.name}: {group}, {merged} case{'s' * (merged != 1)} merged"
            subtitle = f"{sum(stacks.values()):,} user cycles sampled"
            out.groups[group] = write_flame_graph(stacks, title, path, subtitle)
    return out
