//! A small strict JSON reader and string writer: what the config, the locale files and the
//! receipt need, without a serialisation framework in the WebAssembly. Pure.
//!
//! [`parse`] accepts RFC 8259 JSON as `serde_json` does (no comments, no trailing commas, no lone
//! surrogates, at most 128 levels of nesting, numbers that fit an `f64`), except that a name
//! repeated in one object is an error rather than "the last one wins". The typed readers
//! ([`Fields`], [`string`], [`u32`], …) name the offending field in every error, with the path
//! syntax of `serde_path_to_error` (`categories.analytics.services[0].name`).

use std::fmt;

/// A parsed JSON value. Objects keep their members in document order.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number, as written (validated: it is JSON number syntax and fits an `f64`).
    Number(String),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object: members in document order, names unique.
    Object(Vec<(String, Value)>),
}

/// What is wrong, and where: `path` names the field (`.` for the whole document).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// Dotted path of the offending value.
    pub path: String,
    /// What is wrong with it.
    pub message: String,
}

impl Error {
    /// An error about the value at `path`.
    pub fn at(path: &str, message: impl Into<String>) -> Error {
        Error {
            path: if path.is_empty() {
                ".".into()
            } else {
                path.into()
            },
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Deepest nesting [`parse`] accepts, as `serde_json`'s default.
const MAX_DEPTH: usize = 128;

/// Parses a complete JSON document. Syntax errors are reported at path `.` with the line and
/// column.
pub fn parse(text: &str) -> Result<Value, Error> {
    let mut parser = Parser {
        bytes: text.as_bytes(),
        text,
        at: 0,
        depth: 0,
    };
    parser.skip_whitespace();
    let value = parser.value()?;
    parser.skip_whitespace();
    if parser.at < parser.bytes.len() {
        return Err(parser.fail("trailing characters"));
    }
    Ok(value)
}

struct Parser<'a> {
    bytes: &'a [u8],
    text: &'a str,
    at: usize,
    depth: usize,
}

impl Parser<'_> {
    fn fail(&self, what: &str) -> Error {
        // Bytes, not a str slice: after a bad escape `at` may sit inside a character.
        let before = &self.bytes[..self.at.min(self.bytes.len())];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let last_line = before.rsplit(|b| *b == b'\n').next().unwrap_or_default();
        // Characters, counted by the bytes that start one.
        let column = last_line.iter().filter(|b| (**b & 0xC0) != 0x80).count() + 1;
        Error::at(".", format!("{what} at line {line} column {column}"))
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn expect(&mut self, byte: u8, what: &str) -> Result<(), Error> {
        if self.peek() == Some(byte) {
            self.at += 1;
            Ok(())
        } else if self.peek().is_none() {
            Err(self.fail("EOF while parsing"))
        } else {
            Err(self.fail(what))
        }
    }

    fn value(&mut self) -> Result<Value, Error> {
        match self.peek() {
            None => Err(self.fail("EOF while parsing a value")),
            Some(b'{') => self.nested(Parser::object),
            Some(b'[') => self.nested(Parser::array),
            Some(b'"') => self.string().map(Value::String),
            Some(b't') => self.word("true", Value::Bool(true)),
            Some(b'f') => self.word("false", Value::Bool(false)),
            Some(b'n') => self.word("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.fail("expected value")),
        }
    }

    fn nested(&mut self, read: fn(&mut Self) -> Result<Value, Error>) -> Result<Value, Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.fail("recursion limit exceeded"));
        }
        let value = read(self);
        self.depth -= 1;
        value
    }

