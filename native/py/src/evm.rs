//! The EVM workload on the host: witness generation (case JSON -> guest input bytes), decoding the
//! guest's journal, and the native reference run of the very same code the guest runs.

use std::time::Instant;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use zkprof_types::{AcceleratorCalls, ChainOutput, EvmOutput, GuestInput, GuestOutput, Outcome};

use crate::errors::{guarded, Failure};

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(evm_witness, m)?)?;
    m.add_function(wrap_pyfunction!(evm_decode_output, m)?)?;
    m.add_function(wrap_pyfunction!(evm_run_native, m)?)?;
    m.add_function(wrap_pyfunction!(evm_supported_forks, m)?)?;
    m.add_function(wrap_pyfunction!(chain_witness, m)?)?;
    m.add_function(wrap_pyfunction!(evm_state_root, m)?)?;
    m.add_function(wrap_pyfunction!(chain_network_supported, m)?)?;
    Ok(())
}

/// Normalized case JSON (see zkprof.cases) -> the EVM guest's input bytes. ValueError names the
/// field that is wrong.
#[pyfunction]
fn evm_witness<'py>(py: Python<'py>, case_json: &str) -> PyResult<Bound<'py, PyBytes>> {
    let json = case_json.to_string();
    let bytes = py.detach(move || {
        guarded(|| {
            let input = zkprof_evm::input_from_case_json(&json).map_err(Failure::Invalid)?;
            zkprof_types::encode(&GuestInput::StateTest(Box::new(input)))
                .map_err(|e| Failure::Invalid(e.to_string()))
        })
    })?;
    Ok(PyBytes::new(py, &bytes))
}

fn outcome_text(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Success => "success".into(),
        Outcome::Revert => "revert".into(),
        Outcome::Halt(reason) => format!("halt:{reason}"),
        Outcome::Rejected(kind) => format!("rejected:{kind}"),
    }
}

fn output_dict<'py>(py: Python<'py>, out: &EvmOutput) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("outcome", outcome_text(&out.outcome))?;
    d.set_item("gas_used", out.gas_used)?;
    d.set_item("state_root", hex32(&out.state_root))?;
    d.set_item("logs_hash", hex32(&out.logs_hash))?;
    let cycles = PyDict::new(py);
    cycles.set_item("decode", out.region_cycles.decode)?;
    cycles.set_item("transaction", out.region_cycles.transaction)?;
    cycles.set_item("state_root", out.region_cycles.state_root)?;
    d.set_item("region_cycles", cycles)?;
    d.set_item("accelerator_calls", calls_dict(py, &out.accelerator_calls)?)?;
    Ok(d)
}

fn hex32(word: &[u8; 32]) -> String {
    format!("0x{}", hex::encode(word))
}

/// `accelerator_calls` of a state test's or a chain's output.
fn calls_dict<'py>(py: Python<'py>, calls: &AcceleratorCalls) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("keccak_permutations", calls.keccak_permutations)?;
    d.set_item("sha_compressions", calls.sha_compressions)?;
    d.set_item("bigint2_calls", calls.bigint2_calls)?;
    Ok(d)
}

fn chain_dict<'py>(py: Python<'py>, out: &ChainOutput) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let blocks = PyList::empty(py);
    for b in &out.blocks {
        let block = PyDict::new(py);
        block.set_item("number", b.number)?;
        block.set_item("hash", hex32(&b.hash))?;
        block.set_item("rejected", b.rejected.clone())?;
        block.set_item("gas_used", b.gas_used)?;
        block.set_item("transactions", b.transactions)?;
        block.set_item("state_root", hex32(&b.state_root))?;
        block.set_item("cycles_witness", b.cycles.witness)?;
        block.set_item("cycles_execution", b.cycles.execution)?;
        block.set_item("cycles_state_root", b.cycles.state_root)?;
        blocks.append(block)?;
    }
    d.set_item("blocks", blocks)?;
    d.set_item("head_hash", hex32(&out.head_hash))?;
    d.set_item("head_state_root", hex32(&out.head_state_root))?;
    d.set_item("witness_error", out.witness_error.clone())?;
    d.set_item("decode_cycles", out.decode_cycles)?;
    d.set_item("accelerator_calls", calls_dict(py, &out.accelerator_calls)?)?;
    Ok(d)
}

/// A `GuestOutput` as a dict: a state test's (see `output_dict`) or a chain's, with `kind`.
fn guest_output_dict<'py>(py: Python<'py>, out: &GuestOutput) -> PyResult<Bound<'py, PyDict>> {
    let (d, kind) = match out {
        GuestOutput::StateTest(out) => (output_dict(py, out)?, "state_test"),
        GuestOutput::Chain(out) => (chain_dict(py, out)?, "chain"),
    };
    d.set_item("kind", kind)?;
    Ok(d)
}

