"""Integrity of receipts on the real zkVM: tampered seals, journals and claims, other image ids and
malformed bytes all fail verification with `ReceiptError` (never a crash), and `zkprof verify`
reports them. One composite proof of the calibration guest (po2 14) serves the whole module.

A receipt is risc0's `Receipt` in bincode (fixed-width little-endian integers, u64 lengths):
`inner` (tag u32 = 0 for composite, then the segments: u64 count, and per segment the seal as u64
word count + u32 words, its index u32, hash function name, verifier parameters (32 bytes), claim),
then `journal` (u64 length + bytes), then `metadata` (32 bytes). The last segment's claim holds the
journal too.
"""

from __future__ import annotations

import random
import re
import struct
from pathlib import Path
from typing import Any

import pytest

from zkprof import _native, metrics
from zkprof.calibration import CalibrationOp, calibration_input, lcg_result
from zkprof.cli import main
from zkprof.guest import GuestProgram
from zkprof.verify import EXIT_FAILED, EXIT_USAGE, verify_receipt

from .conftest import built_guest

LCG_ROUNDS = 10
METADATA_BYTES = 32  # ReceiptMetadata: one digest, after the journal
HASHFN = b"poseidon2"


@pytest.fixture(scope="module")
def proof(calibration_bytes: bytes) -> dict[str, Any]:
    input_bytes = calibration_input(CalibrationOp.LCG_ROUNDS, LCG_ROUNDS)
    return dict(_native.prove(calibration_bytes, input_bytes, segment_po2=14))


@pytest.fixture(scope="module")
def receipt(proof: dict[str, Any]) -> bytes:
    return bytes(proof["receipt"])


@pytest.fixture(scope="module")
def evm_image_id() -> str:
    return built_guest("evm").image_id


def flipped(data: bytes, *positions: int, mask: int = 0x01) -> bytes:
    out = bytearray(data)
    for pos in positions:
        out[pos] ^= mask
    return bytes(out)


def seal_spans(receipt: bytes, proof: dict[str, Any]) -> list[tuple[int, int]]:
    """(start, end) of each segment's seal words. Every segment is proved at po2 14, so every seal
    has the same size; a seal ends 4 bytes (its index) before the hash function's name."""
    assert set(proof["segment_po2s"]) == {14}, "seal sizes differ: adapt seal_spans"
    words = proof["seal_size"] // proof["segments"] // 4
    name = struct.pack("<Q", len(HASHFN)) + HASHFN
    spans = []
    for match in re.finditer(re.escape(name), receipt):
        end = match.start() - 4
        start = end - 4 * words
        assert struct.unpack_from("<Q", receipt, start - 8)[0] == words, "not a seal length"
        spans.append((start, end))
    assert len(spans) == proof["segments"]
    return spans


def journal_offsets(receipt: bytes, journal: bytes) -> tuple[int, int]:
    """Where the journal sits: in the last segment's claim, and in the receipt's `journal` field
    (just before the metadata)."""
    encoded = struct.pack("<Q", len(journal)) + journal
    found = [m.start() + 8 for m in re.finditer(re.escape(encoded), receipt)]
    field = len(receipt) - METADATA_BYTES - len(journal)
    assert field in found and len(found) == 2, found
    return next(f for f in found if f != field), field


def test_untouched_receipt_verifies(
    proof: dict[str, Any], receipt: bytes, calibration: GuestProgram
) -> None:
    assert proof["image_id"] == calibration.image_id
    checked = verify_receipt(receipt, calibration.image_id)
    assert checked["journal"] == lcg_result(LCG_ROUNDS).to_bytes(8, "little") == proof["journal"]


