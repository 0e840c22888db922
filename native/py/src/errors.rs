//! Dedicated Python exception types, and the mapping of risc0's errors (and panics) onto them.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(_native, ZkvmError, PyException, "Base class of zkVM errors.");
create_exception!(
    _native,
    GuestPanic,
    ZkvmError,
    "The guest panicked; the message is the guest's."
);
create_exception!(_native, CycleLimitExceeded, ZkvmError, "The session reached its cycle limit.");
create_exception!(_native, ProgramError, ZkvmError, "Not a valid user ELF or R0BF program.");
create_exception!(
    _native,
    ReceiptError,
    ZkvmError,
    "A receipt that cannot be decoded or verified."
);
create_exception!(
    _native,
    UnsupportedReceiptKind,
    ZkvmError,
    "The receipt kind cannot be produced by this build (e.g. no recursion programs)."
);

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("ZkvmError", py.get_type::<ZkvmError>())?;
    m.add("GuestPanic", py.get_type::<GuestPanic>())?;
    m.add("CycleLimitExceeded", py.get_type::<CycleLimitExceeded>())?;
    m.add("ProgramError", py.get_type::<ProgramError>())?;
    m.add("ReceiptError", py.get_type::<ReceiptError>())?;
    m.add("UnsupportedReceiptKind", py.get_type::<UnsupportedReceiptKind>())?;
    Ok(())
}

/// Why a zkVM call failed, decided on the worker thread (without the GIL), raised later.
#[derive(Debug)]
pub enum Failure {
    GuestPanic(String),
    CycleLimit(String),
    Program(String),
    Receipt(String),
    Unsupported(String),
    Invalid(String),
    Other(String),
}

impl Failure {
    /// Classifies an error from the executor by the reason risc0 gives.
    pub fn from_execution(err: &anyhow::Error) -> Self {
        let text = format!("{err:#}");
        if let Some(pos) = text.find("Guest panicked: ") {
            return Failure::GuestPanic(text[pos + "Guest panicked: ".len()..].to_string());
        }
        if text.contains("Session limit exceeded") {
            return Failure::CycleLimit(text);
        }
        Failure::Other(text)
    }

    /// A Rust panic inside risc0 must not abort the interpreter: report it as an error instead.
    pub fn from_panic(payload: Box<dyn std::any::Any + Send>) -> Self {
        let msg = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown panic".to_string());
        Failure::Other(format!("risc0 panicked: {msg}"))
    }
}

impl From<Failure> for PyErr {
    fn from(f: Failure) -> PyErr {
        match f {
            Failure::GuestPanic(m) => GuestPanic::new_err(m),
            Failure::CycleLimit(m) => CycleLimitExceeded::new_err(m),
            Failure::Program(m) => ProgramError::new_err(m),
            Failure::Receipt(m) => ReceiptError::new_err(m),
            Failure::Unsupported(m) => UnsupportedReceiptKind::new_err(m),
            Failure::Invalid(m) => pyo3::exceptions::PyValueError::new_err(m),
            Failure::Other(m) => ZkvmError::new_err(m),
        }
    }
}

/// Runs `f`, turning a panic into a `Failure` so that nothing a caller passes aborts the process.
pub fn guarded<T>(f: impl FnOnce() -> Result<T, Failure>) -> Result<T, Failure> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|p| Err(Failure::from_panic(p)))
}
