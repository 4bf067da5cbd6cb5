//! The layer order of `ARCHITECTURE.md`, checked: every `crate::…` path in `src/` names a
//! module of the same layer or of a lower one, and the top-level modules import each other
//! without a cycle. The table below is the one place the order is written down in code;
//! `ARCHITECTURE.md` shows it, and a test checks the two agree.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level modules from the bottom layer to the top one. A module may use its own layer and
/// the layers below it, never one above.
const LAYERS: &[&[&str]] = &[
    &["text", "i18n", "paths", "format", "names"],
    &["fs"],
    &["ftp"],
    &["transfer", "sync"],
    &["bookmarks"],
    &["config"],
    &["state"],
    &["ui"],
    &["demo"],
    &["app"],
    &["cli"],
    &["lib", "main"],
];

/// Modules that import nothing from skiff at all.
const LEAVES: &[&str] = &["text", "demo"];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

fn sources() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

/// `src/state/mod.rs` → `state`, `src/cli.rs` → `cli`, and the path from `src/`.
fn module_of(file: &Path) -> (String, String) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let rel = file.strip_prefix(&src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    let module = first.strip_suffix(".rs").unwrap_or(&first).to_string();
    (module, format!("src/{}", rel.display()))
}

/// The code of a file without its comments (doc comments may name any module).
fn code(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules a piece of code names through `crate::`: `crate::fs::Entry`,
/// `use crate::{fs, ftp::FtpError}`, `crate::{ui::{self, text}}` (with its line).
fn imports(code: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for (i, _) in code.match_indices("crate::") {
        // `$crate::` in a macro is the using crate; it counts like `crate::`.
        let before = code[..i].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let line = code[..i].matches('\n').count() + 1;
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // Names at the first level of the group.
            let mut depth = 0;
            let mut word = String::new();
            let mut at_start = true;
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        if !word.is_empty() {
                            out.push((std::mem::take(&mut word), line));
                        }
                        at_start = true;
                    }
                    c if depth == 0 && at_start && (c.is_alphanumeric() || c == '_') => {
                        word.push(c)
                    }
                    c if c.is_whitespace() && word.is_empty() => {}
                    _ if depth == 0 && at_start => {
                        if !word.is_empty() {
                            out.push((std::mem::take(&mut word), line));
                        }
                        at_start = false;
                    }
                    _ => {}
                }
            }
            if !word.is_empty() {
                out.push((word, line));
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.push((name, line));
        }
    }
    out
}

/// Every import between two top-level modules: (file, line, from, to).
fn edges() -> Vec<(String, usize, String, String)> {
    let mut out = Vec::new();
    for f in sources() {
        let (module, shown) = module_of(&f);
        let text = std::fs::read_to_string(&f).unwrap();
        for (to, line) in imports(&code(&text)) {
            // Macros exported at the crate root (`crate::tr!`) belong to i18n.
            let to = match to.as_str() {
                "tr" | "n_" => "i18n".to_string(),
                _ => to,
            };
            if to != module {
                out.push((shown.clone(), line, module.clone(), to));
            }
        }
    }
    out
}

#[test]
fn every_module_has_a_layer() {
    for f in sources() {
        let (module, shown) = module_of(&f);
        assert!(
            layer_of(&module).is_some(),
            "{shown}: module `{module}` is in no layer; add it to LAYERS in tests/layers.rs \
             and to the table in ARCHITECTURE.md"
        );
    }
    for (file, _, _, to) in edges() {
        assert!(
            layer_of(&to).is_some(),
            "{file}: `crate::{to}` is not a module"
        );
    }
}

#[test]
fn no_import_goes_up_a_layer() {
    let mut wrong = Vec::new();
    for (file, line, from, to) in edges() {
        let (Some(lf), Some(lt)) = (layer_of(&from), layer_of(&to)) else {
            continue;
        };
        let leaf = LEAVES.contains(&from.as_str());
        if lt > lf || leaf {
            wrong.push(if leaf {
                format!("{file}:{line}: `{from}` imports nothing from skiff, but uses `{to}`")
            } else {
                format!(
                    "{file}:{line}: `{from}` (layer {lf}) uses `{to}` (layer {lt}), a higher layer"
                )
            });
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layer order (ARCHITECTURE.md):\n{}",
        wrong.join("\n")
    );
}

/// `update` and `apply` do no I/O: the state's code (its tests aside) names no file system,
/// network, process, environment or async runtime.
#[test]
fn the_state_does_no_io() {
    let mut wrong = Vec::new();
    for f in sources() {
        let (module, shown) = module_of(&f);
        if module != "state" || shown.ends_with("/tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        let code = code(&text);
        let code = code.split("#[cfg(test)]").next().unwrap_or_default();
        for what in ["std::fs", "std::net", "std::process", "std::env", "tokio::"] {
            for (i, _) in code.match_indices(what) {
                let line = code[..i].matches('\n').count() + 1;
                wrong.push(format!("{shown}:{line}: {what}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "I/O in the reducer (make it an Effect the app runs):\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_cycle_between_top_level_modules() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (_, _, from, to) in edges() {
        graph.entry(from).or_default().insert(to);
    }
    // Depth-first search; a node met again while on the stack closes a cycle.
    fn visit(
        n: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|s| s == n) {
            let mut cycle = stack[i..].to_vec();
            cycle.push(n.to_string());
            return Some(cycle);
        }
        if done.contains(n) {
            return None;
        }
        stack.push(n.to_string());
        for m in graph.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, graph, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for n in graph.keys() {
        if let Some(c) = visit(n, &graph, &mut Vec::new(), &mut done) {
            panic!("import cycle: {}", c.join(" → "));
        }
    }
}

#[test]
fn architecture_md_shows_this_table() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md"))
            .unwrap();
    // The rows of the table between the markers, top layer first as the document shows it.
    let start = doc
        .find("<!-- layers -->")
        .expect("<!-- layers --> in ARCHITECTURE.md");
    let end = doc
        .find("<!-- /layers -->")
        .expect("<!-- /layers --> in ARCHITECTURE.md");
    let rows: Vec<Vec<String>> = doc[start..end]
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| layer") && !l.contains("---"))
        .map(|l| {
            let modules = l.split('|').nth(2).unwrap_or_default();
            modules
                .split(',')
                .map(|m| m.trim().trim_matches('`').to_string())
                .filter(|m| !m.is_empty())
                .collect()
        })
        .collect();
    let want: Vec<Vec<String>> = LAYERS
        .iter()
        .rev()
        .map(|l| l.iter().map(|m| m.to_string()).collect())
        .collect();
    assert_eq!(
        rows, want,
        "the layer table of ARCHITECTURE.md and LAYERS differ"
    );
}

#[test]
fn the_import_reader_reads_groups() {
    let code = "use crate::{fs::{self, Entry}, ftp::FtpError};\nuse crate::{text, i18n};\nlet x = crate::ui::text::fit(s);";
    let got: Vec<String> = imports(code).into_iter().map(|(m, _)| m).collect();
    assert_eq!(got, ["fs", "ftp", "text", "i18n", "ui"]);
}
