//! Routes: where in a document a finding is, as keys and indices.
//!
//! A route is resolved to a position in one place (the engine's `resources::locate_path`),
//! and written as text by one function ([`Route`]'s `Display`), which the JSON `path`, the
//! SARIF fingerprint and every human format use. The text is
//! `spec.template.spec.containers[0].image`: keys joined by `.`, indices in brackets, and a
//! key that is empty or holds `.`, `[`, `]`, a quote, a backslash or a space written quoted,
//! `data['application.properties']`, with `'` and `\` escaped by a backslash.
//! [`Route::parse`] reads that text back exactly.

use std::fmt;

/// One step of a route.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// A field of a document: the keys and indices that lead to it from the document's root.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Route(Vec<Segment>);

impl Route {
    /// The document's root.
    pub fn root() -> Route {
        Route(Vec::new())
    }

    /// Reads a route's text (see the module documentation). Text written by hand in the
    /// rules (`spec.template.spec`) and text written by [`Route`]'s `Display` both read.
    /// An unterminated quote or bracket ends the route where it starts.
    pub fn parse(text: &str) -> Route {
        let mut out = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix("['") {
                let mut key = String::new();
                let mut chars = r.char_indices();
                let mut end = None;
                while let Some((i, c)) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some((_, escaped)) = chars.next() {
                                key.push(escaped);
                            }
                        }
                        '\'' if r[i + 1..].starts_with(']') => {
                            end = Some(i + 2);
                            break;
                        }
                        c => key.push(c),
                    }
                }
                let Some(end) = end else { break };
                out.push(Segment::Key(key));
                rest = &r[end..];
            } else if let Some(r) = rest.strip_prefix('[') {
                let Some(end) = r.find(']') else { break };
                if let Ok(i) = r[..end].parse() {
                    out.push(Segment::Index(i));
                }
                rest = &r[end + 1..];
            } else if let Some(r) = rest.strip_prefix('.') {
                rest = r;
            } else {
                let end = rest.find(['.', '[']).unwrap_or(rest.len());
                out.push(Segment::Key(rest[..end].to_string()));
                rest = &rest[end..];
            }
        }
        Route(out)
    }

    /// This route, then the key `key` (taken as it is: dots and brackets in it are part
    /// of the key).
    pub fn key(mut self, key: impl Into<String>) -> Route {
        self.0.push(Segment::Key(key.into()));
        self
    }

    /// This route, then the index `i`.
    pub fn index(mut self, i: usize) -> Route {
        self.0.push(Segment::Index(i));
        self
    }

    /// This route, then the route `rel`.
    pub fn join(mut self, rel: &Route) -> Route {
        self.0.extend(rel.0.iter().cloned());
        self
    }

    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The route without its last `n` segments.
    pub fn parent(&self, n: usize) -> Route {
        Route(self.0[..self.0.len().saturating_sub(n)].to_vec())
    }

    /// The route up to each of its segments, shortest first (`spec`, `spec.replicas`).
    pub fn prefixes(&self) -> impl Iterator<Item = Route> + '_ {
        (1..=self.0.len()).map(|n| Route(self.0[..n].to_vec()))
    }

    /// The rest of this route after `prefix`, when it starts with it.
    pub fn strip_prefix(&self, prefix: &Route) -> Option<Route> {
        self.0.starts_with(&prefix.0).then(|| Route(self.0[prefix.0.len()..].to_vec()))
    }

    /// Whether the route ends with the key `key`.
    pub fn ends_with_key(&self, key: &str) -> bool {
        matches!(self.0.last(), Some(Segment::Key(k)) if k == key)
    }
}

/// Whether a key must be written quoted to read back as one key.
fn needs_quotes(key: &str) -> bool {
    key.is_empty() || key.contains(['.', '[', ']', '\'', '"', '\\', ' '])
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            match s {
                Segment::Index(n) => write!(f, "[{n}]")?,
                Segment::Key(k) if needs_quotes(k) => {
                    f.write_str("['")?;
                    for c in k.chars() {
                        if matches!(c, '\'' | '\\') {
                            f.write_str("\\")?;
                        }
                        write!(f, "{c}")?;
                    }
                    f.write_str("']")?;
                }
                Segment::Key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
            }
        }
        Ok(())
    }
}

impl From<&str> for Route {
    fn from(text: &str) -> Route {
        Route::parse(text)
    }
}

impl From<String> for Route {
    fn from(text: String) -> Route {
        Route::parse(&text)
    }
}

impl From<&String> for Route {
    fn from(text: &String) -> Route {
        Route::parse(text)
    }
}

impl PartialEq<str> for Route {
    fn eq(&self, text: &str) -> bool {
        *self == Route::parse(text)
    }
}

impl PartialEq<&str> for Route {
    fn eq(&self, text: &&str) -> bool {
        *self == Route::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_reads_back_as_the_same_route() {
        let r = Route::parse("spec.template.spec.containers[0].image");
        assert_eq!(
            r.segments(),
            [
                Segment::Key("spec".into()),
                Segment::Key("template".into()),
                Segment::Key("spec".into()),
                Segment::Key("containers".into()),
                Segment::Index(0),
                Segment::Key("image".into()),
            ]
        );
        assert_eq!(r.to_string(), "spec.template.spec.containers[0].image");
        for key in ["application.properties", "a'b", "back\\slash", "", "x[0]", "with space", "a.b/c"] {
            let r = Route::parse("data").key(key);
            assert_eq!(Route::parse(&r.to_string()), r, "{r}");
        }
        assert_eq!(Route::parse("data").key("application.properties").to_string(), "data['application.properties']");
        assert_eq!(Route::parse("metadata.annotations").key("it's").to_string(), "metadata.annotations['it\\'s']");
        assert_eq!(Route::root().key("a.b").key("c").to_string(), "['a.b'].c");
    }

    #[test]
    fn unterminated_text_ends_the_route_where_it_starts() {
        assert_eq!(Route::parse("a['b"), Route::parse("a"));
        assert_eq!(Route::parse("a[0"), Route::parse("a"));
        assert_eq!(Route::parse("a[x].b"), Route::parse("a.b"));
    }

    #[test]
    fn prefixes_parents_and_suffixes() {
        let r = Route::parse("spec.template.metadata.labels");
        assert_eq!(r.parent(1), "spec.template.metadata");
        assert_eq!(r.prefixes().map(|p| p.to_string()).collect::<Vec<_>>()[1], "spec.template");
        assert_eq!(r.strip_prefix(&Route::parse("spec.template")).unwrap(), "metadata.labels");
        assert!(r.strip_prefix(&Route::parse("spec.x")).is_none());
        assert!(r.ends_with_key("labels"));
    }
}
