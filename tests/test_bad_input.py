"""Adversarial input: hand-made bad files (tests/bad_inputs/), generated ones, hypothesis fuzzing
of the state-test parser and the raw-input source, and one run through the library API.

What must hold for any input: no exception escapes loading; each problem is one error naming the
file, the test and the field (text that can be written as UTF-8); every other case still loads;
case ids are safe, bounded, unique file names, so nothing is written outside the results folder.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import re
import shutil
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import zkprof.api as zp
from zkprof import metrics
from zkprof.cases import MAX_CASE_ID_LENGTH, Case, CaseError, load_cases, load_file
from zkprof.cases.state_tests import MAX_CODE_SIZE
from zkprof.guest import GuestProgram
from zkprof.paths import REPO_ROOT
from zkprof.sources import RawInputs, raw_case_id

from .conftest import built_guest

BAD_INPUTS = Path(__file__).parent / "bad_inputs"
EXAMPLES = REPO_ROOT / "examples" / "state_tests"
SAFE_ID = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")
SENDER = "0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b"
TARGET = "0xcccccccccccccccccccccccccccccccccccccccc"
EXAMPLE_TESTS: dict[str, dict[str, Any]] = {
    name: test
    for path in sorted(EXAMPLES.rglob("*.json"))
    for name, test in json.loads(path.read_bytes()).items()
}
GOOD = EXAMPLE_TESTS["value_transfer_access_list"]
# Hypothesis: no example database in the repo, no deadline (2 shared cores), a few seconds each.
FUZZ: dict[str, Any] = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}

# file -> the errors it gives: (test name, field, part of the message); None: file level.
CORPUS: dict[str, list[tuple[str | None, str | None, str]]] = {
    "access_list_bad_key.json": [
        ("bad", "transaction.accessLists[0][0].storageKeys[1]", "hex or decimal number")
    ],
    "bad_pre_key.json": [("bad", "pre." + repr("0x\n" + "z" * 74 + "...")[1:-1], "invalid hex")],
    "bool_index.json": [("bad", "post.Cancun[0].indexes.data", "integer index, got a boolean")],
    "chain_id_bad.json": [("bad", "config.chainid", "invalid hex number")],
    "deep_nesting.json": [(None, None, "cannot read JSON: maximum recursion depth")],
    "duplicate_address.json": [("bad", f"pre.{SENDER.upper().replace('0X', '0x')}", "twice")],
    "duplicate_fork.json": [("bad", "post", "duplicate key 'Cancun'")],
    "duplicate_key_env.json": [("bad", "env", "duplicate key 'currentNumber'")],
    "duplicate_post_entry.json": [("bad", "post.Constantinople[1].indexes", "duplicate case")],
    "duplicate_storage_slot.json": [("bad", f"pre.{TARGET}.storage.1", "slot 0x1 appears twice")],
    "duplicate_test_name.json": [("bad", None, "test name appears more than once")],
    "empty.json": [(None, None, "cannot read JSON")],
    "expect_exception_empty.json": [("bad", "post.Cancun[0].expectException", "non-empty")],
    "extra_fields.json": [],
    "extra_file_key.json": [("_comment", None, "expected a JSON object, got string")],
    "float_number.json": [("bad", "transaction.value[0]", "got a number")],
    "hex_bad_digit.json": [("bad", "transaction.gasLimit[0]", "invalid hex number")],
    "hex_long_hash.json": [("bad", "post.Cancun[0].hash", "expected 32 bytes, got 33")],
    "hex_no_prefix.json": [("bad", f"pre.{TARGET}.code", "invalid hex string")],
    "hex_odd_length.json": [("bad", "transaction.data[0]", "odd number of digits")],
    "hex_short_address.json": [("bad", "transaction.to", "expected 20 bytes, got 19")],
    "hostile_fork_names.json": [],
    "hostile_test_names.json": [("../\0" + "y" * 1000, "transaction.nonce", "invalid hex number")],
    "index_out_of_range.json": [("bad", "post.Cancun[0].indexes.gas", "index 5 out of range")],
    "invalid_json.json": [(None, None, "cannot read JSON: Expecting value")],
    "lone_surrogates.json": [
        ("\ud800", None, "test name is not valid Unicode"),
        ("fork", "post.\\udfff", "fork name is not valid Unicode"),
        ("exception", "post.Cancun[0].expectException", "non-empty Unicode string"),
    ],
    "missing_env_field.json": [("bad", "env.currentCoinbase", "required field is missing")],
    "missing_post_index.json": [("bad", "post.Cancun[0].indexes.value", "is missing")],
    "missing_section.json": [("bad", "transaction", "required field is missing")],
    "nan.json": [(None, None, "NaN is not valid JSON")],
    "negative_number.json": [("bad", "transaction.nonce", "number is negative")],
    "not_utf8.json": [(None, None, "can't decode byte 0xff")],
    "null_required.json": [("bad", f"pre.{SENDER}.balance", "must not be null")],
    "number_above_256_bits_decimal.json": [("bad", "env.currentNumber", "exceeds 2**256-1")],
    "number_above_256_bits_hex.json": [("bad", "transaction.value[0]", "exceeds 2**256-1")],
    "number_literal_5000_digits.json": [("bad", "transaction.nonce", "5000 characters")],
    "post_not_array.json": [("bad", "post.Cancun", "expected a JSON array")],
    "test_not_object.json": [("bad", None, "expected a JSON object")],
    "top_level_array.json": [(None, None, "top level must be a JSON object")],
    "truncated.json": [(None, None, "cannot read JSON")],
    "unknown_fork.json": [],
    "wrong_type_env.json": [("bad", "env", "expected a JSON object, got an array")],
}
# file -> (fork, test name) of the skipped cases it gives: unsupported or unknown forks.
CORPUS_SKIPPED: dict[str, list[tuple[str, str]]] = {
    "duplicate_post_entry.json": [("Constantinople", "bad")],
    "extra_fields.json": [("Constantinople", "extra")],
    "extra_file_key.json": [("Constantinople", "bad")],
    "hostile_fork_names.json": [
        (fork, "forks") for fork in ("../../../escape", "a/b", "", "nul\0", "F" * 1000)
    ],
    "hostile_test_names.json": [
        ("Constantinople", name) for name in ("../../../escape", "a/b", "nul\0byte", "x" * 1000)
    ],
    "unknown_fork.json": [("Cancunn", "unknown"), ("Pragu3", "unknown")],
}


# ---------------------------------------------------------------------------------
# Checks every load must pass.


def assert_safe_ids(cases: list[Case]) -> None:
    """Ids are unique, safe file names; what goes into a case's row can be written as UTF-8."""
    ids = [c.case_id for c in cases]
    assert len(set(ids)) == len(ids), "case ids are not unique"
    for case in cases:
        assert SAFE_ID.fullmatch(case.case_id), case.case_id
        assert ".." not in case.case_id and len(case.case_id) <= MAX_CASE_ID_LENGTH, case.case_id
        exception = case.expected.expect_exception or ""
        for text in (case.source, case.group, case.test_name, case.fork, exception):
            assert is_utf8(text), (case.case_id, text)


