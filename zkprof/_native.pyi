"""Types of `zkprof._native`, the PyO3 module built from native/py/ (checked by mypy in CI).

Results cross the binding as dicts; their keys and value types are these TypedDicts, so a renamed
key is a type error here rather than a KeyError at run time. Errors are the exception classes
below (zkVM failures by kind), never messages to match.
"""

from pathlib import Path
from typing import Literal, TypedDict

RISC0_VERSION: str
MIN_SEGMENT_PO2: int
MAX_SEGMENT_PO2: int

class ZkvmError(Exception): ...
class GuestPanic(ZkvmError): ...
class CycleLimitExceeded(ZkvmError): ...
class ProgramError(ZkvmError): ...
class ReceiptError(ZkvmError): ...
class UnsupportedReceiptKind(ZkvmError): ...

class ExecuteResult(TypedDict):
    total_cycles: int
    user_cycles: int
    paging_cycles: int
    reserved_cycles: int
    segments: int
    segment_po2s: list[int]
    journal: bytes
    exit_code: Literal["halted", "paused", "system_split", "session_limit", "unknown"]
    exit_value: int
    execute_ms: float

class ProveResult(ExecuteResult):
    receipt_kind: str
    image_id: str
    prove_segments_ms: float
    segment_prove_ms: list[float]
    compress_ms: float
    receipt: bytes
    receipt_size: int
    seal_size: int

class VerifyResult(TypedDict):
    journal: bytes
    verify_ms: float

class RegionCycles(TypedDict):
    decode: int
    transaction: int
    state_root: int

class AcceleratorCalls(TypedDict):
    keccak_permutations: int
    sha_compressions: int
    bigint2_calls: int

class EvmOutput(TypedDict):
    kind: Literal["state_test"]
    outcome: str
    gas_used: int
    state_root: str
    logs_hash: str
    region_cycles: RegionCycles
    accelerator_calls: AcceleratorCalls

class NativeRun(EvmOutput):
    native_ms: float

class BlockResult(TypedDict):
    number: int
    hash: str
    rejected: str | None
    gas_used: int
    transactions: int
    state_root: str
    cycles_witness: int
    cycles_execution: int
    cycles_state_root: int

class ChainOutput(TypedDict):
    kind: Literal["chain"]
    blocks: list[BlockResult]
    head_hash: str
    head_state_root: str
    witness_error: str | None
    decode_cycles: int
    accelerator_calls: AcceleratorCalls

class NativeChainRun(ChainOutput):
    native_ms: float

class WitnessFacts(TypedDict):
    full_state: ChainOutput
    witness_nodes: list[int]
    witness_codes: list[int]
    witness_headers: list[int]
    witness_bytes: list[int]
    generation_ms: float

def program_from_elf(elf: bytes) -> tuple[bytes, str]: ...
def image_id(program: bytes) -> str: ...
def recursion_available() -> bool: ...
def cache_program(program: bytes, cache_dir: str | Path | None = None) -> bool: ...
def execute(
    program: bytes,
    input: bytes,
    segment_po2: int = 20,
    cycle_limit: int | None = None,
    pprof_path: str | Path | None = None,
) -> ExecuteResult: ...
def proved_in_process() -> bool: ...
def prove(
    program: bytes,
    input: bytes,
    segment_po2: int = 20,
    receipt_kind: str = "composite",
    cycle_limit: int | None = None,
) -> ProveResult: ...
def verify(receipt: bytes, image_id: str) -> VerifyResult: ...
def evm_witness(case_json: str) -> bytes: ...
def evm_decode_output(journal: bytes) -> EvmOutput | ChainOutput: ...
def evm_run_native(witness: bytes) -> NativeRun | NativeChainRun: ...
def chain_witness(chain_json: str, full_witness: bool = False) -> tuple[bytes, WitnessFacts]: ...
def evm_state_root(state_json: str, name: str) -> str: ...
def chain_network_supported(network: str) -> bool: ...
def evm_supported_forks() -> list[str]: ...
def openvm_parse_metrics(
    data: bytes,
) -> tuple[list[list[tuple[str, str]]], bytes, bytes, list[str], bytes]: ...
def flame_graph_svg(folded: list[str], title: str, subtitle: str | None = None) -> str: ...
