"""The hottest guest functions from RISC Zero's pprof profile (gzipped profile.proto).

A small reader of the few protobuf fields needed, so that no protobuf package is required:
Profile{2: sample, 4: location, 5: function, 6: string_table}, Sample{1: location_id, 2: value},
Location{1: id, 4: line}, Line{1: function_id}, Function{1: id, 2: name}.
"""

from __future__ import annotations

import gzip
import re
from collections import Counter
from collections.abc import Iterator
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


def self_cycles(path: Path) -> Counter[str]:
    """Cycles spent in each function itself (the innermost frame of every sample)."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    strings: list[str] = []
    functions: dict[int, int] = {}  # function id -> name string index
    locations: dict[int, int] = {}  # location id -> innermost function id
    samples: list[tuple[int, int]] = []  # (leaf location id, cycles)
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
            loc_id, first_fn = 0, 0
            for n, _, v in _fields(value):
                if n == 1:
                    loc_id = int(v)  # type: ignore[arg-type]
                elif n == 4 and not first_fn:  # the first line is the innermost (inlined) frame
                    assert isinstance(v, bytes)
                    first_fn = int(next((fv for fn, _, fv in _fields(v) if fn == 1), 0))  # type: ignore[arg-type]
            locations[loc_id] = first_fn
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
                samples.append((loc_ids[0], values[0]))
    totals: Counter[str] = Counter()
    for loc_id, cycles in samples:
        fn = functions.get(locations.get(loc_id, 0))
        name = strings[fn] if fn is not None and fn < len(strings) else "?"
        totals[name] += cycles
    return totals


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
