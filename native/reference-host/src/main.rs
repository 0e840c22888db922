//! Pure-Rust reference host: the same risc0 calls as `zkprof._native`, without Python, so the
//! binding's overhead can be measured side by side.
//!
//! Usage: `zkprof-reference-host execute|prove PROGRAM.bin INPUT_FILE PO2 REPEATS`
//! Prints one JSON object per repeat: {"action", "total_cycles", "segments", "ms"}.

use std::time::Instant;

use anyhow::{bail, Context, Result};
use risc0_zkvm::{
    get_prover_server, ExecutorEnv, ExecutorImpl, NullSegmentRef, ProverOpts, SegmentRef,
    VerifierContext,
};

fn env_for(input: &[u8], po2: u32) -> Result<ExecutorEnv<'static>> {
    ExecutorEnv::builder().write_slice(input).segment_limit_po2(po2).build()
}

fn execute_once(program: &[u8], input: &[u8], po2: u32) -> Result<(u64, usize, f64)> {
    let start = Instant::now();
    let mut exec = ExecutorImpl::from_elf(env_for(input, po2)?, program)?;
    let session =
        exec.run_with_callback(|_| Ok(Box::new(NullSegmentRef) as Box<dyn SegmentRef>))?;
    Ok((session.total_cycles, session.segments.len(), start.elapsed().as_secs_f64() * 1e3))
}

fn prove_once(program: &[u8], input: &[u8], po2: u32) -> Result<(u64, usize, f64)> {
    let start = Instant::now();
    let mut exec = ExecutorImpl::from_elf(env_for(input, po2)?, program)?;
    let session = exec.run()?;
    let prover = get_prover_server(&ProverOpts::composite())?;
    prover.prove_session(&VerifierContext::default(), &session)?;
    Ok((session.total_cycles, session.segments.len(), start.elapsed().as_secs_f64() * 1e3))
}

fn main() -> Result<()> {
    // The allocator settings the Python binding uses, so both run the zkVM alike.
    zkprof_types::keep_freed_memory();
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 6 {
        bail!("usage: {} execute|prove PROGRAM INPUT_FILE PO2 REPEATS", args[0]);
    }
    let action = args[1].as_str();
    let program = std::fs::read(&args[2]).with_context(|| format!("reading {}", args[2]))?;
    let input = std::fs::read(&args[3]).with_context(|| format!("reading {}", args[3]))?;
    let po2: u32 = args[4].parse().context("PO2")?;
    let repeats: usize = args[5].parse().context("REPEATS")?;
    for _ in 0..repeats {
        let (cycles, segments, ms) = match action {
            "execute" => execute_once(&program, &input, po2)?,
            "prove" => prove_once(&program, &input, po2)?,
            other => bail!("unknown action {other}"),
        };
        println!(
            "{{\"action\": \"{action}\", \"total_cycles\": {cycles}, \"segments\": {segments}, \"ms\": {ms:.3}}}"
        );
    }
    Ok(())
}
