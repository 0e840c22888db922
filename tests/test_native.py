"""The native binding against the real zkVM: execute, prove, verify, and every error path."""

from __future__ import annotations

import shutil
import threading
import time
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree

import pytest

from zkprof import _native
from zkprof.calibration import CalibrationOp, calibration_input, lcg_result
from zkprof.guest import GuestProgram, build_program
from zkprof.paths import NATIVE_DIR
from zkprof.pprof import folded_stacks, hottest, self_cycles, write_flame_graph

from .conftest import built_guest


def lcg(n: int) -> bytes:
    return calibration_input(CalibrationOp.LCG_ROUNDS, n)


def test_execute_is_deterministic(calibration_bytes: bytes) -> None:
    first = _native.execute(calibration_bytes, lcg(50_000), segment_po2=16)
    second = _native.execute(calibration_bytes, lcg(50_000), segment_po2=16)
    for key in ("total_cycles", "user_cycles", "paging_cycles", "reserved_cycles", "journal"):
        assert first[key] == second[key], key
    assert first["journal"] == lcg_result(50_000).to_bytes(8, "little")
    assert first["exit_code"] == "halted" and first["exit_value"] == 0
    assert first["total_cycles"] == (
        first["user_cycles"] + first["paging_cycles"] + first["reserved_cycles"]
    )
    assert first["segments"] == len(first["segment_po2s"]) >= 2
    assert all(14 <= p <= 16 for p in first["segment_po2s"])
    assert first["execute_ms"] > 0


def test_more_work_costs_more_cycles(calibration_bytes: bytes) -> None:
    small = _native.execute(calibration_bytes, lcg(1_000), segment_po2=20)
    big = _native.execute(calibration_bytes, lcg(100_000), segment_po2=20)
    assert big["user_cycles"] - small["user_cycles"] > 99_000 * 10


