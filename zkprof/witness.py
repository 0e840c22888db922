"""Case -> guest input bytes (the witness), plus the case's description and expected result.

The two files are written for each case so that the run job never reads the fixture again: editing
one test in a file changes only the witnesses of that test, and Snakemake's input checksums then
re-run exactly those cases.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from zkprof.atomic import write_bytes_atomic
from zkprof.cases import Case
from zkprof.sources import CaseSource, SourceCase

STATE_TEST = "state_test"


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


def find_case(source: CaseSource, path: Path, case_id: str) -> SourceCase:
    cases, errors = source.load_file(path)
    for case in cases:
        if case.case_id == case_id:
            return case
    detail = "; ".join(str(e) for e in errors)
    raise LookupError(f"{path}: no case {case_id}" + (f" ({detail})" if detail else ""))


def prepare(case: SourceCase) -> tuple[dict[str, Any], bytes]:
    """(description, guest input) of a case. A case whose input cannot be made gets `error` set in
    its description and an empty input, so that its run records a failed row, not a crash."""
    description = dict(case.description)
    if case.skip_reason is not None:
        return description, b""
    try:
        return description, case.make_input()
    except ValueError as err:
        description["error"] = f"{case.source}: case {case.case_id}: {err}"
        return description, b""


def write_witness(
    source: CaseSource, path: Path, case_id: str, input_out: Path, description_out: Path
) -> dict[str, Any]:
    """Writes the case's guest input and its description (see `prepare`)."""
    description, guest_input = prepare(find_case(source, path, case_id))
    write_bytes_atomic(input_out, guest_input)
    text = json.dumps(description, indent=1, sort_keys=True) + "\n"
    write_bytes_atomic(description_out, text.encode())
    return description