    fn word(&mut self, word: &str, value: Value) -> Result<Value, Error> {
        if self.bytes[self.at..].starts_with(word.as_bytes()) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(self.fail("expected value"))
        }
    }

    fn object(&mut self) -> Result<Value, Error> {
        self.at += 1;
        let mut members: Vec<(String, Value)> = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(Value::Object(members));
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(if self.peek().is_none() {
                    self.fail("EOF while parsing an object")
                } else {
                    self.fail("key must be a string")
                });
            }
            let name = self.string()?;
            if members.iter().any(|(n, _)| *n == name) {
                return Err(self.fail(&format!("duplicate field `{name}`")));
            }
            self.skip_whitespace();
            self.expect(b':', "expected `:`")?;
            self.skip_whitespace();
            let value = self.value()?;
            members.push((name, value));
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(Value::Object(members));
                }
                None => return Err(self.fail("EOF while parsing an object")),
                Some(_) => return Err(self.fail("expected `,` or `}`")),
            }
        }
    }

    fn array(&mut self) -> Result<Value, Error> {
        self.at += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_whitespace();
            items.push(self.value()?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Ok(Value::Array(items));
                }
                None => return Err(self.fail("EOF while parsing a list")),
                Some(_) => return Err(self.fail("expected `,` or `]`")),
            }
        }
    }

    fn string(&mut self) -> Result<String, Error> {
        self.at += 1;
        let mut out = String::new();
        loop {
            let start = self.at;
            while let Some(byte) = self.peek() {
                if byte == b'"' || byte == b'\\' || byte < 0x20 {
                    break;
                }
                self.at += 1;
            }
            // Only ASCII bytes stop the scan, so both ends are character boundaries.
            out.push_str(&self.text[start..self.at]);
            match self.peek() {
                None => return Err(self.fail("EOF while parsing a string")),
                Some(b'"') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.at += 1;
                    let escape = self.peek();
                    self.at += 1;
                    match escape {
                        Some(b'"') => out.push('"'),
                        Some(b'\\') => out.push('\\'),
                        Some(b'/') => out.push('/'),
                        Some(b'b') => out.push('\u{8}'),
                        Some(b'f') => out.push('\u{c}'),
                        Some(b'n') => out.push('\n'),
                        Some(b'r') => out.push('\r'),
                        Some(b't') => out.push('\t'),
                        Some(b'u') => out.push(self.unicode_escape()?),
                        None => return Err(self.fail("EOF while parsing a string")),
                        Some(_) => return Err(self.fail("invalid escape")),
                    }
                }
                Some(_) => return Err(self.fail("control character found while parsing a string")),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let digits = self
            .text
            .get(self.at..self.at + 4)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| self.fail("invalid escape"))?;
        self.at += 4;
        u32::from_str_radix(digits, 16).map_err(|_| self.fail("invalid escape"))
    }

    /// After `\u`: one code point, from a surrogate pair when it takes two escapes.
    fn unicode_escape(&mut self) -> Result<char, Error> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                if !self.bytes[self.at..].starts_with(b"\\u") {
                    return Err(self.fail("lone leading surrogate in hex escape"));
                }
                self.at += 2;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(self.fail("lone leading surrogate in hex escape"));
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(self.fail("lone trailing surrogate in hex escape")),
            code => code,
        };
        char::from_u32(code).ok_or_else(|| self.fail("invalid unicode code point"))
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        self.at - start
    }

    fn number(&mut self) -> Result<Value, Error> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek() {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.fail("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return Err(self.fail("invalid number"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if self.digits() == 0 {
                return Err(self.fail("invalid number"));
            }
        }
        let text = &self.text[start..self.at];
        if !fits_f64(text) {
            return Err(self.fail("number out of range"));
        }
        Ok(Value::Number(text.to_string()))
    }
}

/// The digits of 2^1024 − 2^970, the smallest number that rounds to infinity as an `f64`
/// (halfway between `f64::MAX` and 2^1024, where ties go to the even 2^1024).
const F64_OVERFLOW: &[u8; 309] =
    b"17976931348623158079372897140530341507993413271003782693617377898044\
4968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902\
0007083836762738548458177115317644757302700698555713669596228429148198608349364752927190741684443\
65510704342711559699508093042880177904174497792";

/// Whether the JSON number `text` (already checked for syntax) is a finite `f64`, decided on its
/// digits: `str::parse::<f64>` would pull the whole float parser and its tables into the WASM for
/// this one range check.
fn fits_f64(text: &str) -> bool {
    let text = text.trim_start_matches('-');
    let (mantissa, exponent) = text.split_once(['e', 'E']).unwrap_or((text, "0"));
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = whole.bytes().chain(fraction.bytes());
    let leading = digits.clone().take_while(|&d| d == b'0').count();
    let significant: Vec<u8> = digits.skip(leading).collect();
    let significant = match significant.iter().rposition(|&d| d != b'0') {
        Some(last) => &significant[..=last],
        None => return true,
    };
    // The value is 0.<significant> × 10^magnitude; the exponent saturates (1e99999… is huge).
    let sign = if exponent.starts_with('-') { -1 } else { 1 };
    let exponent = exponent
        .trim_start_matches(['+', '-'])
        .bytes()
        .fold(0_i64, |n, d| {
            n.saturating_mul(10).saturating_add(i64::from(d - b'0'))
        })
        .min(1 << 40);
    let magnitude = whole.len() as i64 - leading as i64 + sign * exponent;
    match magnitude.cmp(&(F64_OVERFLOW.len() as i64)) {
        std::cmp::Ordering::Less => true,
        std::cmp::Ordering::Greater => false,
        std::cmp::Ordering::Equal => significant < F64_OVERFLOW.as_slice(),
    }
}

