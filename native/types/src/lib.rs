//! Guest input/output types shared by the zkprof host and the RISC Zero guest.
//!
//! Everything here is plain data with a deterministic bincode encoding: maps are `BTreeMap`s,
//! 256-bit quantities are `[u8; 32]` big-endian words, addresses are `[u8; 20]`.

use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A 20-byte Ethereum address.
pub type Address = [u8; 20];
/// A 256-bit big-endian quantity or a 32-byte hash.
pub type Word = [u8; 32];

/// One Ethereum state-test case: a fork, a block environment, a pre-state and one transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvmInput {
    /// ethereum/tests fork name, e.g. "Cancun".
    pub fork: String,
    pub env: BlockEnv,
    pub pre: BTreeMap<Address, Account>,
    pub tx: Transaction,
}

/// The block the transaction runs in (`env` of a state test).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockEnv {
    pub coinbase: Address,
    pub number: Word,
    pub timestamp: Word,
    pub gas_limit: u64,
    pub difficulty: Word,
    /// London and later; `None` is treated as zero.
    pub base_fee: Option<u64>,
    /// `currentRandom`; required from Paris on.
    pub prev_randao: Option<Word>,
    /// Required from Cancun on.
    pub excess_blob_gas: Option<u64>,
}

/// A pre-state account.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub nonce: u64,
    pub balance: Word,
    pub code: Vec<u8>,
    /// Slot -> value; zero values are allowed and mean "absent".
    pub storage: BTreeMap<Word, Word>,
}

/// A transaction with its sender already resolved.
///
/// Fee and size fields are full 256-bit words so that out-of-range values reach the EVM side,
/// which reports them as a rejected transaction rather than failing to decode.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    /// EIP-2718 type: 0 legacy, 1 access list, 2 dynamic fee, 3 blob, 4 set code.
    pub tx_type: u8,
    pub sender: Address,
    /// `None` creates a contract.
    pub to: Option<Address>,
    pub nonce: Word,
    pub gas_limit: Word,
    /// Types 0 and 1. A fee the type needs but that is `None` counts as zero.
    pub gas_price: Option<Word>,
    /// Types 2, 3 and 4.
    pub max_fee_per_gas: Option<Word>,
    pub max_priority_fee_per_gas: Option<Word>,
    pub value: Word,
    pub data: Vec<u8>,
    pub access_list: Vec<AccessListItem>,
    /// Type 3.
    pub max_fee_per_blob_gas: Option<Word>,
    pub blob_versioned_hashes: Vec<Word>,
    /// Type 4.
    pub authorization_list: Vec<Authorization>,
}

/// One EIP-2930 access-list entry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessListItem {
    pub address: Address,
    pub storage_keys: Vec<Word>,
}

/// One signed EIP-7702 authorization; the authority is recovered during execution.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authorization {
    pub chain_id: Word,
    pub address: Address,
    pub nonce: Word,
    /// y parity (`v` in the test format).
    pub y_parity: Word,
    pub r: Word,
    pub s: Word,
}

/// How the transaction ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Success,
    Revert,
    /// Exceptional halt (out of gas, invalid opcode, ...), with the EVM's reason.
    Halt(String),
    /// The transaction is invalid and was not included; the state is the pre-state.
    Rejected(String),
}

/// Cycle counts of the measured regions (units are whatever the caller's counter returns).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionCycles {
    pub decode: u64,
    pub transaction: u64,
    pub state_root: u64,
}

/// How often the guest called each of RISC Zero's accelerators: their work is proved outside the
/// main circuit's cycles (SHA-256 rounds in their own rows, keccak permutations in the keccak
/// coprocessor), so cycles alone would show acceleration as free. All zero in the plain guest.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceleratorCalls {
    /// Keccak-f[1600] permutations handed to the keccak coprocessor.
    pub keccak_permutations: u64,
    /// SHA-256 block compressions by the SHA-256 accelerator (the SHA-256 precompile).
    pub sha_compressions: u64,
    /// Calls of RISC Zero's bigint2 programs (a modular multiplication, inversion or addition, or
    /// a curve point's doubling or addition, each one call).
    pub bigint2_calls: u64,
}

