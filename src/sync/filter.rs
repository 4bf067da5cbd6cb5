//! Which paths a synchronisation looks at: `--exclude` and `--include` globs (repeatable, and
//! read from a file with `--exclude-from`), matched against the path relative to the top of
//! the tree.
//!
//! A pattern with a `/` is matched against the whole relative path (`docs/**/*.tmp`); one
//! without is matched against the name at any depth (`*.tmp`, `.git`), as in `.gitignore`.
//! `*` and `?` stay within one path component, `**` crosses them. An excluded directory is
//! not entered. With include patterns, a file is looked at only if one of them matches it
//! (directories are still entered); an exclude wins over an include. What is excluded is
//! neither copied nor deleted on the other side.

use glob::{MatchOptions, Pattern};

/// The compiled patterns.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    exclude: Patterns,
    include: Patterns,
    /// The patterns as given, for `--dry-run` and error messages.
    pub patterns: Vec<String>,
}

/// Patterns with a `/` (matched against the whole path) and without (against the name).
#[derive(Debug, Clone, Default)]
struct Patterns {
    path: Vec<Pattern>,
    name: Vec<Pattern>,
}

/// A pattern that does not compile.
#[derive(Debug, thiserror::Error)]
#[error("bad pattern {pattern:?}: {why}")]
pub struct BadPattern {
    pub pattern: String,
    pub why: String,
}

const HOW: MatchOptions = MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: false,
};

impl Patterns {
    fn new(patterns: &[String]) -> Result<Patterns, BadPattern> {
        let mut out = Patterns::default();
        for p in patterns {
            // A trailing `/` (`build/`) means the same as without here, a leading one the top.
            let q = p.trim_end_matches('/');
            if q.is_empty() {
                continue;
            }
            let compiled = Pattern::new(q.trim_start_matches('/')).map_err(|e| BadPattern {
                pattern: p.clone(),
                why: e.msg.to_string(),
            })?;
            if q.contains('/') {
                out.path.push(compiled);
            } else {
                out.name.push(compiled);
            }
        }
        Ok(out)
    }

    fn is_empty(&self) -> bool {
        self.path.is_empty() && self.name.is_empty()
    }

    fn hit(&self, rel: &str) -> bool {
        let base = rel.rsplit('/').next().unwrap_or(rel);
        self.path.iter().any(|p| p.matches_with(rel, HOW))
            || self.name.iter().any(|p| p.matches_with(base, HOW))
    }
}

impl Filter {
    pub fn new(include: &[String], exclude: &[String]) -> Result<Filter, BadPattern> {
        let patterns = exclude
            .iter()
            .map(|p| format!("--exclude {p}"))
            .chain(include.iter().map(|p| format!("--include {p}")))
            .collect();
        Ok(Filter {
            exclude: Patterns::new(exclude)?,
            include: Patterns::new(include)?,
            patterns,
        })
    }

    /// Exclude patterns from a file: one per line; blank lines and lines starting with `#`
    /// are skipped.
    pub fn lines_of(text: &str) -> Vec<String> {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_string)
            .collect()
    }

    /// Whether the entry at `rel` (relative, `/`-separated) is looked at.
    pub fn wants(&self, rel: &str, dir: bool) -> bool {
        if self.exclude.hit(rel) {
            return false;
        }
        dir || self.include.is_empty() || self.include.hit(rel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(include: &[&str], exclude: &[&str]) -> Filter {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        Filter::new(&s(include), &s(exclude)).expect("compiles")
    }

    #[test]
    fn names_match_at_any_depth_and_paths_from_the_top() {
        let x = f(&[], &["*.tmp", ".git", "docs/**/draft-*"]);
        assert!(!x.wants("a.tmp", false));
        assert!(!x.wants("deep/er/a.tmp", false));
        assert!(!x.wants(".git", true));
        assert!(!x.wants("sub/.git", true));
        assert!(!x.wants("docs/draft-1", false));
        assert!(!x.wants("docs/a/b/draft-2", false));
        assert!(x.wants("other/draft-3", false));
        assert!(x.wants("a.tmpl", false));
        assert!(x.wants("docs", true));
    }

    #[test]
    fn a_star_stays_in_one_component() {
        let x = f(&[], &["build/*"]);
        assert!(!x.wants("build/out.o", false));
        assert!(x.wants("build/sub/out.o", false));
        let x = f(&[], &["/build/**"]);
        assert!(!x.wants("build/sub/out.o", false));
    }

    #[test]
    fn includes_pick_files_and_excludes_win() {
        let x = f(&["*.jpg", "keep/**"], &["secret*"]);
        assert!(x.wants("a/b.jpg", false));
        assert!(!x.wants("a/b.png", false));
        assert!(x.wants("keep/any/thing.txt", false));
        assert!(x.wants("a", true), "directories are entered");
        assert!(!x.wants("secret.jpg", false));
    }

    #[test]
    fn a_pattern_file_skips_comments_and_a_bad_pattern_is_an_error() {
        assert_eq!(
            Filter::lines_of("# comment\n\n*.o\n  cache/  \n"),
            vec!["*.o".to_string(), "cache/".to_string()]
        );
        let x = f(&[], &["cache/"]);
        assert!(!x.wants("cache", true));
        let err = Filter::new(&[], &["a[".to_string()]).expect_err("unclosed class");
        assert!(err.to_string().contains("a["), "{err}");
    }
}
