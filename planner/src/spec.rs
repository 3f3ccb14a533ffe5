//! Revision specs as Alembic accepts them: `head`, `heads`, `base`, `current`, a full id, a
//! unique prefix (4+ characters), a branch label, `<label>@head`, `<label>@heads`, `+N`, `-N`,
//! `<rev>+N`, `<rev>-N`, `<label>@+N`, and `<rev>@-N`.

use crate::error::{Error, ErrorKind, Result};

/// Longest spec accepted; anything longer is certainly not a revision.
pub const MAX_SPEC_LEN: usize = 256;

/// A revision spec, parsed but not yet resolved against a graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spec {
    /// `head`, or `<branch>@head`.
    Head { branch: Option<String> },
    /// `heads`, or `<branch>@heads`.
    Heads { branch: Option<String> },
    /// `base`.
    Base,
    /// `current`: the revisions the database is at.
    Current,
    /// A revision id, unique prefix or branch label, optionally `<branch>@<rev>`.
    Rev { branch: Option<String>, id: String },
    /// `+N`, `-N` (from where the database is), `<anchor>+N`, `<anchor>-N`, `<branch>@-N`.
    Relative {
        branch: Option<String>,
        anchor: Option<String>,
        steps: i64,
    },
}

fn invalid(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidSpec, msg)
}

