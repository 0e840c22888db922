"""Case sources behind one small protocol: where cases come from and how each becomes guest input.

Two ship with zkprof: Ethereum state tests (for the EVM guest) and raw input folders (any guest, one
case per file). A new source implements `CaseSource`: list its files, and load one file into cases.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from zkprof.cases import CaseError
from zkprof.cases import load_file as load_state_test_file


@dataclass(frozen=True)
class SourceCase:
    """One case of any source: its identity, its description (kept with its metrics), and how to
    make the guest's input bytes (called only when the case runs)."""

    case_id: str
    source: str  # file relative to the source's root
    group: str
    skip_reason: str | None
    description: dict[str, Any] = field(repr=False)
    make_input: Callable[[], bytes] = field(repr=False, compare=False)


class CaseSource(Protocol):
    """Where cases come from. `kind` names it in cache keys and case descriptions."""

    kind: str
    root: Path

    def files(self) -> list[Path]:
        """Input files, sorted; each file is the unit that an edit re-reads."""
        ...

    def load_file(self, path: Path) -> tuple[list[SourceCase], list[CaseError]]:
        """Cases of one file; problems become errors naming file and field, never exceptions."""
        ...


@dataclass(frozen=True)
class StateTests:
    """Ethereum state tests (*.json), one case per fork and post entry, run by the EVM guest."""

    root: Path
    kind: str = "state_test"

    def files(self) -> list[Path]:
        return sorted(p for p in self.root.rglob("*.json") if p.is_file())

    def load_file(self, path: Path) -> tuple[list[SourceCase], list[CaseError]]:
        from zkprof.witness import case_description, evm_witness

        cases, errors = load_state_test_file(path, self.root)
        return [
            SourceCase(
                c.case_id,
                c.source,
                c.group,
                c.skip_reason,
                case_description(c),
                lambda c=c: evm_witness(c),
            )
            for c in cases
        ], errors


def raw_input_bytes(path: Path) -> bytes:
    """A raw input file -> the guest's stdin bytes.

    `.hex`: hex text (whitespace ignored). `.json`: one of {"hex": "..."}, {"utf8": "..."} or
    {"words": [u32, ...]} (little-endian words: what RISC Zero's `env::read()` expects for values
    written by the host's serde). Any other file: its bytes as they are."""
    if path.suffix == ".hex":
        return bytes.fromhex("".join(path.read_text().split()).removeprefix("0x"))
    if path.suffix != ".json":
        return path.read_bytes()
    value = json.loads(path.read_text())
    if not isinstance(value, dict) or len(value) != 1:
        raise ValueError('a .json input is one of {"hex": ...}, {"utf8": ...}, {"words": [...]}')
    ((kind, content),) = value.items()
    if kind == "hex":
        return bytes.fromhex(str(content).removeprefix("0x"))
    if kind == "utf8":
        return str(content).encode()
    if kind == "words":
        if not all(isinstance(w, int) and 0 <= w < 2**32 for w in content):
            raise ValueError("words: every entry must be an integer in 0..2**32-1")
        return struct.pack(f"<{len(content)}I", *content)
    raise ValueError(f"unknown .json input kind {kind!r} (hex, utf8 or words)")


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def raw_case_id(rel: str) -> str:
    """File-name-safe, unique id for an input file path (a hash is added when sanitizing changed it)."""
    clean = _UNSAFE.sub("_", rel.replace("/", "__")).strip("._") or "input"
    if clean != rel.replace("/", "__") or len(clean) > 120:
        clean = f"{clean[:120]}_{hashlib.sha256(rel.encode()).hexdigest()[:12]}"
    return clean


@dataclass(frozen=True)
class RawInputs:
    """A folder of input files for any guest: one case per file (hidden files ignored)."""

    root: Path
    kind: str = "raw_input"

    def files(self) -> list[Path]:
        return sorted(
            p
            for p in self.root.rglob("*")
            if p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(self.root).parts)
        )

    def load_file(self, path: Path) -> tuple[list[SourceCase], list[CaseError]]:
        rel = path.relative_to(self.root).as_posix()
        parent = path.parent.relative_to(self.root).as_posix()
        group = parent if parent != "." else self.root.resolve().name
        try:
            raw_input_bytes(path)  # reject a malformed file now, with its name, not at run time
        except (ValueError, UnicodeDecodeError) as err:
            return [], [CaseError(rel, None, "input", str(err))]
        case_id = raw_case_id(rel)
        description = {"kind": self.kind, "case_id": case_id, "source": rel, "group": group,
                       "test_name": path.stem, "skip_reason": None, "error": None}  # fmt: skip
        return [
            SourceCase(case_id, rel, group, None, description, lambda: raw_input_bytes(path))
        ], []


def source_for(tests_dir: str | Path | None, inputs_dir: str | Path | None) -> CaseSource:
    """The source a configuration names: `inputs_dir` (raw inputs) wins over `tests_dir`."""
    if inputs_dir:
        return RawInputs(Path(inputs_dir))
    if not tests_dir:
        raise ValueError("configure tests_dir (state tests) or inputs_dir (raw inputs)")
    return StateTests(Path(tests_dir))
