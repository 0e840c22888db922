//! Execute, prove and verify RISC Zero programs, returning exact figures to Python.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use bincode::Options;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use risc0_binfmt::{AbiKind, MemoryImage, ProgramBinary};
use risc0_zkvm::sha::Digest;
use risc0_zkvm::{
    get_prover_server, ExecutorEnv, ExecutorImpl, ExitCode, NullSegmentRef, ProverOpts, Receipt,
    Segment, SegmentRef, Session, SessionEvents, VerifierContext,
};
use sha2::{Digest as _, Sha256};

use crate::errors::{guarded, Failure};

/// risc0 panics on a segment po2 below 14; above 22 the prover has no circuit.
pub const MIN_SEGMENT_PO2: u32 = 14;
pub const MAX_SEGMENT_PO2: u32 = 22;

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(program_from_elf, m)?)?;
    m.add_function(wrap_pyfunction!(image_id, m)?)?;
    m.add_function(wrap_pyfunction!(recursion_available, m)?)?;
    m.add_function(wrap_pyfunction!(cache_program, m)?)?;
    m.add_function(wrap_pyfunction!(proved_in_process, m)?)?;
    m.add_function(wrap_pyfunction!(execute, m)?)?;
    m.add_function(wrap_pyfunction!(prove, m)?)?;
    m.add_function(wrap_pyfunction!(verify, m)?)?;
    Ok(())
}

fn check_po2(po2: u32) -> Result<(), Failure> {
    if (MIN_SEGMENT_PO2..=MAX_SEGMENT_PO2).contains(&po2) {
        Ok(())
    } else {
        Err(Failure::Invalid(format!(
            "segment_po2 must be in {MIN_SEGMENT_PO2}..={MAX_SEGMENT_PO2}, got {po2}"
        )))
    }
}

fn compute_image_id(program: &[u8]) -> Result<Digest, Failure> {
    risc0_binfmt::compute_image_id(program)
        .map_err(|e| Failure::Program(format!("not a valid R0BF program: {e:#}")))
}

/// Wraps a user ELF with the v1compat kernel into an R0BF program. Returns (program, image id hex).
#[pyfunction]
fn program_from_elf(py: Python<'_>, elf: &[u8]) -> PyResult<(Py<PyBytes>, String)> {
    let elf = elf.to_vec();
    let (program, id) = py.detach(move || {
        guarded(|| {
            if !elf.starts_with(b"\x7fELF") {
                return Err(Failure::Program("not an ELF file (bad magic)".into()));
            }
            let program =
                risc0_binfmt::ProgramBinary::new(&elf, risc0_zkos_v1compat::V1COMPAT_ELF).encode();
            let id = compute_image_id(&program)
                .map_err(|_| Failure::Program("the ELF cannot be loaded as a guest".into()))?;
            Ok((program, id))
        })
    })?;
    Ok((PyBytes::new(py, &program).unbind(), id.to_string()))
}

/// The image id (hex) of an R0BF program.
#[pyfunction]
fn image_id(py: Python<'_>, program: &[u8]) -> PyResult<String> {
    let program = program.to_vec();
    Ok(py.detach(move || guarded(|| compute_image_id(&program)))?.to_string())
}

/// Whether this build carries the recursion programs that succinct and Groth16 receipts need.
/// Offline builds (DOCS_RS=1) embed an empty archive instead.
#[pyfunction]
fn recursion_available() -> bool {
    recursion_programs_available()
}

fn recursion_programs_available() -> bool {
    risc0_circuit_recursion::prove::zkr::get_all_zkrs().is_ok_and(|all| !all.is_empty())
}

/// What one execution produced.
struct Execution {
    session: Session,
    segment_po2s: Vec<u32>,
    execute_ms: f64,
}

/// The figures of an execution, taken out of the `Session` (which cannot leave its thread).
struct Figures {
    total_cycles: u64,
    user_cycles: u64,
    paging_cycles: u64,
    reserved_cycles: u64,
    segment_po2s: Vec<u32>,
    journal: Vec<u8>,
    exit_kind: &'static str,
    exit_value: u32,
    execute_ms: f64,
}

