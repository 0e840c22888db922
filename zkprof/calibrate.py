"""Calibrate proving on this machine: seconds per segment, peak memory and receipt bytes per po2.

    zkprof calibrate --po2 14..20 --repeats 3 --out build/calibration.json [--threads N]

Proves the calibration guest (LCG rounds, sized so that each proof is a fixed number of segments all
of one po2) `repeats` times per po2, each proof in a forked child through
`zkprof.runner.measure_isolated`, the path real proving jobs take, so that time and peak RSS
(the child's VmHWM) are measured the same way. zkprof/predict.py turns the result into predictions.

The JSON document (schema_version 1):

    {"schema": "zkprof.calibration", "schema_version": 1, "created": ISO-8601 UTC,
     "risc0_version", "zkprof_version", "threads", "threads_source", "hardware": {...},
     "guest": {"name", "image_id", "op"}, "repeats", "memory_budget_bytes",
     "overhead_ms": {"prove": {"samples", "median"}, "job": {"samples", "median"}},
     "receipt_fixed_bytes", "receipt_segment_meta_bytes",
     "per_po2": {"14": {"status": "measured", "configured_po2", "input_rounds",
                        "segments_per_proof", "seconds_per_segment": {"samples", "median",
                        "spread"}, "peak_rss_bytes": {"samples", "max", "median"},
                        "receipt_bytes_per_segment", "seal_bytes_per_segment",
                        "cpu_share": {"samples", "median", "spread"},
                        "load_avg_1min": [before, after]},
                 "20": {"status": "skipped" | "failed", "reason": "..."}}}

`spread` is (max - min) / median of the samples. `cpu_share` is the proving job's CPU seconds per
wall second: close to `threads` on an otherwise idle machine, lower when other processes took CPU
(the times then are the busy machine's). overhead_ms.prove is prove_ms minus the segment
proving time (execution, prover set-up, compression); overhead_ms.job adds verification, starting
the child and returning its result (the job's wall time minus segment proving).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zkprof.guest import GuestProgram

SCHEMA = "zkprof.calibration"
SCHEMA_VERSION = 1
MEASURED = "measured"
SKIPPED = "skipped"
FAILED = "failed"
STATUSES = (MEASURED, SKIPPED, FAILED)

DEFAULT_SEGMENTS_PER_PROOF = 2
# Some po2s cannot hold K segments of an LCG run (po2 14 needs 4 just to page the program in); up to
# this many a proof is still cheap enough, beyond it one segment under a larger limit is used.
MAX_SEGMENTS_PER_PROOF = 4
MEMORY_FRACTION = 0.8  # of the memory available when a po2 starts
# Peak RSS before any po2 is measured: a po2-16 proof takes about 0.6 GB (doubling per +1 po2).
RSS_GUESS_PO2 = 16
RSS_GUESS_BYTES = 600_000_000
MAX_PO2 = 22
MIN_PO2 = 14


class CalibrationError(ValueError):
    """A calibration file or document is unusable; the message names the file and the field."""


# --- the document -------------------------------------------------------------------------------


def _fail(source: str, field: str, problem: str) -> CalibrationError:
    return CalibrationError(f"{source}: field '{field}' {problem}")


def _get(obj: Mapping[str, Any], key: str, field: str, source: str) -> Any:
    if key not in obj:
        raise _fail(source, field, "is missing")
    return obj[key]


def _number(obj: Mapping[str, Any], key: str, field: str, source: str, *, positive: bool) -> float:
    value = _get(obj, key, field, source)
    # bool is an int subclass; a true/false here is a mistake, not a number.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _fail(source, field, f"must be a number, got {value!r}")
    if value < 0 or (positive and value == 0):
        raise _fail(source, field, f"must be {'> 0' if positive else '>= 0'}, got {value!r}")
    return float(value)


def _object(value: Any, field: str, source: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(source, field, f"must be an object, got {type(value).__name__}")
    return value


def validate_calibration(doc: Any, source: str = "calibration") -> Mapping[str, Any]:
    """Check the fields predictions use; returns `doc`. Raises CalibrationError naming
    `source` (a file name) and the field."""
    doc = _object(doc, "(top level)", source)
    schema = _get(doc, "schema", "schema", source)
    if schema != SCHEMA:
        raise _fail(source, "schema", f"is {schema!r}, not {SCHEMA!r}: not a zkprof calibration")
    version = _get(doc, "schema_version", "schema_version", source)
    if version != SCHEMA_VERSION:
        raise _fail(
            source,
            "schema_version",
            f"is {version!r}; this zkprof reads version {SCHEMA_VERSION} "
            "(re-run `zkprof calibrate` to make a new file)",
        )
    overhead = _object(_get(doc, "overhead_ms", "overhead_ms", source), "overhead_ms", source)
    for part in ("prove", "job"):
        field = f"overhead_ms.{part}"
        entry = _object(_get(overhead, part, field, source), field, source)
        _number(entry, "median", f"{field}.median", source, positive=False)
    _number(doc, "receipt_fixed_bytes", "receipt_fixed_bytes", source, positive=False)
    per_po2 = _object(_get(doc, "per_po2", "per_po2", source), "per_po2", source)
    measured = 0
    for key, entry in per_po2.items():
        field = f"per_po2.{key}"
        if not (isinstance(key, str) and key.isdigit() and MIN_PO2 - 1 <= int(key) <= MAX_PO2):
            raise _fail(source, field, f"has key {key!r}, not a po2 in {MIN_PO2 - 1}..{MAX_PO2}")
        entry = _object(entry, field, source)
        status = _get(entry, "status", f"{field}.status", source)
        if status not in STATUSES:
            raise _fail(source, f"{field}.status", f"is {status!r}, not one of {STATUSES}")
        if status != MEASURED:
            continue
        measured += 1
        seconds = _object(
            _get(entry, "seconds_per_segment", f"{field}.seconds_per_segment", source),
            f"{field}.seconds_per_segment",
            source,
        )
        _number(seconds, "median", f"{field}.seconds_per_segment.median", source, positive=True)
        rss = _object(
            _get(entry, "peak_rss_bytes", f"{field}.peak_rss_bytes", source),
            f"{field}.peak_rss_bytes",
            source,
        )
        _number(rss, "max", f"{field}.peak_rss_bytes.max", source, positive=True)
        _number(
            entry,
            "receipt_bytes_per_segment",
            f"{field}.receipt_bytes_per_segment",
            source,
            positive=True,
        )
    if not measured:
        raise _fail(source, "per_po2", "has no measured po2")
    return doc


def save_calibration(doc: Mapping[str, Any], path: Path | str) -> None:
    """Validate and write `doc` as JSON; atomic, so a reader never sees half a file."""
    from zkprof.atomic import write_bytes_atomic

    path = Path(path)
    validate_calibration(doc, str(path))
    write_bytes_atomic(path, (json.dumps(doc, indent=2) + "\n").encode())


def load_calibration(path: Path | str) -> dict[str, Any]:
    """Read a calibration file. Raises CalibrationError naming the file (and the field)."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as err:
        raise CalibrationError(f"{path}: cannot read the calibration file: {err}") from err
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise CalibrationError(
            f"{path}: not a calibration file: invalid JSON at line {err.lineno} column "
            f"{err.colno} ({err.msg})"
        ) from err
    validate_calibration(doc, str(path))
    return dict(doc)


