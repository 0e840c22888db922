//! Merkle-Patricia trie roots (Yellow Paper, appendix D), built in one pass over sorted keys.
//!
//! Only roots are needed, so no trie is stored: each node is encoded bottom-up from the slice
//! of entries beneath it.

use crate::rlp;
use revm::primitives::keccak256;
use std::collections::BTreeMap;
use zkprof_types::Word;

/// Root of the empty trie, keccak256(RLP("")).
pub const EMPTY_ROOT: Word = [
    0x56, 0xe8, 0x1f, 0x17, 0x1b, 0xcc, 0x55, 0xa6, 0xff, 0x83, 0x45, 0xe6, 0x92, 0xc0, 0xf8, 0x6e,
    0x5b, 0x48, 0xe0, 0x1b, 0x99, 0x6c, 0xad, 0xc0, 0x01, 0x62, 0x2f, 0xb5, 0xe3, 0x63, 0xb4, 0x21,
];

/// Root of the trie mapping each key to its value. Later duplicates win; empty values are
/// absent, as inserting an empty value deletes the key.
pub fn trie_root<K, V, I>(entries: I) -> Word
where
    K: AsRef<[u8]>,
    V: AsRef<[u8]>,
    I: IntoIterator<Item = (K, V)>,
{
    let map: BTreeMap<Vec<u8>, V> = entries
        .into_iter()
        .filter(|(_, v)| !v.as_ref().is_empty())
        .map(|(k, v)| (k.as_ref().to_vec(), v))
        .collect();
    // Byte-wise key order is also nibble-wise order, which the builder relies on.
    let items: Vec<(Vec<u8>, &[u8])> = map.iter().map(|(k, v)| (nibbles(k), v.as_ref())).collect();
    if items.is_empty() {
        return EMPTY_ROOT;
    }
    let mut root = Vec::new();
    encode_node(&items, 0, &mut root);
    keccak256(&root).0
}

/// Root of a "secure" trie, whose keys are hashed with keccak256 before insertion.
pub fn secure_trie_root<K, V, I>(entries: I) -> Word
where
    K: AsRef<[u8]>,
    V: AsRef<[u8]>,
    I: IntoIterator<Item = (K, V)>,
{
    trie_root(entries.into_iter().map(|(k, v)| (keccak256(k.as_ref()).0, v)))
}

fn nibbles(key: &[u8]) -> Vec<u8> {
    key.iter().flat_map(|b| [b >> 4, b & 0x0f]).collect()
}

/// Hex-prefix encoding of a nibble path, flagging leaves.
pub(crate) fn hex_prefix(path: &[u8], leaf: bool) -> Vec<u8> {
    let flag = if leaf { 0x20 } else { 0x00 };
    let mut out = Vec::with_capacity(path.len() / 2 + 1);
    let rest = if path.len() % 2 == 1 {
        out.push(flag | 0x10 | path[0]);
        &path[1..]
    } else {
        out.push(flag);
        path
    };
    out.extend(rest.chunks(2).map(|p| (p[0] << 4) | p[1]));
    out
}

/// Appends how a parent refers to a child: inline when its encoding is shorter than a hash.
fn push_child_ref(child: &[u8], out: &mut Vec<u8>) {
    if child.len() < 32 {
        out.extend_from_slice(child);
    } else {
        rlp::encode_bytes(&keccak256(child).0, out);
    }
}

/// Appends the RLP encoding of the node holding `items` (sorted, distinct, non-empty), whose
/// keys all agree on their first `depth` nibbles.
fn encode_node(items: &[(Vec<u8>, &[u8])], depth: usize, out: &mut Vec<u8>) {
    let mut payload = Vec::new();
    if let [(key, value)] = items {
        rlp::encode_bytes(&hex_prefix(&key[depth..], true), &mut payload);
        rlp::encode_bytes(value, &mut payload);
        rlp::encode_list(&payload, out);
        return;
    }
    // Sorted keys share with all others exactly what the first and last share.
    let first = &items[0].0[depth..];
    let last = &items[items.len() - 1].0[depth..];
    let shared = first.iter().zip(last).take_while(|(a, b)| a == b).count();
    if shared > 0 {
        let mut child = Vec::new();
        encode_node(items, depth + shared, &mut child);
        rlp::encode_bytes(&hex_prefix(&first[..shared], false), &mut payload);
        push_child_ref(&child, &mut payload);
        rlp::encode_list(&payload, out);
        return;
    }
    // Branch: a key ending here sorts first and becomes the branch's value.
    let (value, mut rest) =
        if items[0].0.len() == depth { (items[0].1, &items[1..]) } else { (&[][..], items) };
    for nibble in 0..16u8 {
        let n = rest.iter().take_while(|(k, _)| k[depth] == nibble).count();
        if n == 0 {
            payload.push(0x80);
        } else {
            let mut child = Vec::new();
            encode_node(&rest[..n], depth + 1, &mut child);
            push_child_ref(&child, &mut payload);
            rest = &rest[n..];
        }
    }
    rlp::encode_bytes(value, &mut payload);
    rlp::encode_list(&payload, out);
}
