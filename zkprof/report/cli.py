"""`zkprof report`: reports of zkprof runs, or of openvm-prof metrics files with its flags.

    zkprof report RESULTS_OR_PARQUET... [--prev PATH...] [--out DIR] [--group-by LABEL...]
                  [--noise-pct P] [--fail-on-regression P] [--benchmark-results-link URL]
                  [--allow-mixed-image-ids]
    zkprof report --json-paths a.json,b.json [--prev-json-paths ...] [--names ...]
                  [--output-json bmf.json] [--num-devices 16] [--proofs-per-device 2]
                  [summary --benchmark-results-link URL [--summary-md-path summary.md]]

Exit status: 0; 1 when --fail-on-regression finds a regression at least that large; 2 when an
input or an argument is wrong (said on stderr).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zkprof.report.defaults import (
    DEFAULT_DEVICES,
    DEFAULT_NOISE_PCT,
    DEFAULT_PROOFS_PER_DEVICE,
    DEFAULT_TOP_CASES,
    OPENVM_NOISE_PCT,
)
from zkprof.report.load_errors import ReportInputError

if TYPE_CHECKING:
    from zkprof.report.compare import ChangeList

SUMMARY_COMMAND = "summary"  # openvm-prof's subcommand, given as the first positional word
EXIT_REGRESSION = 1
EXIT_USAGE = 2


def _paths(text: str) -> list[Path]:
    return [Path(p) for p in text.split(",") if p]


def _words(text: str) -> list[str]:
    return text.split(",")


def add_report_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add `report` to a `zkprof` subparsers object; the parsed args run with `run_report`."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "report",
        help="reports of runs: markdown, Bencher JSON, GitHub summary, plots",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "inputs",
        nargs="*",
        help="zkprof runs: results/<action> folders, results folders or metrics.parquet files "
        f"(or '{SUMMARY_COMMAND}', openvm-prof's subcommand)",
    )
    native = parser.add_argument_group("zkprof runs")
    native.add_argument(
        "--prev", type=_paths, action="extend", help="previous run(s), one per input"
    )
    native.add_argument("--out", type=Path, help="output folder (default: <run>/report)")
    native.add_argument(
        "--group-by", type=_words, action="extend", help="labels to group by (default: group)"
    )
    native.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    native.add_argument(
        "--allow-mixed-image-ids",
        action="store_true",
        help="report a run whose rows come from several guest programs, grouped per image id "
        "(refused by default)",
    )
    native.add_argument(
        "--top-cases", type=int, default=DEFAULT_TOP_CASES, help="per-case rows per group"
    )
    shared = parser.add_argument_group("both")
    shared.add_argument(
        "--noise-pct",
        type=float,
        help=f"changes under this are not flagged (default {DEFAULT_NOISE_PCT:g}; "
        f"{OPENVM_NOISE_PCT:g} with --json-paths, as openvm-prof)",
    )
    shared.add_argument(
        "--fail-on-regression",
        type=float,
        metavar="PCT",
        help=f"exit {EXIT_REGRESSION} on a regression of at least PCT percent (for CI)",
    )
    shared.add_argument("--benchmark-results-link", help="base URL of the reports in the summary")
    shared.add_argument(
        "--names", type=_words, help="display names, one per input, comma-separated"
    )
    openvm = parser.add_argument_group("openvm-prof")
    openvm.add_argument(
        "--json-paths", type=_paths, action="extend", help="openvm metrics JSON files"
    )
    openvm.add_argument(
        "--prev-json-paths", type=_paths, action="extend", help="previous metrics, same order"
    )
    openvm.add_argument("--output-json", type=Path, help="write Bencher Metric Format JSON here")
    openvm.add_argument("--num-devices", type=int, help=f"default {DEFAULT_DEVICES}")
    openvm.add_argument(
        "--proofs-per-device", type=int, help=f"default {DEFAULT_PROOFS_PER_DEVICE}"
    )
    openvm.add_argument("--summary-md-path", type=Path, help="summary: write here, not stdout")
    parser.set_defaults(func=run_report)
    return parser


def _print_changes(changes: ChangeList | None) -> None:
    from zkprof.report.fmt import format_number, format_percent

    if changes is None:
        return
    if changes.note:
        print(f"note: {changes.note}", file=sys.stderr)
    for title, frame in (
        ("regressions", changes.regressions),
        ("improvements", changes.improvements),
    ):
        print(f"{len(frame)} {title} over {changes.noise_pct:g}%", file=sys.stderr)
        for r in frame.head(20).itertuples(index=False):
            rel = "from 0" if r.rel_change != r.rel_change else format_percent(r.rel_change)
            print(
                f"  {r.scope} {r.metric} ({r.stat}): {format_number(r.baseline)} -> "
                f"{format_number(r.value)} ({rel})",
                file=sys.stderr,
            )


def _regression_status(changes: list[ChangeList | None], fail_pct: float | None) -> int:
    if fail_pct is None:
        return 0
    over = sum(len(c.exceeding(fail_pct)) for c in changes if c is not None)
    if over:
        print(f"error: {over} regressions of at least {fail_pct:g}%", file=sys.stderr)
        return EXIT_REGRESSION
    return 0


def _provers(args: argparse.Namespace) -> tuple[int, int]:
    devices = DEFAULT_DEVICES if args.num_devices is None else args.num_devices
    per_device = (
        DEFAULT_PROOFS_PER_DEVICE if args.proofs_per_device is None else args.proofs_per_device
    )
    return devices, per_device


def _run_openvm(args: argparse.Namespace, summary: bool) -> int:
    from zkprof.report.pipeline import run_openvm, write_openvm_summary

    if args.inputs or args.prev or args.group_by or args.allow_mixed_image_ids:
        raise ReportInputError(
            "--json-paths does not mix with zkprof runs, --prev, --group-by or "
            "--allow-mixed-image-ids"
        )
    devices, per_device = _provers(args)
    noise = OPENVM_NOISE_PCT if args.noise_pct is None else args.noise_pct
    result = run_openvm(
        args.json_paths,
        args.prev_json_paths,
        args.names,
        output_json=args.output_json,
        num_devices=devices,
        proofs_per_device=per_device,
        noise_pct=noise,
        out_dir=args.out,
    )
    if summary:
        if not args.benchmark_results_link:
            raise ReportInputError(f"{SUMMARY_COMMAND}: --benchmark-results-link is required")
        text = write_openvm_summary(
            result, args.benchmark_results_link, args.summary_md_path, noise
        )
        if args.summary_md_path is None:
            sys.stdout.write(text)
    _print_changes(result.changes)
    return _regression_status([result.changes], args.fail_on_regression)


def _run_native(args: argparse.Namespace) -> int:
    from zkprof.report.pipeline import build_run_report, write_multi_run, write_run_files

    if not args.inputs:
        raise ReportInputError(
            "name a run (results folder or metrics.parquet), or give --json-paths"
        )
    for flag in ("prev_json_paths", "output_json", "summary_md_path"):
        if getattr(args, flag) is not None:
            raise ReportInputError(f"--{flag.replace('_', '-')} goes with --json-paths")
    inputs = [Path(p) for p in args.inputs]
    prevs: list[Path | None] = list(args.prev) if args.prev else [None] * len(inputs)
    if len(prevs) != len(inputs):
        raise ReportInputError(f"--prev has {len(prevs)} paths for {len(inputs)} runs: one per run")
    if args.names and len(args.names) != len(inputs):
        raise ReportInputError(f"--names has {len(args.names)} names for {len(inputs)} runs")
    devices, per_device = _provers(args)
    noise = DEFAULT_NOISE_PCT if args.noise_pct is None else args.noise_pct
    reports = [
        build_run_report(
            path,
            prev,
            group_by=tuple(args.group_by or ["group"]),
            provers=devices * per_device,
            noise_pct=noise,
            name=args.names[i] if args.names else None,
            allow_mixed_images=args.allow_mixed_image_ids,
        )
        for i, (path, prev) in enumerate(zip(inputs, prevs, strict=True))
    ]
    from zkprof.report.markdown import DetailLimits

    limits = DetailLimits(top_cases=args.top_cases)
    if len(reports) == 1:
        out = args.out or reports[0].aggregate.run.source.parent / "report"
        paths = write_run_files(
            reports[0],
            out,
            benchmark_results_link=args.benchmark_results_link,
            noise_pct=noise,
            plots=not args.no_plots,
            limits=limits,
        )
    else:
        if args.out is None:
            raise ReportInputError("several runs: name the output folder with --out")
        paths = write_multi_run(
            reports,
            args.out,
            benchmark_results_link=args.benchmark_results_link,
            noise_pct=noise,
            plots=not args.no_plots,
            limits=limits,
        )
    for path in paths:
        print(path)
    changes = [r.changes() for r in reports]
    for c in changes:
        _print_changes(c)
    return _regression_status(changes, args.fail_on_regression)


def run_report(args: argparse.Namespace) -> int:
    summary = bool(args.inputs) and args.inputs[0] == SUMMARY_COMMAND
    if summary:
        args.inputs = args.inputs[1:]
    try:
        if args.json_paths is not None:
            return _run_openvm(args, summary)
        if summary:
            raise ReportInputError(f"{SUMMARY_COMMAND} goes with --json-paths")
        return _run_native(args)
    except (ReportInputError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE


def main(argv: list[str] | None = None) -> int:
    """`python -m zkprof.report ...`, the same as `zkprof report ...`."""
    parser = argparse.ArgumentParser(prog="zkprof")
    add_report_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["report", *(sys.argv[1:] if argv is None else argv)])
    return int(args.func(args))
