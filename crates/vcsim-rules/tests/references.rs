//! Every source resolves inside the repository: the works that parameter
//! sources, rule sources and validation experiments cite by key (`[key]`)
//! all have an entry in `docs/references.md`; a source that cites no work
//! starts with a judgement word (`vcsim_rules::references::JUDGEMENTS`); and
//! no source still points at the domain notes kept outside the repository
//! ("PARAMETERS 3b", "MECHANISMS M6").

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use vcsim_rules::Scenario;
use vcsim_rules::references::{JUDGEMENTS, bracketed, is_cited_or_judged, is_key};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The keys of `docs/references.md`: one `<a id="key"></a>` anchor per entry.
fn reference_keys() -> BTreeSet<String> {
    let path = root().join("docs/references.md");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut keys = BTreeSet::new();
    for part in text.split("<a id=\"").skip(1) {
        let key = part
            .split_once("\"></a>")
            .unwrap_or_else(|| {
                panic!("docs/references.md: malformed anchor near <a id=\"{part:.40}")
            })
            .0;
        assert!(
            is_key(key),
            "docs/references.md: `{key}` is not a key (lowercase letters, digits, hyphens)"
        );
        assert!(
            keys.insert(key.to_string()),
            "docs/references.md: `{key}` has two entries"
        );
    }
    assert!(
        keys.len() > 20,
        "docs/references.md has only {} entries",
        keys.len()
    );
    keys
}

/// Where a text appears, the text, and whether it is a source (a source
/// must cite a key or start with a judgement word; other texts, such as
/// claims, may cite keys but need not).
struct Cited {
    place: String,
    text: String,
    is_source: bool,
}

/// Every parameter source, every rule source, and every experiment's
/// source and claim texts.
fn cited_texts() -> Vec<Cited> {
    let mut out = Vec::new();
    for m in vcsim_rules::scenario::params::all_meta() {
        out.push(Cited {
            place: format!("parameter {}.{}", m.section, m.key),
            text: m.source.to_string(),
            is_source: true,
        });
    }
    for r in vcsim_rules::tissue::rules::rules(&Scenario::default()) {
        out.push(Cited {
            place: format!("rule {} ({} ← {})", r.mechanism, r.behaviour, r.signal),
            text: r.source.to_string(),
            is_source: true,
        });
    }
    let dir = root().join("configs/experiments");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no experiment files in {}",
        dir.display()
    );
    for path in files {
        let name = format!(
            "configs/experiments/{}",
            path.file_name().expect("file name").to_string_lossy()
        );
        let text = std::fs::read_to_string(&path).expect("read experiment file");
        let doc: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let source = doc
            .get("source")
            .and_then(|v| v.as_str())
            .unwrap_or_else(|| panic!("{name} has no `source`"));
        out.push(Cited {
            place: format!("{name}, source"),
            text: source.to_string(),
            is_source: true,
        });
        let claims = doc.get("claims").and_then(|c| c.as_array());
        for (i, claim) in claims.into_iter().flatten().enumerate() {
            for field in ["text", "how"] {
                if let Some(t) = claim.get(field).and_then(|v| v.as_str()) {
                    out.push(Cited {
                        place: format!("{name}, claim {} {field}", i + 1),
                        text: t.to_string(),
                        is_source: false,
                    });
                }
            }
        }
    }
    out
}

/// The problems of one text: unknown or malformed keys, no key and no
/// judgement word (sources only), pointers at the domain notes.
fn problems(c: &Cited, keys: &BTreeSet<String>) -> Vec<String> {
    let mut out = Vec::new();
    for b in bracketed(&c.text) {
        if !is_key(b) {
            out.push(format!(
                "{}: `[{b}]` is not a key (lowercase letters, digits, hyphens); \
                 quote bracketed text that is not a citation in backticks: \"{}\"",
                c.place, c.text
            ));
        } else if !keys.contains(b) {
            out.push(format!(
                "{}: key [{b}] has no entry in docs/references.md: \"{}\"",
                c.place, c.text
            ));
        }
    }
    if c.is_source && !is_cited_or_judged(&c.text) {
        out.push(format!(
            "{}: the source cites no [key] and does not start with one of {JUDGEMENTS:?}: \"{}\"",
            c.place, c.text
        ));
    }
    for pointer in ["PARAMETERS", "MECHANISMS"] {
        if c.text.contains(pointer) {
            out.push(format!(
                "{}: points at {pointer} (domain notes outside the repository); cite the work's key instead: \"{}\"",
                c.place, c.text
            ));
        }
    }
    out
}

#[test]
fn every_source_resolves_in_docs_references() {
    let keys = reference_keys();
    let texts = cited_texts();
    let sources = texts.iter().filter(|c| c.is_source).count();
    assert!(
        sources > 250,
        "only {sources} sources found: are parameters, rules and experiments all read?"
    );
    let errors: Vec<String> = texts.iter().flat_map(|c| problems(c, &keys)).collect();
    assert!(
        errors.is_empty(),
        "{} problem(s) with sources:\n{}",
        errors.len(),
        errors.join("\n")
    );
}

/// The checks above catch what they are meant to: a key without an entry,
/// a bare paper name, a pointer at the domain notes, a malformed key.
#[test]
fn the_checks_catch_broken_sources() {
    let keys: BTreeSet<String> = ["jono2000".to_string()].into();
    let check = |text: &str| {
        problems(
            &Cited {
                place: "test".into(),
                text: text.into(),
                is_source: true,
            },
            &keys,
        )
    };
    assert!(check("[jono2000] 1.4 mM").is_empty());
    assert!(check("estimate: why").is_empty());
    assert!(check("estimate: see `[patient.variability]`").is_empty());
    let e = check("[jono2001] 1.4 mM");
    assert!(
        e.len() == 1 && e[0].contains("[jono2001] has no entry"),
        "{e:?}"
    );
    let e = check("Jono 2000: 1.4 mM");
    assert!(e.len() == 1 && e[0].contains("cites no [key]"), "{e:?}");
    let e = check("estimate (PARAMETERS 3b)");
    assert!(
        e.len() == 1 && e[0].contains("points at PARAMETERS"),
        "{e:?}"
    );
    let e = check("[Jono2000]");
    assert!(e.len() == 2 && e[0].contains("is not a key"), "{e:?}");
}
