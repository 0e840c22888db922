//! A partial Merkle-Patricia trie: nodes are loaded by hash from a [`NodeStore`] only when a
//! lookup or an update passes through them, so a block is validated from the few nodes it
//! touches (its execution witness) and a node the witness lacks is an error, never a guess.
//!
//! The same code serves the guest (a store built from the witness) and witness generation on
//! the host (a store holding the whole state, recording which nodes were loaded).

use crate::rlp::{self, RlpError};
use crate::trie::{hex_prefix, EMPTY_ROOT};
use revm::primitives::{keccak256, B256};
use std::collections::{BTreeSet, HashMap};
use std::fmt;

/// Why the trie could not answer: the store lacks a node, or a node is not a trie node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrieError {
    MissingNode(B256),
    BadNode(B256, RlpError),
}

impl fmt::Display for TrieError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrieError::MissingNode(h) => write!(f, "trie node {h} is not in the witness"),
            TrieError::BadNode(h, e) => write!(f, "trie node {h} is malformed: {e}"),
        }
    }
}

/// Trie nodes by the keccak256 of their RLP. Keys are computed here, so a node can only be
/// found under its own hash: an altered node is as absent as a dropped one.
#[derive(Default)]
pub struct NodeStore {
    nodes: HashMap<B256, Vec<u8>>,
    /// Hashes of the nodes loaded since recording began (witness generation).
    recorded: Option<BTreeSet<B256>>,
}

impl NodeStore {
    pub fn from_nodes<I: IntoIterator<Item = Vec<u8>>>(nodes: I) -> Self {
        let mut store = NodeStore::default();
        for node in nodes {
            store.insert(node);
        }
        store
    }

    pub fn insert(&mut self, node: Vec<u8>) -> B256 {
        let hash = keccak256(&node);
        self.nodes.insert(hash, node);
        hash
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Starts recording the nodes that are loaded (replacing what was recorded before).
    pub fn record(&mut self) {
        self.recorded = Some(BTreeSet::new());
    }

    /// The recorded nodes' RLP, in hash order, and stops recording.
    pub fn take_recorded(&mut self) -> Vec<Vec<u8>> {
        let hashes = self.recorded.take().unwrap_or_default();
        hashes.iter().map(|h| self.nodes[h].clone()).collect()
    }

    /// Every node held (the full-state approach hands a block all of them).
    pub fn all(&self) -> Vec<Vec<u8>> {
        let mut nodes: Vec<_> = self.nodes.iter().collect();
        nodes.sort_by_key(|(h, _)| **h);
        nodes.into_iter().map(|(_, n)| n.clone()).collect()
    }

    fn load(&mut self, hash: B256) -> Result<Node, TrieError> {
        let Some(bytes) = self.nodes.get(&hash) else { return Err(TrieError::MissingNode(hash)) };
        let node = decode_node(bytes).map_err(|e| TrieError::BadNode(hash, e))?;
        if let Some(recorded) = &mut self.recorded {
            recorded.insert(hash);
        }
        Ok(node)
    }
}

#[derive(Clone, Debug)]
enum Node {
    Empty,
    Leaf(Vec<u8>, Vec<u8>),
    Extension(Vec<u8>, Box<Node>),
    Branch(Box<[Node; 16]>, Option<Vec<u8>>),
    /// A child not loaded yet, known by hash.
    Hash(B256),
}

fn empty_children() -> Box<[Node; 16]> {
    Box::new(std::array::from_fn(|_| Node::Empty))
}

fn decode_node(bytes: &[u8]) -> Result<Node, RlpError> {
    decode_item(&rlp::decode_one(bytes)?)
}

fn decode_item(item: &rlp::Item<'_>) -> Result<Node, RlpError> {
    let items = item.list()?;
    match items.len() {
        2 => {
            let encoded = items[0].bytes()?;
            let Some(&first) = encoded.first() else {
                return Err(RlpError("empty hex-prefix path".into()));
            };
            let flag = first >> 4;
            if flag > 3 || (flag & 1 == 0 && first & 0x0f != 0) {
                return Err(RlpError("bad hex-prefix flag".into()));
            }
            let mut path = Vec::with_capacity(encoded.len() * 2);
            if flag & 1 == 1 {
                path.push(first & 0x0f);
            }
            for b in &encoded[1..] {
                path.extend([b >> 4, b & 0x0f]);
            }
            if flag >= 2 {
                Ok(Node::Leaf(path, items[1].bytes()?.to_vec()))
            } else {
                if path.is_empty() {
                    return Err(RlpError("extension with an empty path".into()));
                }
                Ok(Node::Extension(path, Box::new(decode_child(&items[1])?)))
            }
        }
        17 => {
            let mut children = empty_children();
            for (slot, item) in children.iter_mut().zip(&items[..16]) {
                *slot = decode_child(item)?;
            }
            let value = items[16].bytes()?;
            Ok(Node::Branch(children, (!value.is_empty()).then(|| value.to_vec())))
        }
        n => Err(RlpError(format!("a trie node has 2 or 17 items, not {n}"))),
    }
}

fn decode_child(item: &rlp::Item<'_>) -> Result<Node, RlpError> {
    if item.is_list {
        // Shorter than a hash: the child is embedded in its parent.
        return decode_item(item);
    }
    match item.payload.len() {
        0 => Ok(Node::Empty),
        32 => Ok(Node::Hash(B256::from_slice(item.payload))),
        n => Err(RlpError(format!("a child reference is 0 or 32 bytes, not {n}"))),
    }
}

fn shared_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

fn concat(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    out.extend_from_slice(a);
    out.extend_from_slice(b);
    out
}

fn nibbles(key: &[u8]) -> Vec<u8> {
    key.iter().flat_map(|b| [b >> 4, b & 0x0f]).collect()
}

/// One trie (the account trie, or an account's storage trie) over a shared store.
pub struct Trie {
    root: Node,
}

impl Trie {
    pub fn new(root: B256) -> Self {
        Trie { root: if root.0 == EMPTY_ROOT { Node::Empty } else { Node::Hash(root) } }
    }