# --- measuring ----------------------------------------------------------------------------------


def _children_cpu_s() -> float:
    # The proving child's CPU time is added here when it is reaped (measure_isolated joins it).
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _load_avg() -> float:
    return round(os.getloadavg()[0], 2)


@contextmanager
def _rayon_threads(threads: int | None) -> Iterator[None]:
    # The prover runs in forked children that inherit the environment; rayon reads it when its pool
    # starts there (the parent never proves, so its own pool, if any, is not what is measured).
    old = os.environ.get("RAYON_NUM_THREADS")
    if threads is not None:
        os.environ["RAYON_NUM_THREADS"] = str(threads)
    try:
        yield
    finally:
        if threads is not None:
            if old is None:
                os.environ.pop("RAYON_NUM_THREADS", None)
            else:
                os.environ["RAYON_NUM_THREADS"] = old


def _threads_used() -> tuple[int, str]:
    env = os.environ.get("RAYON_NUM_THREADS", "")
    if env.isdigit() and int(env) > 0:
        return int(env), "RAYON_NUM_THREADS"
    # rayon's default: the CPUs this process may run on.
    return len(os.sched_getaffinity(0)), "CPUs available (rayon's default)"


def _lcg(n: int) -> bytes:
    from zkprof.calibration import CalibrationOp, calibration_input

    return calibration_input(CalibrationOp.LCG_ROUNDS, n)


