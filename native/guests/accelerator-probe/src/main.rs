//! Accelerator probe. Input: one operation byte, then its operand bytes. Journal: the operation's
//! output bytes, then the accelerator calls it made (zkprof's wire format of `AcceleratorCalls`).
//! Operations: 0 keccak-256, 1 SHA-256, 2 ecrecover (hash ‖ v ‖ r ‖ s, as the precompile takes
//! it), 3 modexp (EIP-198 input), 4 bn254 G1 add (two points), 5 bn254 G1 mul (point ‖ scalar).
#![no_main]

use revm::precompile::{crypto, utilities::right_pad};
use risc0_zkvm::guest::env;
use std::io::Read;

risc0_zkvm::guest::entry!(main);

fn modexp(input: &[u8]) -> Vec<u8> {
    let len = |i: usize| u32::from_be_bytes(input[32 * i + 28..32 * i + 32].try_into().unwrap());
    let (lb, le, lm) = (len(0) as usize, len(1) as usize, len(2) as usize);
    let padded = right_pad::<4096>(&input[96..]);
    let data: &[u8] = &padded[..];
    let (base, rest) = data.split_at(lb);
    let (exp, rest) = rest.split_at(le);
    crypto().modexp(base, exp, &rest[..lm]).expect("modexp")
}

fn main() {
    let mut input = Vec::new();
    env::stdin().read_to_end(&mut input).expect("reading input");
    zkprof_accelerators::install();
    let (op, data) = input.split_first().expect("an operation byte");
    let output: Vec<u8> = match op {
        0 => revm::primitives::keccak256(data).to_vec(),
        1 => crypto().sha256(data).to_vec(),
        2 => {
            let sig: [u8; 64] = data[64..128].try_into().unwrap();
            let msg: [u8; 32] = data[..32].try_into().unwrap();
            crypto()
                .secp256k1_ecrecover(&sig, data[63] - 27, &msg)
                .map(|a| a.to_vec())
                .unwrap_or_default()
        }
        3 => modexp(data),
        4 => crypto().bn254_g1_add(&data[..64], &data[64..128]).expect("bn254 add").to_vec(),
        5 => crypto().bn254_g1_mul(&data[..64], &data[64..96]).expect("bn254 mul").to_vec(),
        other => panic!("unknown operation {other}"),
    };
    env::commit_slice(&output);
    let calls = zkprof_accelerators::calls();
    env::commit_slice(&zkprof_types::encode(&calls).expect("encoding AcceleratorCalls"));
}