def assert_clear(errors: list[CaseError], source: str) -> None:
    """Each error names its file first and can be written out (UTF-8) as a row's reason."""
    for error in errors:
        text = str(error)
        text.encode("utf-8")
        error.source.encode("utf-8")
        assert error.source == source and text.startswith(source), text
        if error.test_name is not None:
            assert repr(error.test_name) in text
        if error.field is not None:
            assert f"field {error.field}:" in text
            assert error.field.isprintable() and len(error.field) < 400, error.field


def load_checked(path: Path, root: Path, source: str) -> tuple[list[Case], list[CaseError]]:
    cases, errors = load_file(path, root)
    assert_clear(errors, source)
    assert_safe_ids(cases)
    return cases, errors


def error_keys(errors: list[CaseError]) -> list[tuple[str | None, str | None]]:
    return [(e.test_name, e.field) for e in errors]


def write_json(path: Path, document: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
    return path


# ---------------------------------------------------------------------------------
# The corpus.


def test_corpus_is_complete_and_documented() -> None:
    files = {p.name for p in BAD_INPUTS.glob("*.json")}
    assert files == set(CORPUS)
    assert set(CORPUS_SKIPPED) <= files
    readme = (BAD_INPUTS / "README.md").read_text()
    listed = set(re.findall(r"^- `([^`]+)`: \S", readme, re.M))
    assert listed == files
    assert len(files) >= 40


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_file_gives_its_errors(name: str) -> None:
    cases, errors = load_checked(BAD_INPUTS / name, BAD_INPUTS, name)
    expected = CORPUS[name]
    assert error_keys(errors) == [(test, field) for test, field, _ in expected]
    for error, (_, _, message) in zip(errors, expected, strict=True):
        assert message in error.message, error
    # Nothing in the corpus is runnable: loaded cases are of forks the EVM does not run.
    assert [(c.fork, c.test_name) for c in cases] == CORPUS_SKIPPED.get(name, [])
    for case in cases:
        assert case.skip_reason is not None
        assert (
            repr(case.fork[:77] + "..." if len(case.fork) > 80 else case.fork) in case.skip_reason
        )
        assert len(case.skip_reason) < 200


def splice(text: str, name: str, test: dict[str, Any]) -> str:
    """Adds a test at the end of a file's top-level object, keeping the rest byte for byte."""
    body = text.rstrip()
    assert body.endswith("}")
    return f"{body[:-1]}, {json.dumps(name)}: {json.dumps(test)}}}"


TEST_LEVEL = sorted(n for n, errs in CORPUS.items() if all(t is not None for t, _, _ in errs))


@pytest.mark.parametrize("name", TEST_LEVEL)
def test_good_test_in_a_bad_file_still_loads(tmp_path: Path, name: str) -> None:
    good_case = load_checked(
        write_json(tmp_path / "alone.json", {"good": GOOD}), tmp_path, "alone.json"
    )[0]
    text = (BAD_INPUTS / name).read_text(encoding="utf-8", errors="surrogatepass")
    path = tmp_path / "mixed.json"
    path.write_text(splice(text, "good", GOOD))
    cases, errors = load_checked(path, tmp_path, "mixed.json")
    assert error_keys(errors) == [(test, field) for test, field, _ in CORPUS[name]]
    good = [c for c in cases if c.test_name == "good"]
    assert [(c.input, c.expected, c.skip_reason) for c in good] == [
        (c.input, c.expected, c.skip_reason) for c in good_case
    ]


def test_corpus_next_to_good_files(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    alone, no_errors = load_cases(tmp_path)
    assert no_errors == [] and alone
    shutil.copytree(BAD_INPUTS, tmp_path / "bad", ignore=shutil.ignore_patterns("*.md"))
    cases, errors = load_cases(tmp_path)
    assert_safe_ids(cases)
    assert [c for c in cases if c.source.startswith("examples/")] == alone
    assert len(errors) == sum(len(e) for e in CORPUS.values())
    for error in errors:
        assert error.source.startswith("bad/") and str(error).startswith(error.source)


# ---------------------------------------------------------------------------------
# Generated bad files: too big to keep, or impossible to commit.


def test_huge_code_is_one_error_and_the_rest_loads(tmp_path: Path) -> None:
    huge = copy.deepcopy(GOOD)
    address = next(iter(huge["pre"]))
    huge["pre"][address]["code"] = "0x" + "5b" * (3 * 2**20)  # 3 MiB of JUMPDEST
    at_limit = copy.deepcopy(GOOD)
    at_limit["pre"][address]["code"] = "0x" + "00" * MAX_CODE_SIZE
    path = write_json(tmp_path / "huge.json", {"huge": huge, "at_limit": at_limit, "good": GOOD})
    cases, errors = load_checked(path, tmp_path, "huge.json")
    assert error_keys(errors) == [("huge", f"pre.{address}.code")]
    assert "longer than 1048576 bytes" in errors[0].message and len(str(errors[0])) < 300
    assert {c.test_name for c in cases} == {"at_limit", "good"}


def test_file_name_that_is_not_utf8(tmp_path: Path) -> None:
    write_json(tmp_path / "good.json", {"good": GOOD})
    name = os.fsdecode(b"bad\xff\xfe.json")
    write_json(tmp_path / name, {"good": GOOD})
    cases, errors = load_cases(tmp_path)
    assert [c.source for c in cases] == ["good.json"]
    assert [(e.source, e.test_name, e.field) for e in errors] == [
        ("bad\\udcff\\udcfe.json", None, None)
    ]
    assert "not valid UTF-8" in str(errors[0])
    str(errors[0]).encode("utf-8")


@given(zeros=st.integers(0, 20_000), value=st.integers(0, 2**256 - 1))
@example(zeros=5000, value=1)
@settings(max_examples=40, **FUZZ)
def test_decimal_with_many_leading_zeros(tmp_path: Path, zeros: int, value: int) -> None:
    test = copy.deepcopy(GOOD)
    test["transaction"]["nonce"] = "0" * zeros + str(value)
    cases, errors = load_checked(
        write_json(tmp_path / "zeros.json", {"t": test}), tmp_path, "zeros.json"
    )
    assert errors == [] and cases[0].input["tx"]["nonce"] == hex(value)


# ---------------------------------------------------------------------------------
# Fuzzing the parser.

JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**300), max_value=2**300)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(codec=None, exclude_categories=()), max_size=20)
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)


