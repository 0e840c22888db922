//! Post-merge forks, the networks of blockchain tests (a fork, or a transition between two at a
//! timestamp), and the parameters the block rules take from the fork.

use revm::primitives::hardfork::SpecId;

/// The forks blocks are validated under, in order of activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fork {
    Paris,
    Shanghai,
    Cancun,
    Prague,
    Osaka,
}

const NAMES: &[(&str, Fork)] = &[
    ("Paris", Fork::Paris),
    ("Merge", Fork::Paris),
    ("Shanghai", Fork::Shanghai),
    ("Cancun", Fork::Cancun),
    ("Prague", Fork::Prague),
    ("Osaka", Fork::Osaka),
];

/// Blob gas parameters (EIP-4844, EIP-7691).
pub struct BlobParams {
    pub target_blobs: u64,
    pub max_blobs: u64,
    pub update_fraction: u64,
}

impl BlobParams {
    pub fn target_gas(&self) -> u64 {
        self.target_blobs * super::header::GAS_PER_BLOB
    }

    pub fn max_gas(&self) -> u64 {
        self.max_blobs * super::header::GAS_PER_BLOB
    }
}

impl Fork {
    pub fn spec(self) -> SpecId {
        match self {
            Fork::Paris => SpecId::MERGE,
            Fork::Shanghai => SpecId::SHANGHAI,
            Fork::Cancun => SpecId::CANCUN,
            Fork::Prague => SpecId::PRAGUE,
            Fork::Osaka => SpecId::OSAKA,
        }
    }

    pub fn blob_params(self) -> BlobParams {
        if self >= Fork::Prague {
            BlobParams { target_blobs: 6, max_blobs: 9, update_fraction: 5_007_716 }
        } else {
            BlobParams { target_blobs: 3, max_blobs: 6, update_fraction: 3_338_477 }
        }
    }
}

/// Which fork a block runs under: one fork, or a switch from one to the next at a timestamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub first: Fork,
    /// The later fork and the timestamp from which it applies.
    pub then: Option<(Fork, u64)>,
}

impl Schedule {
    /// Parses "Cancun" or "ShanghaiToCancunAtTime15k". `None`: not a post-merge network.
    pub fn parse(network: &str) -> Option<Schedule> {
        let fork = |name: &str| NAMES.iter().find(|(n, _)| *n == name).map(|(_, f)| *f);
        if let Some(first) = fork(network) {
            return Some(Schedule { first, then: None });
        }
        let (from, rest) = network.split_once("To")?;
        let (to, at) = rest.split_once("AtTime")?;
        let time = match at.strip_suffix('k') {
            Some(thousands) => thousands.parse::<u64>().ok()?.checked_mul(1000)?,
            None => at.parse().ok()?,
        };
        let (first, later) = (fork(from)?, fork(to)?);
        (later > first).then_some(Schedule { first, then: Some((later, time)) })
    }

    pub fn at(self, timestamp: u64) -> Fork {
        match self.then {
            Some((later, time)) if timestamp >= time => later,
            _ => self.first,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks() {
        let s = Schedule::parse("ShanghaiToCancunAtTime15k").unwrap();
        assert_eq!((s.at(14_999), s.at(15_000)), (Fork::Shanghai, Fork::Cancun));
        assert_eq!(Schedule::parse("Merge").unwrap().at(0), Fork::Paris);
        assert_eq!(Schedule::parse("Prague").unwrap().at(u64::MAX), Fork::Prague);
        for bad in ["London", "BerlinToLondonAt5", "CancunToShanghaiAtTime15k", "CancunToPrague"] {
            assert_eq!(Schedule::parse(bad), None, "{bad}");
        }
    }
}