def _execute_po2s(program: bytes, rounds: int, configured_po2: int) -> list[int]:
    from zkprof.runner import RunSettings, measure_isolated

    # In a child like the proofs: nothing native runs in this process, so forks stay clean.
    fields = measure_isolated(
        program, _lcg(rounds), RunSettings(action="execute", segment_po2=configured_po2)
    )
    return [int(p) for p in fields["segment_po2s"]]


def _largest_rounds(
    program: bytes, configured_po2: int, fits: Callable[[list[int]], bool]
) -> int | None:
    """The largest LCG round count (within 0.4%) whose execution `fits`; the segment count grows
    with the rounds, so `fits` holds up to some count and not after. None if 0 rounds do not fit."""
    if not fits(_execute_po2s(program, 0, configured_po2)):
        return None
    lo, hi = 0, 1024
    while fits(_execute_po2s(program, hi, configured_po2)):
        lo, hi = hi, hi * 2
        if hi >= 2**32:
            raise CalibrationError(f"LCG rounds no longer fit in u32 at po2 {configured_po2}")
    while hi - lo > max(1, lo // 256):
        mid = (lo + hi) // 2
        if fits(_execute_po2s(program, mid, configured_po2)):
            lo = mid
        else:
            hi = mid
    return lo


def size_input(program: bytes, po2: int, segments: int) -> tuple[int, int, list[int]]:
    """(configured po2, LCG rounds, segment po2s) of a run whose segments all have po2 `po2`.

    Fills `segments` segments under limit `po2` (more if the program needs more to start, up to
    MAX_SEGMENTS_PER_PROOF). Where that is impossible (po2 15: risc0 keeps 25 000 cycles of each
    po2-15 segment free, so even an empty run takes ~60 segments) it is one po2-`po2` segment under
    the largest limit, a run's last segment.
    """
    start = _execute_po2s(program, 0, po2)
    want = max(segments, len(start))
    if want <= MAX_SEGMENTS_PER_PROOF:
        rounds = _largest_rounds(program, po2, lambda s: len(s) <= want)
        if rounds is not None:
            got = _execute_po2s(program, rounds, po2)
            if got == [po2] * want:
                return po2, rounds, got
    rounds = _largest_rounds(program, MAX_PO2, lambda s: len(s) == 1 and s[0] <= po2)
    if rounds is not None:
        got = _execute_po2s(program, rounds, MAX_PO2)
        if got == [po2]:
            return MAX_PO2, rounds, got
    raise CalibrationError(f"cannot size a calibration-guest run whose segments all have po2 {po2}")


def _samples(values: list[float], digits: int = 4) -> dict[str, Any]:
    median = statistics.median(values)
    return {
        "samples": [round(v, digits) for v in values],
        "median": round(median, digits),
        "spread": round((max(values) - min(values)) / median, 4) if median else 0.0,
    }


def _estimate_rss(po2: int, measured: Mapping[int, int]) -> tuple[int, str]:
    if measured:
        base = max(measured)
        return int(
            measured[base] * 2.0 ** (po2 - base)
        ), f"x2 per po2 from {measured[base] / 1e9:.2f} GB at po2 {base}"
    return (
        int(RSS_GUESS_BYTES * 2.0 ** (po2 - RSS_GUESS_PO2)),
        f"x2 per po2 from the guess {RSS_GUESS_BYTES / 1e9:.1f} GB at po2 {RSS_GUESS_PO2}",
    )


def _receipt_parts(runs: list[tuple[int, int, int]]) -> tuple[float, float]:
    """(fixed bytes, bytes per segment) of a receipt outside its seals, from (segments,
    receipt bytes, seal bytes) of proofs: a line through the non-seal bytes over segment count."""
    xs = [float(k) for k, _, _ in runs]
    ys = [float(r - s) for _, r, s in runs]
    if len(set(xs)) < 2:
        # One segment count cannot separate the fixed part; charge it all per segment.
        return 0.0, statistics.median(y / x for x, y in zip(xs, ys, strict=True))
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )
    slope = max(0.0, slope)
    return max(0.0, my - slope * mx), slope


