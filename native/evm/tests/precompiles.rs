//! The pure-Rust precompile backends (arkworks KZG and BLS12-381) really verify, not just build.

use std::collections::BTreeMap;
use zkprof_evm::execute;
use zkprof_evm::revm::precompile::kzg_point_evaluation::kzg_to_versioned_hash;
use zkprof_evm::types::{Account, BlockEnv, EvmInput, Outcome, Transaction};

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn word(v: u64) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[24..].copy_from_slice(&v.to_be_bytes());
    w
}

/// A plain call from a funded account to precompile `precompile` with `data`.
fn call_precompile(fork: &str, precompile: u8, data: Vec<u8>) -> Outcome {
    let sender = [0xa9; 20];
    let mut to = [0u8; 20];
    to[19] = precompile;
    let mut pre = BTreeMap::new();
    pre.insert(sender, Account { balance: word(1 << 60), ..Default::default() });
    let input = EvmInput {
        fork: fork.into(),
        env: BlockEnv {
            coinbase: [0xcc; 20],
            number: word(1),
            timestamp: word(1000),
            gas_limit: 30_000_000,
            base_fee: Some(7),
            prev_randao: Some(word(0x20000)),
            excess_blob_gas: Some(0),
            ..Default::default()
        },
        pre,
        tx: Transaction {
            tx_type: 0,
            sender,
            to: Some(to),
            gas_limit: word(1_000_000),
            gas_price: Some(word(10)),
            data,
            ..Default::default()
        },
    };
    execute(&input, &|| 0).outcome
}

#[test]
fn kzg_point_evaluation_verifies_proofs() {
    // c-kzg-4844 test vector verify_kzg_proof_case_correct_proof_4_4.
    let commitment = unhex("8f59a8d2a1a625a17f3fea0fe5eb8c896db3764f3185481bc22f91b4aaffcca25f26936857bc3a7c2539ea8ec3a952b7");
    let z = unhex("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000000");
    let y = unhex("1522a4a7f34e1ea350ae07c29c96c7e79655aa926122e95fe69fcbd932ca49e9");
    let proof = unhex("a62ad71d14c5719385c0686f1871430475bf3a00f0aa3f7b8dd99a9abc2160744faf0070725e00b60ad9a026a15b1a8c");
    let hash = kzg_to_versioned_hash(&commitment).to_vec();
    let input = [hash.clone(), z.clone(), y.clone(), commitment.clone(), proof.clone()].concat();
    assert_eq!(call_precompile("Cancun", 0x0a, input), Outcome::Success);

    // The same proof for another evaluation must fail.
    let mut wrong_y = y.clone();
    wrong_y[31] ^= 1;
    let input = [hash, z, wrong_y, commitment, proof].concat();
    assert!(matches!(call_precompile("Cancun", 0x0a, input), Outcome::Halt(_)));
}

#[test]
fn bls12_381_g1_add_checks_points() {
    // G1 generator, each coordinate left-padded to 64 bytes.
    let x = "17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb";
    let y = "08b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1";
    let pad = "0".repeat(32);
    let generator = unhex(&format!("{pad}{x}{pad}{y}"));
    let infinity = vec![0u8; 128];
    let input = [generator.clone(), infinity].concat();
    assert_eq!(call_precompile("Prague", 0x0b, input.clone()), Outcome::Success);
    // A point off the curve is rejected by the precompile.
    let mut off_curve = generator.clone();
    off_curve[127] ^= 1;
    let input = [generator, off_curve].concat();
    assert!(matches!(call_precompile("Prague", 0x0b, input.clone()), Outcome::Halt(_)));
    // Before Prague the address holds no precompile, so the same call just succeeds.
    assert_eq!(call_precompile("Cancun", 0x0b, input), Outcome::Success);
}
