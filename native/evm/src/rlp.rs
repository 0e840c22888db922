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
}