def calibrate(
    po2s: Iterable[int] = range(14, 21),
    repeats: int = 3,
    threads: int | None = None,
    memory_limit_bytes: int | None = None,
    log: Callable[[str], None] = print,
    *,
    program: GuestProgram | None = None,
    segments_per_proof: int = DEFAULT_SEGMENTS_PER_PROOF,
) -> dict[str, Any]:
    """Prove the calibration guest `repeats` times per po2 and return the calibration document.

    A po2 whose peak RSS, extrapolated x2 per po2 from the largest measured one, would pass 80% of
    the memory available then (or `memory_limit_bytes`) is skipped with the reason; so are the po2s
    above one that ran out of memory. A po2 that fails is recorded as failed with the reason.
    `program` defaults to the calibration guest, built like the tests build it (a no-op when it is
    current).
    """
    import psutil

    import zkprof
    from zkprof import _native
    from zkprof.hardware import describe_hardware
    from zkprof.runner import CaseFailure, FailureKind, RunSettings, measure_isolated

    wanted = sorted(set(po2s))
    if not wanted or wanted[0] < MIN_PO2 or wanted[-1] > MAX_PO2:
        raise ValueError(f"po2s must be within {MIN_PO2}..{MAX_PO2}, got {wanted}")
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    if threads is not None and threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    if program is None:
        from zkprof.guest import build_program
        from zkprof.paths import GUESTS_DIR, REPO_ROOT

        program = build_program(
            GUESTS_DIR / "calibration", REPO_ROOT / "build" / "guests", quiet=True
        )
    code = program.program_path.read_bytes()

    per_po2: dict[str, dict[str, Any]] = {}
    rss_max: dict[int, int] = {}
    prove_overheads: list[float] = []
    job_overheads: list[float] = []
    receipt_runs: list[tuple[int, int, int]] = []
    seal_per_segment: dict[int, float] = {}
    budgets: list[int] = []
    failed_at: int | None = None
    with _rayon_threads(threads):
        threads_used, threads_source = _threads_used()
        log(f"calibrating po2 {wanted} x{repeats} with {threads_used} threads ({threads_source})")
        for po2 in wanted:
            available = psutil.virtual_memory().available
            budget = int(available * MEMORY_FRACTION)
            limit = f"{MEMORY_FRACTION:.0%} of available memory ({available / 1e9:.1f} GB)"
            if memory_limit_bytes is not None and memory_limit_bytes < budget:
                budget, limit = memory_limit_bytes, f"the limit {memory_limit_bytes / 1e9:.2f} GB"
            budgets.append(budget)
            estimate, how = _estimate_rss(po2, rss_max)
            if failed_at is not None:
                reason = f"not tried: po2 {failed_at} ran out of memory"
            elif estimate > budget:
                reason = f"predicted peak RSS {estimate / 1e9:.2f} GB ({how}) exceeds {limit}"
            else:
                reason = ""
            if reason:
                log(f"po2 {po2}: skipped: {reason}")
                per_po2[str(po2)] = {"status": SKIPPED, "reason": reason}
                continue

            seconds: list[float] = []
            rss: list[int] = []
            base: list[int] = []
            receipts: list[tuple[int, int]] = []
            cpu_share: list[float] = []
            load_before = _load_avg()
            try:
                configured, rounds, split = size_input(code, po2, segments_per_proof)
                k = len(split)
                log(f"po2 {po2}: {rounds} LCG rounds, {k} segment(s) (segment limit {configured})")
                # No retry at a smaller po2 on out-of-memory: that would measure the wrong po2.
                settings = RunSettings(
                    action="prove", segment_po2=configured, min_po2_on_oom=configured
                )
                for i in range(repeats):
                    cpu_start = _children_cpu_s()
                    start = time.perf_counter()
                    fields = measure_isolated(code, _lcg(rounds), settings)
                    wall_ms = (time.perf_counter() - start) * 1e3
                    cpu_share.append((_children_cpu_s() - cpu_start) / (wall_ms / 1e3))
                    if fields["segment_po2s"] != split:
                        raise CaseFailure(f"proved segments {fields['segment_po2s']}, not {split}")
                    segments_ms = float(fields["prove_segments_ms"])
                    seconds.append(segments_ms / k / 1e3)
                    rss.append(int(fields["peak_rss_bytes"]))
                    base.append(int(fields.get("base_rss_bytes") or 0))
                    prove_overheads.append(float(fields["prove_ms"]) - segments_ms)
                    job_overheads.append(wall_ms - segments_ms)
                    receipts.append((int(fields["receipt_bytes"]), int(fields["seal_bytes"])))
                    log(
                        f"po2 {po2} run {i + 1}/{repeats}: {seconds[-1]:.2f} s/segment, "
                        f"peak RSS {rss[-1] / 1e9:.2f} GB, receipt {receipts[-1][0] / 1e3:.1f} KB, "
                        f"CPU share {cpu_share[-1]:.2f}, load {_load_avg()}"
                    )
            except (CaseFailure, CalibrationError) as err:
                if isinstance(err, CaseFailure) and err.kind is FailureKind.OUT_OF_MEMORY:
                    failed_at = po2  # a larger po2 needs more memory still
                log(f"po2 {po2}: failed: {err}")
                per_po2[str(po2)] = {"status": FAILED, "reason": str(err)}
                continue
            rss_max[po2] = max(rss)
            receipt_runs += [(k, r, s) for r, s in receipts]
            seal_per_segment[po2] = statistics.median(s / k for _, s in receipts)
            per_po2[str(po2)] = {
                "status": MEASURED,
                "configured_po2": configured,
                "input_rounds": rounds,
                "segments_per_proof": k,
                "seconds_per_segment": _samples(seconds),
                "peak_rss_bytes": {
                    "samples": rss,
                    "max": max(rss),
                    "median": int(statistics.median(rss)),
                },
                # The process before the zkVM ran: predictions add the proving job's own base to
                # the zkVM's part (peak - base), since a job's base is not this one's.
                "base_rss_bytes": {"samples": base, "median": int(statistics.median(base))},
                "seal_bytes_per_segment": round(seal_per_segment[po2]),
                "cpu_share": _samples(cpu_share, 3),
                "load_avg_1min": [load_before, _load_avg()],
            }

    if not rss_max:
        raise CalibrationError(
            "no po2 could be measured: "
            + "; ".join(f"{p}: {e['reason']}" for p, e in per_po2.items())
        )
    fixed, meta = _receipt_parts(receipt_runs)
    for po2, seal in seal_per_segment.items():
        per_po2[str(po2)]["receipt_bytes_per_segment"] = round(seal + meta)
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "risc0_version": _native.RISC0_VERSION,
        "zkprof_version": zkprof.__version__,
        "threads": threads_used,
        "threads_source": threads_source,
        "hardware": describe_hardware(),
        "guest": {"name": program.name, "image_id": program.image_id, "op": "LCG_ROUNDS"},
        "repeats": repeats,
        "memory_budget_bytes": min(budgets),
        "overhead_ms": {
            "prove": _samples(prove_overheads, 1),
            "job": _samples(job_overheads, 1),
        },
        "receipt_fixed_bytes": round(fixed),
        "receipt_segment_meta_bytes": round(meta, 1),
        "per_po2": per_po2,
    }


