"""Calibration and prediction: the model on hand-made calibrations, and a real calibration (po2 14
and 15, two proofs each) checked against a real proof of another size.

The real part takes about 4-5 minutes on 2 idle cores (10 po2-14 and 2 po2-15 segments for the
calibration, 9 segments for the check); more when other jobs share the cores.
"""

from __future__ import annotations

import argparse
import copy
import json
import resource
import time
from pathlib import Path
from typing import Any

import pytest

from zkprof import _native
from zkprof.calibrate import (
    SCHEMA,
    SCHEMA_VERSION,
    CalibrationError,
    add_calibrate_parser,
    calibrate,
    format_table,
    load_calibration,
    parse_po2s,
    save_calibration,
    validate_calibration,
)
from zkprof.calibration import CalibrationOp, calibration_input
from zkprof.guest import GuestProgram
from zkprof.predict import (
    PREDICTION_FIELDS,
    RESERVED_CYCLES,
    choose_po2,
    predict,
    prediction_fields,
    segments_at,
)
from zkprof.runner import RunSettings, measure_isolated

# Prediction against a real proof on the same machine. Time: 25%, after scaling by the CPU share the
# prover got (other jobs may share the two cores). Peak RSS: 20% (it is the largest segment's).
TIME_TOLERANCE = 0.25
RSS_TOLERANCE = 0.20
# segments_at against a real execution: padded cycles (what proving time follows) within 20%.
SPLIT_TOLERANCE = 0.20

GB = 10**9


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def lcg(n: int) -> bytes:
    return calibration_input(CalibrationOp.LCG_ROUNDS, n)


def hand_made(entries: dict[int, tuple[float, int, int]]) -> dict[str, Any]:
    """A minimal calibration: po2 -> (seconds per segment, peak RSS, receipt bytes per segment)."""
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "overhead_ms": {"prove": {"median": 100.0}, "job": {"median": 300.0}},
        "receipt_fixed_bytes": 150,
        "per_po2": {
            str(p): {
                "status": "measured",
                "seconds_per_segment": {"median": s},
                "peak_rss_bytes": {"max": rss},
                "receipt_bytes_per_segment": r,
            }
            for p, (s, rss, r) in entries.items()
        }
        | {"20": {"status": "skipped", "reason": "too big"}},
    }


CAL = hand_made({14: (10.0, 200 * 10**6, 200_000), 16: (40.0, 600 * 10**6, 220_000)})


# --- the model, on a hand-made calibration ------------------------------------------------------


def test_predict_sums_segments_and_takes_the_largest_memory() -> None:
    p = predict([16, 16, 14], CAL)
    assert p.predicted_prove_ms == pytest.approx(100 + 1e3 * (40 + 40 + 10))
    assert p.predicted_job_ms == pytest.approx(300 + 1e3 * 90)
    assert p.predicted_peak_rss_bytes == 600 * 10**6  # segments are proved one after another
    assert p.predicted_receipt_bytes == 150 + 2 * 220_000 + 200_000
    assert not p.extrapolated
    assert prediction_fields([16, 16, 14], CAL) == {
        "predicted_prove_ms": p.predicted_prove_ms,
        "predicted_peak_rss_bytes": p.predicted_peak_rss_bytes,
        "predicted_receipt_bytes": p.predicted_receipt_bytes,
    }
    assert tuple(prediction_fields([14], CAL)) == PREDICTION_FIELDS


def test_predict_extrapolates_and_flags() -> None:
    p = predict([18, 13], CAL)
    # x2 per po2 from the nearest calibrated po2 (16 for 18, 14 for 13).
    assert p.predicted_prove_ms == pytest.approx(100 + 1e3 * (40 * 4 + 10 / 2))
    assert p.predicted_peak_rss_bytes == 4 * 600 * 10**6
    # Receipts grow linearly in po2 (10 000 bytes per po2 here), not x2.
    assert p.predicted_receipt_bytes == 150 + 240_000 + 190_000
    assert p.extrapolated and p.extrapolated_po2s == (13, 18)
    # A gap inside the range (15) uses the nearest, the smaller on a tie, and is flagged too.
    gap = predict([15], CAL)
    assert gap.predicted_prove_ms == pytest.approx(100 + 20_000)
    assert gap.extrapolated_po2s == (15,)


def test_predict_rejects_impossible_po2s() -> None:
    with pytest.raises(ValueError, match="at least one"):
        predict([], CAL)
    with pytest.raises(ValueError, match=r"segment po2 12 is outside 13\.\.22"):
        predict([14, 12], CAL)


