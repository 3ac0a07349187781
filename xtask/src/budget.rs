//! The size budgets of `dist/` (`budgets.toml` at the repository root): per visit, the gzip bytes
//! of the widget files a browser requests, against a `goal` (issue 16's target) and a `ceiling`
//! (the ratchet `cargo xtask dist` enforces: it fails when a total passes it).

use std::fmt::Write as _;

/// The budgets file, relative to the repository root.
pub const FILE: &str = "budgets.toml";

/// A visit whose widget bytes are budgeted, as `tests/bench` counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visit {
    /// No stored choice: the loader, the stylesheet and the full build.
    First,
    /// A valid stored choice: the loader, the stylesheet and the core build.
    Returning,
}

impl Visit {
    /// Both visits, in the order the table prints them.
    pub const ALL: [Visit; 2] = [Visit::First, Visit::Returning];

    /// The table name in `budgets.toml`.
    pub fn key(self) -> &'static str {
        match self {
            Visit::First => "first_visit",
            Visit::Returning => "returning_visit",
        }
    }

    /// How the size table names it.
    pub fn label(self) -> &'static str {
        match self {
            Visit::First => "first visit",
            Visit::Returning => "returning visit",
        }
    }
}

/// The budget of one visit, in gzip bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// What the issue asks for.
    pub goal: usize,
    /// Above this the build fails: today's total plus a little, lowered as the widget shrinks.
    pub ceiling: usize,
}

/// The budget of each visit, in [`Visit::ALL`] order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budgets(pub [Budget; 2]);

impl Budgets {
    /// Reads `budgets.toml`: one table per visit (`[first_visit]`, `[returning_visit]`), each with
    /// exactly `goal` and `ceiling` as whole numbers of bytes (`_` separators allowed); `#`
    /// comments and blank lines. Anything else is an error naming the line, so a typo cannot
    /// silently drop a budget.
    pub fn parse(text: &str) -> Result<Budgets, String> {
        let mut found: [(Option<usize>, Option<usize>); 2] = [(None, None); 2];
        let mut table: Option<usize> = None;
        for (index, raw) in text.lines().enumerate() {
            let line_no = index + 1;
            let fail = |message: String| format!("{FILE} line {line_no}: {message}");
            let line = match raw.find('#') {
                Some(at) => &raw[..at],
                None => raw,
            }
            .trim();
            if line.is_empty() {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                let name = name.trim();
                let visit = Visit::ALL
                    .iter()
                    .position(|v| v.key() == name)
                    .ok_or_else(|| fail(format!("unknown table [{name}]")))?;
                table = Some(visit);
                continue;
            }
            let (key, value) = line
                .split_once('=')
                .ok_or_else(|| fail(format!("expected `key = bytes`, got `{line}`")))?;
            let visit = table.ok_or_else(|| fail("a key before any table".into()))?;
            let value = value.trim();
            let bytes: usize = (!value.starts_with('_') && !value.ends_with('_'))
                .then(|| value.replace('_', "").parse().ok())
                .flatten()
                .ok_or_else(|| fail(format!("`{value}` is not a whole number of bytes")))?;
            let slot = match key.trim() {
                "goal" => &mut found[visit].0,
                "ceiling" => &mut found[visit].1,
                other => return Err(fail(format!("unknown key `{other}`"))),
            };
            if slot.replace(bytes).is_some() {
                return Err(fail(format!("`{}` is set twice", key.trim())));
            }
        }
        let mut budgets = [Budget {
            goal: 0,
            ceiling: 0,
        }; 2];
        for (visit, (goal, ceiling)) in Visit::ALL.iter().zip(found) {
            let missing = |key: &str| format!("{FILE}: [{}] has no `{key}`", visit.key());
            budgets[*visit as usize] = Budget {
                goal: goal.ok_or_else(|| missing("goal"))?,
                ceiling: ceiling.ok_or_else(|| missing("ceiling"))?,
            };
        }
        Ok(Budgets(budgets))
    }

    /// The budget of `visit`.
    pub fn of(&self, visit: Visit) -> Budget {
        self.0[visit as usize]
    }

