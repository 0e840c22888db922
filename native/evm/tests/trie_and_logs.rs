//! Trie roots and logs hashes against published vectors.

use zkprof_evm::revm::primitives::{keccak256, Address, Bytes, Log, B256};
use zkprof_evm::trie::{secure_trie_root, trie_root, EMPTY_ROOT};
use zkprof_evm::types::Account;
use zkprof_evm::{logs_hash, pre_state_root, EMPTY_LOGS_HASH};

fn h(s: &str) -> [u8; 32] {
    let s = s.trim_start_matches("0x");
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
    }
    out
}

fn root(pairs: &[(&str, &str)]) -> [u8; 32] {
    trie_root(pairs.iter().map(|(k, v)| (k.as_bytes(), v.as_bytes())))
}

#[test]
fn empty_trie() {
    assert_eq!(EMPTY_ROOT, h("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421"));
    assert_eq!(root(&[]), EMPTY_ROOT);
    assert_eq!(EMPTY_ROOT, keccak256([0x80u8]).0);
    // Empty values are deletions.
    assert_eq!(root(&[("dog", "")]), EMPTY_ROOT);
}

#[test]
fn known_plain_trie_roots() {
    // Vectors from ethereum/tests TrieTests and the clients' trie test suites.
    assert_eq!(
        root(&[("doe", "reindeer"), ("dog", "puppy"), ("dogglesworth", "cat")]),
        h("8aad789dff2f538bca5d8ea56e8abe10f4c7ba3a5dea95fea4cd6e7c3a1168d3")
    );
    // A single leaf longer than 32 bytes.
    assert_eq!(
        root(&[("A", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]),
        h("d23786fb4a010da3ce639d66d5e904a11dbc02746d1ce25029e53290cabf28ab")
    );
    // Keys that are prefixes of others put values in branch nodes; order must not matter.
    assert_eq!(
        root(&[("do", "verb"), ("horse", "stallion"), ("doge", "coin"), ("dog", "puppy")]),
        h("5991bb8c6514148a29db676a14ac506cd2cd5775ace63c30a4fe457715e9ac84")
    );
    assert_eq!(
        root(&[("dog", "puppy"), ("doge", "coin"), ("horse", "stallion"), ("do", "verb")]),
        h("5991bb8c6514148a29db676a14ac506cd2cd5775ace63c30a4fe457715e9ac84")
    );
    assert_eq!(
        root(&[("foo", "bar"), ("food", "bass")]),
        h("17beaa1648bafa633cda809c90c04af50fc8aed3cb40d16efbddee6fdf63c4c3")
    );
    // Embedded (shorter than 32 bytes) child nodes.
    assert_eq!(
        root(&[("be", "e"), ("dog", "puppy"), ("bed", "d")]),
        h("3f67c7a47520f79faa29255d2d3c084a7a6df0453116ed7232ff10277a8be68b")
    );
}

#[test]
fn known_secure_trie_root() {
    let pairs = [("doe", "reindeer"), ("dog", "puppy"), ("dogglesworth", "cat")];
    assert_eq!(
        secure_trie_root(pairs.iter().map(|(k, v)| (k.as_bytes(), v.as_bytes()))),
        h("d4cd937e4a4368d7931a9cf51686b7e10abb3dce38a39000fd7902a092b64585")
    );
}

#[test]
fn state_root_of_single_accounts() {
    use std::collections::BTreeMap;
    // An empty state is the empty trie.
    assert_eq!(pre_state_root(&BTreeMap::new()), EMPTY_ROOT);

    // One empty account: RLP([0, 0, EMPTY_ROOT, keccak("")]) under keccak(address).
    let address = [0x11u8; 20];
    let mut pre = BTreeMap::new();
    pre.insert(address, Account::default());
    let mut leaf = vec![0xf8, 0x44, 0x80, 0x80, 0xa0];
    leaf.extend_from_slice(&EMPTY_ROOT);
    leaf.push(0xa0);
    leaf.extend_from_slice(keccak256([]).as_slice());
    let expected = secure_trie_root([(address, leaf)]);
    assert_eq!(pre_state_root(&pre), expected);

    // Zero-valued storage is absent; non-zero storage changes the root.
    let mut zero_slot = Account::default();
    zero_slot.storage.insert([0u8; 32], [0u8; 32]);
    pre.insert(address, zero_slot.clone());
    assert_eq!(pre_state_root(&pre), expected);
    zero_slot.storage.insert([0u8; 32], h(&format!("{:064x}", 1)));
    pre.insert(address, zero_slot);
    assert_ne!(pre_state_root(&pre), expected);
}

#[test]
fn logs_hashes() {
    assert_eq!(
        EMPTY_LOGS_HASH,
        h("1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347")
    );
    assert_eq!(logs_hash(&[]), EMPTY_LOGS_HASH);

    let log = Log::new_unchecked(
        Address::repeat_byte(0x11),
        vec![B256::repeat_byte(0x22)],
        Bytes::from_static(&[0xff]),
    );
    // RLP([[address, [topic], data]]) written out by hand.
    let mut rlp = vec![0xf8, 0x3b, 0xf8, 0x39, 0x94];
    rlp.extend_from_slice(&[0x11; 20]);
    rlp.extend_from_slice(&[0xe1, 0xa0]);
    rlp.extend_from_slice(&[0x22; 32]);
    rlp.extend_from_slice(&[0x81, 0xff]);
    assert_eq!(logs_hash(std::slice::from_ref(&log)), keccak256(&rlp).0);

    // A log without topics or data: [address, [], ""].
    let bare = Log::new_unchecked(Address::ZERO, vec![], Bytes::new());
    let mut rlp = vec![0xd8, 0xd7, 0x94];
    rlp.extend_from_slice(&[0; 20]);
    rlp.extend_from_slice(&[0xc0, 0x80]);
    assert_eq!(logs_hash(&[bare]), keccak256(&rlp).0);
}
