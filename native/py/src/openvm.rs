//! openvm-prof metrics files (`{"counter": [...], "gauge": [...]}`), parsed without the GIL into
//! the columns of `zkprof.report.openvm.MetricDb`, by the rules of its Python reader
//! (`read_metrics_json`, the reference): zero counters dropped, label sets keyed by their labels in
//! any order, `total_proof_time_ms` derived, `generate_blob_time_ms` summed per (group, idx).
//!
//! The scanner validates JSON as Python's `json` does. Whatever it does not read exactly like
//! Python's `json.loads` and `float` (NaN literals, lone surrogates, unusual number strings,
//! duplicate keys, a byte-order mark or another encoding, a non-string metric) is a ValueError,
//! and the Python side then reads the file with the reference reader, which accepts it or says
//! what is wrong. Being stricter than Python is safe; being more lenient would not be.

use std::borrow::Cow;
use std::hash::{Hash, Hasher};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};
use rustc_hash::{FxHashMap, FxHasher};

const PROOF_TIME: &str = "total_proof_time_ms";
const TRACE_GEN_TIME: &str = "trace_gen_time_ms";
const PROVE_EXCL_TRACE_TIME: &str = "stark_prove_excluding_trace_time_ms";
const EXECUTE_PREFLIGHT_TIME: &str = "execute_preflight_time_ms";
const EXECUTE_METERED_TIME: &str = "execute_metered_time_ms";
const LEGACY_EXECUTE_TIME: &str = "execute_time_ms";
const BLOB_TIME: &str = "generate_blob_time_ms";
const BLOB_TOTAL_TIME: &str = "generate_blob_total_time_ms";
/// Deeper nesting (only possible in values the report ignores) is left to Python.
const MAX_DEPTH: u32 = 128;

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(openvm_parse_metrics, m)?)?;
    Ok(())
}

type PyColumns<'py> = (
    Bound<'py, PyList>,
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
    Bound<'py, PyList>,
    Bound<'py, PyBytes>,
);

/// openvm-prof metrics JSON (bytes) -> (labels, starts, detailed_ends, metrics, values): label
/// set i has the labels `labels[i]` (pairs as first seen) and the metrics
/// `metrics[starts[i]:starts[i + 1]]` with their `values`, of which those before
/// `detailed_ends[i]` are the detailed tables' (before blob totals). `starts`, `detailed_ends`
/// and `values` are bytes of native-endian i64, i64 and f64 (for `array.array`). ValueError (with
/// the byte offset) when the file is not read exactly as Python's reader would read it.
#[pyfunction]
fn openvm_parse_metrics<'py>(py: Python<'py>, data: &[u8]) -> PyResult<PyColumns<'py>> {
    let columns = py.detach(|| parse(data)).map_err(PyValueError::new_err)?;
    columns.into_python(py)
}

type Res<T> = Result<T, String>;

/// Interned strings, ids in first-seen order, borrowed from the input where unescaped.
#[derive(Default)]
struct Strings<'a> {
    ids: FxHashMap<Cow<'a, str>, u32>,
    all: Vec<Cow<'a, str>>,
}

impl<'a> Strings<'a> {
    fn intern(&mut self, s: Cow<'a, str>) -> u32 {
        if let Some(&id) = self.ids.get(s.as_ref()) {
            return id;
        }
        let id = self.all.len() as u32;
        self.all.push(s.clone());
        self.ids.insert(s, id);
        id
    }

    fn get(&self, s: &str) -> Option<u32> {
        self.ids.get(s).copied()
    }
}

/// One entry as read: its label list (one of the distinct label lists), metric and value.
struct Raw {
    variant: u32,
    metric: u32,
    value: f64,
}

