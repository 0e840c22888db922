//! `zkprof._native`: the RISC Zero zkVM from Python. Execute, prove and verify guest programs
//! in-process (no Bonsai, no r0vm) and return exact numbers. The GIL is released while the zkVM runs.

mod errors;
mod evm;
mod flamegraph;
mod openvm;
mod zkvm;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    zkprof_types::keep_freed_memory();
    m.add("RISC0_VERSION", risc0_zkvm::VERSION)?;
    m.add("MIN_SEGMENT_PO2", zkvm::MIN_SEGMENT_PO2)?;
    m.add("MAX_SEGMENT_PO2", zkvm::MAX_SEGMENT_PO2)?;
    errors::register(m)?;
    zkvm::register(m)?;
    evm::register(m)?;
    openvm::register(m)?;
    flamegraph::register(m)?;
    Ok(())
}