impl Figures {
    fn of(session: &Session, segment_po2s: Vec<u32>, execute_ms: f64) -> Self {
        let (exit_kind, exit_value) = exit_code_parts(&session.exit_code);
        Figures {
            total_cycles: session.total_cycles,
            user_cycles: session.user_cycles,
            paging_cycles: session.paging_cycles,
            reserved_cycles: session.reserved_cycles,
            segment_po2s,
            journal: session.journal.as_ref().map(|j| j.bytes.clone()).unwrap_or_default(),
            exit_kind,
            exit_value,
            execute_ms,
        }
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("total_cycles", self.total_cycles)?;
        d.set_item("user_cycles", self.user_cycles)?;
        d.set_item("paging_cycles", self.paging_cycles)?;
        d.set_item("reserved_cycles", self.reserved_cycles)?;
        d.set_item("segments", self.segment_po2s.len())?;
        d.set_item("segment_po2s", self.segment_po2s.clone())?;
        d.set_item("journal", PyBytes::new(py, &self.journal))?;
        d.set_item("exit_code", self.exit_kind)?;
        d.set_item("exit_value", self.exit_value)?;
        d.set_item("execute_ms", self.execute_ms)?;
        Ok(d)
    }
}

/// The memory image of the last program run, keyed by the program's bytes. Building it (decoding the
/// ELF, hashing every page) takes about 0.3 s for the EVM guest: more than executing a small case,
/// and a run job runs many cases of one program. Forked children inherit it.
static LAST_IMAGE: Mutex<Option<(Vec<u8>, MemoryImage)>> = Mutex::new(None);

fn program_image(program: &[u8]) -> Result<MemoryImage, Failure> {
    let mut last = LAST_IMAGE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((bytes, image)) = last.as_ref() {
        if bytes.as_slice() == program {
            return Ok(image.clone());
        }
    }
    let image = build_image(program)?;
    *last = Some((program.to_vec(), image.clone()));
    Ok(image)
}

fn build_image(program: &[u8]) -> Result<MemoryImage, Failure> {
    let invalid = |e: anyhow::Error| Failure::Program(format!("not a valid R0BF program: {e:#}"));
    let binary = ProgramBinary::decode(program).map_err(invalid)?;
    // The checks ExecutorImpl::from_elf makes before it runs a program.
    let header = &binary.header;
    if header.abi_kind != AbiKind::V1Compat || header.abi_version.major != 1 {
        return Err(Failure::Program(format!(
            "not a v1compat program (ABI {:?} {}): this executor runs v1compat ABI 1.x",
            header.abi_kind, header.abi_version
        )));
    }
    let mut image = binary.to_image().map_err(invalid)?;
    // The inner Merkle nodes once here, not again in every run that clones the image.
    image.update_digests();
    Ok(image)
}

/// The on-disk form of a program's memory image: magic, SHA-256 of the rest, then bincode of
/// (risc0 version, SHA-256 of the program, image). Any mismatch means "not cached": rebuild.
const IMAGE_MAGIC: &[u8; 8] = b"ZKPIMG1\0";

fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

fn load_image_file(path: &Path, program_sha: &[u8; 32]) -> Option<MemoryImage> {
    let data = std::fs::read(path).ok()?;
    let rest = data.strip_prefix(IMAGE_MAGIC)?;
    let (checksum, payload) = rest.split_at_checked(32)?;
    if checksum != sha256(payload) {
        return None;
    }
    let (version, sha, image): (String, [u8; 32], MemoryImage) =
        bincode::deserialize(payload).ok()?;
    (version == risc0_zkvm::VERSION && &sha == program_sha).then_some(image)
}

fn save_image_file(path: &Path, program_sha: &[u8; 32], image: &MemoryImage) -> Option<()> {
    let payload = bincode::serialize(&(risc0_zkvm::VERSION, program_sha, image)).ok()?;
    let mut data = IMAGE_MAGIC.to_vec();
    data.extend_from_slice(&sha256(&payload));
    data.extend_from_slice(&payload);
    // Written aside, then renamed: a reader never sees half a file.
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::create_dir_all(path.parent()?).ok()?;
    std::fs::write(&tmp, data).ok()?;
    if std::fs::rename(&tmp, path).is_err() {
        let _ = std::fs::remove_file(&tmp);
        return None;
    }
    Some(())
}