/// The EVM guest's journal -> a state test's {kind, outcome, gas_used, state_root, logs_hash,
/// region_cycles, accelerator_calls} or a chain's {kind, blocks, head_hash, head_state_root,
/// witness_error, decode_cycles, accelerator_calls}.
#[pyfunction]
fn evm_decode_output<'py>(py: Python<'py>, journal: &[u8]) -> PyResult<Bound<'py, PyDict>> {
    let out: GuestOutput = zkprof_types::decode(journal)
        .map_err(|e| Failure::Invalid(format!("not an EVM guest journal: {e}")))?;
    guest_output_dict(py, &out)
}

/// Runs a witness natively with the guest's code; region "cycles" are nanoseconds here.
/// Adds `native_ms`, the wall time of decoding and running (what the guest does).
#[pyfunction]
fn evm_run_native<'py>(py: Python<'py>, witness: &[u8]) -> PyResult<Bound<'py, PyDict>> {
    let witness = witness.to_vec();
    let (out, ms) = py.detach(move || {
        guarded(|| {
            let start = Instant::now();
            let clock = || start.elapsed().as_nanos() as u64;
            let input: GuestInput = zkprof_types::decode(&witness)
                .map_err(|e| Failure::Invalid(format!("not an EVM witness: {e}")))?;
            let out = zkprof_evm::run(input, clock(), &clock);
            Ok((out, start.elapsed().as_secs_f64() * 1e3))
        })
    })?;
    let d = guest_output_dict(py, &out)?;
    d.set_item("native_ms", ms)?;
    Ok(d)
}

/// Witness generation for a blockchain test: normalized chain JSON (network, chain_id,
/// genesis_rlp, pre, blocks) -> (the guest's input bytes, facts): `full_state` (the full-state
/// run's result, as `evm_decode_output` gives a chain's), per-block `witness_nodes`,
/// `witness_codes`, `witness_headers`, `witness_bytes`, and `generation_ms`. `full_witness`:
/// give each block the whole state instead of its witness. ValueError names the field.
#[pyfunction]
#[pyo3(signature = (chain_json, full_witness = false))]
fn chain_witness<'py>(
    py: Python<'py>,
    chain_json: &str,
    full_witness: bool,
) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyDict>)> {
    let json = chain_json.to_string();
    let (bytes, generated) = py.detach(move || {
        guarded(|| {
            let generated = zkprof_evm::block::witness::generate(&json, full_witness)
                .map_err(Failure::Invalid)?;
            let bytes = zkprof_types::encode(&GuestInput::Chain(generated.input.clone()))
                .map_err(|e| Failure::Invalid(e.to_string()))?;
            Ok((bytes, generated))
        })
    })?;
    let facts = PyDict::new(py);
    facts.set_item("full_state", chain_dict(py, &generated.full_state)?)?;
    let sizes = &generated.witness_sizes;
    facts.set_item("witness_nodes", sizes.iter().map(|s| s.nodes).collect::<Vec<_>>())?;
    facts.set_item("witness_codes", sizes.iter().map(|s| s.codes).collect::<Vec<_>>())?;
    facts.set_item("witness_headers", sizes.iter().map(|s| s.headers).collect::<Vec<_>>())?;
    facts.set_item("witness_bytes", sizes.iter().map(|s| s.bytes).collect::<Vec<_>>())?;
    facts.set_item("generation_ms", generated.generation_ms)?;
    Ok((PyBytes::new(py, &bytes), facts))
}

/// The state root of a normalized `pre`/`postState` section (JSON text), "0x" hex. `name` is
/// the field that errors (ValueError) name.
#[pyfunction]
fn evm_state_root(state_json: &str, name: &str) -> PyResult<String> {
    let root =
        guarded(|| zkprof_evm::state_root_of_json(state_json, name).map_err(Failure::Invalid))?;
    Ok(hex32(&root))
}

/// Fork names (ethereum/tests spelling) the EVM supports.
#[pyfunction]
fn evm_supported_forks() -> Vec<&'static str> {
    zkprof_evm::supported_forks().to_vec()
}

/// Whether blocks of a blockchain test's network are validated: a post-merge fork (Paris to
/// Osaka) or a transition between two of them ("ShanghaiToCancunAtTime15k").
#[pyfunction]
fn chain_network_supported(network: &str) -> bool {
    zkprof_evm::block::fork::Schedule::parse(network).is_some()
}
