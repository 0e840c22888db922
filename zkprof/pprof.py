"""The hottest guest functions and flame graphs from RISC Zero's pprof profile (gzipped
profile.proto).

A small reader of the few protobuf fields needed, so that no protobuf package is required:
Profile{2: sample, 4: location, 5: function, 6: string_table}, Sample{1: location_id, 2: value},
Location{1: id, 4: line}, Line{1: function_id}, Function{1: id, 2: name}.
"""

from __future__ import annotations

import gzip
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7


def _fields(buf: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """(field number, wire type, value) of a message; length-delimited values are bytes."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
            yield number, wire, value
        elif wire == 2:
            length, pos = _varint(buf, pos)
            yield number, wire, buf[pos : pos + length]
            pos += length
        elif wire == 1:
            yield number, wire, int.from_bytes(buf[pos : pos + 8], "little")
            pos += 8
        elif wire == 5:
            yield number, wire, int.from_bytes(buf[pos : pos + 4], "little")
            pos += 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")


def _ints(value: int | bytes) -> list[int]:
    """A repeated integer field: packed (bytes) or a single varint."""
    if isinstance(value, int):
        return [value]
    out, pos = [], 0
    while pos < len(value):
        v, pos = _varint(value, pos)
        out.append(v)
    return out


@dataclass(frozen=True)
class Profile:
    """The parts of a pprof profile zkprof reads: each sample's stack and cycles."""

    names: dict[int, str]  # function id -> name
    frames: dict[int, list[int]]  # location id -> function ids, innermost (inlined) first
    samples: list[tuple[list[int], int]]  # (location ids, leaf first; cycles)

    def stack(self, locations: list[int]) -> list[str]:
        """A sample's function names, outermost first (inlined frames in their callers' order)."""
        return [
            self.names.get(fn, "?")
            for loc in reversed(locations)
            for fn in reversed(self.frames.get(loc, [0]))
        ]


def read_profile(path: Path) -> Profile:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    strings: list[str] = []
    functions: dict[int, int] = {}  # function id -> name string index
    frames: dict[int, list[int]] = {}
    samples: list[tuple[list[int], int]] = []
    for number, _, value in _fields(data):
        if number == 6:
            assert isinstance(value, bytes)
            strings.append(value.decode(errors="replace"))
        elif number == 5:
            assert isinstance(value, bytes)
            fields = {n: v for n, _, v in _fields(value)}
            functions[int(fields.get(1, 0))] = int(fields.get(2, 0))
        elif number == 4:
            assert isinstance(value, bytes)
            loc_id, lines = 0, []
            for n, _, v in _fields(value):
                if n == 1:
                    loc_id = int(v)
                elif n == 4:  # a Line; the first is the innermost (inlined) frame
                    assert isinstance(v, bytes)
                    lines.append(int(next((fv for fn, _, fv in _fields(v) if fn == 1), 0)))
            frames[loc_id] = lines or [0]
        elif number == 2:
            assert isinstance(value, bytes)
            loc_ids: list[int] = []
            values: list[int] = []
            for n, _, v in _fields(value):
                if n == 1:
                    loc_ids += _ints(v)
                elif n == 2:
                    values += _ints(v)
            if loc_ids and values:
                samples.append((loc_ids, values[0]))
    names = {fid: strings[i] if i < len(strings) else "?" for fid, i in functions.items()}
    return Profile(names, frames, samples)


def self_cycles(path: Path) -> Counter[str]:
    """Cycles spent in each function itself (the innermost frame of every sample)."""
    profile = read_profile(path)
    totals: Counter[str] = Counter()
    for locations, cycles in profile.samples:
        totals[profile.names.get(profile.frames.get(locations[0], [0])[0], "?")] += cycles
    return totals


def folded_stacks(path: Path) -> Counter[str]:
    """Cycles per whole stack, "outer;inner;leaf" (the folded format flame graphs draw), names
    without crate disambiguators and with ";" (in types such as [u8; 32]) written ","."""
    profile = read_profile(path)
    stacks: Counter[str] = Counter()
    for locations, cycles in profile.samples:
        names = (_DISAMBIGUATOR.sub("", n).replace(";", ",") for n in profile.stack(locations))
        stacks[";".join(names)] += cycles
    return stacks


def folded_lines(stacks: Counter[str]) -> list[str]:
    """Folded stacks as the lines of a flame graph's input, sorted."""
    return [f"{stack} {cycles}" for stack, cycles in sorted(stacks.items()) if cycles > 0]


def write_flame_graph(
    stacks: Counter[str], title: str, out: Path, subtitle: str | None = None
) -> Path:
    """An SVG flame graph of `stacks` (inferno, in the native module), written atomically."""
    from zkprof import _native
    from zkprof.atomic import write_atomic

    svg = _native.flame_graph_svg(folded_lines(stacks), title, subtitle)

    def write(tmp: Path) -> None:
        tmp.write_text(svg)

    write_atomic(out, write)
    return out


# Rust symbol names carry a crate disambiguator ("k256[cb27190b971a63cd]::...") that only adds noise.
_DISAMBIGUATOR = re.compile(r"\[[0-9a-f]{16}\]")


def hottest(path: Path, top: int = 5) -> str:
    """'name 41.2%; name 12.0%; ...': the functions with the most self cycles."""
    totals = self_cycles(path)
    whole = sum(totals.values()) or 1
    return "; ".join(
        f"{_DISAMBIGUATOR.sub('', name)} {100 * c / whole:.1f}%"
        for name, c in totals.most_common(top)
    )
