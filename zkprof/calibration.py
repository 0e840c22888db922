"""Inputs of the calibration guest (native/guests/calibration): work sized by its input."""

from __future__ import annotations

import struct
from enum import IntEnum


class CalibrationOp(IntEnum):
    LCG_ROUNDS = 0  # n rounds of a 64-bit LCG; journal: u64 accumulator
    TOUCH_MEMORY = 1  # write and re-read n KiB; journal: u64 checksum
    PANIC = 2  # panics with the message
    ENDLESS = 3  # never halts


def calibration_input(op: CalibrationOp, n: int = 0, message: bytes = b"") -> bytes:
    return struct.pack("<BI", op, n) + message


def lcg_result(n: int) -> int:
    """What the guest commits for LCG_ROUNDS(n), computed independently on the host."""
    acc = 0
    for i in range(n):
        acc = (acc * 6364136223846793005 + i) & 0xFFFFFFFFFFFFFFFF
    return acc
