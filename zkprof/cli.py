"""The `zkprof` command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from zkprof.paths import GUESTS_DIR, REPO_ROOT

DEFAULT_GUEST_OUT = REPO_ROOT / "build" / "guests"


def _guest_build(args: argparse.Namespace) -> int:
    from zkprof.guest import GuestBuildError, build_elf, build_program

    dirs = [Path(d) for d in args.guest_dirs]
    if args.all:
        dirs += sorted(p.parent for p in GUESTS_DIR.glob("*/Cargo.toml"))
    if not dirs:
        print("zkprof guest build: name guest crate folders or pass --all", file=sys.stderr)
        return 2
    for guest_dir in dirs:
        try:
            if args.compile_only:
                print(f"{guest_dir.name}: {build_elf(guest_dir)}")
                continue
            built = build_program(guest_dir, Path(args.out))
        except GuestBuildError as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
        print(f"{built.name}: {built.program_path} image_id={built.image_id}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zkprof", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    guest = sub.add_parser("guest", help="guest programs").add_subparsers(
        dest="guest_cmd", required=True
    )
    build = guest.add_parser("build", help="build guest crates into R0BF programs + image ids")
    build.add_argument("guest_dirs", nargs="*", help="guest crate folders")
    build.add_argument("--all", action="store_true", help=f"every guest under {GUESTS_DIR}")
    build.add_argument("--out", default=str(DEFAULT_GUEST_OUT), help="output folder")
    build.add_argument(
        "--compile-only",
        action="store_true",
        help="only compile the ELFs (needs no native module; the bootstrap runs it beside that build)",
    )
    build.set_defaults(func=_guest_build)

    from zkprof.calibrate import add_calibrate_parser
    from zkprof.report.cli import add_report_parser
    from zkprof.verify import add_verify_parser

    add_report_parser(sub)
    add_verify_parser(sub)
    add_calibrate_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))