/// Builds and keeps `program`'s memory image, so that the runs that follow (in this process and in
/// processes forked from it) start at once. Raises ProgramError for an invalid program.
/// With `cache_dir`, the image is also kept on disk by the program's SHA-256 (checksummed), so
/// the next process of the same program loads it instead of hashing every page again. Returns
/// whether it was loaded from there.
#[pyfunction]
#[pyo3(signature = (program, cache_dir=None))]
fn cache_program(py: Python<'_>, program: &[u8], cache_dir: Option<PathBuf>) -> PyResult<bool> {
    let program = program.to_vec();
    let loaded = py.detach(move || {
        guarded(|| {
            let Some(dir) = cache_dir else {
                return program_image(&program).map(|_| false);
            };
            let program_sha = sha256(&program);
            let path = dir.join(format!("{}.img", hex::encode(program_sha)));
            let (image, loaded) = match load_image_file(&path, &program_sha) {
                Some(image) => (image, true),
                None => {
                    let image = build_image(&program)?;
                    // A cache that cannot be written only costs the next process time.
                    let _ = save_image_file(&path, &program_sha, &image);
                    (image, false)
                }
            };
            let mut last = LAST_IMAGE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            *last = Some((program, image));
            Ok(loaded)
        })
    })?;
    Ok(loaded)
}

fn run_executor(
    program: &[u8],
    input: &[u8],
    po2: u32,
    cycle_limit: Option<u64>,
    pprof_path: Option<PathBuf>,
    keep_segments: bool,
) -> Result<Execution, Failure> {
    check_po2(po2)?;
    let mut builder = ExecutorEnv::builder();
    builder.write_slice(input).segment_limit_po2(po2);
    builder.session_limit(cycle_limit);
    if let Some(path) = &pprof_path {
        builder.enable_profiler(path);
    }
    let env = builder.build().map_err(|e| Failure::Other(format!("{e:#}")))?;
    // The profiler needs the program's symbols, which only from_elf reads.
    let mut exec = if pprof_path.is_some() {
        ExecutorImpl::from_elf(env, program)
    } else {
        ExecutorImpl::new(env, program_image(program)?)
    }
    .map_err(|e| Failure::Program(format!("not a valid R0BF program: {e:#}")))?;
    // Timed from here: the run itself, not the (cached) loading of the program.
    let start = Instant::now();
    let mut segment_po2s = Vec::new();
    let session = if keep_segments {
        // Proving needs the segments: risc0 keeps them in files in a temporary folder.
        exec.run()
    } else {
        // Execute-only runs drop each segment once its size is recorded, so memory stays flat.
        exec.run_with_callback(|segment: Segment| {
            segment_po2s.push(segment.po2() as u32);
            Ok(Box::new(NullSegmentRef) as Box<dyn SegmentRef>)
        })
    }
    .map_err(|e| Failure::from_execution(&e))?;
    let execute_ms = start.elapsed().as_secs_f64() * 1e3;
    Ok(Execution { session, segment_po2s, execute_ms })
}

fn exit_code_parts(code: &ExitCode) -> (&'static str, u32) {
    match code {
        ExitCode::Halted(v) => ("halted", *v),
        ExitCode::Paused(v) => ("paused", *v),
        ExitCode::SystemSplit => ("system_split", 0),
        ExitCode::SessionLimit => ("session_limit", 0),
        _ => ("unknown", 0),
    }
}

