//! The EVM workload on the host: witness generation (case JSON -> guest input bytes), decoding the
//! guest's journal, and the native reference run of the very same code the guest runs.

use std::time::Instant;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use zkprof_types::{EvmInput, EvmOutput, Outcome};

use crate::errors::{guarded, Failure};

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(evm_witness, m)?)?;
    m.add_function(wrap_pyfunction!(evm_decode_output, m)?)?;
    m.add_function(wrap_pyfunction!(evm_run_native, m)?)?;
    m.add_function(wrap_pyfunction!(evm_supported_forks, m)?)?;
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
            zkprof_types::encode(&input).map_err(|e| Failure::Invalid(e.to_string()))
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
    d.set_item("state_root", format!("0x{}", hex::encode(out.state_root)))?;
    d.set_item("logs_hash", format!("0x{}", hex::encode(out.logs_hash)))?;
    let cycles = PyDict::new(py);
    cycles.set_item("decode", out.region_cycles.decode)?;
    cycles.set_item("transaction", out.region_cycles.transaction)?;
    cycles.set_item("state_root", out.region_cycles.state_root)?;
    d.set_item("region_cycles", cycles)?;
    let calls = PyDict::new(py);
    calls.set_item("keccak_permutations", out.accelerator_calls.keccak_permutations)?;
    calls.set_item("sha_compressions", out.accelerator_calls.sha_compressions)?;
    calls.set_item("bigint2_calls", out.accelerator_calls.bigint2_calls)?;
    d.set_item("accelerator_calls", calls)?;
    Ok(d)
}

/// The EVM guest's journal -> {outcome, gas_used, state_root, logs_hash, region_cycles,
/// accelerator_calls}.
#[pyfunction]
fn evm_decode_output<'py>(py: Python<'py>, journal: &[u8]) -> PyResult<Bound<'py, PyDict>> {
    let out: EvmOutput = zkprof_types::decode(journal)
        .map_err(|e| Failure::Invalid(format!("not an EVM guest journal: {e}")))?;
    output_dict(py, &out)
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
            let input: EvmInput = zkprof_types::decode(&witness)
                .map_err(|e| Failure::Invalid(format!("not an EVM witness: {e}")))?;
            let decode = clock();
            let mut out = zkprof_evm::execute(&input, &clock);
            out.region_cycles.decode = decode;
            Ok((out, start.elapsed().as_secs_f64() * 1e3))
        })
    })?;
    let d = output_dict(py, &out)?;
    d.set_item("native_ms", ms)?;
    Ok(d)
}

/// Fork names (ethereum/tests spelling) the EVM supports.
#[pyfunction]
fn evm_supported_forks() -> Vec<&'static str> {
    zkprof_evm::supported_forks().to_vec()
}
