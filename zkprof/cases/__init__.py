"""Discovery of test cases: Ethereum state tests expanded into one case per run."""

from zkprof.cases.state_tests import (
    MAX_CASE_ID_LENGTH,
    SUPPORTED_FORKS,
    Case,
    CaseError,
    Expected,
    load_cases,
    load_file,
)

__all__ = [
    "MAX_CASE_ID_LENGTH",
    "SUPPORTED_FORKS",
    "Case",
    "CaseError",
    "Expected",
    "load_cases",
    "load_file",
]
