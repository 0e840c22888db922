//! Accelerator probe. Input: one operation byte, then its operand bytes. Journal: the operation's
//! output bytes, then the accelerator calls it made (zkprof's wire format of `AcceleratorCalls`).
//! Operations: 0 keccak-256, 1 SHA-256, 2 ecrecover (hash ‖ v ‖ r ‖ s, as the precompile takes
//! it), 3 modexp (EIP-198 input), 4 bn254 G1 add (two points), 5 bn254 G1 mul (point ‖ scalar),
//! 6 bn254 pairing check (EIP-197 input; one byte, 1 or 0), 7 P-256 verification (EIP-7951 input:
//! hash ‖ r ‖ s ‖ x ‖ y; one byte, 1 or 0), 8 BLS12-381 pairing check (pairs of a G1 point,
//! 2 × 48 bytes, and a G2 point, x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1; one byte), 9 BLS12-381 G1 MSM (pairs
//! of a G1 point and a 32-byte scalar; the 96-byte sum), 10 bn254 G2 point check (EIP-197's
//! 128 bytes: on the twist and in G2; one byte, 1 or 0), 11 BLS12-381 G1 add (two points; the
//! 96-byte sum). 10 and 11 run the pairings' field programs in few enough cycles to prove.
#![no_main]

use revm::precompile::bls12_381::{G1Point, G2Point};
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

fn fp(bytes: &[u8]) -> [u8; 48] {
    bytes.try_into().expect("48 bytes")
}

fn g1(bytes: &[u8]) -> G1Point {
    (fp(&bytes[..48]), fp(&bytes[48..96]))
}

fn g2(bytes: &[u8]) -> G2Point {
    (fp(&bytes[..48]), fp(&bytes[48..96]), fp(&bytes[96..144]), fp(&bytes[144..192]))
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
        6 => {
            let pairs: Vec<(&[u8], &[u8])> =
                data.chunks(192).map(|pair| (&pair[..64], &pair[64..])).collect();
            vec![crypto().bn254_pairing_check(&pairs).expect("bn254 pairing input") as u8]
        }
        7 => {
            let (msg, sig, pk) = (&data[..32], &data[32..96], &data[96..160]);
            let verified = crypto().secp256r1_verify_signature(
                msg.try_into().unwrap(),
                sig.try_into().unwrap(),
                pk.try_into().unwrap(),
            );
            vec![verified as u8]
        }
        8 => {
            let pairs: Vec<(G1Point, G2Point)> =
                data.chunks(288).map(|pair| (g1(&pair[..96]), g2(&pair[96..]))).collect();
            vec![crypto().bls12_381_pairing_check(&pairs).expect("BLS12-381 pairing input") as u8]
        }
        9 => {
            let mut pairs =
                data.chunks(128).map(|pair| Ok((g1(&pair[..96]), pair[96..].try_into().unwrap())));
            crypto().bls12_381_g1_msm(&mut pairs).expect("BLS12-381 MSM input").to_vec()
        }
        10 => vec![zkprof_accelerators::bn254_pairing::read_g2(data).is_ok() as u8],
        11 => {
            crypto().bls12_381_g1_add(g1(&data[..96]), g1(&data[96..192])).expect("G1 add").to_vec()
        }
        other => panic!("unknown operation {other}"),
    };
    env::commit_slice(&output);
    let calls = zkprof_accelerators::calls();
    env::commit_slice(&zkprof_types::encode(&calls).expect("encoding AcceleratorCalls"));
}
