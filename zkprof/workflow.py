"""What the Snakemake workflow needs at DAG-build time: the list of cases, fast.

Snakemake parses the workflow on every call (`snakemake -n` included), so the case index is cached
per input file, keyed by the file's path and content: only new or edited files are parsed again.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from zkprof.atomic import write_bytes_atomic
from zkprof.cases import CaseError
from zkprof.sources import CaseSource

# Bump when the parser changes what it derives from a file, so cached indexes are not reused.
INDEX_VERSION = "2"


@dataclass(frozen=True)
class CaseRef:
    """One case as the DAG sees it: enough to name its jobs and find its input file."""

    case_id: str
    source: str  # input file relative to the tests folder
    group: str
    skip_reason: str | None
    position: int  # place among all cases of its file (before filtering)


@dataclass(frozen=True)
class Batch:
    """The cases one run job handles: neighbours in one input file."""

    source: str
    case_ids: tuple[str, ...]


def jobs_use_this_interpreter() -> None:
    """Puts the folder of the Python running Snakemake first on PATH, so that a job's `python3` is
    the project's virtualenv, never another one (a stock Debian's has none of zkprof's packages).
    Every job, a SLURM job too, reads the Snakefile again and so does the same."""
    folder = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if path.split(os.pathsep)[0] != folder:
        os.environ["PATH"] = os.pathsep.join([folder, path]) if path else folder


def source_key(source: str) -> str:
    """A file-name-safe, unique name for an input file (the witness job's wildcard)."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", source.removesuffix(".json")).strip("_")[:80]
    return f"{stem}-{hashlib.sha256(source.encode()).hexdigest()[:8]}"


@dataclass
class CaseIndex:
    root: Path
    cases: list[CaseRef]
    errors: list[CaseError]

    def by_id(self) -> dict[str, CaseRef]:
        return {c.case_id: c for c in self.cases}

    def sources(self) -> dict[str, str]:
        """source_key -> input file, for files with at least one selected case."""
        return {source_key(c.source): c.source for c in self.cases}

    def batches(self, cases_per_job: int) -> dict[str, Batch]:
        """batch id -> its cases. A batch is a fixed slice of its file's cases (by position, before
        filtering), so changing filters or editing another file never moves a case between batches:
        what re-runs is exactly the batches whose cases or inputs changed."""
        slices: dict[tuple[str, int], list[str]] = {}
        for c in self.cases:
            slices.setdefault((c.source, c.position // cases_per_job), []).append(c.case_id)
        return {
            f"{source_key(source)}-{k:04d}": Batch(source, tuple(ids))
            for (source, k), ids in slices.items()
        }


def _index_file(
    source: CaseSource, path: Path, cache_dir: Path | None
) -> tuple[list[CaseRef], list[CaseError]]:
    data = path.read_bytes()
    rel = path.relative_to(source.root).as_posix()
    key = hashlib.sha256(f"{INDEX_VERSION}\0{source.kind}\0{rel}\0".encode() + data).hexdigest()
    cached = cache_dir / f"{key}.json" if cache_dir else None
    if cached and cached.exists():
        entry = json.loads(cached.read_text())
        return [CaseRef(**c) for c in entry["cases"]], [CaseError(**e) for e in entry["errors"]]
    cases, errors = source.load_file(path)
    refs = [CaseRef(c.case_id, c.source, c.group, c.skip_reason, i) for i, c in enumerate(cases)]
    if cached:
        entry = {"cases": [asdict(r) for r in refs], "errors": [asdict(e) for e in errors]}
        write_bytes_atomic(cached, json.dumps(entry).encode())
    return refs, errors


def index_cases(
    source: CaseSource,
    include: list[str] | None = None,
    exclude: list[str] | None = None,
    cache_dir: Path | None = None,
) -> CaseIndex:
    """All cases of `source` whose id matches an `include` regex (all if none) and no `exclude`
    regex. Files that cannot be read give errors, never exceptions."""
    if not source.root.is_dir():
        raise FileNotFoundError(f"{source.root} is not a folder")
    includes = [re.compile(p) for p in include or []]
    excludes = [re.compile(p) for p in exclude or []]
    cases: list[CaseRef] = []
    errors: list[CaseError] = []
    for path in source.files():
        refs, errs = _index_file(source, path, cache_dir)
        errors += errs
        cases += [
            r
            for r in refs
            if (not includes or any(p.search(r.case_id) for p in includes))
            and not any(p.search(r.case_id) for p in excludes)
        ]
    return CaseIndex(root=source.root, cases=cases, errors=errors)


def source_files(root: Path) -> list[Path]:
    """The files of a crate (or folder of crates) whose content defines a build, without targets."""
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and "target" not in p.relative_to(root).parts
        and p.suffix in {".rs", ".toml", ".lock"}
    )


def forced_targets(config: dict, results: Path, action: str, batches: dict[str, Batch]) -> set[str]:
    """Rules and files to add to Snakemake's forcerun set for `force_rerun` and `retry_failed`."""
    from zkprof.profile import batch_metrics_path, failed_marker

    forced: set[str] = set()
    if config.get("force_rerun"):
        forced.add("run_cases")
    if config.get("retry_failed"):
        forced |= {
            str(batch_metrics_path(results, action, batch_id))
            for batch_id, batch in batches.items()
            if any(failed_marker(results, action, c).exists() for c in batch.case_ids)
        }
    return forced


def force_when_dag_is_built(workflow: Any, targets: Callable[[], set[str]]) -> None:
    """Add `targets()` (rule names or files) to Snakemake's --forcerun set.

    Snakemake 9 hands the workflow its DAG settings only after the Snakefile is parsed, so a Snakefile
    cannot extend --forcerun directly; this intercepts that assignment on this workflow object.
    tests/test_workflow.py checks that forcing works, so a Snakemake change that breaks it shows."""
    base = type(workflow)

    def get(self: Any) -> Any:
        return self.__dict__.get("_zkprof_dag_settings")

    def set_(self: Any, settings: Any) -> None:
        if settings is not None:
            settings.forcerun = set(settings.forcerun) | targets()
        self.__dict__["_zkprof_dag_settings"] = settings

    workflow.__class__ = type(base.__name__, (base,), {"dag_settings": property(get, set_)})


def normalize_config(config: dict[str, Any], schema_path: Path) -> None:
    """`--config key=value` gives strings for what YAML would read as booleans, null or lists
    (`force_rerun=true`, `cycle_limit=null`, `include=[...]`): read such strings as YAML wherever
    the schema does not allow a string, before validation."""
    import yaml

    properties = yaml.safe_load(schema_path.read_text())["properties"]
    for key, value in config.items():
        allowed = properties.get(key, {}).get("type", [])
        allowed = [allowed] if isinstance(allowed, str) else allowed
        if isinstance(value, str) and "string" not in allowed:
            config[key] = yaml.safe_load(value)


MIN_PROVE_MEM_MB = 128


@dataclass(frozen=True)
class ProofPlan:
    """How one case is proved: its segment po2 (None: refused), why, and the memory to ask for."""

    po2: int | None
    note: str | None
    mem_mb: int


def execute_rows(metrics_path: Path) -> dict[str, dict[str, Any]]:
    """case id -> cycles and segments of its last execute run (matched or mismatched rows)."""
    if not metrics_path.exists():
        return {}

    from zkprof import metrics

    columns = ["case_id", "status", "user_cycles", "paging_cycles", "segments", "segment_po2s"]
    rows = metrics.read_table([metrics_path]).select([*columns, "base_rss_bytes"]).to_pylist()
    return {
        r["case_id"]: r for r in rows if r["status"] in ("matched", "mismatched") and r["segments"]
    }


def plan_proofs(
    case_ids: Iterable[str],
    po2: int,
    calibration: Mapping[str, Any],
    executed: Mapping[str, Mapping[str, Any]],
    memory_limit_bytes: int,
    auto_po2: bool,
) -> dict[str, ProofPlan]:
    """Per case: the po2 to prove at and the memory its job asks for, predicted from the machine's
    calibration and the case's execute run (when there is one; otherwise one full segment at `po2`
    is assumed, the most a run at `po2` can need).

    With `auto_po2`, the po2 of least predicted proving time within the memory limit. Without, `po2`
    unless its predicted peak RSS exceeds the limit: then the largest po2 that fits, with a note
    saying so; a case for which no po2 fits is refused (po2 None) with the reason."""
    from zkprof.predict import choose_po2, predict, segments_at

    def split(row: Mapping[str, Any] | None, at: int) -> list[int]:
        if row is None:
            return [at]
        return segments_at(
            row["user_cycles"],
            at,
            paging_cycles=row["paging_cycles"],
            segments=row["segments"],
            observed_po2=max(row["segment_po2s"]),
        )

    def rss(row: Mapping[str, Any] | None, at: int) -> int | None:
        try:
            base = row.get("base_rss_bytes") if row is not None else None
            return predict(split(row, at), calibration, base).predicted_peak_rss_bytes
        except ValueError:  # no room for guest cycles at that po2
            return None

    limit = f"{memory_limit_bytes / 1e9:.1f} GB"
    plans = {}
    for case_id in case_ids:
        row = executed.get(case_id)
        chosen: int | None = po2
        note = None
        if auto_po2 and row is not None:
            try:
                # The row's segment_po2 shows the choice; its reason stays for what went wrong.
                chosen, _why = choose_po2(
                    row["user_cycles"],
                    calibration,
                    memory_limit_bytes,
                    paging_cycles=row["paging_cycles"],
                    segments=row["segments"],
                    observed_po2=max(row["segment_po2s"]),
                    base_rss_bytes=row.get("base_rss_bytes"),
                )
            except ValueError as err:
                chosen, note = None, f"refused: {err}"
        else:
            need = rss(row, po2)
            if need is None or need > memory_limit_bytes:
                fits = [
                    p
                    for p in range(po2 - 1, 13, -1)
                    if (rss(row, p) or 2**63) <= memory_limit_bytes
                ]
                chosen = fits[0] if fits else None
                predicted = "unknown" if need is None else f"{need / 1e9:.1f} GB"
                note = (
                    f"po2 lowered from {po2} to {chosen}: predicted peak RSS at po2 {po2} is "
                    f"{predicted}, over the memory limit of {limit}"
                    if chosen is not None
                    else f"refused: no segment po2 from 14 to {po2} fits in the memory limit of "
                    f"{limit} (predicted peak RSS at po2 {po2}: {predicted})"
                )
        need = rss(row, chosen) if chosen is not None else None
        # 20% above the prediction: the acceptance bound of the model is 15%.
        mem_mb = max(MIN_PROVE_MEM_MB, math.ceil((need or 0) * 1.2 / 1e6))
        plans[case_id] = ProofPlan(chosen, note, mem_mb)
    return plans
