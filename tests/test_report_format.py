"""Number formatting and change classification: the openvm-prof defects, by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from zkprof.report.compare import ChangeKind, classify, regression_mask
from zkprof.report.fmt import cell, format_number, format_quantity
from zkprof.report.metrics_catalog import HIGHER, LOWER, NEUTRAL, spec_for


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.996, "2"),  # openvm-prof: "1.100"
        (2.999, "3"),  # openvm-prof: "2.100"
        (-0.5, "-0.50"),  # openvm-prof: "0.50"
        (-1234.5, "-1,234.50"),
        (1234.0, "1,234"),
        (1234567.891, "1,234,567.89"),
        (0.004, "0"),
        (-0.004, "0"),  # no "-0"
        (0.005, "0.01"),
        (12, "12"),
        (None, "-"),
        (math.nan, "-"),
    ],
)
def test_format_number(value: float | None, text: str) -> None:
    assert format_number(value) == text


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        # bytes: powers of 1024, three significant digits
        (512, "bytes", "512 B"),
        (1023, "bytes", "1,023 B"),
        (1024, "bytes", "1.00 KiB"),
        (1500, "bytes", "1.46 KiB"),
        (92_491_535.06, "bytes", "88.2 MiB"),  # the example, once "92,491,535.06"
        (10 * 2**30, "bytes", "10.0 GiB"),
        (0, "bytes", "0"),
        # milliseconds: ms, s, min, h, and days past two
        (0.1234, "ms", "0.12 ms"),
        (12.345, "ms", "12.3 ms"),
        (999.4, "ms", "999 ms"),
        (999.6, "ms", "1.00 s"),
        (1234.56, "ms", "1.23 s"),
        (90_000, "ms", "1.50 min"),
        (5_400_000, "ms", "1.50 h"),
        (3 * 86_400_000, "ms", "72.0 h (3.00 days)"),
        (-1500, "ms", "-1.50 s"),
        (42, "s", "42.0 s"),
        # cycles and gas: exact below 10,000, then K/M/G
        (9938, "cycles", "9,938"),
        (3504.23, "cycles", "3,504"),
        (12.5, "cycles", "12.50"),
        (10_000, "cycles", "10.0 K"),
        (4_329_646, "cycles", "4.33 M"),
        (1.2e9, "cycles", "1.20 G"),
        (119_927.5, "gas", "120 K"),
        # anything else: a plain number
        (16.87, "cycles/gas", "16.87"),
        (3, "count", "3"),
        (None, "ms", "-"),
        (math.nan, "bytes", "-"),
    ],
)
def test_format_quantity(value: float | None, unit: str, text: str) -> None:
    assert format_quantity(value, unit) == text


def test_changes_print_in_the_value_unit() -> None:
    change = classify(3 * 2**20, 2 * 2**20, LOWER, 2.0)
    assert cell(3 * 2**20, change, "bytes") == (
        "<span style='color: red'>(+1.00 MiB [+50.0%])</span> 3.00 MiB"
    )
    change = classify(800.0, 1600.0, LOWER, 2.0)
    assert (
        cell(800.0, change, "ms") == "<span style='color: green'>(-800 ms [-50.0%])</span> 800 ms"
    )


def test_zero_baseline_is_not_nan() -> None:
    change = classify(5.0, 0.0, LOWER, 2.0)
    assert change.kind is ChangeKind.REGRESSION and change.rel_change is None
    assert cell(5.0, change) == "<span style='color: red'>(+5 [from 0])</span> 5"
    assert cell(0.0, classify(0.0, 0.0, LOWER, 2.0)) == " 0"  # openvm-prof: "(+0 [NaN%])"
    assert change.exceeds(1000.0)


def test_missing_baseline_is_new() -> None:
    assert cell(7.0, classify(7.0, None, LOWER, 2.0)) == "<span style='color: gray'>(new)</span> 7"


def test_direction_decides_the_colour() -> None:
    # A higher throughput is an improvement (openvm-prof colours every increase red).
    assert cell(110.0, classify(110.0, 100.0, HIGHER, 2.0)).startswith(
        "<span style='color: green'>(+10 [+10.0%])"
    )
    assert cell(110.0, classify(110.0, 100.0, LOWER, 2.0)).startswith(
        "<span style='color: red'>(+10 [+10.0%])"
    )
    assert classify(110.0, 100.0, NEUTRAL, 2.0).kind is ChangeKind.CHANGED


def test_noise_threshold() -> None:
    assert classify(101.0, 100.0, LOWER, 2.0).kind is ChangeKind.NOISE
    assert classify(100.05, 100.0, LOWER, 2.0).kind is ChangeKind.UNCHANGED  # < 0.1%: not shown
    assert cell(100.05, classify(100.05, 100.0, LOWER, 2.0)) == " 100.05"
    assert classify(103.0, 100.0, LOWER, 2.0).kind is ChangeKind.REGRESSION
    assert classify(97.0, 100.0, LOWER, 2.0).kind is ChangeKind.IMPROVEMENT


def test_negative_change_prints_its_sign() -> None:
    assert (
        cell(9.5, classify(9.5, 10.0, LOWER, 2.0))
        == "<span style='color: green'>(-0.50 [-5.0%])</span> 9.50"
    )


def test_vectorised_regressions_agree_with_classify() -> None:
    rng = np.random.default_rng(7)
    baseline = rng.choice([0.0, 1.0, 100.0, np.nan], 400)
    value = baseline * rng.choice([0.9, 0.999, 1.0, 1.001, 1.05, 2.0], 400) + rng.choice(
        [0.0, 1.0], 400
    )
    value[::17] = np.nan
    for direction in (LOWER, HIGHER, NEUTRAL):
        mask = regression_mask(value, baseline, direction, 2.0)
        expected = [
            classify(None if np.isnan(v) else v, None if np.isnan(b) else b, direction, 2.0).kind
            is ChangeKind.REGRESSION
            for v, b in zip(value, baseline, strict=True)
        ]
        assert mask.tolist() == expected


def test_catalog_units_come_from_the_schema() -> None:
    assert spec_for("total_cycles").unit == "cycles"
    assert spec_for("prove_cycles_per_s").direction is HIGHER
    assert spec_for("execute_preflight_insn_mi/s").direction is HIGHER
    assert spec_for("trace_gen_time_ms").direction is LOWER
    assert spec_for("gas_used").direction is NEUTRAL
