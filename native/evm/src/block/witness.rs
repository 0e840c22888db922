//! Witness generation (host only): runs a blockchain test's chain over the whole state, as a
//! full node would, and keeps per block what it read (trie nodes, codes, the ancestors'
//! headers): its execution witness. The run is also the full-state reference the witness-based
//! guest must agree with.

use super::fork::Schedule;
use super::{header, import, record, BlockContext, Header, Stores};
use crate::host::{array, bytes, get, object, parse_pre};
use crate::mpt::NodeStore;
use crate::rlp;
use crate::stateless::{write_full_state, CodeStore};
use revm::primitives::B256;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;
use zkprof_types::{BlockCycles, BlockInput, ChainInput, ChainOutput, ExecutionWitness};

/// What witness generation gives: the guest's input, the full-state run's result (region
/// "cycles" in nanoseconds), and each block's witness size.
pub struct GeneratedChain {
    pub input: ChainInput,
    pub full_state: ChainOutput,
    pub witness_sizes: Vec<WitnessSize>,
    /// Wall time of generating (running the chain over the whole state and collecting).
    pub generation_ms: f64,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct WitnessSize {
    pub nodes: u64,
    pub codes: u64,
    pub headers: u64,
    /// Bytes of all nodes, codes and headers.
    pub bytes: u64,
}

impl WitnessSize {
    fn of(w: &ExecutionWitness) -> Self {
        let sum = |v: &Vec<Vec<u8>>| v.iter().map(|x| x.len() as u64).sum::<u64>();
        WitnessSize {
            nodes: w.nodes.len() as u64,
            codes: w.codes.len() as u64,
            headers: w.headers.len() as u64,
            bytes: sum(&w.nodes) + sum(&w.codes) + sum(&w.headers),
        }
    }
}

/// The header of a block's RLP, if it decodes that far.
fn block_header(rlp_bytes: &[u8]) -> Option<(Header, Vec<u8>)> {
    let item = rlp::decode_one(rlp_bytes).ok()?;
    let first = *item.list().ok()?.first()?;
    Some((header::decode(&first).ok()?, first.raw.to_vec()))
}

/// Normalized blockchain-test JSON (`network`, `chain_id`, `genesis_rlp`, `pre`, `blocks`: the
/// blocks' RLP) -> the chain with each block's witness. `full_witness`: hand every block the whole
/// state instead (the full-state approach, for comparison). Errors name the field.
pub fn generate(json: &str, full_witness: bool) -> Result<GeneratedChain, String> {
    let started = Instant::now();
    let root: Value =
        serde_json::from_str(json).map_err(|e| format!("chain: invalid JSON: {e}"))?;
    let root = object(&root, "chain")?;
    let network = match get(root, "chain", "network")? {
        Value::String(s) => s.clone(),
        _ => return Err("network: not a string".into()),
    };
    let schedule = Schedule::parse(&network)
        .ok_or_else(|| format!("network: {network:?} is not a supported post-merge network"))?;
    let chain_id = match root.get("chain_id") {
        None | Some(Value::Null) => 1,
        Some(v) => v.as_u64().ok_or("chain_id: not an unsigned integer")?,
    };
    // genesisRLP is the whole genesis block; the chain starts from its header.
    let genesis_block = bytes(get(root, "chain", "genesis_rlp")?, "genesis_rlp")?;
    let (genesis, genesis_rlp) = block_header(&genesis_block)
        .ok_or("genesis_rlp: not the RLP of a block with a header this fork has")?;
    let pre = parse_pre(get(root, "chain", "pre")?, "pre")?;
    let blocks = array(get(root, "chain", "blocks")?, "blocks")?
        .iter()
        .enumerate()
        .map(|(i, b)| bytes(b, &format!("blocks[{i}].rlp")))
        .collect::<Result<Vec<_>, _>>()?;

    let mut nodes = NodeStore::default();
    let mut codes = CodeStore::default();
    let pre_root =
        write_full_state(&pre, &mut nodes, &mut codes).map_err(|e| format!("pre: {e}"))?;
    if pre_root != genesis.state_root {
        return Err(format!(
            "pre: its state root {pre_root} is not genesisBlockHeader.stateRoot {}",
            genesis.state_root
        ));
    }

    let clock = || started.elapsed().as_nanos() as u64;
    let mut header_rlp: HashMap<B256, Vec<u8>> =
        HashMap::from([(genesis.hash, genesis_rlp.clone())]);
    let mut known = HashMap::from([(genesis.hash, genesis.clone())]);
    let mut head = genesis.clone();
    let mut full_state = ChainOutput::default();
    let mut input =
        ChainInput { network, chain_id, genesis_header: genesis_rlp, blocks: Vec::new() };
    let mut witness_sizes = Vec::new();
    for rlp_bytes in blocks {
        // BLOCKHASH reaches 256 blocks back from the parent.
        let decoded = block_header(&rlp_bytes);
        let parent = decoded.as_ref().and_then(|(h, _)| known.get(&h.parent_hash).cloned());
        let mut ancestors = Vec::new();
        let mut cursor = parent.clone();
        while let Some(h) = cursor {
            if ancestors.len() == 256 {
                break;
            }
            cursor = known.get(&h.parent_hash).cloned();
            ancestors.push(h);
        }
        let block_hashes: BTreeMap<u64, B256> =
            ancestors.iter().map(|h| (h.number, h.hash)).collect();
        nodes.record();
        codes.record();
        let start = clock();
        let mut root_ns = 0;
        let ctx = BlockContext { schedule, chain_id, block_hashes: &block_hashes };
        let mut stores = Stores {
            nodes: &mut nodes,
            codes: &mut codes,
            keep: true,
            hashes_read: Default::default(),
        };
        let (number, hash, verdict) =
            import(&rlp_bytes, &known, None, &ctx, &mut stores, &clock, &mut root_ns)
                .map_err(|e| format!("the full state could not serve a block: {e}"))?;
        let oldest = stores.hashes_read.iter().next().copied();
        let region =
            BlockCycles { witness: 0, execution: clock() - start - root_ns, state_root: root_ns };
        let mut witness = ExecutionWitness {
            nodes: nodes.take_recorded(),
            codes: codes.take_recorded(),
            headers: Vec::new(),
        };
        // The parent, then older ancestors down to the oldest one BLOCKHASH read.
        for (i, h) in ancestors.iter().enumerate() {
            if i > 0 && oldest.is_none_or(|n| h.number < n) {
                break;
            }
            witness.headers.push(header_rlp[&h.hash].clone());
        }
        if full_witness {
            witness.nodes = nodes.all();
            witness.codes = codes.all();
        }
        if let Some((h, raw)) = decoded.filter(|_| verdict.is_ok()) {
            header_rlp.insert(h.hash, raw);
        }
        full_state.blocks.push(record(number, hash, verdict, region, &mut known, &mut head));
        witness_sizes.push(WitnessSize::of(&witness));
        input.blocks.push(BlockInput { rlp: rlp_bytes, witness });
    }
    full_state.head_hash = head.hash.0;
    full_state.head_state_root = head.state_root.0;
    Ok(GeneratedChain {
        input,
        full_state,
        witness_sizes,
        generation_ms: started.elapsed().as_secs_f64() * 1e3,
    })
}