/// Distinct label lists, by their JSON text (most entries repeat the text of many others), as
/// lists of distinct (key, value) pairs of string ids.
#[derive(Default)]
struct Variants<'a> {
    ids: FxHashMap<&'a str, u32>,
    ranges: Vec<(u32, u32)>,
    pairs: Vec<u32>,
    pair_ids: FxHashMap<(u32, u32), u32>,
    pair_texts: FxHashMap<&'a str, u32>,
    pair_table: Vec<(u32, u32)>,
}

impl Variants<'_> {
    fn pair(&mut self, key: u32, value: u32) -> u32 {
        let table = &mut self.pair_table;
        *self.pair_ids.entry((key, value)).or_insert_with(|| {
            table.push((key, value));
            (table.len() - 1) as u32
        })
    }

    fn add(&mut self, pairs: &[(u32, u32)]) -> u32 {
        let start = self.pairs.len() as u32;
        for &(key, value) in pairs {
            let pair = self.pair(key, value);
            self.pairs.push(pair);
        }
        self.ranges.push((start, self.pairs.len() as u32));
        (self.ranges.len() - 1) as u32
    }

    fn pairs(&self, id: u32) -> &[u32] {
        let (start, end) = self.ranges[id as usize];
        &self.pairs[start as usize..end as usize]
    }

    /// The value of the first pair with this key.
    fn get(&self, id: u32, key: u32) -> Option<u32> {
        let pairs = self.pairs(id).iter().map(|&p| self.pair_table[p as usize]);
        pairs.clone().find(|p| p.0 == key).map(|p| p.1)
    }
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    strings: Strings<'a>,
    variants: Variants<'a>,
    scratch: Vec<u32>,
    last_labels: Option<(&'a str, u32)>,
    /// Recent metric names by a cheap slot (a file has few names, repeated in a cycle).
    metric_cache: [(Cow<'a, str>, u32); 64],
    counter: Vec<Raw>,
    gauge: Vec<Raw>,
}

/// The bytes (of 8, little-endian) that end a string or need a closer look: a quote, a backslash
/// or a control character. Only the lowest set bit is exact (the first such byte), which is all
/// the scanner uses: a false bit can only follow a true one.
fn special_bytes(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    zero(word ^ (ONES * b'"' as u64))
        | zero(word ^ (ONES * b'\\' as u64))
        | word.wrapping_sub(ONES * 0x20) & !word & HIGH
}

impl<'a> Parser<'a> {
    #[cold]
    fn fail<T>(&self, what: &str) -> Res<T> {
        Err(format!("{what} at byte {}", self.pos))
    }

    #[inline]
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Skips whitespace, then expects `c`.
    #[inline]
    fn eat(&mut self, c: u8) -> Res<()> {
        if self.peek() == Some(c) {
            self.pos += 1;
            return Ok(());
        }
        self.eat_after_space(c)
    }

    #[cold]
    fn eat_after_space(&mut self, c: u8) -> Res<()> {
        self.ws();
        if self.peek() != Some(c) {
            return self.fail(&format!("expected '{}'", c as char));
        }
        self.pos += 1;
        Ok(())
    }

    /// After a member of an object or array: true at ',' (more follow), false at `close`.
    #[inline]
    fn more(&mut self, close: u8) -> Res<bool> {
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            Some(c) if c == close => {
                self.pos += 1;
                Ok(false)
            }
            _ => self.more_after_space(close),
        }
    }

    #[cold]
    fn more_after_space(&mut self, close: u8) -> Res<bool> {
        self.ws();
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            Some(c) if c == close => {
                self.pos += 1;
                Ok(false)
            }
            _ => self.fail(&format!("expected ',' or '{}'", close as char)),
        }
    }

    /// True (and past it) if `token` comes next.
    #[inline]
    fn lit(&mut self, token: &[u8]) -> bool {
        let next = self.bytes[self.pos..].starts_with(token);
        if next {
            self.pos += token.len();
        }
        next
    }

    /// Skips whitespace, then: true if the object or array that was just opened is empty.
    #[inline]
    fn empty(&mut self, close: u8) -> bool {
        self.ws();
        if self.peek() == Some(close) {
            self.pos += 1;
            return true;
        }
        false
    }

    /// A string (after whitespace): borrowed unless it has escapes.
    fn string(&mut self) -> Res<Cow<'a, str>> {
        if self.peek() != Some(b'"') {
            self.ws();
            if self.peek() != Some(b'"') {
                return self.fail("expected a string");
            }
        }
        let start = self.pos + 1;
        let mut i = start;
        // To the first quote, backslash or control character: 8 bytes at a time, then bytewise
        // in the last few bytes of the input.
        while let Some(chunk) = self.bytes.get(i..i + 8) {
            let special = special_bytes(u64::from_le_bytes(chunk.try_into().unwrap()));
            if special != 0 {
                i += special.trailing_zeros() as usize / 8;
                break;
            }
            i += 8;
        }
        while let Some(&b) = self.bytes.get(i) {
            if b == b'"' || b == b'\\' || b < 0x20 {
                break;
            }
            i += 1;
        }
        self.pos = i;
        match self.bytes.get(i) {
            Some(b'"') => {
                self.pos = i + 1;
                Ok(Cow::Borrowed(&self.text[start..i]))
            }
            Some(b'\\') => self.escaped(start).map(Cow::Owned),
            _ => self.fail("invalid string"),
        }
    }

    /// The rest of a string with escapes, from `start` (self.pos at the first backslash).
    fn escaped(&mut self, start: usize) -> Res<String> {
        let mut out = String::from(&self.text[start..self.pos]);
        loop {
            let run = self.pos;
            while let Some(&b) = self.bytes.get(self.pos) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.text[run..self.pos]);
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    let esc = self.bytes.get(self.pos + 1).copied();
                    self.pos += 2;
                    out.push(match esc {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => self.unicode_escape()?,
                        _ => return self.fail("invalid escape"),
                    });
                }
                _ => return self.fail("invalid string"),
            }
        }
    }

    fn hex4(&mut self) -> Res<u32> {
        let digits = self.bytes.get(self.pos..self.pos + 4);
        let text = digits.and_then(|d| std::str::from_utf8(d).ok());
        match text.filter(|t| t.bytes().all(|b| b.is_ascii_hexdigit())) {
            Some(t) => {
                self.pos += 4;
                Ok(u32::from_str_radix(t, 16).unwrap())
            }
            None => self.fail("invalid \\u escape"),
        }
    }

    /// After `\u`: a character, or a surrogate pair. Python keeps lone surrogates; left to it.
    fn unicode_escape(&mut self) -> Res<char> {
        let high = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&high) {
            if self.bytes.get(self.pos..self.pos + 2) != Some(b"\\u") {
                return self.fail("lone surrogate");
            }
            self.pos += 2;
            let low = self.hex4()?;
            if !(0xDC00..0xE000).contains(&low) {
                return self.fail("lone surrogate");
            }
            0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
        } else {
            high
        };
        match char::from_u32(code) {
            Some(c) => Ok(c),
            None => self.fail("lone surrogate"),
        }
    }

    /// A JSON number (self.pos at its first byte), by the JSON grammar, as text.
    fn number(&mut self) -> Res<&'a str> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let from = p.pos;
            while p.peek().is_some_and(|b| b.is_ascii_digit()) {
                p.pos += 1;
            }
            p.pos > from
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return self.fail("invalid number"),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !digits(self) {
                return self.fail("invalid number");
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if !digits(self) {
                return self.fail("invalid number");
            }
        }
        Ok(&self.text[start..self.pos])
    }

    /// Any JSON value (after whitespace), validated and dropped.
    fn skip_value(&mut self, depth: u32) -> Res<()> {
        if depth > MAX_DEPTH {
            return self.fail("nesting too deep");
        }
        self.ws();
        match self.peek() {
            Some(b'{') => {
                self.pos += 1;
                if !self.empty(b'}') {
                    loop {
                        self.string()?;
                        self.eat(b':')?;
                        self.skip_value(depth + 1)?;
                        if !self.more(b'}')? {
                            break;
                        }
                    }
                }
            }
            Some(b'[') => {
                self.pos += 1;
                if !self.empty(b']') {
                    loop {
                        self.skip_value(depth + 1)?;
                        if !self.more(b']')? {
                            break;
                        }
                    }
                }
            }
            Some(b'"') => {
                self.string()?;
            }
            Some(b'-' | b'0'..=b'9') => {
                self.number()?;
            }
            _ => {
                let rest = &self.bytes[self.pos..];
                let word =
                    [&b"true"[..], b"false", b"null"].into_iter().find(|w| rest.starts_with(w));
                match word {
                    Some(w) => self.pos += w.len(),
                    None => return self.fail("expected a value"),
                }
            }
        }
        Ok(())
    }

    /// The document: an object whose "counter" and "gauge" members are lists of entries.
    fn document(&mut self) -> Res<()> {
        self.eat(b'{')?;
        let mut seen: Vec<Cow<'a, str>> = Vec::new();
        if !self.empty(b'}') {
            loop {
                let key = self.string()?;
                if seen.contains(&key) {
                    return self.fail("duplicate key");
                }
                self.eat(b':')?;
                match key.as_ref() {
                    "counter" => self.entries(true)?,
                    "gauge" => self.entries(false)?,
                    _ => self.skip_value(1)?,
                }
                seen.push(key);
                if !self.more(b'}')? {
                    break;
                }
            }
        }
        self.ws();
        if self.pos != self.bytes.len() {
            return self.fail("extra data");
        }
        Ok(())
    }

    fn entries(&mut self, counter: bool) -> Res<()> {
        self.eat(b'[')?;
        if self.empty(b']') {
            return Ok(());
        }
        loop {
            let raw = self.entry()?;
            if counter {
                self.counter.push(raw);
            } else {
                self.gauge.push(raw);
            }
            if !self.more(b']')? {
                return Ok(());
            }
        }
    }

    /// `{"labels": [[k, v], ...], "metric": name, "value": number or string}`, other members
    /// ignored, labels optional.
    fn entry(&mut self) -> Res<Raw> {
        self.eat(b'{')?;
        let (mut variant, mut metric, mut value) = (None, None, None);
        if !self.empty(b'}') {
            loop {
                self.ws();
                // The usual keys as they are written (fast), any other spelling as decoded.
                let key = if self.lit(b"\"labels\"") {
                    Cow::Borrowed("labels")
                } else if self.lit(b"\"metric\"") {
                    Cow::Borrowed("metric")
                } else if self.lit(b"\"value\"") {
                    Cow::Borrowed("value")
                } else {
                    self.string()?
                };
                self.eat(b':')?;
                let duplicate = match key.as_ref() {
                    "labels" => variant.replace(self.labels()?).is_some(),
                    "metric" => {
                        let name = self.string()?;
                        metric.replace(self.metric(name)).is_some()
                    }
                    "value" => value.replace(self.value()?).is_some(),
                    _ => {
                        self.skip_value(1)?;
                        false
                    }
                };
                if duplicate {
                    return self.fail("duplicate key");
                }
                if !self.more(b'}')? {
                    break;
                }
            }
        }
        let (Some(metric), Some(value)) = (metric, value) else {
            return self.fail("entry without metric or value");
        };
        let variant = match variant {
            Some(variant) => variant,
            None => self.variant("", |p| {
                p.variants.add(&[]);
                Ok(())
            })?,
        };
        Ok(Raw { variant, metric, value })
    }

    /// `[[key, value], ...]`, all strings: the id of its distinct label list.
    fn labels(&mut self) -> Res<u32> {
        self.ws();
        // Entries of a label set usually follow each other. A valid list ends where it ends, so
        // the same bytes again are the same list.
        if let Some((text, id)) = self.last_labels {
            if self.lit(text.as_bytes()) {
                return Ok(id);
            }
        }
        let start = self.pos;
        self.scratch.clear();
        self.eat(b'[')?;
        if !self.empty(b']') {
            loop {
                self.ws();
                let pair_start = self.pos;
                self.eat(b'[')?;
                let key = self.string()?;
                self.eat(b',')?;
                let value = self.string()?;
                self.eat(b']')?;
                // A pair written as before is the same pair (as for whole lists).
                let text = &self.text[pair_start..self.pos];
                let pair = match self.variants.pair_texts.get(text) {
                    Some(&pair) => pair,
                    None => {
                        let (key, value) = (self.strings.intern(key), self.strings.intern(value));
                        let pair = self.variants.pair(key, value);
                        self.variants.pair_texts.insert(text, pair);
                        pair
                    }
                };
                self.scratch.push(pair);
                if !self.more(b']')? {
                    break;
                }
            }
        }
        let text = &self.text[start..self.pos];
        let id = self.variant(text, |p| {
            let start = p.variants.pairs.len() as u32;
            p.variants.pairs.extend_from_slice(&p.scratch);
            p.variants.ranges.push((start, p.variants.pairs.len() as u32));
            Ok(())
        })?;
        self.last_labels = Some((text, id));
        Ok(id)
    }

    /// The id of a metric name: from the cache, else interned (and cached).
    fn metric(&mut self, name: Cow<'a, str>) -> u32 {
        let mut hasher = FxHasher::default();
        hasher.write(name.as_bytes());
        let slot = (hasher.finish() >> 58) as usize % self.metric_cache.len();
        let cached = &self.metric_cache[slot];
        if cached.1 != u32::MAX && cached.0 == name {
            return cached.1;
        }
        let id = self.strings.intern(name.clone());
        self.metric_cache[slot] = (name, id);
        id
    }

    /// The id of the label list written as `text`, added by `add` when new.
    fn variant(&mut self, text: &'a str, add: impl FnOnce(&mut Self) -> Res<()>) -> Res<u32> {
        if let Some(&id) = self.variants.ids.get(text) {
            return Ok(id);
        }
        add(self)?;
        let id = (self.variants.ranges.len() - 1) as u32;
        self.variants.ids.insert(text, id);
        Ok(id)
    }

    /// A value as Python's `float(value)` reads it, for the forms where Rust's parser agrees
    /// exactly (both round correctly); anything else is left to Python.
    fn value(&mut self) -> Res<f64> {
        self.ws();
        let at = self.pos;
        let unusual = |p: &Self| Err(format!("value left to Python at byte {at}, {}", p.pos));
        match self.peek() {
            Some(b'"') => {
                let text = self.string()?;
                // Up to 15 digits: exact as an integer, so no rounding to agree on.
                if (1..=15).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) {
                    let n = text.bytes().fold(0u64, |n, b| n * 10 + u64::from(b - b'0'));
                    return Ok(n as f64);
                }
                let plain = text.bytes().all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
                let word = || {
                    let word = text.trim_start_matches(['+', '-']).to_ascii_lowercase();
                    matches!(word.as_str(), "nan" | "inf" | "infinity")
                };
                if !(plain || word()) {
                    return unusual(self);
                }
                text.parse().or_else(|_| unusual(self))
            }
            Some(b'-' | b'0'..=b'9') => {
                // Python: float(text) for a fraction or exponent, else float(int(text)),
                // correctly rounded, +0.0 for "-0", OverflowError when too large.
                let text = self.number()?;
                let value: f64 = text.parse().or_else(|_| unusual(self))?;
                if text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E')) {
                    return Ok(value);
                }
                if value.is_infinite() {
                    return unusual(self);
                }
                Ok(if value == 0.0 { 0.0 } else { value })
            }
            _ => unusual(self),
        }
    }
}