/// `text` as a JSON string literal, quotes included.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `value` as JSON text (numbers as they were written).
pub fn to_string(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(true) => "true".to_string(),
        Value::Bool(false) => "false".to_string(),
        Value::Number(number) => number.clone(),
        Value::String(text) => quote(text),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(to_string).collect();
            ["[", &items.join(","), "]"].concat()
        }
        Value::Object(members) => {
            let members: Vec<String> = members
                .iter()
                .map(|(name, value)| [quote(name), ":".to_string(), to_string(value)].concat())
                .collect();
            ["{", &members.join(","), "}"].concat()
        }
    }
}

/// `items` as a JSON array of strings.
pub fn string_array<'a>(items: impl IntoIterator<Item = &'a String>) -> String {
    let quoted: Vec<String> = items.into_iter().map(|s| quote(s)).collect();
    format!("[{}]", quoted.join(","))
}

/// How an unexpected value is described in an error (`string "2"`, `integer -1`, `map`).
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean `{b}`"),
        Value::Number(n) if n.contains(['.', 'e', 'E']) => format!("floating point `{n}`"),
        Value::Number(n) => format!("integer `{n}`"),
        Value::String(s) => format!("string {}", quote(s)),
        Value::Array(_) => "sequence".into(),
        Value::Object(_) => "map".into(),
    }
}

fn invalid_type(value: &Value, path: &str, expected: &str) -> Error {
    Error::at(
        path,
        format!("invalid type: {}, expected {expected}", describe(value)),
    )
}