/// Executes `program` (R0BF) on `input` (raw bytes on the guest's stdin) without proving.
///
/// Returns cycles (total, user, paging, reserved), segment count and po2s, journal, exit code and
/// wall time. `pprof_path` writes RISC Zero's guest profile there.
#[pyfunction]
#[pyo3(signature = (program, input, segment_po2 = 20, cycle_limit = None, pprof_path = None))]
fn execute<'py>(
    py: Python<'py>,
    program: &[u8],
    input: &[u8],
    segment_po2: u32,
    cycle_limit: Option<u64>,
    pprof_path: Option<PathBuf>,
) -> PyResult<Bound<'py, PyDict>> {
    let (program, input) = (program.to_vec(), input.to_vec());
    let figures = py.detach(move || {
        guarded(|| {
            let run = run_executor(&program, &input, segment_po2, cycle_limit, pprof_path, false)?;
            Ok(Figures::of(&run.session, run.segment_po2s, run.execute_ms))
        })
    })?;
    figures.to_dict(py)
}

/// Records when each segment's proof starts and ends, so proving time splits per segment.
#[derive(Default)]
struct SegmentTimer {
    started: RefCell<Option<Instant>>,
    done: RefCell<Vec<(u32, f64)>>,
}

struct TimerHook(Rc<SegmentTimer>);

impl SessionEvents for TimerHook {
    fn on_pre_prove_segment(&self, _segment: &Segment) {
        *self.0.started.borrow_mut() = Some(Instant::now());
    }
    fn on_post_prove_segment(&self, segment: &Segment) {
        let ms = self.0.started.borrow().map(|t| t.elapsed().as_secs_f64() * 1e3).unwrap_or(0.0);
        self.0.done.borrow_mut().push((segment.po2() as u32, ms));
    }
}

struct Proof {
    figures: Figures,
    image_id: Digest,
    prove_segments_ms: f64,
    segment_prove_ms: Vec<f64>,
    compress_ms: f64,
    seal_size: usize,
    receipt_bytes: Vec<u8>,
}

fn receipt_options(kind: &str) -> Result<ProverOpts, Failure> {
    let opts = match kind {
        "composite" => return Ok(ProverOpts::composite()),
        "succinct" => ProverOpts::succinct(),
        "groth16" => ProverOpts::groth16(),
        other => {
            return Err(Failure::Invalid(format!(
                "receipt_kind must be composite, succinct or groth16, got {other:?}"
            )))
        }
    };
    if !recursion_programs_available() {
        return Err(Failure::Unsupported(format!(
            "{kind} receipts need RISC Zero's recursion programs (recursion_zkr.zip), which this \
             build does not carry (built offline with DOCS_RS=1); only composite receipts can be \
             proved. Rebuild with network access or RECURSION_SRC_PATH pointing at the zip."
        )));
    }
    Ok(opts)
}

/// Set once this process has proved. risc0's prover leaves threads and locks behind that a forked
/// child does not get: a proof in a process forked after one waits forever.
static PROVED: AtomicBool = AtomicBool::new(false);

/// Whether this process has run a proof (so a process forked from it must not prove).
#[pyfunction]
fn proved_in_process() -> bool {
    PROVED.load(Ordering::SeqCst)
}

fn prove_program(
    program: &[u8],
    input: &[u8],
    po2: u32,
    kind: &str,
    cycle_limit: Option<u64>,
) -> Result<Proof, Failure> {
    let opts = receipt_options(kind)?;
    PROVED.store(true, Ordering::SeqCst);
    let image_id = compute_image_id(program)?;
    let mut execution = run_executor(program, input, po2, cycle_limit, None, true)?;
    let timer = Rc::new(SegmentTimer::default());
    execution.session.add_hook(TimerHook(timer.clone()));
    let prover = get_prover_server(&ProverOpts::composite())
        .map_err(|e| Failure::Other(format!("{e:#}")))?;
    let start = Instant::now();
    let info = prover
        .prove_session(&VerifierContext::default(), &execution.session)
        .map_err(|e| Failure::Other(format!("proving failed: {e:#}")))?;
    let prove_segments_ms = start.elapsed().as_secs_f64() * 1e3;
    let mut receipt = info.receipt;
    let start = Instant::now();
    if kind != "composite" {
        receipt = get_prover_server(&opts)
            .and_then(|p| p.compress(&opts, &receipt))
            .map_err(|e| Failure::Unsupported(format!("compressing to {kind} failed: {e:#}")))?;
    }
    let compress_ms = if kind == "composite" { 0.0 } else { start.elapsed().as_secs_f64() * 1e3 };
    let receipt_bytes = bincode::serialize(&receipt)
        .map_err(|e| Failure::Other(format!("encoding receipt: {e}")))?;
    let done = timer.done.borrow();
    let segment_po2s = done.iter().map(|(po2, _)| *po2).collect();
    let segment_prove_ms = done.iter().map(|(_, ms)| *ms).collect();
    Ok(Proof {
        figures: Figures::of(&execution.session, segment_po2s, execution.execute_ms),
        image_id,
        prove_segments_ms,
        segment_prove_ms,
        compress_ms,
        seal_size: receipt.seal_size(),
        receipt_bytes,
    })
}