/// Result of running one case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvmOutput {
    pub outcome: Outcome,
    pub gas_used: u64,
    pub state_root: Word,
    pub logs_hash: Word,
    pub region_cycles: RegionCycles,
    pub accelerator_calls: AcceleratorCalls,
}

/// What the EVM guests read: one state-test case, or one blockchain test's chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GuestInput {
    StateTest(Box<EvmInput>),
    Chain(ChainInput),
}

/// What the EVM guests commit, one variant per [`GuestInput`] variant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GuestOutput {
    StateTest(Box<EvmOutput>),
    Chain(ChainOutput),
}

/// A blockchain test as the guest receives it: the genesis header and every block, each with the
/// execution witness it is validated from (nothing else of the state is given).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainInput {
    /// ethereum/tests network name: a fork ("Cancun") or a transition ("CancunToPragueAtTime15k").
    pub network: String,
    pub chain_id: u64,
    /// RLP of the genesis header; its state root is the first block's pre-state root.
    pub genesis_header: Vec<u8>,
    pub blocks: Vec<BlockInput>,
}

/// One block (its RLP, as the fixture gives it, possibly malformed) and its witness.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockInput {
    pub rlp: Vec<u8>,
    pub witness: ExecutionWitness,
}

/// The pre-state a block touches, as `debug_executionWitness` gives it: trie nodes (account and
/// storage tries, RLP, any order), contract codes, and ancestor headers (RLP, the parent first,
/// then its parent, down to the oldest block BLOCKHASH reads). Everything is authenticated by
/// hash: nodes and codes against the parent's state root, headers against the block's parent hash.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutionWitness {
    pub nodes: Vec<Vec<u8>>,
    pub codes: Vec<Vec<u8>>,
    pub headers: Vec<Vec<u8>>,
}

/// Cycle counts of one block's regions.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockCycles {
    /// Hashing the witness's nodes, codes and headers into lookup tables.
    pub witness: u64,
    /// Decoding and checking the block, system calls, transactions, withdrawals, requests.
    pub execution: u64,
    /// Updating the partial tries and computing the new state root.
    pub state_root: u64,
}

/// How one block ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockOutput {
    /// From the header, when it decoded (else 0).
    pub number: u64,
    /// keccak256 of the header's RLP, when it decoded (else zero).
    pub hash: Word,
    /// `None`: valid and imported. Otherwise why it was rejected (the chain stays at its parent).
    pub rejected: Option<String>,
    pub gas_used: u64,
    pub transactions: u64,
    /// The state root the guest computed (zero for a rejected block).
    pub state_root: Word,
    pub cycles: BlockCycles,
}

/// Result of validating a chain.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainOutput {
    pub blocks: Vec<BlockOutput>,
    /// The last imported block (the genesis if none was).
    pub head_hash: Word,
    pub head_state_root: Word,
    /// Set when a witness could not serve its block (a node, code or header missing or not
    /// matching its hash): the run stops there, as no root computed from it could be trusted.
    pub witness_error: Option<String>,
    /// Decoding the input.
    pub decode_cycles: u64,
    pub accelerator_calls: AcceleratorCalls,
}

/// A bincode encoding or decoding failure.
#[derive(Debug)]
pub struct CodecError(String);

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bincode: {}", self.0)
    }
}

impl std::error::Error for CodecError {}

// One fixed set of options on both sides: fixed-width little-endian integers, and trailing
// bytes are an error so a truncated or concatenated buffer is never silently accepted.
fn options() -> impl bincode::Options {
    use bincode::Options;
    bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .with_little_endian()
        .reject_trailing_bytes()
}

/// Encodes a value (an [`EvmInput`] or [`EvmOutput`]) in zkprof's wire format.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, CodecError> {
    use bincode::Options;
    options().serialize(value).map_err(|e| CodecError(e.to_string()))
}