/// The path of member `name` of the object at `path`.
pub fn member(path: &str, name: &str) -> String {
    if path.is_empty() || path == "." {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// The members of the object at `path`, checked against the field names it may have.
pub struct Fields<'a> {
    path: String,
    members: &'a [(String, Value)],
}

impl<'a> Fields<'a> {
    /// Reads `value` as an object whose members are all among `known`.
    pub fn of(value: &'a Value, path: &str, known: &[&str]) -> Result<Fields<'a>, Error> {
        let Value::Object(members) = value else {
            return Err(invalid_type(value, path, "a map"));
        };
        if let Some((name, _)) = members.iter().find(|(n, _)| !known.contains(&n.as_str())) {
            let expected: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
            return Err(Error::at(
                &member(path, name),
                format!(
                    "unknown field `{name}`, expected one of {}",
                    expected.join(", ")
                ),
            ));
        }
        Ok(Fields {
            path: path.to_string(),
            members,
        })
    }

    /// Member `name` and its path; absent and `null` members are `None`.
    pub fn get(&self, name: &str) -> Option<(&'a Value, String)> {
        self.members
            .iter()
            .find(|(n, v)| n == name && *v != Value::Null)
            .map(|(_, v)| (v, member(&self.path, name)))
    }

    /// Member `name`, which must be present and not `null`.
    pub fn require(&self, name: &str) -> Result<(&'a Value, String), Error> {
        self.get(name)
            .ok_or_else(|| Error::at(&self.path, format!("missing field `{name}`")))
    }

    /// Member `name`, which must be a string.
    #[inline(never)]
    pub fn string(&self, name: &str) -> Result<String, Error> {
        let (value, path) = self.require(name)?;
        string(value, &path)
    }

    /// Member `name` read by `read` when present.
    pub fn optional<T>(
        &self,
        name: &str,
        read: impl FnOnce(&'a Value, &str) -> Result<T, Error>,
    ) -> Result<Option<T>, Error> {
        self.get(name)
            .map(|(value, path)| read(value, &path))
            .transpose()
    }
}

/// A string.
pub fn string(value: &Value, path: &str) -> Result<String, Error> {
    match value {
        Value::String(s) => Ok(s.clone()),
        _ => Err(invalid_type(value, path, "a string")),
    }
}

/// `true` or `false`.
pub fn boolean(value: &Value, path: &str) -> Result<bool, Error> {
    match value {
        Value::Bool(b) => Ok(*b),
        _ => Err(invalid_type(value, path, "a boolean")),
    }
}

/// A whole number from 0 to `u32::MAX`, written without a fraction or exponent.
pub fn u32(value: &Value, path: &str) -> Result<u32, Error> {
    match value {
        Value::Number(n) if !n.contains(['.', 'e', 'E']) => n
            .parse::<u32>()
            .map_err(|_| Error::at(path, format!("invalid value: integer `{n}`, expected u32"))),
        _ => Err(invalid_type(value, path, "u32")),
    }
}

/// An array whose items are each read by `item` (with the path `path[i]`).
pub fn array<T>(
    value: &Value,
    path: &str,
    mut item: impl FnMut(&Value, &str) -> Result<T, Error>,
) -> Result<Vec<T>, Error> {
    let Value::Array(items) = value else {
        return Err(invalid_type(value, path, "a sequence"));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, v)| item(v, &format!("{path}[{i}]")))
        .collect()
}

/// An array of strings.
pub fn strings(value: &Value, path: &str) -> Result<Vec<String>, Error> {
    array(value, path, string)
}

/// An object used as a map: each member read by `item` (with the path `path.name`), in
/// document order.
pub fn map<T>(
    value: &Value,
    path: &str,
    mut item: impl FnMut(&Value, &str) -> Result<T, Error>,
) -> Result<Vec<(String, T)>, Error> {
    let Value::Object(members) = value else {
        return Err(invalid_type(value, path, "a map"));
    };
    members
        .iter()
        .map(|(name, v)| Ok((name.clone(), item(v, &member(path, name))?)))
        .collect()
}

/// One of `variants`, as a string.
pub fn variant<'v>(value: &Value, path: &str, variants: &[&'v str]) -> Result<&'v str, Error> {
    let text = string(value, path)?;
    variants
        .iter()
        .find(|v| **v == text)
        .copied()
        .ok_or_else(|| {
            let expected: Vec<String> = variants.iter().map(|v| format!("`{v}`")).collect();
            Error::at(
                path,
                format!(
                    "unknown variant `{text}`, expected one of {}",
                    expected.join(", ")
                ),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Value {
        Value::String(text.into())
    }

    #[test]
    fn reads_every_kind_of_value() {
        let value = parse(r#" {"a": [1, -2.5e3, true, false, null], "b": {"c": "d"}, "": ""} "#)
            .expect("valid");
        assert_eq!(
            value,
            Value::Object(vec![
                (
                    "a".into(),
                    Value::Array(vec![
                        Value::Number("1".into()),
                        Value::Number("-2.5e3".into()),
                        Value::Bool(true),
                        Value::Bool(false),
                        Value::Null,
                    ])
                ),
                ("b".into(), Value::Object(vec![("c".into(), s("d"))])),
                ("".into(), s("")),
            ])
        );
    }

    #[test]
    fn unescapes_strings_and_surrogate_pairs() {
        assert_eq!(
            parse(r#""a\"b\\c\/d\b\f\n\r\t\u00e9\ud83c\udf6a饼""#),
            Ok(s("a\"b\\c/d\u{8}\u{c}\n\r\té🍪饼"))
        );
        for bad in [
            r#""\ud83c""#,
            r#""\udf6a""#,
            r#""\x""#,
            r#""\u12""#,
            "\"a\nb\"",
            // A bad escape before a multi-byte character: an error, not a panic.
            "\"\\é\"",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn refuses_what_json_does_not_allow() {
        for bad in [
            "",
            " ",
            "{",
            "[1,]",
            "{\"a\":1,}",
            "{a:1}",
            "'a'",
            "01",
            "1.",
            ".5",
            "-",
            "1e",
            "+1",
            "NaN",
            "1e400",
            "tru",
            "nul",
            "[1] [2]",
            "{\"a\" 1}",
            "{\"a\":1 \"b\":2}",
            "\u{feff}{}",
            "{\"a\":1,\"a\":2}",
            "/* c */ {}",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} was accepted");
        }
        let deep = format!("{}{}", "[".repeat(129), "]".repeat(129));
        assert!(parse(&deep).is_err());
        let fine = format!("{}{}", "[".repeat(128), "]".repeat(128));
        assert!(parse(&fine).is_ok());
    }

    #[test]
    fn the_range_check_agrees_with_the_float_parser() {
        let edges = [
            "1.7976931348623157e308",
            "17976931348623158079372897140530341507993413271003782693617377898044496829276475094664901797758720709633028641669288791094655554785194040263065748867150582068190890200070838367627385484581771153176447573027006985557136695962284291481986083493647529271907416844436551070434271155969950809304288017790417449779e1",
            "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792",
            "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497791.999",
            "1.797693134862315807937289714053034150799341327100378269361737789804449682927647509466490179775872070963302864166928879109465555478519404026306574886715058206819089020007083836762738548458177115317644757302700698555713669596228429148198608349364752927190741684443655107043427115596995080930428801779041744977919999e308",
            "0.000000000000000000000000000000000000000000000000000001e362",
            "1e309",
            "1e308",
            "-1e309",
            "0e999999999999999999999",
            "1e-999999999999999999999",
            "1e999999999999999999999",
            "0.0",
            "10e307",
            "100e306",
        ];
        for text in edges {
            let expected = text.parse::<f64>().is_ok_and(f64::is_finite);
            assert_eq!(fits_f64(text), expected, "{text}");
        }
        // A fixed pseudo-random walk over mantissas and exponents near the limit.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |bound: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % bound
        };
        for _ in 0..20_000 {
            let mut whole: String = (0..1 + next(20))
                .map(|_| char::from(b'0' + next(10) as u8))
                .collect();
            let mut exponent = 280 + next(50) as i64;
            if next(2) == 0 {
                // Half the cases share a prefix with the limit and sit at its magnitude.
                let shared = 1 + next(40) as usize;
                whole = format!(
                    "{}{whole}",
                    std::str::from_utf8(&F64_OVERFLOW[..shared]).unwrap_or("1")
                );
                exponent = 309;
            }
            let whole = whole.trim_start_matches('0');
            let whole = if whole.is_empty() { "0" } else { whole };
            let fraction: String = (0..next(20))
                .map(|_| char::from(b'0' + next(10) as u8))
                .collect();
            let exponent = exponent - whole.len() as i64;
            let sign = if next(2) == 0 { "-" } else { "" };
            let text = if fraction.is_empty() {
                format!("{sign}{whole}e{exponent}")
            } else {
                format!("{sign}{whole}.{fraction}E+{exponent}")
            };
            let expected = text.parse::<f64>().is_ok_and(f64::is_finite);
            assert_eq!(fits_f64(&text), expected, "{text}");
            assert_eq!(parse(&text).is_ok(), expected, "{text}");
        }
    }

    #[test]
    fn syntax_errors_say_where() {
        let err = parse("{\n  \"a\": 1,\n  }").expect_err("trailing comma");
        assert_eq!(err.path, ".");
        assert!(err.message.contains("line 3 column 3"), "{}", err.message);
    }

    #[test]
    fn quoting_round_trips() {
        for text in ["", "plain", "q\"b\\s/\n\r\t\u{1}\u{1f}é🍪"] {
            assert_eq!(parse(&quote(text)), Ok(s(text)));
        }
        assert_eq!(
            string_array(&["a".to_string(), "b\"".to_string()]),
            r#"["a","b\""]"#
        );
    }

    #[test]
    fn typed_readers_name_the_field() {
        let doc =
            parse(r#"{"n": -1, "f": 1.5, "s": 2, "list": ["a", 3], "v": "pink"}"#).expect("valid");
        let fields = Fields::of(&doc, ".", &["n", "f", "s", "list", "v", "absent"]).expect("ok");
        let (n, path) = fields.require("n").expect("n");
        assert_eq!(
            u32(n, &path).expect_err("negative").message,
            "invalid value: integer `-1`, expected u32"
        );
        let (f, path) = fields.require("f").expect("f");
        assert!(u32(f, &path)
            .expect_err("float")
            .message
            .contains("floating"));
        let (v, path) = fields.require("s").expect("s");
        assert_eq!(string(v, &path).expect_err("number").path, "s");
        let (list, path) = fields.require("list").expect("list");
        assert_eq!(strings(list, &path).expect_err("item").path, "list[1]");
        let (v, path) = fields.require("v").expect("v");
        assert!(variant(v, &path, &["auto", "light"])
            .expect_err("variant")
            .message
            .contains("unknown variant `pink`"));
        assert_eq!(fields.optional("absent", string), Ok(None));
        assert_eq!(
            fields.require("absent").expect_err("missing").message,
            "missing field `absent`"
        );
        let err = Fields::of(&doc, "x.y", &["n"]).err().expect("unknown");
        assert_eq!(err.path, "x.y.f");
        assert!(err.message.starts_with("unknown field `f`"));
        assert_eq!(
            Fields::of(&Value::Array(vec![]), "a", &[])
                .err()
                .map(|e| e.path),
            Some("a".to_string())
        );
    }
}
