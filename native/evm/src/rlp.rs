//! The few RLP encodings the state trie and logs hash need (Yellow Paper, appendix B).

/// Appends the RLP header for a string or list whose payload is `len` bytes long.
fn header(len: usize, short_base: u8, out: &mut Vec<u8>) {
    if len < 56 {
        out.push(short_base + len as u8);
    } else {
        let be = (len as u64).to_be_bytes();
        let skip = be.iter().take_while(|&&b| b == 0).count();
        // Long form: base + 55 + length-of-length, then the big-endian length.
        out.push(short_base + 55 + (8 - skip) as u8);
        out.extend_from_slice(&be[skip..]);
    }
}

/// Appends `bytes` as an RLP string.
pub(crate) fn encode_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    if bytes.len() == 1 && bytes[0] < 0x80 {
        out.push(bytes[0]);
    } else {
        header(bytes.len(), 0x80, out);
        out.extend_from_slice(bytes);
    }
}

/// Appends a big-endian unsigned integer as a canonical RLP scalar (no leading zeros).
pub(crate) fn encode_uint(be: &[u8], out: &mut Vec<u8>) {
    let skip = be.iter().take_while(|&&b| b == 0).count();
    encode_bytes(&be[skip..], out);
}

/// Appends a list whose items are already RLP-encoded and concatenated in `payload`.
pub(crate) fn encode_list(payload: &[u8], out: &mut Vec<u8>) {
    header(payload.len(), 0xc0, out);
    out.extend_from_slice(payload);
}

/// Why bytes are not the RLP that was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RlpError(pub String);

impl std::fmt::Display for RlpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RLP: {}", self.0)
    }
}

fn fail<T>(what: impl Into<String>) -> Result<T, RlpError> {
    Err(RlpError(what.into()))
}

/// One decoded item: a string's bytes or a list's payload, and the item's whole encoding.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Item<'a> {
    pub is_list: bool,
    pub payload: &'a [u8],
    pub raw: &'a [u8],
}

/// Splits the first item off `bytes`. Only canonical encodings are accepted (shortest length
/// form, single bytes below 0x80 not wrapped), as consensus requires.
pub(crate) fn split(bytes: &[u8]) -> Result<(Item<'_>, &[u8]), RlpError> {
    let Some(&first) = bytes.first() else { return fail("unexpected end of input") };
    let (is_list, offset, len) = match first {
        0x00..=0x7f => (false, 0, 1),
        0x80..=0xb7 => (false, 1, (first - 0x80) as usize),
        0xc0..=0xf7 => (true, 1, (first - 0xc0) as usize),
        _ => {
            let (is_list, base) = if first < 0xc0 { (false, 0xb7) } else { (true, 0xf7) };
            let size = (first - base) as usize;
            let Some(len_bytes) = bytes.get(1..1 + size) else {
                return fail("length runs past the end of input");
            };
            if len_bytes[0] == 0 || size > 8 {
                return fail("non-canonical length");
            }
            let len = len_bytes.iter().fold(0u64, |acc, &b| (acc << 8) | b as u64);
            if len < 56 {
                return fail("non-canonical length");
            }
            let len = usize::try_from(len).map_err(|_| RlpError("length too large".into()))?;
            (is_list, 1 + size, len)
        }
    };
    let end = offset.checked_add(len).filter(|&e| e <= bytes.len());
    let Some(end) = end else { return fail("item runs past the end of input") };
    let payload = &bytes[offset..end];
    if !is_list && offset == 1 && len == 1 && payload[0] < 0x80 {
        return fail("single byte below 0x80 must encode itself");
    }
    Ok((Item { is_list, payload, raw: &bytes[..end] }, &bytes[end..]))
}

/// Decodes exactly one item (nothing may follow it).
pub(crate) fn decode_one(bytes: &[u8]) -> Result<Item<'_>, RlpError> {
    let (item, rest) = split(bytes)?;
    if !rest.is_empty() {
        return fail("trailing bytes after the item");
    }
    Ok(item)
}