    pub fn empty() -> Self {
        Trie { root: Node::Empty }
    }

    /// The value stored under `key` (raw key bytes; secure tries hash them first).
    pub fn get(&mut self, store: &mut NodeStore, key: &[u8]) -> Result<Option<Vec<u8>>, TrieError> {
        let path = nibbles(key);
        let mut node = &mut self.root;
        let mut rest = &path[..];
        loop {
            if let Node::Hash(hash) = node {
                *node = store.load(*hash)?;
            }
            match node {
                Node::Empty => return Ok(None),
                Node::Leaf(p, v) => return Ok((p[..] == *rest).then(|| v.clone())),
                Node::Extension(p, child) => {
                    if !rest.starts_with(p) {
                        return Ok(None);
                    }
                    rest = &rest[p.len()..];
                    node = child;
                }
                Node::Branch(children, value) => {
                    let Some((&i, tail)) = rest.split_first() else { return Ok(value.clone()) };
                    rest = tail;
                    node = &mut children[i as usize];
                }
                Node::Hash(_) => unreachable!("loaded above"),
            }
        }
    }

    /// Sets `key` to `value`; an empty value removes the key.
    pub fn set(
        &mut self,
        store: &mut NodeStore,
        key: &[u8],
        value: Vec<u8>,
    ) -> Result<(), TrieError> {
        let root = std::mem::replace(&mut self.root, Node::Empty);
        let path = nibbles(key);
        self.root = if value.is_empty() {
            remove(store, root, &path)?
        } else {
            insert(store, root, &path, value)?
        };
        Ok(())
    }