def file_for(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "dir" / "fuzz.json"
    path.parent.mkdir(exist_ok=True)
    if isinstance(text, str):
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
    else:
        path.write_bytes(text)
    return path


@given(document=st.dictionaries(st.text(max_size=10), JSON_VALUES, max_size=4) | JSON_VALUES)
@settings(max_examples=200, **FUZZ)
def test_fuzz_any_json_never_raises(tmp_path: Path, document: Any) -> None:
    path = file_for(tmp_path, json.dumps(document))
    cases, errors = load_checked(path, tmp_path, "dir/fuzz.json")
    assert len(cases) + len(errors) >= (len(document) if isinstance(document, dict) else 1)


def example_bytes(name: str) -> bytes:
    return next(EXAMPLES.rglob(name)).read_bytes()


EXAMPLE_FILES = sorted(p.name for p in EXAMPLES.rglob("*.json"))


@given(
    name=st.sampled_from(EXAMPLE_FILES),
    edits=st.lists(
        st.tuples(
            st.sampled_from(["flip", "insert", "delete"]), st.floats(0, 1), st.binary(max_size=3)
        ),
        min_size=1,
        max_size=4,
    ),
)
@settings(max_examples=300, **FUZZ)
def test_fuzz_mutated_bytes_never_raise(tmp_path: Path, name: str, edits: list[Any]) -> None:
    data = bytearray(example_bytes(name))
    for kind, where, chunk in edits:
        at = int(where * (len(data) - 1))
        if kind == "flip":
            data[at : at + len(chunk)] = chunk
        elif kind == "insert":
            data[at:at] = chunk
        else:
            del data[at : at + 1 + len(chunk)]
    load_checked(file_for(tmp_path, bytes(data)), tmp_path, "dir/fuzz.json")


@given(name=st.sampled_from(EXAMPLE_FILES), where=st.floats(0, 1, exclude_max=True))
@settings(max_examples=100, **FUZZ)
def test_fuzz_truncated_file_is_one_file_error(tmp_path: Path, name: str, where: float) -> None:
    data = example_bytes(name).rstrip()
    path = file_for(tmp_path, data[: int(where * len(data))])
    cases, errors = load_checked(path, tmp_path, "dir/fuzz.json")
    assert cases == [] and error_keys(errors) == [(None, None)]
    assert "cannot read JSON" in errors[0].message


def field_of(path: tuple[str | int, ...]) -> str | None:
    """The parser's name for a node: keys joined with ".", list positions as "[i]"."""
    field = ""
    for part in path:
        field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else part)
    return field or None