impl<'a> Item<'a> {
    /// The items of a list.
    pub fn list(&self) -> Result<Vec<Item<'a>>, RlpError> {
        if !self.is_list {
            return fail("expected a list, found a string");
        }
        let mut items = Vec::new();
        let mut rest = self.payload;
        while !rest.is_empty() {
            let (item, tail) = split(rest)?;
            items.push(item);
            rest = tail;
        }
        Ok(items)
    }

    /// The bytes of a string.
    pub fn bytes(&self) -> Result<&'a [u8], RlpError> {
        if self.is_list {
            return fail("expected a string, found a list");
        }
        Ok(self.payload)
    }

    /// A string of exactly `N` bytes.
    pub fn fixed<const N: usize>(&self) -> Result<[u8; N], RlpError> {
        let b = self.bytes()?;
        b.try_into().map_err(|_| RlpError(format!("expected {N} bytes, found {}", b.len())))
    }

    /// A canonical unsigned scalar (no leading zero) of at most 32 bytes, as a big-endian word.
    pub fn word(&self) -> Result<[u8; 32], RlpError> {
        let b = self.bytes()?;
        if b.len() > 32 {
            return fail("scalar longer than 32 bytes");
        }
        if b.first() == Some(&0) {
            return fail("scalar with a leading zero");
        }
        let mut out = [0u8; 32];
        out[32 - b.len()..].copy_from_slice(b);
        Ok(out)
    }

    /// A canonical unsigned scalar that fits in 64 bits.
    pub fn u64(&self) -> Result<u64, RlpError> {
        let w = self.word()?;
        if w[..24].iter().any(|&b| b != 0) {
            return fail("scalar above 2^64 - 1");
        }
        Ok(u64::from_be_bytes(w[24..].try_into().unwrap()))
    }
}

/// Appends a u64 as an RLP scalar.
pub(crate) fn encode_u64(value: u64, out: &mut Vec<u8>) {
    encode_uint(&value.to_be_bytes(), out);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(b: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        encode_bytes(b, &mut out);
        out
    }

    #[test]
    fn strings() {
        assert_eq!(bytes(b""), [0x80]);
        assert_eq!(bytes(&[0x00]), [0x00]);
        assert_eq!(bytes(&[0x7f]), [0x7f]);
        assert_eq!(bytes(&[0x80]), [0x81, 0x80]);
        assert_eq!(bytes(b"dog"), [0x83, b'd', b'o', b'g']);
        let long = [b'a'; 56];
        let enc = bytes(&long);
        assert_eq!(&enc[..2], &[0xb8, 56]);
        assert_eq!(enc.len(), 58);
        let enc = bytes(&[0u8; 1024]);
        assert_eq!(&enc[..3], &[0xb9, 0x04, 0x00]);
    }

    #[test]
    fn scalars_and_lists() {
        let mut out = Vec::new();
        encode_uint(&[0, 0, 0], &mut out);
        assert_eq!(out, [0x80]);
        out.clear();
        encode_uint(&[0, 0x04, 0x00], &mut out);
        assert_eq!(out, [0x82, 0x04, 0x00]);
        out.clear();
        encode_list(&[], &mut out);
        assert_eq!(out, [0xc0]);
        out.clear();
        // ["cat", "dog"]
        let mut payload = Vec::new();
        encode_bytes(b"cat", &mut payload);
        encode_bytes(b"dog", &mut payload);
        encode_list(&payload, &mut out);
        assert_eq!(out, [0xc8, 0x83, b'c', b'a', b't', 0x83, b'd', b'o', b'g']);
        out.clear();
        encode_list(&[0u8; 60], &mut out);
        assert_eq!(&out[..2], &[0xf8, 60]);
    }

    #[test]
    fn decoding_round_trips_and_refuses_non_canonical_forms() {
        let mut payload = Vec::new();
        encode_bytes(b"cat", &mut payload);
        encode_u64(1024, &mut payload);
        encode_bytes(&[0u8; 60], &mut payload);
        let mut out = Vec::new();
        encode_list(&payload, &mut out);
        let items = decode_one(&out).unwrap().list().unwrap();
        assert_eq!(items[0].bytes().unwrap(), b"cat");
        assert_eq!(items[1].u64().unwrap(), 1024);
        assert_eq!(items[2].bytes().unwrap(), &[0u8; 60][..]);
        assert!(decode_one(&[0x81, 0x05]).is_err(), "a wrapped single byte");
        assert!(decode_one(&[0xb8, 0x05, 1, 2, 3, 4, 5]).is_err(), "long form of a short string");
        assert!(decode_one(&[0x83, 1, 2]).is_err(), "truncated");
        assert!(decode_one(&[0x01, 0x02]).is_err(), "trailing bytes");
        assert!(decode_one(&[0x82, 0x00, 0x01]).unwrap().u64().is_err(), "leading zero");
        assert!(decode_one(&[0xc0]).unwrap().bytes().is_err());
    }
}
