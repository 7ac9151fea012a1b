//! No circular imports between the top-level modules of a crate: each
//! module of `vcsim-rules` and `vcsim-hdf5` may use only modules below it in
//! a layering (ARCHITECTURE.md lists it). A cycle makes a crate hard to read
//! in any order and to change one piece at a time.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).expect("readable source dir") {
        let p = e.expect("dir entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file belongs to (`sim/build.rs` → `sim`).
fn top_module(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src");
    let first = rel.components().next().expect("non-empty");
    first
        .as_os_str()
        .to_string_lossy()
        .trim_end_matches(".rs")
        .to_owned()
}

/// Top-level module → the top-level modules its code names as `crate::m`
/// (comments and doc comments are skipped; `lib.rs` is the root, not a module).
fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeSet<String> = files
        .iter()
        .map(|f| top_module(src, f))
        .filter(|m| m != "lib")
        .collect();
    let mut g: BTreeMap<String, BTreeSet<String>> = modules
        .iter()
        .map(|m| (m.clone(), BTreeSet::new()))
        .collect();
    for f in &files {
        let from = top_module(src, f);
        if from == "lib" {
            continue;
        }
        let text = fs::read_to_string(f).expect("readable");
        for line in text.lines() {
            let code = line.split("//").next().unwrap_or("");
            let mut rest = code;
            while let Some(i) = rest.find("crate::") {
                rest = &rest[i + "crate::".len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if name != from && modules.contains(&name) {
                    g.get_mut(&from).expect("module").insert(name);
                }
            }
            // `use crate::{a, b::c}` groups.
            if let Some(i) = code.find("crate::{") {
                for part in code[i + "crate::{".len()..].split([',', '}']) {
                    let name = part.trim().split("::").next().unwrap_or("").trim();
                    if name != from && modules.contains(name) {
                        g.get_mut(&from).expect("module").insert(name.to_owned());
                    }
                }
            }
        }
    }
    g
}

/// A cycle of `g` as a path, if there is one.
fn find_cycle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_owned(), 1);
        path.push(n.to_owned());
        for m in &g[n] {
            match state.get(m.as_str()).copied().unwrap_or(0) {
                1 => {
                    let start = path.iter().position(|p| p == m).expect("on path");
                    let mut c = path[start..].to_vec();
                    c.push(m.clone());
                    return Some(c);
                }
                0 => {
                    if let Some(c) = visit(m, g, state, path) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        path.pop();
        state.insert(n.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in g.keys() {
        if state.get(n.as_str()).copied().unwrap_or(0) == 0
            && let Some(c) = visit(n, g, &mut state, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}

fn check_crate(name: &str) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(name)
        .join("src");
    let g = graph(&src);
    if let Some(c) = find_cycle(&g) {
        panic!(
            "{name}: circular imports between modules: {}\nthe whole graph: {g:#?}",
            c.join(" → ")
        );
    }
}

#[test]
fn vcsim_rules_has_no_circular_imports() {
    check_crate("vcsim-rules");
}

#[test]
fn vcsim_hdf5_has_no_circular_imports() {
    check_crate("vcsim-hdf5");
}

#[test]
fn the_check_finds_a_cycle() {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.insert("a".into(), ["b".to_owned()].into());
    g.insert("b".into(), ["c".to_owned()].into());
    g.insert("c".into(), ["a".to_owned()].into());
    g.insert("d".into(), BTreeSet::new());
    assert_eq!(
        find_cycle(&g),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    g.get_mut("c").expect("c").clear();
    assert_eq!(find_cycle(&g), None);
}