/// Decodes a value written by [`encode`]; malformed or trailing input is an error.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    use bincode::Options;
    options().deserialize(bytes).map_err(|e| CodecError(e.to_string()))
}

/// Keeps glibc from handing memory back to the kernel between zkVM runs. By default its mmap
/// threshold adapts and the heap top is trimmed past 128 KiB, so each execution of a small case
/// faults in tens of MB of fresh pages again (measured: 8,900 page faults and +60 % wall time per
/// EVM case). Blocks up to 32 MiB come from the heap, and up to 64 MiB of free heap is kept.
/// Peak RSS is unchanged; a process that runs cases one after another holds up to 64 MiB more.
#[cfg(all(feature = "host", target_os = "linux", target_env = "gnu"))]
pub fn keep_freed_memory() {
    // SAFETY: mallopt only sets allocator parameters; it is safe to call at any time.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 64 << 20);
    }
}

/// Elsewhere the allocator is left as it is.
#[cfg(all(feature = "host", not(all(target_os = "linux", target_env = "gnu"))))]
pub fn keep_freed_memory() {}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_input() -> EvmInput {
        let mut storage = BTreeMap::new();
        storage.insert([1u8; 32], [2u8; 32]);
        let mut pre = BTreeMap::new();
        pre.insert(
            [0xaa; 20],
            Account { nonce: 7, balance: [3u8; 32], code: vec![0x60, 0x00], storage },
        );
        EvmInput {
            fork: "Cancun".into(),
            env: BlockEnv {
                coinbase: [0xcc; 20],
                gas_limit: 30_000_000,
                base_fee: Some(7),
                prev_randao: Some([9u8; 32]),
                excess_blob_gas: Some(0),
                ..Default::default()
            },
            pre,
            tx: Transaction {
                tx_type: 4,
                sender: [0xaa; 20],
                to: None,
                data: vec![1, 2, 3],
                access_list: vec![AccessListItem {
                    address: [0xbb; 20],
                    storage_keys: vec![[4u8; 32]],
                }],
                blob_versioned_hashes: vec![[5u8; 32]],
                authorization_list: vec![Authorization::default()],
                ..Default::default()
            },
        }
    }

    #[test]
    fn input_roundtrip() {
        let input = sample_input();
        let bytes = encode(&input).unwrap();
        assert_eq!(decode::<EvmInput>(&bytes).unwrap(), input);
        // Deterministic: the same value always encodes to the same bytes.
        assert_eq!(encode(&input.clone()).unwrap(), bytes);
    }

    #[test]
    fn output_roundtrip() {
        for outcome in [
            Outcome::Success,
            Outcome::Revert,
            Outcome::Halt("OutOfGas(Basic)".into()),
            Outcome::Rejected("NONCE_IS_MAX".into()),
        ] {
            let out = EvmOutput {
                outcome,
                gas_used: 21_000,
                state_root: [1u8; 32],
                logs_hash: [2u8; 32],
                region_cycles: RegionCycles { decode: 1, transaction: 2, state_root: 3 },
                accelerator_calls: AcceleratorCalls {
                    keccak_permutations: 4,
                    sha_compressions: 5,
                    bigint2_calls: 6,
                },
            };
            let bytes = encode(&out).unwrap();
            assert_eq!(decode::<EvmOutput>(&bytes).unwrap(), out);
        }
    }

    #[test]
    fn malformed_input_is_an_error() {
        let bytes = encode(&sample_input()).unwrap();
        assert!(decode::<EvmInput>(&bytes[..bytes.len() - 1]).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode::<EvmInput>(&longer).is_err());
        assert!(decode::<EvmOutput>(&[0xff; 3]).is_err());
        // A huge length prefix must fail cleanly rather than allocate or panic.
        let mut huge = 6u64.to_le_bytes().to_vec();
        huge.extend_from_slice(b"Cancun");
        huge.extend_from_slice(&[0xff; 64]);
        assert!(decode::<EvmInput>(&huge).is_err());
    }
}
