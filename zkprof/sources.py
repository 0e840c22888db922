"""Case sources behind one small protocol: where cases come from and how each becomes guest input.

Two ship with zkprof: Ethereum state tests (for the EVM guest) and raw input folders (any guest, one
case per file). A new source implements `CaseSource`: list its files, and load one file into cases.
"""

from __future__ import annotations

import functools
import hashlib
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from zkprof import jsonio
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
    # A `witness.WitnessBytes` also carries facts to keep in the description (witness sizes).
    make_input: Callable[[], bytes] = field(repr=False, compare=False)


class CaseSource(Protocol):
    """Where cases come from. `kind` names it in cache keys and case descriptions."""

    @property
    def kind(self) -> str: ...

    @property
    def root(self) -> Path: ...

    def files(self) -> list[Path]:
        """Input files, sorted; each file is the unit that an edit re-reads."""
        ...

    def load_file(self, path: Path) -> tuple[list[SourceCase], list[CaseError]]:
        """Cases of one file; problems become errors naming file and field, never exceptions."""
        ...


@dataclass(frozen=True)
class StateTests:
    """Ethereum tests (*.json), run by the EVM guests: state tests (one case per fork and post
    entry) and blockchain tests (one case per test: its chain, from execution witnesses), the
    format detected per file."""

    root: Path
    kind: str = "state_test"

    def files(self) -> list[Path]:
        return sorted(p for p in self.root.rglob("*.json") if p.is_file())

    def load_file(self, path: Path) -> tuple[list[SourceCase], list[CaseError]]:
        from zkprof.cases.blockchain_tests import ChainCase
        from zkprof.witness import case_description, chain_description, chain_witness, evm_witness

        cases, errors = load_state_test_file(path, self.root)
        out = []
        for c in cases:
            make: Callable[[], bytes]
            if isinstance(c, ChainCase):
                description, make = chain_description(c), functools.partial(chain_witness, c)
            else:
                description, make = case_description(c), functools.partial(evm_witness, c)
            out.append(SourceCase(c.case_id, c.source, c.group, c.skip_reason, description, make))
        return out, errors


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # A repeated key would silently keep its last value.
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate key in a .json input")
    return dict(pairs)


def raw_input_bytes(path: Path) -> bytes:
    """A raw input file -> the guest's stdin bytes.

    `.hex`: hex text (whitespace ignored). `.json`: one of {"hex": "..."}, {"utf8": "..."} or
    {"words": [u32, ...]} (little-endian words: what RISC Zero's `env::read()` expects for values
    written by the host's serde). Any other file: its bytes as they are."""
    if path.suffix == ".hex":
        return bytes.fromhex("".join(path.read_text().split()).removeprefix("0x"))
    if path.suffix != ".json":
        return path.read_bytes()
    value = jsonio.loads(path.read_text(), object_pairs_hook=_unique_keys)
    if not isinstance(value, dict) or len(value) != 1:
        raise ValueError('a .json input is one of {"hex": ...}, {"utf8": ...}, {"words": [...]}')
    ((kind, content),) = value.items()
    # Type checks first: str() of a number or list would be taken as data, and iterating a
    # non-list raised TypeError, which no caller expects.
    if kind in ("hex", "utf8") and not isinstance(content, str):
        raise ValueError(f"{kind}: expected a string")
    if kind == "hex":
        return bytes.fromhex(content.removeprefix("0x"))
    if kind == "utf8":
        return content.encode()
    if kind == "words":
        # `type(w) is int`: JSON true/false are bools, which isinstance(w, int) accepts.
        if not isinstance(content, list) or not all(
            type(w) is int and 0 <= w < 2**32 for w in content
        ):
            raise ValueError("words: every entry must be an integer in 0..2**32-1")
        return struct.pack(f"<{len(content)}I", *content)
    raise ValueError(f"unknown .json input kind {kind!r} (hex, utf8 or words)")


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_DOT_RUNS = re.compile(r"\.{2,}")
# A path part kept as it is: safe characters, not starting with "." or "-", no "_" at its end
# or doubled. Parts are joined with "__", so a clean id never contains "___".
_CLEAN_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]*(?:_[A-Za-z0-9.-]+)*")
_MAX_RAW_ID = 120


def raw_case_id(rel: str) -> str:
    """File-name-safe, unique id for an input file path: the path with "/" as "__" when that is
    unambiguous, else a sanitized prefix plus "___h" and a hash of the path."""
    parts = rel.split("/")
    joined = "__".join(parts)
    # Checking each part (not the sanitized whole) keeps "a/b" and "a__b" apart, and ".." out.
    if len(joined) <= _MAX_RAW_ID and all(
        _CLEAN_PART.fullmatch(p) and ".." not in p for p in parts
    ):
        return joined
    digest = hashlib.sha256(rel.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    prefix = _DOT_RUNS.sub(".", _UNSAFE.sub("_", joined))[: _MAX_RAW_ID - 20].strip("._-")
    return f"{prefix or 'input'}___h{digest}"


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
        if not _is_utf8(rel) or not _is_utf8(group):
            # A name that is not UTF-8 (decoded with lone surrogates) cannot be written as the
            # row's source or group: one error, naming the file with its bad bytes escaped.
            shown = rel.encode("utf-8", "backslashreplace").decode("utf-8")
            return [], [CaseError(shown, None, None, "file or folder name is not valid UTF-8")]
        try:
            raw_input_bytes(path)  # reject a malformed file now, with its name, not at run time
        except (ValueError, OSError, RecursionError) as err:  # RecursionError: deeply nested JSON
            return [], [CaseError(rel, None, "input", str(err))]
        case_id = raw_case_id(rel)
        description = {"kind": self.kind, "case_id": case_id, "source": rel, "group": group,
                       "test_name": path.stem, "skip_reason": None, "error": None}  # fmt: skip
        return [SourceCase(case_id, rel, group, None, description, lambda: _read_input(path))], []


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _read_input(path: Path) -> bytes:
    """raw_input_bytes at run time: a file gone or changed since loading becomes a ValueError,
    which `witness.prepare` records as the case's error instead of crashing the run."""
    try:
        return raw_input_bytes(path)
    except (OSError, RecursionError) as err:
        raise ValueError(f"{path}: {err}") from err


def source_for(tests_dir: str | Path | None, inputs_dir: str | Path | None) -> CaseSource:
    """The source a configuration names: `inputs_dir` (raw inputs) wins over `tests_dir`."""
    if inputs_dir:
        return RawInputs(Path(inputs_dir))
    if not tests_dir:
        raise ValueError("configure tests_dir (state tests) or inputs_dir (raw inputs)")
    return StateTests(Path(tests_dir))
