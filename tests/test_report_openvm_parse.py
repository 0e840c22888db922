"""The native openvm metrics reader against the reference (json) reader: same MetricDb, and the
reference's clear errors for what the native reader leaves to it."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any

import pytest

from tests.report_fixtures import entry, openvm_metrics
from zkprof import _native
from zkprof.report import openvm
from zkprof.report.bench import synthetic_openvm_json
from zkprof.report.load import ReportInputError

parse = _native.openvm_parse_metrics


def canonical(db: openvm.MetricDb) -> tuple[Any, ...]:
    """Everything in the db, NaN made comparable and the sign of zero kept."""
    values = [("nan",) if math.isnan(v) else (v, math.copysign(1.0, v)) for v in db.values]
    return (db.path, db.labels, db.starts, db.detailed_ends, db.metrics, values)


def both(path: Path) -> openvm.MetricDb:
    """read_metrics (native when it can) and the reference reader agree exactly."""
    fast = openvm.read_metrics(path)
    assert canonical(fast) == canonical(openvm.read_metrics_json(path))
    return fast


def write(tmp_path: Path, doc: Any, name: str = "m.json", **dump: Any) -> Path:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc, **dump))
    return path


def test_generated_file(tmp_path: Path) -> None:
    path = write(tmp_path, synthetic_openvm_json(2_000_000, seed=11))
    parse(path.read_bytes())  # read natively, not by the fallback
    db = both(path)
    assert len(db.labels) > 1000 and len(db.metrics) > 5000
    assert db.metrics.count(openvm.BLOB_TOTAL_TIME) > 0
    assert db.metrics.count(openvm.PROOF_TIME) > 0


@pytest.mark.parametrize("scale", [(1.0, 1.0), (1.1, 0.5)])
def test_golden_inputs(tmp_path: Path, scale: tuple[float, float]) -> None:
    path = write(tmp_path, openvm_metrics(*scale), indent=1)  # as the golden tests write them
    parse(path.read_bytes())
    db = both(path)
    # leaf idx 0: its blob times (1.996 and 2, two other label sets) summed into its own label
    # set, after its proof time, and not shown in the detailed tables
    at = db.labels.index((("group", "leaf"), ("idx", "0")))
    a, b = db.starts[at], db.starts[at + 1]
    assert list(zip(db.metrics[a:b], db.values[a:b], strict=True)) == [
        ("total_proof_time_ms", 300.0 * scale[0]),
        ("generate_blob_total_time_ms", 1.996 + 2),
    ]
    assert db.detailed_ends[at] == a + 1
    # fib segments: no total proof time in the file, derived from the phases
    at = db.labels.index((("group", "fib"), ("segment", "1")))
    assert db.metrics[db.detailed_ends[at] - 1] == "total_proof_time_ms"
    assert db.values[db.detailed_ends[at] - 1] == 50 + 100 * scale[0] + 350 * scale[0]


def tricky_entries() -> list[dict[str, Any]]:
    """Entries the native reader must read exactly as json + float do."""
    return [
        entry("a", 1, group="g", segment="0"),
        {"metric": "b", "value": "2", "labels": [["segment", "0"], ["group", "g"]]},  # same set
        {"metric": "c", "value": 3.5},  # no labels
        {"metric": "c", "value": "4", "labels": []},  # the same (empty) label set
        {"metric": "d", "value": "-0", "labels": [["k", "v"], ["k", "w"]]},  # duplicate key
        {"value": -0.0, "extra": {"x": [1, None, True, "s"]}, "metric": "e", "labels": []},
        {"metric": "esc\u00e9\n\U0001d11e", "value": "1e3", "labels": [["air_name", 'A<"q">\\']]},
        {"metric": "\u00e9", "value": ".5", "labels": [["\u00e9", "\u00e9"]]},
        *({"metric": "f", "value": v} for v in ("5.", "+5", "-.5e-3", "1E+02", "007", "0.1")),
        *({"metric": "f", "value": v} for v in (12345678901234567890, 2**53 + 1, "2e308")),
        *({"metric": "f", "value": v} for v in (1e-320, "nan", "-inf", "Infinity", "123456789")),
        entry("trace_gen_time_ms", 10, group="leg", idx="1"),
        entry("stark_prove_excluding_trace_time_ms", 20, group="leg", idx="1"),
        entry("execute_time_ms", 5, group="leg", idx="1"),  # legacy proof time: 35
        entry("generate_blob_time_ms", 0.1, group="leg", idx="1", air="x"),
        entry("generate_blob_time_ms", 0.2, idx="1", air="y", group="leg"),
    ]


def test_tricky_entries_read_natively(tmp_path: Path) -> None:
    counters = [entry("n", v, group="g") for v in (0, "0", "0.0", -0.0, "-0", 7, "0.5")]
    doc = {"gauge": tricky_entries(), "other": [{"deep": [[[]]]}], "counter": counters}
    for name, dump in (
        ("compact.json", {"separators": (",", ":")}),
        ("pretty.json", {"indent": 2}),
    ):
        path = write(tmp_path, doc, name, ensure_ascii=False, **dump)
        parse(path.read_bytes())
        db = both(path)
        assert db.labels[0] == (("group", "g"),)  # counters first, zeros dropped
        assert list(db.values[: db.starts[1]]) == [7.0, 0.5]
        assert openvm.PROOF_TIME in db.metrics
    path = write(tmp_path, doc, "ascii.json")  # \u escapes, surrogate pairs
    parse(path.read_bytes())
    both(path)


@pytest.mark.parametrize(
    "text",
    [
        '{"gauge": [{"metric": "m", "value": NaN}]}',  # Python's json extension
        '{"gauge": [{"metric": "m", "value": " 5"}]}',  # float() strips spaces
        '{"gauge": [{"metric": "m", "value": "1_000"}]}',
        '{"gauge": [{"metric": "m", "value": 1, "value": 2}]}',  # the last wins
        '{"gauge": [], "gauge": [{"metric": "m", "value": 2}]}',
        '{"gauge": [{"metric": "\\ud800", "value": 1}]}',  # lone surrogate
        '\ufeff{"gauge": [{"metric": "m", "value": 1}]}',  # byte-order mark
        '{"gauge": [{"metric": 5, "value": 1}]}',  # str(5)
    ],
)
def test_left_to_the_reference_reader(tmp_path: Path, text: str) -> None:
    path = tmp_path / "m.json"
    path.write_bytes(text.encode())
    with pytest.raises(ValueError):
        parse(path.read_bytes())
    both(path)


def test_integer_literals(tmp_path: Path) -> None:
    # json reads -0 as the int 0 (+0.0 as a float), -0.0 as -0.0; 10**400 overflows float().
    text = '{"gauge": [{"metric": "m", "value": -0}, {"metric": "m", "value": -0.0}]}'
    db = both(write(tmp_path, text))
    assert [math.copysign(1.0, v) for v in db.values] == [1.0, -1.0]
    text = '{"gauge": [{"metric": "m", "value": "\\u0035\\u0030"}]}'  # "50", escaped
    parse(text.encode())
    assert list(both(write(tmp_path, text)).values) == [50.0]
    huge = tmp_path / "huge.json"
    huge.write_bytes(b'{"gauge": [{"metric": "m", "value": 1' + b"0" * 400 + b"}]}")
    with pytest.raises(ValueError):
        parse(huge.read_bytes())
    with pytest.raises(
        ReportInputError, match=r"gauge\[0\]: value 10000000000000000000... is too large"
    ):
        openvm.read_metrics(huge)


def test_number_strings_agree_with_float(tmp_path: Path) -> None:
    rng = random.Random(5)
    texts = ["".join(rng.choice("0123456789.eE+-") for _ in range(rng.randint(1, 6)))]
    texts += ["".join(rng.choice("019.e-") for _ in range(rng.randint(1, 8))) for _ in range(1500)]
    texts += ["nan", "-nan", "+inf", "iNfInItY", "infinit", "-", "+", ".", "e1", "1e", "1.e5"]
    for text in texts:
        data = json.dumps({"gauge": [{"metric": "m", "value": text}]}).encode()
        try:
            expected: float | None = float(text)
        except ValueError:
            expected = None
        try:
            got: float | None = openvm._array("d", parse(data)[4])[0]
        except ValueError:
            got = None
            assert expected is None or text.lower().lstrip("+-") in ("nan",), text
        if got is not None:
            assert expected is not None, text
            assert repr(got) == repr(expected) or (math.isnan(got) and math.isnan(expected)), text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"gauge": [{"metric": "m", "value": 1}', "not JSON (Expecting ',' delimiter"),
        ('{"gauge": [{"metric": "m", "value": 1}]} x', "not JSON (Extra data"),
        ("[1, 2]", "expected an object with 'counter' and 'gauge' lists"),
        ('{"counter": {}}', "'counter' is not a list"),
        ('{"gauge": [{"metric": "m"}]}', "gauge[0]: expected {metric, labels, value}"),
        ('{"gauge": [{"metric": "m", "value": 1, "labels": [["a"]]}]}', "labels must be"),
        ('{"gauge": [{"metric": "m", "value": 1, "labels": null}]}', "labels must be"),
        ('{"gauge": [{"metric": "m", "value": 1}, {"metric": "m", "value": true}]}', "gauge[1]"),
        ('{"counter": [{"metric": "m", "value": "fast"}]}', "value 'fast' is not a number"),
        ('{"gauge": [{"metric": "m", "value": null}]}', "value None is not a number"),
        (b'{"gauge": [{"metric": "\xff", "value": 1}]}', "not JSON"),
        ("", "not JSON (Expecting value"),
    ],
)
def test_malformed_input_is_named_and_explained(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ValueError):
        parse(path.read_bytes())
    with pytest.raises(ReportInputError) as err:
        openvm.read_metrics(path)
    assert str(err.value).startswith(f"{path}: ")
    assert message in str(err.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReportInputError, match="no such file"):
        openvm.read_metrics(tmp_path / "none.json")


def test_compatible_views(tmp_path: Path) -> None:
    db = both(write(tmp_path, openvm_metrics()))
    sets = db.label_sets
    assert len(sets) == len(db.labels)
    leaf = sets[(("group", "leaf"), ("idx", "1"))]
    assert leaf.metrics == [("total_proof_time_ms", 400.0), ("generate_blob_total_time_ms", 3.996)]
    assert (("group", "leaf"), ("idx", "1")) in db.detailed
    assert db.detailed[(("group", "leaf"), ("idx", "1"))].metrics == leaf.metrics[:1]