def test_prove_verify_multi_segment(calibration: GuestProgram, calibration_bytes: bytes) -> None:
    proof = _native.prove(calibration_bytes, lcg(2_000), segment_po2=14)
    assert proof["segments"] >= 2
    assert proof["segment_po2s"] == [14] * proof["segments"]
    assert len(proof["segment_prove_ms"]) == proof["segments"]
    assert proof["image_id"] == calibration.image_id
    assert proof["receipt_size"] == len(proof["receipt"]) > proof["seal_size"] > 0
    assert proof["prove_segments_ms"] >= sum(proof["segment_prove_ms"]) * 0.99
    ok = _native.verify(proof["receipt"], calibration.image_id)
    assert ok["journal"] == lcg_result(2_000).to_bytes(8, "little")
    assert ok["verify_ms"] > 0

    receipt = bytearray(proof["receipt"])
    receipt[len(receipt) // 2] ^= 0x01  # a byte inside the seal
    with pytest.raises(_native.ReceiptError):
        _native.verify(bytes(receipt), calibration.image_id)
    with pytest.raises(_native.ReceiptError):
        _native.verify(proof["receipt"][:100], calibration.image_id)
    other_id = "00" * 31 + "01"
    with pytest.raises(_native.ReceiptError, match="verification failed"):
        _native.verify(proof["receipt"], other_id)


def test_succinct_needs_recursion_programs(calibration_bytes: bytes) -> None:
    if _native.recursion_available():
        pytest.skip(
            "this build carries the recursion programs; succinct proving is covered by slow tests"
        )
    with pytest.raises(_native.UnsupportedReceiptKind, match="recursion"):
        _native.prove(calibration_bytes, lcg(10), segment_po2=14, receipt_kind="succinct")
    with pytest.raises(ValueError, match="receipt_kind"):
        _native.prove(calibration_bytes, lcg(10), segment_po2=14, receipt_kind="tiny")


def test_guest_panic_carries_message(calibration_bytes: bytes) -> None:
    payload = calibration_input(CalibrationOp.PANIC, 0, b"boom: the guest gave up")
    with pytest.raises(_native.GuestPanic, match="boom: the guest gave up"):
        _native.execute(calibration_bytes, payload, segment_po2=16)


def test_cycle_limit(calibration_bytes: bytes) -> None:
    with pytest.raises(_native.CycleLimitExceeded):
        _native.execute(
            calibration_bytes, calibration_input(CalibrationOp.ENDLESS), 16, cycle_limit=200_000
        )
    with pytest.raises(_native.CycleLimitExceeded):
        _native.execute(calibration_bytes, lcg(1_000_000), segment_po2=16, cycle_limit=100_000)


@pytest.mark.parametrize("po2", [0, 13, 23, 40])
def test_segment_po2_range(calibration_bytes: bytes, po2: int) -> None:
    with pytest.raises(ValueError, match="segment_po2"):
        _native.execute(calibration_bytes, lcg(10), segment_po2=po2)
    with pytest.raises(ValueError, match="segment_po2"):
        _native.prove(calibration_bytes, lcg(10), segment_po2=po2)


def test_bad_programs(calibration_bytes: bytes) -> None:
    with pytest.raises(_native.ProgramError):
        _native.program_from_elf(b"#!/bin/sh\necho not an elf\n")
    with pytest.raises(_native.ProgramError):
        _native.program_from_elf(b"\x7fELF" + b"\x00" * 60)
    with pytest.raises(_native.ProgramError):
        _native.execute(b"garbage" * 10, lcg(10))
    with pytest.raises(_native.ProgramError):
        _native.execute(calibration_bytes[: len(calibration_bytes) // 2], lcg(10))
    assert all(issubclass(e, _native.ZkvmError) for e in (_native.GuestPanic, _native.ReceiptError))


def test_gil_is_released(calibration_bytes: bytes) -> None:
    ticks = 0
    done = threading.Event()

    def count() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            time.sleep(0.001)

    counter = threading.Thread(target=count)
    counter.start()
    start = time.perf_counter()
    _native.execute(calibration_bytes, lcg(3_000_000), segment_po2=20)
    elapsed = time.perf_counter() - start
    done.set()
    counter.join()
    # With the GIL held the counter could not tick at all while the zkVM ran.
    assert elapsed > 0.2 and ticks > elapsed * 100


def test_pprof_output(calibration_bytes: bytes, tmp_path: Path) -> None:
    out = tmp_path / "profile.pb"
    _native.execute(calibration_bytes, lcg(100_000), segment_po2=20, pprof_path=str(out))
    assert out.stat().st_size > 100
    cycles = self_cycles(out)
    assert cycles.most_common(1)[0][0] == "main"  # the LCG loop is inlined into main
    assert hottest(out).startswith("main ")
    # The whole stacks hold the same cycles, each ending in the function the self count names.
    stacks = folded_stacks(out)
    assert sum(stacks.values()) == sum(cycles.values())
    leaves: Counter[str] = Counter()
    for stack, n in stacks.items():
        leaves[stack.rsplit(";", 1)[-1]] += n
    assert leaves["main"] == cycles["main"]
    assert all(";" not in name for name in cycles if name == "main")
    svg = write_flame_graph(stacks, "calibration", tmp_path / "flame.svg", "cycles")
    root = ElementTree.parse(svg).getroot()
    assert root.tag.endswith("svg")
    text = svg.read_text()
    # inferno's root frame holds every sampled cycle.
    assert "calibration" in text and "main" in text and f"{sum(stacks.values()):,} cycles" in text
    with pytest.raises(ValueError, match="flame graph"):
        _native.flame_graph_svg([], "empty")


@pytest.mark.parametrize("name", ["calibration", "evm", "evm-accelerated"])
def test_same_source_same_image_id(name: str, tmp_path: Path) -> None:
    # The same crates at another path (another clone) must give the same program: source paths are
    # trimmed, and the EVM guest reaches its shared crates through links inside its own workspace,
    # so Cargo hashes their paths relative to it.
    here = built_guest(name)
    copy = tmp_path / "elsewhere" / "native"
    # All guests: the accelerated one's main.rs is a link to the plain one's.
    for part in ("guests", "evm", "types", "accelerators"):
        shutil.copytree(
            NATIVE_DIR / part, copy / part, symlinks=True, ignore=shutil.ignore_patterns("target")
        )
    rebuilt = build_program(copy / "guests" / name, tmp_path / "out", quiet=True)
    assert rebuilt.image_id == here.image_id
    assert rebuilt.elf_sha256 == here.elf_sha256
    assert _native.image_id(rebuilt.program_path.read_bytes()) == here.image_id


def test_program_image_kept_on_disk(calibration_bytes: bytes, tmp_path: Path) -> None:
    # The first process of a program hashes its pages and keeps the image; later ones load it.
    assert _native.cache_program(calibration_bytes, tmp_path) is False
    (kept,) = tmp_path.glob("*.img")
    assert _native.cache_program(calibration_bytes, tmp_path) is True
    loaded = _native.execute(calibration_bytes, lcg(5_000), segment_po2=16)
    assert loaded["journal"] == lcg_result(5_000).to_bytes(8, "little")
    # A damaged file is not trusted: the image is built again and the file replaced.
    data = bytearray(kept.read_bytes())
    data[len(data) // 2] ^= 0xFF
    kept.write_bytes(bytes(data))
    assert _native.cache_program(calibration_bytes, tmp_path) is False
    assert _native.cache_program(calibration_bytes, tmp_path) is True
    rebuilt = _native.execute(calibration_bytes, lcg(5_000), segment_po2=16)
    for key in ("total_cycles", "user_cycles", "paging_cycles", "journal"):
        assert rebuilt[key] == loaded[key], key
    # An unwritable cache folder only costs time.
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    assert _native.cache_program(calibration_bytes, blocked / "images") is False