def test_segments_at_follows_the_executor_rules() -> None:
    # No paging: a po2-16 segment holds 65536 - 25000 - 4113 user cycles.
    room = 65536 - 25_000 - RESERVED_CYCLES
    assert segments_at(2 * room, 16) == [16, 16]
    assert segments_at(2 * room + 1, 16) == [16, 16, 13]
    assert segments_at(0, 20) == [13]
    assert segments_at(3 * room, 16, paging_cycles=0, segments=5) == [16, 16, 16]
    # Paging scales with the square root of the segment length from the observed po2.
    assert segments_at(100_000, 18, paging_cycles=40_000, segments=4, observed_po2=16) == [17]
    with pytest.raises(ValueError, match="no room for guest cycles"):
        segments_at(1_000, 15, paging_cycles=10_000)
    with pytest.raises(ValueError, match=r"14\.\.22"):
        segments_at(1_000, 13)
    counts = [len(segments_at(5_000_000, p, paging_cycles=50_000, segments=10)) for p in (16, 18)]
    assert counts[0] > counts[1]


def test_choose_po2_fastest_within_memory() -> None:
    cal = hand_made(
        {
            16: (40.0, 600 * 10**6, 220_000),
            17: (80.0, 1200 * 10**6, 230_000),
            18: (160.0, 2400 * 10**6, 240_000),
        }
    )
    po2, reason = choose_po2(5_000_000, cal, 8 * GB, [16, 17, 18])
    assert po2 == 18 and "least predicted proving time" in reason  # fewer segments, less overhead
    po2, reason = choose_po2(5_000_000, cal, 2 * GB, [16, 17, 18])
    assert po2 == 17 and "po2 18 and up exceed the limit" in reason
    with pytest.raises(
        ValueError, match=r"fits in the memory limit of 0\.500 GB.*po2 16, needs 0\.600 GB"
    ):
        choose_po2(5_000_000, cal, GB // 2, [16, 17, 18])
    _, reason = choose_po2(5_000_000, cal, 100 * GB, [19])
    assert "extrapolated" in reason


def test_validation_names_the_field() -> None:
    bad = copy.deepcopy(CAL)
    bad["per_po2"]["16"]["seconds_per_segment"]["median"] = "fast"
    with pytest.raises(CalibrationError, match=r"x\.json: field 'per_po2\.16\.seconds_per_segment"):
        validate_calibration(bad, "x.json")
    bad = copy.deepcopy(CAL)
    del bad["overhead_ms"]["job"]
    with pytest.raises(CalibrationError, match=r"field 'overhead_ms\.job' is missing"):
        predict([14], bad)
    bad = copy.deepcopy(CAL) | {"schema_version": SCHEMA_VERSION + 1}
    with pytest.raises(
        CalibrationError, match="'schema_version' is 2; this zkprof reads version 1"
    ):
        validate_calibration(bad)
    only_skipped = copy.deepcopy(CAL)
    only_skipped["per_po2"] = {"20": {"status": "skipped", "reason": "x"}}
    with pytest.raises(CalibrationError, match="no measured po2"):
        validate_calibration(only_skipped)


def test_bad_files_say_which_file(tmp_path: Path) -> None:
    path = tmp_path / "cal.json"
    save_calibration(CAL, path)
    assert load_calibration(path) == json.loads(json.dumps(CAL))
    path.write_text(path.read_text()[:-40])  # cut short: a corrupted file
    with pytest.raises(CalibrationError, match=rf"{path}: not a calibration file: invalid JSON"):
        load_calibration(path)
    path.write_text(json.dumps({"schema": "something else"}))
    with pytest.raises(CalibrationError, match=rf"{path}: field 'schema'"):
        load_calibration(path)
    with pytest.raises(CalibrationError, match="cannot read"):
        load_calibration(tmp_path / "missing.json")


def test_command_line_arguments() -> None:
    assert parse_po2s("14..16") == [14, 15, 16]
    assert parse_po2s("14,18") == [14, 18]
    with pytest.raises(argparse.ArgumentTypeError):
        parse_po2s("10..12")
    parser = argparse.ArgumentParser(prog="zkprof")
    add_calibrate_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(
        ["calibrate", "--po2", "14..18", "--repeats", "2", "--out", "c.json", "--threads", "2"]
    )
    assert (args.po2, args.repeats, args.out, args.threads) == (
        [14, 15, 16, 17, 18],
        2,
        Path("c.json"),
        2,
    )
    assert callable(args.func)


# --- against the real zkVM ----------------------------------------------------------------------


def test_segments_at_against_real_executions(calibration_bytes: bytes) -> None:
    observed = _native.execute(calibration_bytes, lcg(20_000), segment_po2=16)
    for po2 in (14, 18):
        real = _native.execute(calibration_bytes, lcg(20_000), segment_po2=po2)["segment_po2s"]
        guess = segments_at(
            observed["user_cycles"],
            po2,
            paging_cycles=observed["paging_cycles"],
            segments=observed["segments"],
            observed_po2=max(observed["segment_po2s"]),
        )
        padded_real, padded_guess = sum(2**p for p in real), sum(2**p for p in guess)
        assert abs(padded_guess - padded_real) <= SPLIT_TOLERANCE * padded_real, (po2, real, guess)


def test_calibrate_refuses_when_nothing_fits(calibration: GuestProgram) -> None:
    with pytest.raises(
        CalibrationError, match=r"no po2 could be measured: 20: .*exceeds the limit"
    ):
        calibrate([20], repeats=1, memory_limit_bytes=GB, log=lambda _: None, program=calibration)


def test_calibration_document(small_calibration: Path) -> None:
    doc = load_calibration(small_calibration)
    assert doc["guest"]["name"] == "calibration" and doc["repeats"] == 2
    assert doc["risc0_version"] == _native.RISC0_VERSION and doc["hardware"]["memory_bytes"] > 0
    assert doc["threads"] >= 1
    for po2 in ("14", "15"):
        entry = doc["per_po2"][po2]
        assert entry["status"] == "measured"
        assert len(entry["seconds_per_segment"]["samples"]) == 2
        assert len(entry["peak_rss_bytes"]["samples"]) == 2
        assert 0 < entry["cpu_share"]["median"] <= doc["threads"] + 0.2
    assert doc["per_po2"]["14"]["segments_per_proof"] >= 2
    assert doc["per_po2"]["22"]["status"] == "skipped"
    assert "exceeds" in doc["per_po2"]["22"]["reason"]
    # Bigger segments cost more time, memory and seal.
    s14, s15 = (doc["per_po2"][p] for p in ("14", "15"))
    assert s15["seconds_per_segment"]["median"] > s14["seconds_per_segment"]["median"]
    assert s15["peak_rss_bytes"]["max"] > s14["peak_rss_bytes"]["max"]
    assert s15["receipt_bytes_per_segment"] > s14["receipt_bytes_per_segment"]
    table = format_table(doc)
    assert " 14 " in table and "skipped" in table


@pytest.mark.slow  # an accuracy check: it depends on the machine being as idle as at calibration
def test_prediction_matches_a_real_proof(small_calibration: Path, calibration_bytes: bytes) -> None:
    cal = load_calibration(small_calibration)
    # Another size than the calibration's: the smallest run with 9 segments at limit 14, whose
    # last segment is a small po2-13 one (outside the calibrated range: extrapolated).
    lo, hi = 0, 10_000
    while hi - lo > 1:
        mid = (lo + hi) // 2
        segments = _native.execute(calibration_bytes, lcg(mid), segment_po2=14)["segments"]
        lo, hi = (mid, hi) if segments < 9 else (lo, mid)
    run = _native.execute(calibration_bytes, lcg(hi), segment_po2=14)
    assert run["segment_po2s"] == [14] * 8 + [13]
    expected = predict(run["segment_po2s"], cal)
    assert expected.extrapolated_po2s == (13,)

    cpu_start = children_cpu_s()
    start = time.perf_counter()
    measured = measure_isolated(
        calibration_bytes, lcg(hi), RunSettings(action="prove", segment_po2=14)
    )
    cpu_share = (children_cpu_s() - cpu_start) / (time.perf_counter() - start)
    assert measured["segment_po2s"] == run["segment_po2s"]
    # Other jobs may take CPU from the prover during the check but not during the calibration (or
    # the other way round): scale the prediction by the prover's CPU share then and now.
    contention = cal["per_po2"]["14"]["cpu_share"]["median"] / cpu_share
    raw_error = expected.predicted_prove_ms / measured["prove_ms"] - 1
    time_error = expected.predicted_prove_ms * contention / measured["prove_ms"] - 1
    rss_error = expected.predicted_peak_rss_bytes / measured["peak_rss_bytes"] - 1
    print(
        f"predicted {expected.predicted_prove_ms / 1e3:.1f} s, measured "
        f"{measured['prove_ms'] / 1e3:.1f} s ({raw_error:+.1%}; CPU share "
        f"{cpu_share:.2f} now, contention x{contention:.2f}: {time_error:+.1%}); RSS predicted "
        f"{expected.predicted_peak_rss_bytes / 1e6:.0f} MB, measured "
        f"{measured['peak_rss_bytes'] / 1e6:.0f} MB ({rss_error:+.1%}); receipt predicted "
        f"{expected.predicted_receipt_bytes}, measured {measured['receipt_bytes']}"
    )
    assert abs(time_error) <= TIME_TOLERANCE
    assert abs(rss_error) <= RSS_TOLERANCE
    # Seals are exact per po2 (the po2-13 one is extrapolated): 2% covers that one segment.
    assert abs(expected.predicted_receipt_bytes / measured["receipt_bytes"] - 1) <= 0.02


def test_choose_po2_on_the_small_calibration(small_calibration: Path) -> None:
    cal = load_calibration(small_calibration)
    need = {p: predict([p], cal).predicted_peak_rss_bytes for p in (14, 15)}
    with pytest.raises(ValueError, match=rf"the smallest, po2 14, needs {need[14] / 1e9:.3f} GB"):
        choose_po2(100_000, cal, need[14] - 1, paging_cycles=20_000, segments=10)
    po2, reason = choose_po2(100_000, cal, (need[14] + need[15]) // 2, [14, 15])
    assert po2 == 14 and "po2 15 and up exceed the limit" in reason, reason