def test_flipped_seal_bytes_fail(
    proof: dict[str, Any], receipt: bytes, calibration: GuestProgram
) -> None:
    for number, (start, end) in enumerate(seal_spans(receipt, proof)):
        for pos in (start, start + 4 * 1000 + 1, (start + end) // 2 + 2, end - 1):
            with pytest.raises(_native.ReceiptError, match="verification failed"):
                _native.verify(flipped(receipt, pos), calibration.image_id)
                pytest.fail(f"seal of segment {number}: byte {pos} flipped, still verifies")
    # Many bits at once, and a seal of zeros.
    start, end = seal_spans(receipt, proof)[-1]
    with pytest.raises(_native.ReceiptError, match="verification failed"):
        _native.verify(flipped(receipt, *range(start, end, 97), mask=0xFF), calibration.image_id)
    zeroed = receipt[:start] + bytes(end - start) + receipt[end:]
    with pytest.raises(_native.ReceiptError, match="verification failed"):
        _native.verify(zeroed, calibration.image_id)


def test_changed_journal_fails(
    proof: dict[str, Any], receipt: bytes, calibration: GuestProgram
) -> None:
    journal = proof["journal"]
    in_claim, in_field = journal_offsets(receipt, journal)
    for offset in (in_field, in_claim):
        for i in range(len(journal)):
            with pytest.raises(_native.ReceiptError, match="verification failed"):
                _native.verify(flipped(receipt, offset + i), calibration.image_id)
    # A plausible forgery: the journal another input gives, in both places at once.
    other = lcg_result(LCG_ROUNDS + 1).to_bytes(8, "little")
    forged = bytearray(receipt)
    for offset in (in_claim, in_field):
        forged[offset : offset + len(journal)] = other
    with pytest.raises(_native.ReceiptError, match="verification failed"):
        _native.verify(bytes(forged), calibration.image_id)
    # A journal of another length, correctly encoded.
    head = receipt[: in_field - 8]
    longer = head + struct.pack("<Q", 9) + journal + b"\x00" + receipt[-METADATA_BYTES:]
    with pytest.raises(_native.ReceiptError, match="verification failed"):
        _native.verify(longer, calibration.image_id)
    empty = head + struct.pack("<Q", 0) + receipt[-METADATA_BYTES:]
    with pytest.raises(_native.ReceiptError, match="verification failed"):
        _native.verify(empty, calibration.image_id)


def test_other_image_ids_fail(receipt: bytes, evm_image_id: str, calibration: GuestProgram) -> None:
    rng = random.Random(4)
    others = [evm_image_id, "00" * 32, "ff" * 32, *(rng.randbytes(32).hex() for _ in range(3))]
    # The calibration id with one bit changed: close is not enough.
    others.append(flipped(bytes.fromhex(calibration.image_id), 31).hex())
    for image_id in others:
        assert image_id != calibration.image_id
        with pytest.raises(_native.ReceiptError, match="claim digest does not match"):
            _native.verify(receipt, image_id)
    for bad in ("", "12", "zz" * 32, "00" * 31, "00" * 33):
        with pytest.raises(ValueError, match="image_id"):
            _native.verify(receipt, bad)


def test_malformed_bytes_fail_clearly(receipt: bytes, calibration: GuestProgram) -> None:
    cuts = [0, 1, 4, 12, 20, 1000, len(receipt) // 2, len(receipt) - METADATA_BYTES, -1]
    for cut in cuts:
        with pytest.raises(_native.ReceiptError, match="cannot decode receipt"):
            _native.verify(receipt[:cut], calibration.image_id)
    rng = random.Random(7)
    for garbage in (b"\x00", b"not a receipt", rng.randbytes(4096), b"\xff" * 64):
        with pytest.raises(_native.ReceiptError, match="cannot decode receipt"):
            _native.verify(garbage, calibration.image_id)
    # Lengths that claim far more than there is: an error, not an allocation of exabytes.
    for pos in (4, 12):
        huge = receipt[:pos] + struct.pack("<Q", 2**62) + receipt[pos + 8 :]
        with pytest.raises(_native.ReceiptError, match="cannot decode receipt"):
            _native.verify(huge, calibration.image_id)
    with pytest.raises(_native.ReceiptError, match="cannot decode receipt"):
        _native.verify(b"\x01" + receipt[1:], calibration.image_id)  # an unknown receipt kind


def test_appended_bytes_are_caught(receipt: bytes, calibration: GuestProgram) -> None:
    # bincode's defaults would stop at the receipt's end and ignore what follows; the binding
    # refuses it.
    for extra in (b"\x00", b"x" * 100, receipt):
        with pytest.raises(_native.ReceiptError, match="extra bytes after the end of the receipt"):
            _native.verify(receipt + extra, calibration.image_id)
        with pytest.raises(_native.ReceiptError, match="extra bytes"):
            verify_receipt(receipt + extra, calibration.image_id)


def test_single_byte_flips_never_change_what_verifies(
    proof: dict[str, Any], receipt: bytes, calibration: GuestProgram
) -> None:
    """Every byte outside the seals (every third one, and all of the journal's neighbourhood):
    a flip is rejected, or it verifies with the same journal. risc0 does not bind each segment's
    `index` and `verifier_parameters` fields, which carry nothing proved: only they may change."""
    spans = seal_spans(receipt, proof)
    unbound: set[int] = set()
    for _, end in spans:
        unbound.update(range(end, end + 4))  # index
        name_end = end + 4 + 8 + len(HASHFN)
        unbound.update(range(name_end, name_end + 32))  # verifier_parameters
    outside = [
        pos for pos in range(len(receipt)) if not any(start <= pos < end for start, end in spans)
    ]
    tail = len(receipt) - 160
    positions = [p for i, p in enumerate(outside) if i % 3 == 0 or p >= tail]
    accepted = []
    for pos in positions:
        try:
            checked = _native.verify(flipped(receipt, pos), calibration.image_id)
        except _native.ReceiptError:
            continue
        assert checked["journal"] == proof["journal"], f"byte {pos} flipped changed the journal"
        accepted.append(pos)
    assert set(accepted) <= unbound, sorted(set(accepted) - unbound)


# --- zkprof verify ----------------------------------------------------------------------------


@pytest.fixture
def receipt_files(receipt: bytes, tmp_path: Path) -> dict[str, Path]:
    files = {
        "good": receipt,
        "seal": flipped(receipt, len(receipt) // 2),
        "journal": flipped(receipt, len(receipt) - METADATA_BYTES - 1),
        "appended": receipt + b"\n",
        "truncated": receipt[:-10],
        "empty": b"",
    }
    out = {}
    for name, data in files.items():
        out[name] = tmp_path / f"{name}.receipt"
        out[name].write_bytes(data)
    return out


def verdicts(text: str) -> dict[str, str]:
    """`path: verdict` lines -> {file stem: verdict}."""
    out = {}
    for line in text.splitlines():
        path, _, verdict = line.partition(": ")
        out[Path(path).stem] = verdict
    return out


def test_verify_command(
    receipt_files: dict[str, Path],
    calibration: GuestProgram,
    capsys: pytest.CaptureFixture[str],
) -> None:
    good = str(receipt_files["good"])
    assert main(["verify", good, "--image-id", calibration.image_id]) == 0
    assert verdicts(capsys.readouterr().out)["good"].startswith("ok (journal 8 bytes")
    assert main(["verify", good, "--image-id", "0x" + calibration.image_id.upper()]) == 0
    assert main(["verify", good, "--program", str(calibration.program_path)]) == 0
    capsys.readouterr()

    with pytest.raises(SystemExit) as usage:
        main(["verify", good])  # neither --image-id nor --program
    assert usage.value.code == EXIT_USAGE
    capsys.readouterr()

    paths = [str(p) for p in receipt_files.values()]
    status = main(["verify", *paths, "missing.receipt", "--program", str(calibration.program_path)])
    assert status == EXIT_FAILED
    captured = capsys.readouterr()
    found = verdicts(captured.out)
    assert found["good"].startswith("ok")
    assert found["seal"].startswith("FAILED: verification failed")
    assert found["journal"].startswith("FAILED: verification failed: claim digest does not match")
    assert found["appended"].startswith("FAILED: extra bytes after the end of the receipt")
    assert found["truncated"].startswith("FAILED: cannot decode receipt")
    assert found["empty"] == "FAILED: empty file, not a receipt"
    assert found["missing"].startswith("FAILED: cannot read")
    assert "6 of 7 receipts FAILED" in captured.err


def test_verify_command_other_guest(
    receipt_files: dict[str, Path], evm_image_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", str(receipt_files["good"]), "--image-id", evm_image_id]) == EXIT_FAILED
    assert "another image id" in verdicts(capsys.readouterr().out)["good"]


def test_verify_command_bad_image_ids(
    receipt_files: dict[str, Path],
    calibration: GuestProgram,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    good = str(receipt_files["good"])
    assert main(["verify", good, "--image-id", "abc"]) == EXIT_USAGE
    assert "64 hex digits" in capsys.readouterr().err
    assert main(["verify", good, "--program", str(tmp_path / "none.bin")]) == EXIT_USAGE
    assert "cannot read the program" in capsys.readouterr().err
    (tmp_path / "junk.bin").write_bytes(b"junk")
    assert main(["verify", good, "--program", str(tmp_path / "junk.bin")]) == EXIT_USAGE
    assert "not an R0BF program" in capsys.readouterr().err
    # A program whose metadata names another image id: refused, not trusted.
    stale = tmp_path / "stale.bin"
    stale.write_bytes(calibration.program_path.read_bytes())
    meta = calibration.meta_path.read_text().replace(calibration.image_id, "00" * 32)
    stale.with_suffix(".json").write_text(meta)
    assert main(["verify", good, "--program", str(stale)]) == EXIT_USAGE
    assert "rebuild the guest" in capsys.readouterr().err


def test_row_journal_keeps_whole_rows_of_a_killed_job(tmp_path: Path) -> None:
    path = tmp_path / "partial" / "batch.arrows"
    with metrics.RowJournal(path) as journal:
        assert journal.kept == {}
        for i in range(3):
            journal.append(
                {"case_id": f"c{i}", "status": metrics.MATCHED, "total_cycles": i}, f"f{i}"
            )
    # A job killed in the middle of a row leaves it cut short: the whole rows before it are kept.
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 40])
    kept = metrics.read_journal(path)
    assert sorted(kept) == ["f0", "f1"]
    assert kept["f1"]["case_id"] == "c1" and kept["f1"]["total_cycles"] == 1
    # The rerun starts a fresh journal that still holds them, and appends after them.
    with metrics.RowJournal(path) as journal:
        assert sorted(journal.kept) == ["f0", "f1"]
        journal.append({"case_id": "c2", "status": metrics.FAILED}, "f2b")
    assert sorted(metrics.read_journal(path)) == ["f0", "f1", "f2b"]
    # Garbage (or another schema) is not trusted.
    path.write_bytes(b"not an arrow stream")
    assert metrics.read_journal(path) == {}
    journal = metrics.RowJournal(path)
    journal.remove()
    assert not path.exists()
