"""`zkprof verify`: check saved receipts against the image id of the guest that should have made them.

    zkprof verify RECEIPT... (--image-id HEX | --program PATH)

One line per receipt: `ok` with its journal size, or `FAILED: reason`. Exit status 0 when every
receipt verified, 1 when any failed, 2 when the image id or program cannot be used.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXIT_FAILED = 1
EXIT_USAGE = 2
_HEX_ID = re.compile(r"(0x)?[0-9a-fA-F]{64}")


class VerifyInputError(ValueError):
    """An image id or program that cannot be used: said plainly, for the command line."""


@dataclass(frozen=True)
class Verdict:
    path: Path
    ok: bool
    reason: str = ""
    journal_bytes: int | None = None
    verify_ms: float | None = None

    def line(self) -> str:
        if self.ok:
            return f"{self.path}: ok (journal {self.journal_bytes} bytes, {self.verify_ms:.0f} ms)"
        return f"{self.path}: FAILED: {self.reason}"


def parse_image_id(text: str) -> str:
    """A 32-byte hex digest (optionally 0x-prefixed) -> lowercase hex without prefix."""
    text = text.strip()
    if not _HEX_ID.fullmatch(text):
        raise VerifyInputError(f"image id must be 64 hex digits, got {text!r}")
    return text.removeprefix("0x").lower()


def program_image_id(program_path: Path) -> str:
    """The image id of a built R0BF program, computed from its bytes (not taken on trust from
    the metadata file beside it, which is checked against it when present)."""
    from zkprof import _native

    try:
        program = program_path.read_bytes()
    except OSError as err:
        raise VerifyInputError(f"{program_path}: cannot read the program ({err})") from err
    try:
        image_id = str(_native.image_id(program))
    except _native.ZkvmError as err:
        raise VerifyInputError(f"{program_path}: not an R0BF program ({err})") from err
    meta = program_path.with_suffix(".json")
    if meta.is_file():
        from zkprof.guest import load_program

        recorded = load_program(program_path).image_id
        if recorded != image_id:
            # Rows record the metadata's id: a stale file would make them name the wrong program.
            raise VerifyInputError(
                f"{meta} records image id {recorded}, but {program_path} has {image_id}: "
                "rebuild the guest"
            )
    return image_id


def verify_receipt(receipt: bytes, image_id: str) -> dict[str, Any]:
    """`_native.verify`: the receipt must decode exactly (nothing appended) and verify."""
    from zkprof import _native

    return dict(_native.verify(receipt, image_id))


def _hint(reason: str) -> str:
    # risc0 says only that the claim digest differs: name the likely causes.
    if "claim digest does not match" in reason:
        return (
            f"{reason} (the receipt is for another image id, or its journal or claim was altered)"
        )
    return reason


def verify_file(path: Path, image_id: str) -> Verdict:
    """Verify one receipt file; never raises for a bad receipt (the verdict says why)."""
    from zkprof import _native

    try:
        data = path.read_bytes()
    except OSError as err:
        return Verdict(path, False, f"cannot read: {err.strerror or err}")
    if not data:
        return Verdict(path, False, "empty file, not a receipt")
    try:
        checked = verify_receipt(data, image_id)
    except _native.ZkvmError as err:
        return Verdict(path, False, _hint(str(err)))
    return Verdict(path, True, "", len(checked["journal"]), float(checked["verify_ms"]))


def add_verify_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add `verify` to a `zkprof` subparsers object."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "verify",
        help="verify saved receipts against an image id",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("receipts", nargs="+", type=Path, help="receipt files (bincode)")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--image-id", help="the expected image id (64 hex digits)")
    which.add_argument(
        "--program", type=Path, help="a built guest program (.bin): its image id is expected"
    )
    parser.set_defaults(func=run_verify)
    return parser


def run_verify(args: argparse.Namespace) -> int:
    try:
        if args.program is not None:
            image_id = program_image_id(args.program)
        else:
            image_id = parse_image_id(args.image_id)
    except VerifyInputError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    failed = 0
    for path in args.receipts:
        verdict = verify_file(path, image_id)
        failed += not verdict.ok
        print(verdict.line(), flush=True)
    if failed:
        print(f"{failed} of {len(args.receipts)} receipts FAILED verification", file=sys.stderr)
        return EXIT_FAILED
    return 0
