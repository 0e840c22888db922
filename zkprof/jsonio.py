"""`json.loads` for untrusted files: deep nesting is an error, never a crash.

The C decoder counts its nesting against Python's recursion limit; a library that raises that limit
(ethereum-execution sets it in the millions) lets a file of nested brackets overflow the C stack and
kill the process. Input files nest a handful of levels, so the limit is lowered while decoding.
"""

from __future__ import annotations

import json
import sys
from types import FrameType
from typing import Any

MAX_DEPTH = 500


def _frame_depth() -> int:
    depth = 0
    frame: FrameType | None = sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    return depth


def loads(data: str | bytes, **kwargs: Any) -> Any:
    """`json.loads(data, **kwargs)`; nesting deeper than about MAX_DEPTH raises RecursionError."""
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(min(previous, _frame_depth() + MAX_DEPTH))
    try:
        return json.loads(data, **kwargs)
    finally:
        sys.setrecursionlimit(previous)