/// Quote user input for a message: printable, bounded, control characters escaped.
pub fn quote(s: &str) -> String {
    let mut out = String::from("'");
    for (n, c) in s.chars().enumerate() {
        if n == 60 {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

fn is_word(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

fn grammar_hint() -> &'static str {
    "a revision spec is head, heads, base, a revision id or a unique prefix of at least 4 characters, <label>@head, +N, -N, <rev>+N, <rev>-N or <rev>@-1"
}

impl Spec {
    /// Does the spec mean something only relative to where the database is (`current`, `+N`,
    /// `-N`, `current+N`, `<label>@-N`)?
    pub fn depends_on_current(&self) -> bool {
        match self {
            Spec::Current => true,
            Spec::Relative { anchor: None, .. } => true,
            Spec::Relative {
                anchor: Some(a), ..
            } => a == "current",
            _ => false,
        }
    }

    /// Parse a spec. Rejects empty, overlong and malformed input with a message that quotes it.
    pub fn parse(input: &str) -> Result<Spec> {
        let s = input.trim();
        if s.is_empty() {
            return Err(invalid("empty revision spec").with_hint(grammar_hint()));
        }
        if input.len() > MAX_SPEC_LEN {
            return Err(invalid(format!(
                "revision spec is {} bytes long; revision ids have at most 32 characters",
                input.len()
            )));
        }
        if let Some(c) = s
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '@' | '+' | '-')))
        {
            return Err(invalid(format!(
                "revision spec {} contains {}, which no revision spec uses",
                quote(input),
                quote(&c.to_string())
            ))
            .with_hint(grammar_hint()));
        }
        let (branch, rest) = match s.split_once('@') {
            Some((b, r)) => {
                if !is_word(b) {
                    return Err(invalid(format!(
                        "revision spec {} has no branch or revision before '@'",
                        quote(input)
                    ))
                    .with_hint(grammar_hint()));
                }
                if matches!(b, "head" | "heads" | "base" | "current") {
                    return Err(invalid(format!(
                        "revision spec {}: '{b}' is a keyword, not a branch",
                        quote(input)
                    ))
                    .with_hint(grammar_hint()));
                }
                (Some(b.to_owned()), r)
            }
            None => (None, s),
        };
        if rest.contains('@') {
            return Err(invalid(format!(
                "revision spec {} has more than one '@'",
                quote(input)
            ))
            .with_hint(grammar_hint()));
        }
        if let Some(pos) = rest.find(['+', '-']) {
            let (anchor, num) = rest.split_at(pos);
            let digits = &num[1..];
            if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
                return Err(invalid(format!(
                    "revision spec {}: a relative step is '+' or '-' followed by digits",
                    quote(input)
                ))
                .with_hint(grammar_hint()));
            }
            let n: i64 = digits
                .parse()
                .map_err(|_| invalid(format!("relative step in {} is too large", quote(input))))?;
            if n == 0 {
                return Err(invalid(format!(
                    "revision spec {}: a relative step of 0 goes nowhere",
                    quote(input)
                )));
            }
            if !anchor.is_empty() && !is_word(anchor) {
                return Err(
                    invalid(format!("revision spec {} is malformed", quote(input)))
                        .with_hint(grammar_hint()),
                );
            }
            let steps = if num.starts_with('-') { -n } else { n };
            return Ok(Spec::Relative {
                branch,
                anchor: (!anchor.is_empty()).then(|| anchor.to_owned()),
                steps,
            });
        }
        if !is_word(rest) {
            return Err(
                invalid(format!("revision spec {} is malformed", quote(input)))
                    .with_hint(grammar_hint()),
            );
        }
        Ok(match (rest, branch) {
            ("head", branch) => Spec::Head { branch },
            ("heads", branch) => Spec::Heads { branch },
            ("base", None) => Spec::Base,
            ("current", None) => Spec::Current,
            ("base" | "current", Some(b)) => {
                return Err(invalid(format!(
                    "revision spec {}: '{rest}' cannot be qualified with a branch ('{b}@')",
                    quote(input)
                )))
            }
            (id, branch) => Spec::Rev {
                branch,
                id: id.to_owned(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(branch: Option<&str>, anchor: Option<&str>, steps: i64) -> Spec {
        Spec::Relative {
            branch: branch.map(str::to_owned),
            anchor: anchor.map(str::to_owned),
            steps,
        }
    }

    #[test]
    fn every_form_parses() {
        assert_eq!(Spec::parse("head").unwrap(), Spec::Head { branch: None });
        assert_eq!(
            Spec::parse(" heads ").unwrap(),
            Spec::Heads { branch: None }
        );
        assert_eq!(Spec::parse("base").unwrap(), Spec::Base);
        assert_eq!(Spec::parse("current").unwrap(), Spec::Current);
        assert_eq!(
            Spec::parse("968b0dff6a9b").unwrap(),
            Spec::Rev {
                branch: None,
                id: "968b0dff6a9b".into()
            }
        );
        assert_eq!(
            Spec::parse("search@head").unwrap(),
            Spec::Head {
                branch: Some("search".into())
            }
        );
        assert_eq!(
            Spec::parse("search@heads").unwrap(),
            Spec::Heads {
                branch: Some("search".into())
            }
        );
        assert_eq!(
            Spec::parse("lbl@abcd").unwrap(),
            Spec::Rev {
                branch: Some("lbl".into()),
                id: "abcd".into()
            }
        );
        assert_eq!(Spec::parse("+2").unwrap(), rel(None, None, 2));
        assert_eq!(Spec::parse("-1").unwrap(), rel(None, None, -1));
        assert_eq!(Spec::parse("ae10+2").unwrap(), rel(None, Some("ae10"), 2));
        assert_eq!(Spec::parse("ae10-3").unwrap(), rel(None, Some("ae10"), -3));
        assert_eq!(Spec::parse("head-1").unwrap(), rel(None, Some("head"), -1));
        assert_eq!(Spec::parse("x_y@-1").unwrap(), rel(Some("x_y"), None, -1));
        assert_eq!(Spec::parse("lbl@+1").unwrap(), rel(Some("lbl"), None, 1));
        assert_eq!(
            Spec::parse("lbl@ab12+1").unwrap(),
            rel(Some("lbl"), Some("ab12"), 1)
        );
    }

    #[test]
    fn every_error_is_invalid_spec_with_a_message() {
        for bad in [
            "",
            "   ",
            "@",
            "@head",
            "a@@b",
            "a@b@c",
            "+",
            "-",
            "+x",
            "1+2+3",
            "a+-1",
            "+0",
            "-0",
            "a;drop table x",
            "a b",
            "'",
            "\"x\"",
            "a:b",
            "é",
            "a\u{0}b",
            "base@x",
            "x@base",
            "x@current",
            "a+99999999999999999999",
            "--1",
            "a-",
            "-1a",
        ] {
            let e = Spec::parse(bad).expect_err(bad);
            assert_eq!(e.kind, ErrorKind::InvalidSpec, "{bad}: {e}");
            assert!(!e.message.is_empty());
        }
        let long = "a".repeat(MAX_SPEC_LEN + 1);
        assert!(Spec::parse(&long)
            .unwrap_err()
            .message
            .contains("bytes long"));
    }

    #[test]
    fn specs_that_depend_on_the_current_revision() {
        for s in ["current", "+1", "-2", "current+1", "x_y@-1"] {
            assert!(Spec::parse(s).unwrap().depends_on_current(), "{s}");
        }
        for s in ["head", "base", "abcd", "abcd+1", "abcd-1", "lbl@head"] {
            assert!(!Spec::parse(s).unwrap().depends_on_current(), "{s}");
        }
    }

    #[test]
    fn quote_escapes_and_bounds() {
        assert_eq!(quote("a\nb"), "'a\\nb'");
        assert!(quote(&"x".repeat(500)).chars().count() < 70);
    }
}