    /// Checks each visit's gzip total (`totals`, in [`Visit::ALL`] order) against its ceiling.
    /// `Ok` is the report (one line per visit, with the distance to the goal); `Err` names every
    /// total over its ceiling, and says what to do.
    pub fn check(&self, totals: [usize; 2]) -> Result<String, String> {
        let mut report = String::new();
        let mut over = Vec::new();
        for (visit, total) in Visit::ALL.into_iter().zip(totals) {
            let budget = self.of(visit);
            let ceiling = if total > budget.ceiling {
                over.push(format!(
                    "{} widget bytes are {} gzip, {} over the ceiling of {}",
                    visit.label(),
                    grouped(total),
                    grouped(total - budget.ceiling),
                    grouped(budget.ceiling)
                ));
                "OVER the ceiling".to_string()
            } else {
                format!("{} under the ceiling", grouped(budget.ceiling - total))
            };
            let goal = if total > budget.goal {
                format!(
                    "{} to go to the goal of {} ({:.2}×)",
                    grouped(total - budget.goal),
                    grouped(budget.goal),
                    total as f64 / budget.goal as f64
                )
            } else {
                format!("within the goal of {}", grouped(budget.goal))
            };
            let _ = writeln!(
                report,
                "{:<15}  {:>9} gzip  {ceiling}; {goal}",
                visit.label(),
                grouped(total)
            );
        }
        if over.is_empty() {
            Ok(report)
        } else {
            Err(format!(
                "size budget exceeded ({FILE}):\n  {}\nShrink the widget, or raise the ceiling in \
                 {FILE} with the reason in the commit message.",
                over.join("\n  ")
            ))
        }
    }
}

/// `225443` → `"225,443"`.
pub fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "# budgets\n[first_visit]\ngoal = 71_373 # Klaro\nceiling = 200_000\n\n\
                          [returning_visit]\nceiling = 120000\ngoal = 32_973\n";

    #[test]
    fn the_checked_in_budgets_parse() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("repository");
        let text = std::fs::read_to_string(root.join(FILE)).expect("budgets.toml");
        let budgets = Budgets::parse(&text).expect("valid");
        for visit in Visit::ALL {
            let budget = budgets.of(visit);
            assert!(budget.goal > 0 && budget.ceiling > 0, "{visit:?}");
        }
    }

    #[test]
    fn budgets_are_read_per_visit() {
        let budgets = Budgets::parse(SAMPLE).expect("valid");
        assert_eq!(
            budgets.of(Visit::First),
            Budget {
                goal: 71_373,
                ceiling: 200_000
            }
        );
        assert_eq!(
            budgets.of(Visit::Returning),
            Budget {
                goal: 32_973,
                ceiling: 120_000
            }
        );
    }

    #[test]
    fn a_malformed_budgets_file_is_refused_with_its_line() {
        for (text, says) in [
            (
                "[first_visit]\ngoal = 1\nceiling = 2\n",
                "[returning_visit] has no `goal`",
            ),
            (
                "[first_visit]\ngoal = 1\n",
                "[first_visit] has no `ceiling`",
            ),
            ("[first_visit]\ngoal = 1\nceiling = 2\ngoal = 3\n", "line 4"),
            ("[first-visit]\n", "unknown table [first-visit]"),
            ("goal = 1\n", "a key before any table"),
            ("[first_visit]\ngoal = 1.5\n", "line 2: `1.5` is not"),
            ("[first_visit]\ngoal = -1\n", "`-1` is not"),
            ("[first_visit]\nceilling = 1\n", "unknown key `ceilling`"),
            ("[first_visit]\ngoal\n", "expected `key = bytes`"),
        ] {
            let error = Budgets::parse(text).expect_err(text);
            assert!(error.contains(says), "{text:?}: {error}");
        }
    }

    #[test]
    fn a_total_over_its_ceiling_fails_the_build_and_names_the_visit() {
        let budgets = Budgets::parse(SAMPLE).expect("valid");
        let error = budgets
            .check([200_001, 100_000])
            .expect_err("over the first-visit ceiling");
        assert!(
            error.contains(
                "first visit widget bytes are 200,001 gzip, 1 over the ceiling of 200,000"
            ),
            "{error}"
        );
        assert!(!error.contains("returning visit"), "{error}");
        let error = budgets
            .check([1, 120_001])
            .expect_err("over the returning-visit ceiling");
        assert!(error.contains("returning visit"), "{error}");
    }

    #[test]
    fn a_total_at_or_under_its_ceiling_passes_with_the_distance_to_the_goal() {
        let budgets = Budgets::parse(SAMPLE).expect("valid");
        let report = budgets.check([200_000, 30_000]).expect("at the ceiling");
        assert!(
            report.contains("0 under the ceiling; 128,627 to go to the goal of 71,373 (2.80×)"),
            "{report}"
        );
        assert!(report.contains("within the goal of 32,973"), "{report}");
    }

    #[test]
    fn sizes_are_printed_with_thousands_separators() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(225_443), "225,443");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }
}