# --- command line -------------------------------------------------------------------------------


def format_table(doc: Mapping[str, Any]) -> str:
    """The per-po2 table `zkprof calibrate` prints."""
    head = (
        f"{'po2':>3}  {'segs':>4}  {'s/segment':>9}  {'spread':>6}  {'peak RSS GB':>11}  "
        f"{'receipt KB/seg':>14}  {'CPU share':>9}  {'load':>9}"
    )
    lines = [head, "-" * len(head)]
    for key in sorted(doc["per_po2"], key=int):
        e = doc["per_po2"][key]
        if e["status"] != MEASURED:
            lines.append(f"{key:>3}  {e['status']}: {e['reason']}")
            continue
        s = e["seconds_per_segment"]
        load = "-".join(f"{x:.1f}" for x in e.get("load_avg_1min", []))
        share = f"{e['cpu_share']['median']:.2f}" if "cpu_share" in e else "-"
        lines.append(
            f"{key:>3}  {e['segments_per_proof']:>4}  {s['median']:>9.2f}  {s['spread']:>6.1%}  "
            f"{e['peak_rss_bytes']['max'] / 1e9:>11.3f}  "
            f"{e['receipt_bytes_per_segment'] / 1e3:>14.1f}  {share:>9}  {load:>9}"
        )
    o = doc["overhead_ms"]
    lines.append(
        f"overhead per proof: {o['prove']['median']:.0f} ms in prove_ms, "
        f"{o['job']['median']:.0f} ms per job; receipt fixed part {doc['receipt_fixed_bytes']} B; "
        f"threads {doc['threads']}"
    )
    return "\n".join(lines)


