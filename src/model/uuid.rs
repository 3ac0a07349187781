//! UUIDv4 formatting from 16 random bytes (the bytes come from `crypto.getRandomValues`).

/// Formats `bytes` as a version-4, variant-1 UUID (`xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx`).
pub fn v4(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut out = String::with_capacity(36);
    for (i, byte) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(hex_digit(byte >> 4));
        out.push(hex_digit(byte & 0x0f));
    }
    out
}

/// Whether `text` has the shape of a UUID as [`v4`] makes them (lower-case hex, version 4).
pub fn is_v4(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            14 => *b == b'4',
            19 => matches!(b, b'8' | b'9' | b'a' | b'b'),
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(b),
        })
}

fn hex_digit(nibble: u8) -> char {
    char::from(b"0123456789abcdef"[usize::from(nibble & 0x0f)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_bytes_become_a_version_4_uuid() {
        let id = v4([0xff; 16]);
        assert_eq!(id, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert!(is_v4(&id));
        assert!(is_v4(&v4([0; 16])));
    }

    #[test]
    fn other_shapes_are_not_uuids() {
        assert!(!is_v4("not-a-uuid"));
        assert!(!is_v4("ffffffff-ffff-1fff-bfff-ffffffffffff"));
        assert!(!is_v4("FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF"));
    }
}