    /// The root hash. With `keep`, every node of 32 bytes or more is added to it, so that the
    /// new state can be read again by hash (witness generation keeps the whole state).
    pub fn root(&self, keep: Option<&mut NodeStore>) -> B256 {
        let mut keep = keep;
        match &self.root {
            Node::Empty => B256::from(EMPTY_ROOT),
            Node::Hash(h) => *h,
            node => {
                let encoded = encode(node, &mut keep);
                let hash = keccak256(&encoded);
                if let Some(store) = keep {
                    store.nodes.insert(hash, encoded);
                }
                hash
            }
        }
    }
}

fn resolve(store: &mut NodeStore, node: Node) -> Result<Node, TrieError> {
    match node {
        Node::Hash(hash) => store.load(hash),
        other => Ok(other),
    }
}

fn insert(
    store: &mut NodeStore,
    node: Node,
    path: &[u8],
    value: Vec<u8>,
) -> Result<Node, TrieError> {
    Ok(match resolve(store, node)? {
        Node::Empty => Node::Leaf(path.to_vec(), value),
        Node::Leaf(p, v) => {
            if p == path {
                return Ok(Node::Leaf(p, value));
            }
            let n = shared_prefix(&p, path);
            let mut branch = Node::Branch(empty_children(), None);
            branch = insert(store, branch, &p[n..], v)?;
            branch = insert(store, branch, &path[n..], value)?;
            wrap(&path[..n], branch)
        }
        Node::Extension(p, child) => {
            let n = shared_prefix(&p, path);
            if n == p.len() {
                let child = insert(store, *child, &path[n..], value)?;
                return Ok(Node::Extension(p, Box::new(child)));
            }
            // The path leaves the extension at nibble n: a branch there holds both.
            let mut children = empty_children();
            children[p[n] as usize] = wrap(&p[n + 1..], *child);
            let branch = insert(store, Node::Branch(children, None), &path[n..], value)?;
            wrap(&path[..n], branch)
        }
        Node::Branch(mut children, v) => match path.split_first() {
            None => Node::Branch(children, Some(value)),
            Some((&i, tail)) => {
                let child = std::mem::replace(&mut children[i as usize], Node::Empty);
                children[i as usize] = insert(store, child, tail, value)?;
                Node::Branch(children, v)
            }
        },
        Node::Hash(_) => unreachable!("resolved above"),
    })
}

/// `node` below an extension of `path` (none if the path is empty).
fn wrap(path: &[u8], node: Node) -> Node {
    if path.is_empty() {
        node
    } else {
        Node::Extension(path.to_vec(), Box::new(node))
    }
}

fn remove(store: &mut NodeStore, node: Node, path: &[u8]) -> Result<Node, TrieError> {
    Ok(match resolve(store, node)? {
        Node::Empty => Node::Empty,
        Node::Leaf(p, v) => {
            if p == path {
                Node::Empty
            } else {
                Node::Leaf(p, v)
            }
        }
        Node::Extension(p, child) => {
            if !path.starts_with(&p) {
                return Ok(Node::Extension(p, child));
            }
            let child = remove(store, *child, &path[p.len()..])?;
            prefixed(store, &p, child)?
        }
        Node::Branch(mut children, mut value) => {
            match path.split_first() {
                None => value = None,
                Some((&i, tail)) => {
                    let child = std::mem::replace(&mut children[i as usize], Node::Empty);
                    children[i as usize] = remove(store, child, tail)?;
                }
            }
            let mut live = children.iter().enumerate().filter(|(_, c)| !matches!(c, Node::Empty));
            match (live.next(), live.next(), &value) {
                (None, _, None) => Node::Empty,
                (None, _, Some(_)) => Node::Leaf(Vec::new(), value.unwrap()),
                // One child left and no value: the branch collapses into it, which needs the
                // child itself (the node a deletion collapses is part of the witness).
                (Some((i, _)), None, None) => {
                    let child = std::mem::replace(&mut children[i], Node::Empty);
                    prefixed(store, &[i as u8], child)?
                }
                _ => Node::Branch(children, value),
            }
        }
        Node::Hash(_) => unreachable!("resolved above"),
    })
}

/// `child` reached through `path`, merged into one node as the trie's canonical form requires.
fn prefixed(store: &mut NodeStore, path: &[u8], child: Node) -> Result<Node, TrieError> {
    Ok(match resolve(store, child)? {
        Node::Empty => Node::Empty,
        Node::Leaf(p, v) => Node::Leaf(concat(path, &p), v),
        Node::Extension(p, c) => Node::Extension(concat(path, &p), c),
        branch => Node::Extension(path.to_vec(), Box::new(branch)),
    })
}

fn encode(node: &Node, keep: &mut Option<&mut NodeStore>) -> Vec<u8> {
    let mut payload = Vec::new();
    match node {
        Node::Leaf(p, v) => {
            rlp::encode_bytes(&hex_prefix(p, true), &mut payload);
            rlp::encode_bytes(v, &mut payload);
        }
        Node::Extension(p, child) => {
            rlp::encode_bytes(&hex_prefix(p, false), &mut payload);
            push_ref(child, keep, &mut payload);
        }
        Node::Branch(children, value) => {
            for child in children.iter() {
                push_ref(child, keep, &mut payload);
            }
            rlp::encode_bytes(value.as_deref().unwrap_or(&[]), &mut payload);
        }
        Node::Empty | Node::Hash(_) => unreachable!("encoded by their parent"),
    }
    let mut out = Vec::with_capacity(payload.len() + 3);
    rlp::encode_list(&payload, &mut out);
    out
}

fn push_ref(child: &Node, keep: &mut Option<&mut NodeStore>, out: &mut Vec<u8>) {
    match child {
        Node::Empty => out.push(0x80),
        Node::Hash(h) => rlp::encode_bytes(h.as_slice(), out),
        node => {
            let encoded = encode(node, keep);
            if encoded.len() < 32 {
                out.extend_from_slice(&encoded);
            } else {
                let hash = keccak256(&encoded);
                rlp::encode_bytes(hash.as_slice(), out);
                if let Some(store) = keep {
                    store.nodes.insert(hash, encoded);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trie::trie_root;
    use std::collections::BTreeMap;

    /// A full store for `entries`: every node of the trie they form.
    fn full(entries: &BTreeMap<Vec<u8>, Vec<u8>>) -> (NodeStore, B256) {
        let mut store = NodeStore::default();
        let mut trie = Trie::empty();
        for (k, v) in entries {
            trie.set(&mut store, k, v.clone()).unwrap();
        }
        let root = trie.root(Some(&mut store));
        (store, root)
    }

    fn keys(n: u32) -> BTreeMap<Vec<u8>, Vec<u8>> {
        (0..n)
            .map(|i| {
                (
                    keccak256(i.to_be_bytes()).to_vec(),
                    vec![0x80 + (i % 50) as u8; 3 + (i as usize % 40)],
                )
            })
            .collect()
    }

    #[test]
    fn roots_match_the_one_pass_builder_through_inserts_and_removals() {
        let mut entries = keys(300);
        // Short keys too, so that embedded (< 32 byte) nodes and extensions occur.
        for k in [&b"do"[..], b"dog", b"doge", b"horse"] {
            entries.insert(k.to_vec(), k.to_vec());
        }
        let (mut store, root) = full(&entries);
        assert_eq!(root.0, trie_root(entries.iter()));
        let mut trie = Trie::new(root);
        let removed: Vec<_> = entries.keys().step_by(3).cloned().collect();
        for k in &removed {
            trie.set(&mut store, k, Vec::new()).unwrap();
            entries.remove(k);
        }
        assert_eq!(trie.root(None).0, trie_root(entries.iter()));
        for (k, v) in &entries {
            assert_eq!(trie.get(&mut store, k).unwrap().as_ref(), Some(v));
        }
        assert_eq!(trie.get(&mut store, b"cat").unwrap(), None);
    }

    #[test]
    fn a_recorded_witness_suffices_and_a_missing_node_is_an_error() {
        let entries = keys(200);
        let (mut store, root) = full(&entries);
        let touched: Vec<_> = entries.keys().take(5).cloned().collect();
        let update = |store: &mut NodeStore| -> Result<B256, TrieError> {
            let mut trie = Trie::new(root);
            trie.get(store, &touched[0])?;
            trie.set(store, &touched[1], b"new".to_vec())?;
            for k in &touched[2..] {
                trie.set(store, k, Vec::new())?;
            }
            Ok(trie.root(None))
        };
        store.record();
        let expected = update(&mut store).unwrap();
        let witness = store.take_recorded();
        assert!(witness.len() < store.len() / 4, "a witness is a small part of the state");
        let mut partial = NodeStore::from_nodes(witness.clone());
        assert_eq!(update(&mut partial).unwrap(), expected);
        for drop in 0..witness.len() {
            let mut nodes = witness.clone();
            let gone = keccak256(nodes.remove(drop));
            let mut partial = NodeStore::from_nodes(nodes);
            assert_eq!(update(&mut partial), Err(TrieError::MissingNode(gone)));
        }
    }
}