/// The result: label sets in first-seen order (their labels: a distinct label list), and their
/// metrics, set by set: set i's are `slots[at[i]..at[i] + len[i]]`, the first `detailed[i]` of
/// them the detailed tables'.
struct Columns<'a> {
    strings: Vec<Cow<'a, str>>,
    variants: Variants<'a>,
    set_variant: Vec<u32>,
    slots: Vec<(u32, f64)>,
    at: Vec<usize>,
    len: Vec<u32>,
    detailed: Vec<u32>,
}

/// Label sets keyed by their pairs in a canonical (sorted) order, without an allocation per set.
#[derive(Default)]
struct SetIndex {
    heads: FxHashMap<u64, u32>,
    next: Vec<u32>,
    keys: Vec<u32>,
    ranges: Vec<(usize, usize)>,
    scratch: Vec<u32>,
}

impl SetIndex {
    /// The set with these pairs (in any order), and whether it is new.
    fn find_or_add(&mut self, pairs: &[u32]) -> (u32, bool) {
        self.scratch.clear();
        self.scratch.extend_from_slice(pairs);
        self.scratch.sort_unstable();
        let mut hasher = FxHasher::default();
        self.scratch.hash(&mut hasher);
        let hash = hasher.finish();
        let head = self.heads.get(&hash).copied().unwrap_or(u32::MAX);
        let mut set = head;
        while set != u32::MAX {
            let (start, end) = self.ranges[set as usize];
            if self.keys[start..end] == self.scratch[..] {
                return (set, false);
            }
            set = self.next[set as usize];
        }
        let set = self.ranges.len() as u32;
        let start = self.keys.len();
        self.keys.extend_from_slice(&self.scratch);
        self.ranges.push((start, self.keys.len()));
        self.next.push(head);
        self.heads.insert(hash, set);
        (set, true)
    }
}

