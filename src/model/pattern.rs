//! Cookie and storage name patterns: literal names with `*` matching any run of characters.

/// Whether `name` matches `pattern`, where `*` stands for any run of characters (also none).
pub fn matches(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return pattern == name;
    };
    if parts.len() == 1 {
        return pattern == name;
    }
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Whether `name` matches any of `patterns`.
pub fn matches_any<S: AsRef<str>>(patterns: &[S], name: &str) -> bool {
    patterns.iter().any(|p| matches(p.as_ref(), name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_literal_pattern_matches_only_that_name() {
        assert!(matches("_ga", "_ga"));
        assert!(!matches("_ga", "_gat"));
        assert!(!matches("_ga", "x_ga"));
    }

    #[test]
    fn a_star_matches_any_run_of_characters() {
        assert!(matches("_ga_*", "_ga_DEMO"));
        assert!(matches("_ga_*", "_ga_"));
        assert!(!matches("_ga_*", "_ga"));
        assert!(matches("*", "anything"));
        assert!(matches("a*b*c", "a-b-c"));
        assert!(matches("a*b*c", "abc"));
        assert!(!matches("a*b*c", "acb"));
        assert!(!matches("ab*ba", "aba"));
    }

    #[test]
    fn names_in_other_scripts_match_by_character() {
        assert!(matches("café*", "café_1"));
        assert!(matches("*é", "passé"));
        assert!(matches("会话*id", "会话_用户_id"));
        assert!(!matches("é*", "e_1"));
        assert!(matches("**", ""));
    }

    #[test]
    fn any_of_several_patterns_may_match() {
        assert!(matches_any(&["mk_id", "_fb*"], "_fbp"));
        assert!(!matches_any::<&str>(&[], "_fbp"));
    }
}