/// Executes and proves `program` on `input`; `receipt_kind` is composite, succinct or groth16.
///
/// Returns the execute figures plus the time per phase (execute, segment proving, compression),
/// per-segment proving times, the receipt (bincode bytes), its size and seal size, and the image id.
#[pyfunction]
#[pyo3(signature = (program, input, segment_po2 = 20, receipt_kind = "composite", cycle_limit = None))]
fn prove<'py>(
    py: Python<'py>,
    program: &[u8],
    input: &[u8],
    segment_po2: u32,
    receipt_kind: &str,
    cycle_limit: Option<u64>,
) -> PyResult<Bound<'py, PyDict>> {
    let (program, input, kind) = (program.to_vec(), input.to_vec(), receipt_kind.to_string());
    let proof = py.detach(move || {
        guarded(|| prove_program(&program, &input, segment_po2, &kind, cycle_limit))
    })?;
    let d = proof.figures.to_dict(py)?;
    d.set_item("receipt_kind", receipt_kind)?;
    d.set_item("image_id", proof.image_id.to_string())?;
    d.set_item("prove_segments_ms", proof.prove_segments_ms)?;
    d.set_item("segment_prove_ms", proof.segment_prove_ms)?;
    d.set_item("compress_ms", proof.compress_ms)?;
    d.set_item("receipt", PyBytes::new(py, &proof.receipt_bytes))?;
    d.set_item("receipt_size", proof.receipt_bytes.len())?;
    d.set_item("seal_size", proof.seal_size)?;
    Ok(d)
}

fn verify_receipt(receipt: &[u8], image_id: &str) -> Result<(Vec<u8>, f64), Failure> {
    let id = hex::decode(image_id.trim_start_matches("0x"))
        .ok()
        .and_then(|bytes| Digest::try_from(bytes.as_slice()).ok())
        .ok_or_else(|| {
            Failure::Invalid(format!("image_id is not a 32-byte hex digest: {image_id:?}"))
        })?;
    // As `bincode::deserialize` (what `prove` wrote), but bytes after the receipt are an error:
    // a receipt file with something appended is not the receipt that was proved.
    let options = bincode::DefaultOptions::new().with_fixint_encoding();
    let receipt: Receipt = options.reject_trailing_bytes().deserialize(receipt).map_err(|e| {
        let appended = options.allow_trailing_bytes().deserialize::<Receipt>(receipt).is_ok();
        Failure::Receipt(if appended {
            "extra bytes after the end of the receipt (the file was altered or is not one receipt)"
                .to_string()
        } else {
            format!("cannot decode receipt: {e}")
        })
    })?;
    let start = Instant::now();
    receipt.verify(id).map_err(|e| Failure::Receipt(format!("verification failed: {e}")))?;
    Ok((receipt.journal.bytes, start.elapsed().as_secs_f64() * 1e3))
}

/// Verifies a receipt (bincode bytes from `prove`) against an image id. Returns journal and time.
#[pyfunction]
fn verify<'py>(py: Python<'py>, receipt: &[u8], image_id: &str) -> PyResult<Bound<'py, PyDict>> {
    let (receipt, id) = (receipt.to_vec(), image_id.to_string());
    let (journal, verify_ms) = py.detach(move || guarded(|| verify_receipt(&receipt, &id)))?;
    let d = PyDict::new(py);
    d.set_item("journal", PyBytes::new(py, &journal))?;
    d.set_item("verify_ms", verify_ms)?;
    Ok(d)
}