fn parse(data: &[u8]) -> Res<Columns<'_>> {
    // Python decodes the whole file first too (a byte-order mark or UTF-16 is left to it).
    let text = std::str::from_utf8(data).map_err(|e| format!("not UTF-8: {e}"))?;
    let mut parser = Parser {
        text,
        bytes: data,
        pos: 0,
        strings: Strings::default(),
        variants: Variants {
            ids: FxHashMap::with_capacity_and_hasher(data.len() / 512, Default::default()),
            ..Variants::default()
        },
        scratch: Vec::new(),
        last_labels: None,
        metric_cache: std::array::from_fn(|_| (Cow::Borrowed(""), u32::MAX)),
        counter: Vec::with_capacity(data.len() / 2048),
        gauge: Vec::with_capacity(data.len() / 256),
    };
    parser.document()?;
    Ok(build(parser))
}

/// Python's `read_metrics_json` on the parsed entries.
fn build(parser: Parser<'_>) -> Columns<'_> {
    let Parser { mut strings, mut variants, mut counter, mut gauge, .. } = parser;

    // Label sets, labelled as first seen; each entry's `variant` becomes its set (MAX: dropped).
    let mut index = SetIndex {
        heads: FxHashMap::with_capacity_and_hasher(variants.ranges.len(), Default::default()),
        ..SetIndex::default()
    };
    let mut set_variant: Vec<u32> = Vec::new();
    let mut variant_set = vec![u32::MAX; variants.ranges.len()];
    let mut counts: Vec<u32> = Vec::new();
    for (raws, is_counter) in [(&mut counter, true), (&mut gauge, false)] {
        for raw in raws.iter_mut() {
            if is_counter && raw.value == 0.0 {
                raw.variant = u32::MAX;
                continue;
            }
            let mut set = variant_set[raw.variant as usize];
            if set == u32::MAX {
                let (found, new) = index.find_or_add(variants.pairs(raw.variant));
                if new {
                    set_variant.push(raw.variant);
                    counts.push(0);
                }
                set = found;
                variant_set[raw.variant as usize] = set;
            }
            counts[set as usize] += 1;
            raw.variant = set;
        }
    }
    drop(variant_set);

    // Set by set (a stable counting sort), with room for a derived proof time and a blob total.
    let mut at = Vec::with_capacity(counts.len() + 1);
    let mut next = 0usize;
    for &count in &counts {
        at.push(next);
        next += count as usize + 2;
    }
    let mut slots = vec![(0u32, 0f64); next];
    let mut len = vec![0u32; counts.len()];
    for raw in counter.iter().chain(&gauge) {
        if raw.variant != u32::MAX {
            let set = raw.variant as usize;
            slots[at[set] + len[set] as usize] = (raw.metric, raw.value);
            len[set] += 1;
        }
    }
    drop((counter, gauge, counts));

    // Derived proof times, one at most per set.
    let id = |s: &str| strings.get(s);
    let (proof, trace, prove) = (id(PROOF_TIME), id(TRACE_GEN_TIME), id(PROVE_EXCL_TRACE_TIME));
    let (preflight, metered) = (id(EXECUTE_PREFLIGHT_TIME), id(EXECUTE_METERED_TIME));
    let legacy = id(LEGACY_EXECUTE_TIME);
    let mut proof_id = proof;
    for set in 0..len.len() {
        let list = &slots[at[set]..at[set] + len[set] as usize];
        if let Some(total) =
            derived_proof_time(list, proof, trace, prove, preflight, metered, legacy)
        {
            let proof = *proof_id.get_or_insert_with(|| strings.intern(Cow::Borrowed(PROOF_TIME)));
            slots[at[set] + len[set] as usize] = (proof, total);
            len[set] += 1;
        }
    }
    let detailed = len.clone();

    // generate_blob_time_ms summed per (group, idx), in first-seen order.
    let (group, idx, blob) = (strings.get("group"), strings.get("idx"), strings.get(BLOB_TIME));
    let mut blob_ids: FxHashMap<(u32, u32), usize> = FxHashMap::default();
    let mut blob_totals: Vec<((u32, u32), f64)> = Vec::new();
    if let (Some(group), Some(idx), Some(blob)) = (group, idx, blob) {
        for (set, &variant) in set_variant.iter().enumerate() {
            let get = |key: u32| variants.get(variant, key);
            let (Some(g), Some(i)) = (get(group), get(idx)) else {
                continue;
            };
            for &(metric, value) in &slots[at[set]..at[set] + len[set] as usize] {
                if metric == blob {
                    let slot = *blob_ids.entry((g, i)).or_insert_with(|| {
                        blob_totals.push(((g, i), 0.0));
                        blob_totals.len() - 1
                    });
                    blob_totals[slot].1 += value;
                }
            }
        }
    }
    if !blob_totals.is_empty() {
        let total = strings.intern(Cow::Borrowed(BLOB_TOTAL_TIME));
        // Both ids exist: blob totals need a group and an idx label.
        let (group, idx) = (group.unwrap_or(0), idx.unwrap_or(0));
        for ((g, i), value) in blob_totals {
            let pairs = [(group, g), (idx, i)];
            let ids = [variants.pair(group, g), variants.pair(idx, i)];
            let (set, new) = index.find_or_add(&ids);
            if new {
                set_variant.push(variants.add(&pairs));
                at.push(slots.len());
                slots.push((0, 0.0));
                len.push(0);
            }
            let set = set as usize;
            slots[at[set] + len[set] as usize] = (total, value);
            len[set] += 1;
        }
    }
    let mut detailed = detailed;
    detailed.resize(len.len(), 0);

    Columns { strings: strings.all, variants, set_variant, slots, at, len, detailed }
}

/// openvm-prof's `total_proof_time_ms` for a label set that lacks one: metered (optional; 0 when
/// absent or zero) + preflight + trace generation + proving; older files: execution + trace
/// generation + proving. First occurrences only, as in Python.
fn derived_proof_time(
    list: &[(u32, f64)],
    proof: Option<u32>,
    trace: Option<u32>,
    prove: Option<u32>,
    preflight: Option<u32>,
    metered: Option<u32>,
    legacy: Option<u32>,
) -> Option<f64> {
    let first = |id: Option<u32>| {
        let id = id?;
        list.iter().find(|e| e.0 == id).map(|e| e.1)
    };
    if first(proof).is_some() {
        return None;
    }
    let (trace, prove) = (first(trace)?, first(prove)?);
    if let Some(preflight) = first(preflight) {
        let metered = first(metered).filter(|&m| m != 0.0).unwrap_or(0.0);
        return Some(metered + preflight + trace + prove);
    }
    first(legacy).map(|legacy| legacy + trace + prove)
}

/// A tuple of strings or of such tuples cannot be part of a reference cycle: the collector can
/// skip it (CPython untracks such tuples itself, at the first collection that sees them).
fn untracked(tuple: PyResult<Bound<'_, PyTuple>>) -> PyResult<Bound<'_, PyTuple>> {
    let tuple = tuple?;
    // SAFETY: a live tuple that we just created and that holds only strings or untracked tuples.
    unsafe { pyo3::ffi::PyObject_GC_UnTrack(tuple.as_ptr().cast()) };
    Ok(tuple)
}

/// An iterator of known length (what PyO3 needs to build a list in one go).
struct Exact<I> {
    inner: I,
    left: usize,
}

impl<I: Iterator> Iterator for Exact<I> {
    type Item = I::Item;

    fn next(&mut self) -> Option<I::Item> {
        let item = self.inner.next()?;
        self.left -= 1;
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<I: Iterator> ExactSizeIterator for Exact<I> {}

impl Columns<'_> {
    fn into_python(self, py: Python<'_>) -> PyResult<PyColumns<'_>> {
        let strings: Vec<Bound<'_, PyString>> =
            self.strings.iter().map(|s| PyString::new(py, s)).collect();
        let pairs = (self.variants.pair_table.iter())
            .map(|&(k, v)| {
                untracked(PyTuple::new(py, [&strings[k as usize], &strings[v as usize]]))
            })
            .collect::<PyResult<Vec<_>>>()?;
        let sets = (self.set_variant.iter())
            .map(|&variant| {
                let labels = self.variants.pairs(variant).iter();
                untracked(PyTuple::new(py, labels.map(|&p| &pairs[p as usize])))
            })
            .collect::<PyResult<Vec<_>>>()?;
        let total: usize = self.len.iter().map(|&n| n as usize).sum();
        let mut starts = Vec::with_capacity(8 * (self.len.len() + 1));
        let mut detailed_ends = Vec::with_capacity(8 * self.len.len());
        let mut offset = 0i64;
        for (&n, &d) in self.len.iter().zip(&self.detailed) {
            starts.extend_from_slice(&offset.to_ne_bytes());
            detailed_ends.extend_from_slice(&(offset + i64::from(d)).to_ne_bytes());
            offset += i64::from(n);
        }
        starts.extend_from_slice(&offset.to_ne_bytes());
        let entries = || {
            let (slots, at) = (&self.slots, &self.at);
            let inner = self
                .len
                .iter()
                .enumerate()
                .flat_map(move |(set, &n)| &slots[at[set]..at[set] + n as usize]);
            Exact { inner, left: total }
        };
        let mut values = Vec::with_capacity(8 * total);
        for &(_, value) in entries() {
            values.extend_from_slice(&value.to_ne_bytes());
        }
        Ok((
            PyList::new(py, sets)?,
            PyBytes::new(py, &starts),
            PyBytes::new(py, &detailed_ends),
            PyList::new(py, entries().map(|&(m, _)| &strings[m as usize]))?,
            PyBytes::new(py, &values),
        ))
    }
}