def parse_po2s(text: str) -> list[int]:
    """'14..20' (inclusive), '14,16,18' or '16'."""
    try:
        if ".." in text:
            lo, hi = (int(x) for x in text.split("..", 1))
            po2s = list(range(lo, hi + 1))
        else:
            po2s = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected 14..20 or 14,16,18, got {text!r}") from None
    if not po2s or min(po2s) < MIN_PO2 or max(po2s) > MAX_PO2:
        raise argparse.ArgumentTypeError(f"po2s must be within {MIN_PO2}..{MAX_PO2}, got {text!r}")
    return po2s


def _run_calibrate(args: argparse.Namespace) -> int:
    limit = None if args.memory_limit_gb is None else int(args.memory_limit_gb * 1e9)
    try:
        doc = calibrate(
            args.po2,
            repeats=args.repeats,
            threads=args.threads,
            memory_limit_bytes=limit,
            log=lambda line: print(line, file=sys.stderr, flush=True),
            segments_per_proof=args.segments,
        )
    except (CalibrationError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    save_calibration(doc, args.out)
    print(format_table(doc))
    print(f"wrote {args.out}")
    return 0


def add_calibrate_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add `calibrate` to a `zkprof` subparsers object (runs with `args.func(args)`)."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "calibrate",
        help="measure proving time, memory and receipt size per segment po2 on this machine",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--po2", type=parse_po2s, default=list(range(14, 21)), help="po2s: 14..20 or 14,16,18"
    )
    parser.add_argument("--repeats", type=int, default=3, help="proofs per po2 (default 3)")
    parser.add_argument("--out", type=Path, required=True, help="calibration JSON to write")
    parser.add_argument(
        "--threads", type=int, default=None, help="prover threads (RAYON_NUM_THREADS)"
    )
    parser.add_argument(
        "--memory-limit-gb",
        type=float,
        default=None,
        help="skip po2s predicted to need more (default: 80%% of available memory)",
    )
    parser.add_argument(
        "--segments",
        type=int,
        default=DEFAULT_SEGMENTS_PER_PROOF,
        help="segments per calibration proof (default 2)",
    )
    parser.set_defaults(func=_run_calibrate)
    return parser
