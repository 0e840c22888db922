"""The example generator's reference execution (Ethereum execution specs) against real fixtures.

examples/make_state_tests.py computes the examples' expected post-state roots and logs hashes
with ``ethereum-execution``. Feeding real ethereum/tests fixtures through the same function and
getting their recorded results back is what makes those expectations trustworthy.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pytest.importorskip(
    "ethereum.forks.cancun.fork",
    reason="ethereum-execution is not installed (pip install ethereum-execution)",
)

from ethereum.crypto.hash import keccak256
from ethereum_rlp import rlp

from .conftest import SHARED_FIXTURES

REPO = Path(__file__).resolve().parents[1]
FIXTURES = SHARED_FIXTURES
EXAMPLES = REPO / "examples/state_tests"
GENERATOR = REPO / "examples/make_state_tests.py"
EMPTY_LOGS = "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347"


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_state_tests", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    return _load_generator()


@pytest.fixture(scope="module")
def rendered(gen: ModuleType) -> tuple[dict[str, str], dict[str, list[int]]]:
    result: tuple[dict[str, str], dict[str, list[int]]] = gen.render_all()
    return result


# The forks the generator runs (examples/make_state_tests.py FORKS) that the shared fixtures
# have: their real entries check its wiring of each fork's spec.
REFERENCE_FORKS = ("Cancun", "Prague")


def _reference_fixture_files() -> list[Path]:
    if not FIXTURES.is_dir():
        return []
    files = []
    for path in sorted(FIXTURES.rglob("*.json")):
        if path.relative_to(FIXTURES).parts[0] == "loops":
            continue  # heavy; the rest already covers the same code path
        tests = json.loads(path.read_text())
        if any(fork in test["post"] for test in tests.values() for fork in REFERENCE_FORKS):
            files.append(path)
    return files


REFERENCE_FIXTURES = _reference_fixture_files()


def test_fixtures_present(shared_fixtures: Path) -> None:
    # Skips without the fixtures, or fails with ZKPROF_REQUIRE_FIXTURES=1 (CI).
    assert len(REFERENCE_FIXTURES) >= 3


@pytest.mark.parametrize(
    "path", REFERENCE_FIXTURES, ids=[p.relative_to(FIXTURES).as_posix() for p in REFERENCE_FIXTURES]
)
def test_reference_reproduces_real_fixture(gen: ModuleType, path: Path) -> None:
    checked = 0
    for name, test in json.loads(path.read_text()).items():
        for fork in REFERENCE_FORKS:
            for entry in test["post"].get(fork, []):
                ix = entry["indexes"]
                indexes = (ix["data"], ix["gas"], ix["value"])
                result = gen.run_reference(test, fork, indexes)
                where = f"{name} {fork} {indexes}"
                assert "0x" + result.state_root.hex() == entry["hash"], where
                assert "0x" + result.logs_hash.hex() == entry["logs"], where
                assert (result.error is not None) == ("expectException" in entry), where
                checked += 1
    assert checked > 0


def _without_version(text: str, package: str) -> Any:
    tests = json.loads(text)
    for test in tests.values():
        assert test["_info"][package], "the ethereum-execution version must be recorded"
        test["_info"][package] = "<version>"
    return tests


def test_examples_are_up_to_date(
    gen: ModuleType, rendered: tuple[dict[str, str], dict[str, list[int]]]
) -> None:
    files, _ = rendered
    on_disk = {p.relative_to(EXAMPLES).as_posix() for p in EXAMPLES.rglob("*.json")}
    assert on_disk == set(files), "run: python examples/make_state_tests.py"
    for rel, text in files.items():
        written = (EXAMPLES / rel).read_text()
        # A newer ethereum-execution only changes the recorded version, not the results.
        assert _without_version(written, gen.SPEC_PACKAGE) == _without_version(
            text, gen.SPEC_PACKAGE
        ), f"{rel} is stale: run python examples/make_state_tests.py"


def test_generator_is_deterministic(
    gen: ModuleType, rendered: tuple[dict[str, str], dict[str, list[int]]]
) -> None:
    assert gen.render_all() == rendered


def test_examples_record_generator(gen: ModuleType) -> None:
    for path in sorted(EXAMPLES.rglob("*.json")):
        for test in json.loads(path.read_text()).values():
            info = test["_info"]
            assert info["generator"] == "examples/make_state_tests.py"
            assert info[gen.SPEC_PACKAGE]
            assert len(test["post"]) == 1 and next(iter(test["post"])) in gen.FORKS


def test_examples_are_cheap(rendered: tuple[dict[str, str], dict[str, list[int]]]) -> None:
    _, gas = rendered
    assert all(0 <= used < 1_000_000 for per_case in gas.values() for used in per_case)


def test_rejected_examples_keep_the_pre_state_root(gen: ModuleType) -> None:
    rejected = 0
    for path in sorted(EXAMPLES.rglob("*.json")):
        for test in json.loads(path.read_text()).values():
            ((fork, entries),) = test["post"].items()
            state = gen.build_state(test["pre"], fork)
            pre_root = "0x" + bytes(gen.spec(fork).state.state_root(state)).hex()
            for entry in entries:
                if "expectException" in entry:
                    rejected += 1
                    assert entry["hash"] == pre_root
                    assert entry["logs"] == EMPTY_LOGS
                else:
                    assert entry["hash"] != pre_root
    assert rejected >= 1


def _logs_hash(logs: list[tuple[str, list[int], bytes]]) -> str:
    """keccak(rlp([[address, [topics], data], ...])) built from plain bytes."""
    encoded = rlp.encode(
        [
            [bytes.fromhex(address[2:]), [t.to_bytes(32, "big") for t in topics], data]
            for address, topics, data in logs
        ]
    )
    return "0x" + keccak256(encoded).hex()


def test_example_logs_hashes_match_an_independent_encoding(gen: ModuleType) -> None:
    arith = json.loads((EXAMPLES / "compute/arith_loop.json").read_text())["arith_loop"]
    for entry in arith["post"]["Cancun"]:
        calldata = arith["transaction"]["data"][entry["indexes"]["data"]]
        acc = gen._arith_loop_model(int(calldata, 16))
        expected = _logs_hash([(gen.CONTRACT, [0x0A11], acc.to_bytes(32, "big"))])
        assert entry["logs"] == expected

    create = json.loads((EXAMPLES / "create/create_contract.json").read_text())["create_contract"]
    created = gen._created_address(gen.SENDER, 0)
    caller = bytes(12) + bytes.fromhex(gen.SENDER[2:])
    for entry in create["post"]["Cancun"]:
        assert entry["logs"] == _logs_hash([(created, [0xC0DE], caller)])


def test_assembler_resolves_labels(gen: ModuleType) -> None:
    code = gen.assemble(
        """
            PUSH @end       ; forward reference
            JUMP
        end:
            JUMPDEST
            PUSH 0x0100
            PUSH1 0x01
            STOP
        """
    )
    assert code == bytes.fromhex("610004565b610100600100")
