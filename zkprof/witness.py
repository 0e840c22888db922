"""Case -> guest input bytes (the witness), plus the case's description and expected result.

The workflow writes them per input file, into one Parquet file (case id, description, witness), so
that run jobs never read the fixture again. The file's bytes depend only on its cases: rewriting it
unchanged (a touched fixture) leaves Snakemake's input checksums, and so the run jobs, alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from zkprof.atomic import write_atomic
from zkprof.cases import Case
from zkprof.cases.blockchain_tests import ChainCase
from zkprof.sources import CaseSource, SourceCase

STATE_TEST = "state_test"
BLOCKCHAIN_TEST = "blockchain_test"


def chain_description(case: ChainCase) -> dict[str, Any]:
    return {
        "kind": BLOCKCHAIN_TEST,
        "case_id": case.case_id,
        "source": case.source,
        "test_name": case.test_name,
        "fork": case.network,
        "group": case.group,
        "expected": asdict(case.expected),
        "skip_reason": case.skip_reason,
        "error": None,
    }


class WitnessBytes(bytes):
    """A guest input that carries facts of its making, kept in the case's description (under
    "witness") so that its run can use them without generating it again."""

    facts: dict[str, Any]

    def __new__(cls, data: bytes, facts: dict[str, Any]) -> WitnessBytes:
        made = super().__new__(cls, data)
        made.facts = facts
        return made


def chain_witness(case: ChainCase) -> WitnessBytes:
    """Witness generation for a chain: the guest's input (each block with its execution witness)
    and, as its facts, the full-state run's result, the witness sizes and the generation time."""
    from zkprof import _native

    data, facts = _native.chain_witness(json.dumps(case.input, sort_keys=True))
    return WitnessBytes(data, dict(facts))


def case_description(case: Case) -> dict[str, Any]:
    return {
        "kind": STATE_TEST,
        "case_id": case.case_id,
        "source": case.source,
        "test_name": case.test_name,
        "fork": case.fork,
        "indexes": list(case.indexes),
        "group": case.group,
        "expected": asdict(case.expected),
        "skip_reason": case.skip_reason,
        "error": None,
    }


def evm_witness(case: Case) -> bytes:
    """The EVM guest's input for a case: same case, same bytes."""
    from zkprof import _native

    return _native.evm_witness(json.dumps(case.input, sort_keys=True))


def prepare(case: SourceCase) -> tuple[dict[str, Any], bytes]:
    """(description, guest input) of a case. A case whose input cannot be made gets `error` set in
    its description and an empty input, so that its run records a failed row, not a crash."""
    description = dict(case.description)
    if case.skip_reason is not None:
        return description, b""
    try:
        guest_input = case.make_input()
    except ValueError as err:
        description["error"] = f"{case.source}: case {case.case_id}: {err}"
        return description, b""
    if isinstance(guest_input, WitnessBytes):
        description["witness"] = guest_input.facts
        guest_input = bytes(guest_input)
    return description, guest_input


WITNESS_SCHEMA = pa.schema(
    [("case_id", pa.string()), ("description", pa.string()), ("witness", pa.large_binary())]
)


def write_file_witnesses(source: CaseSource, path: Path, out: Path) -> list[dict[str, Any]]:
    """Writes the description and guest input of every case of one input file (see `prepare`);
    returns the descriptions. Cases whose input cannot be made are kept with `error` set."""
    cases, _errors = source.load_file(path)  # file-level errors are reported by the index
    prepared = [prepare(case) for case in cases]
    table = pa.table(
        {
            "case_id": [d["case_id"] for d, _ in prepared],
            "description": [json.dumps(d, sort_keys=True) for d, _ in prepared],
            "witness": [w for _, w in prepared],
        },
        schema=WITNESS_SCHEMA,
    )
    # No statistics or page index: the bytes then depend on the data alone.
    write_atomic(
        out, lambda tmp: pq.write_table(table, tmp, compression="zstd", write_statistics=False)
    )
    return [d for d, _ in prepared]


def read_witnesses(path: Path, case_ids: Iterable[str]) -> dict[str, tuple[dict[str, Any], bytes]]:
    """case id -> (description, guest input) for the wanted cases of a witness file."""
    wanted = set(case_ids)
    table = pq.ParquetFile(path).read()  # not read_table: its dataset layer imports pandas (0.4 s)
    found = {}
    for case_id, description, witness in zip(
        table["case_id"].to_pylist(),
        table["description"].to_pylist(),
        table["witness"].to_pylist(),
        strict=True,
    ):
        if case_id in wanted:
            found[case_id] = (json.loads(description), witness)
    return found