def nodes(value: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Every node the parser checks (not `_info` nor `txbytes`, which it ignores)."""
    if path and path[-1] in ("_info", "txbytes"):
        return []
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += nodes(child, (*path, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found += nodes(child, (*path, i))
    return found


def get(value: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        value = value[part]
    return value


def post_entries(test: dict[str, Any]) -> int:
    return sum(len(entries) for entries in test["post"].values())


EXAMPLE_NAMES = sorted(EXAMPLE_TESTS)
# Deleting these is reported at the alternative the parser asks for instead.
ALTERNATIVES = {
    "env.currentRandom": "env.currentDifficulty",
    "transaction.secretKey": "transaction.sender",
}
# Objects keyed by data (addresses, slots, forks), where a new key is not an unknown field.
KEYED_BY_DATA = {("pre",), ("post",)}


@st.composite
def mutated_test(draw: st.DrawFn) -> tuple[str, dict[str, Any], str, tuple[str | int, ...], Any]:
    name = draw(st.sampled_from(EXAMPLE_NAMES))
    test = copy.deepcopy(EXAMPLE_TESTS[name])
    kind = draw(st.sampled_from(["wrong_type", "delete", "extra", "text"]))
    if kind == "delete":
        keys = [p for p in nodes(test) if p and isinstance(get(test, p[:-1]), dict)]
        path = draw(st.sampled_from(keys))
        del get(test, path[:-1])[path[-1]]
        return name, test, kind, path, None
    if kind == "extra":
        objects = [
            p
            for p in nodes(test)
            if isinstance(get(test, p), dict)
            and p not in KEYED_BY_DATA
            and not (len(p) == 3 and p[0] == "pre" and p[2] == "storage")
        ]
        path = draw(st.sampled_from(objects))
        key = "x-" + draw(st.text(max_size=10))
        get(test, path)[key] = draw(JSON_VALUES)
        return name, test, kind, path, key
    if kind == "text":
        leaves = [p for p in nodes(test) if p and isinstance(get(test, p), str)]
        path = draw(st.sampled_from(leaves))
        value: Any = draw(st.text(st.characters(codec=None, exclude_categories=()), max_size=70))
    else:
        path = draw(st.sampled_from(nodes(test)))
        old = get(test, path)
        choices: list[Any] = [True, False, 1.5, -0.25]
        choices += [] if isinstance(old, list) else [[], ["0x00"]]
        choices += [] if isinstance(old, dict) else [{}, {"0x00": "0x00"}]
        value = draw(st.sampled_from(choices))
    if path:
        get(test, path[:-1])[path[-1]] = value
    else:
        test = value
    return name, test, kind, path, value


@given(mutation=mutated_test())
@settings(max_examples=300, **FUZZ)
def test_fuzz_mutated_fixture(tmp_path: Path, mutation: Any) -> None:
    """One change to a valid example test: at most one error, at exactly the changed field."""
    name, test, kind, path, _ = mutation
    original = EXAMPLE_TESTS[name]
    document = {"before": GOOD, name: test, "after": GOOD}
    cases, errors = load_checked(
        file_for(tmp_path, json.dumps(document)), tmp_path, "dir/fuzz.json"
    )
    others = [c for c in cases if c.test_name in ("before", "after")]
    assert len(others) == 2 * post_entries(GOOD)  # the neighbours always load
    mine = [c for c in cases if c.test_name == name]
    assert all(e.test_name == name for e in errors)
    field = field_of(path)
    if kind == "wrong_type":
        assert error_keys(errors) == [(name, field)]
        if len(path) >= 3 and path[0] == "post":  # one post entry (or below) is lost
            assert len(mine) == post_entries(original) - 1
        elif len(path) == 2 and path[0] == "post":  # one fork's entries are lost
            assert len(mine) == post_entries(original) - len(original["post"][path[1]])
        else:
            assert mine == []
    elif kind == "delete":
        assert len(errors) <= 1
        if errors:
            assert errors[0].field == ALTERNATIVES.get(str(field), field)
            assert "missing" in errors[0].message
    elif kind == "extra":
        assert errors == []
        reference = load_checked(
            file_for(tmp_path, json.dumps({name: original})), tmp_path, "dir/fuzz.json"
        )[0]
        assert [(c.case_id, c.input, c.expected) for c in mine] == [
            (c.case_id, c.input, c.expected) for c in reference
        ]
    else:
        assert len(errors) <= 1
        if errors:
            assert errors[0].field == field


def parse_quantity(value: Any) -> int | None:
    """What a quantity means, by the format's rules: hex (0x, any case) or decimal digits."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.startswith("0x"):
        digits = value[2:]
        if not all(c in string.hexdigits for c in digits):
            return None
        number = int(digits or "0", 16)
    elif isinstance(value, str) and value and all(c in string.digits for c in value):
        number = int(value.lstrip("0") or "0")
    else:
        return None
    return number if 0 <= number < 2**256 else None


QUANTITIES = (
    st.text(st.sampled_from("0123456789abcdefABCDEFx -+_.g\0\u0663"), max_size=80)
    | st.integers(0, 2**257).map(lambda n: hex(n))
    | st.integers(0, 2**257).map(str)
    | st.integers(-(2**257), 2**257)
    | st.text(st.characters(codec=None, exclude_categories=()), max_size=10)
    | st.booleans()
    | st.floats()
)


@given(value=QUANTITIES, where=st.sampled_from(["nonce", "storage"]))
@settings(max_examples=400, **FUZZ)
def test_fuzz_quantity_against_its_definition(tmp_path: Path, value: Any, where: str) -> None:
    test = copy.deepcopy(GOOD)
    if where == "nonce":
        test["transaction"]["nonce"] = value
    else:
        test["pre"][TARGET.replace("cc", "c0", 1)] = {
            "balance": "0x0", "code": "0x", "nonce": "0x0", "storage": {"0x01": value}
        }  # fmt: skip
    text = json.dumps({"t": test}, allow_nan=True)
    cases, errors = load_checked(file_for(tmp_path, text), tmp_path, "dir/fuzz.json")
    expected = parse_quantity(value)
    if isinstance(value, float) and not math.isfinite(value):
        assert error_keys(errors) == [(None, None)]  # NaN and Infinity are not JSON
        return
    if expected is None:
        field = (
            "transaction.nonce"
            if where == "nonce"
            else "pre.0xc0cccccccccccccccccccccccccccccccccccccc.storage.0x01"
        )
        assert error_keys(errors) == [("t", field)]
        return
    assert errors == []
    if where == "nonce":
        assert cases[0].input["tx"]["nonce"] == hex(expected)
    else:
        storage = cases[0].input["pre"]["0xc0cccccccccccccccccccccccccccccccccccccc"]["storage"]
        assert storage == ({"0x1": hex(expected)} if expected else {})


@given(
    value=st.text(st.sampled_from("0123456789abcdefABCDEFxX g"), max_size=40)
    | st.text(max_size=6)
    | st.binary(max_size=20).map(lambda b: "0x" + b.hex())
)
@settings(max_examples=200, **FUZZ)
def test_fuzz_code_against_its_definition(tmp_path: Path, value: str) -> None:
    test = copy.deepcopy(GOOD)
    test["pre"][SENDER]["code"] = value
    cases, errors = load_checked(
        file_for(tmp_path, json.dumps({"t": test})), tmp_path, "dir/fuzz.json"
    )
    digits = value[2:]
    valid = (
        value.startswith("0x")
        and all(c in string.hexdigits for c in digits)
        and len(digits) % 2 == 0
    )
    if valid:
        assert errors == [] and cases[0].input["pre"][SENDER]["code"] == value.lower()
    else:
        assert error_keys(errors) == [("t", f"pre.{SENDER}.code")]


NAMES = st.text(st.characters(codec=None, exclude_categories=()), max_size=12) | st.sampled_from(
    ["..", ".", "/", "../../x", "a/b", "\0", "a\0b", "x" * 1000, "-rf", "_", "__", "d0g0v0"]
)
# Path parts a file system allows: no "/" nor NUL, not "." or "..", at most 255 bytes.
PATH_PARTS = st.text(
    st.characters(codec="utf-8", exclude_characters="/\0"), min_size=1, max_size=40
).filter(lambda p: p not in (".", "..") and len(p.encode()) < 200)


@given(
    files=st.lists(
        st.tuples(
            st.lists(PATH_PARTS, min_size=1, max_size=3), st.lists(NAMES, max_size=4, unique=True)
        ),
        min_size=1,
        max_size=4,
    ),
    forks=st.lists(
        NAMES | st.sampled_from(["Cancun", "Prague"]), min_size=1, max_size=3, unique=True
    ),
)
@settings(max_examples=100, **FUZZ)
def test_fuzz_names_give_safe_unique_ids(
    tmp_path: Path, files: list[Any], forks: list[str]
) -> None:
    root = tmp_path / "names"
    shutil.rmtree(root, ignore_errors=True)
    entry = GOOD["post"]["Cancun"][0]
    test = {**GOOD, "post": {fork: [entry] for fork in forks}}
    writable = [is_utf8(fork) for fork in forks]
    expected_cases = expected_errors = 0
    written: list[str] = []
    for parts, names in files:
        rel = "/".join(parts) + ".json"
        if any(rel.startswith(w + "/") or w.startswith(rel + "/") or w == rel for w in written):
            continue  # a file where another needs a folder, or the same file again
        written.append(rel)
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        body = "{" + ", ".join(f"{json.dumps(n)}: {json.dumps(test)}" for n in names) + "}"
        (root / rel).write_bytes(body.encode("utf-8", "surrogatepass"))
        # A name holding a lone surrogate cannot be written out: one error, naming it.
        expected_cases += sum(is_utf8(n) for n in names) * sum(writable)
        expected_errors += sum(1 if not is_utf8(n) else len(forks) - sum(writable) for n in names)
    cases, errors = load_cases(root)
    assert_safe_ids(cases)
    assert (len(cases), len(errors)) == (expected_cases, expected_errors)
    for error in errors:
        str(error).encode("utf-8")
        assert "lone surrogate" in error.message and error.source in written
    assert load_cases(root) == (cases, errors)  # deterministic


def is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# ---------------------------------------------------------------------------------
# Raw inputs (any guest, one case per file).

RAW_BAD = [
    ("not_json.json", b"{", "Expecting"),
    ("two_kinds.json", b'{"hex": "00", "utf8": "x"}', "one of"),
    ("duplicate.json", b'{"hex": "00", "hex": "01"}', "duplicate key"),
    ("hex_number.json", b'{"hex": 12}', "hex: expected a string"),
    ("utf8_list.json", b'{"utf8": ["a"]}', "utf8: expected a string"),
    ("words_number.json", b'{"words": 5}', "words"),
    ("words_null.json", b'{"words": null}', "words"),
    ("words_bool.json", b'{"words": [true]}', "words"),
    ("words_big.json", b'{"words": [4294967296]}', "words"),
    ("words_nan.json", b'{"words": [NaN]}', "words"),
    ("deep.json", b"[" * 100_000 + b"]" * 100_000, "recursion"),
    ("surrogate.json", b'{"utf8": "\\ud800"}', "surrogates not allowed"),
    ("odd.hex", b"abc", "non-hexadecimal"),
    ("not_utf8.hex", b"\xff\xfe", "can't decode"),
    ("unknown.json", b'{"base64": "AA=="}', "unknown .json input kind"),
]


def test_raw_inputs_bad_files(tmp_path: Path) -> None:
    for name, content, _ in RAW_BAD:
        (tmp_path / name).write_bytes(content)
    (tmp_path / "good.json").write_text('{"words": [1, 2]}')
    source = RawInputs(tmp_path)
    found = {}
    for path in source.files():
        cases, errors = source.load_file(path)
        assert len(cases) + len(errors) == 1
        found[path.name] = (cases, errors)
    assert found["good.json"][0][0].make_input() == b"\x01\0\0\0\x02\0\0\0"
    for name, _, message in RAW_BAD:
        cases, errors = found[name]
        assert [(e.source, e.test_name, e.field) for e in errors] == [(name, None, "input")], name
        assert message in errors[0].message, (name, errors[0].message)


def test_raw_input_changed_after_loading_is_a_value_error(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"hex": "00"}')
    (case,), _ = RawInputs(tmp_path).load_file(tmp_path / "a.json")
    (tmp_path / "a.json").unlink()
    with pytest.raises(ValueError, match=r"a\.json"):
        case.make_input()  # witness.prepare turns a ValueError into the case's error


def test_raw_input_file_name_that_is_not_utf8(tmp_path: Path) -> None:
    name = os.fsdecode(b"in\xff.bin")
    (tmp_path / name).write_bytes(b"\0")
    (tmp_path / "ok.bin").write_bytes(b"\0")
    source = RawInputs(tmp_path)
    results = [source.load_file(p) for p in source.files()]
    assert [(e.source, e.field) for _, errs in results for e in errs] == [("in\\udcff.bin", None)]
    assert [c.case_id for cases, _ in results for c in cases] == ["ok.bin"]


@pytest.mark.parametrize(
    ("paths"),
    [
        ["a/b", "a__b", "a_/b", "a/_b"],
        ["x..y", "..x", ".../y", "x/..."],
        ["-rf", "a b", "a:b", "é", "input", "...", "___"],
        ["n" * 200, "n" * 199 + "m", "d/" + "n" * 200],
    ],
)
def test_raw_case_ids_are_safe_and_unique(paths: list[str]) -> None:
    ids = [raw_case_id(p) for p in paths]
    assert len(set(ids)) == len(ids), ids
    for case_id in ids:
        assert SAFE_ID.fullmatch(case_id) and ".." not in case_id and len(case_id) <= 120, case_id
    assert raw_case_id("small/lcg_1000.bin") == "small__lcg_1000.bin"  # clean paths kept


@given(
    paths=st.lists(
        st.lists(
            PATH_PARTS | st.sampled_from(["a", "b", "a_", "_b", "a__b"]), min_size=1, max_size=3
        ).map("/".join),
        min_size=2,
        max_size=8,
        unique=True,
    )
)
@settings(max_examples=300, **FUZZ)
def test_fuzz_raw_case_ids(paths: list[str]) -> None:
    ids = [raw_case_id(p) for p in paths]
    assert len(set(ids)) == len(ids), (paths, ids)
    for case_id in ids:
        assert SAFE_ID.fullmatch(case_id) and ".." not in case_id and len(case_id) <= 120, case_id


# ---------------------------------------------------------------------------------
# End to end: bad files next to good ones, through the library API, in the zkVM.


@pytest.fixture(scope="module")
def evm() -> GuestProgram:
    return built_guest("evm")


def snapshot(root: Path) -> dict[str, str]:
    """Every path under root (folders too) -> a digest of its content."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            found[rel] = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def test_bad_files_next_to_good_ones_through_the_library(tmp_path: Path, evm: GuestProgram) -> None:
    tests = tmp_path / "tests"
    good = {
        n: EXAMPLE_TESTS[n]
        for n in ("value_transfer_access_list", "value_transfer_new_account_1559")
    }
    write_json(tests / "good" / "transfer.json", good)
    # The same good test under hostile names: it still runs, and its files stay inside.
    hostile = {"../../../../../escaped": GOOD, "nul\0/" + "n" * 1000: GOOD}
    write_json(tests / "good" / "hostile_names.json", hostile)
    shutil.copytree(BAD_INPUTS, tests / "bad", ignore=shutil.ignore_patterns("*.md"))
    huge = copy.deepcopy(GOOD)
    huge["pre"][SENDER]["code"] = "0x" + "5b" * (3 * 2**20)
    write_json(tests / "bad" / "huge_code.json", {"huge": huge})
    write_json(tests / "bad" / os.fsdecode(b"name\xff.json"), {"t": GOOD})
    expected_errors = [
        (f"bad/{file}", test, field) for file, errs in CORPUS.items() for test, field, _ in errs
    ]
    expected_errors += [("bad/huge_code.json", "huge", f"pre.{SENDER}.code")]
    expected_errors += [("bad/name\\udcff.json", None, None)]
    expected_skipped = sorted(
        (f"bad/{file}", test, fork)
        for file, skips in CORPUS_SKIPPED.items()
        for fork, test in skips
    )
    good_ids = sorted(
        c.case_id
        for f in ("transfer.json", "hostile_names.json")
        for c in load_file(tests / "good" / f, tests)[0]
    )
    assert len(good_ids) == 4

    results = tmp_path / "out" / "results"
    before, sources_before = snapshot(tmp_path), snapshot(tests)
    df = zp.profile(zp.StateTests(tests), evm, zp.RunConfig(results_dir=results))
    after = snapshot(tmp_path)

    # Only the results folder got new files, the tests folder is untouched, names are safe.
    created = sorted(set(after) - set(before))
    assert created and all(p == "out" or p.startswith("out/results") for p in created), created
    assert snapshot(tests) == sources_before
    assert all(after[p] == h for p, h in before.items())
    for rel in created:
        assert all(SAFE_ID.fullmatch(part) for part in rel.split("/")), rel

    assert df["case_id"].is_unique
    assert sorted(df.loc[df["status"] == metrics.MATCHED, "case_id"]) == good_ids
    skipped = df[df["status"] == metrics.SKIPPED]
    assert sorted(zip(skipped["source"], skipped["test_name"], skipped["fork"], strict=True)) == (
        expected_skipped
    )
    failed = df[df["status"] == metrics.FAILED]
    assert len(failed) == len(expected_errors)
    assert set(df["status"]) == {metrics.MATCHED, metrics.SKIPPED, metrics.FAILED}
    for source, test, field in expected_errors:
        reasons = list(failed.loc[failed["source"] == source, "reason"])
        wanted = [source] + ([repr(test)] if test is not None else []) + ([field] if field else [])
        assert any(all(w in r for w in wanted) for r in reasons), (source, test, field, reasons)


def test_deep_nesting_is_an_error_even_with_a_raised_recursion_limit(tmp_path: Path) -> None:
    """Some libraries raise Python's recursion limit (ethereum-execution does); the C JSON decoder
    then overflowed the C stack on deeply nested brackets and killed the process. Run in a child
    process: a regression would be a segmentation fault, not a failed assertion."""
    (tmp_path / "deep.json").write_text("[" * 300_000 + "]" * 300_000)
    script = (
        "import sys; sys.setrecursionlimit(10**7)\n"
        "from pathlib import Path\n"
        "from zkprof.cases import load_file\n"
        "from zkprof.sources import raw_input_bytes\n"
        f"root = Path({str(tmp_path)!r})\n"
        "print(load_file(root / 'deep.json', root)[1][0].message)\n"
        "try:\n"
        "    raw_input_bytes(root / 'deep.json')\n"
        "except RecursionError as err:\n"
        "    print(err)\n"
    )
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.count("recursion") == 2, proc.stdout
