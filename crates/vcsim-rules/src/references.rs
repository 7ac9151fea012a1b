//! Citations in sources: every parameter and rule source, and every
//! validation experiment's source, cites the works it rests on by key in
//! square brackets, e.g. `[jono2000]`, each key an entry of
//! `docs/references.md`. A source that rests on no work is a judgement and
//! starts with one of [`JUDGEMENTS`] (it may cite keys as well).

/// Words a source that cites no work starts with (documented at the top of
/// `docs/references.md`).
pub const JUDGEMENTS: [&str; 5] = [
    "estimate",
    "calibrated",
    "scenario choice",
    "convention",
    "standard",
];

/// Whether `s` has the form of a reference key: a lowercase letter, then
/// lowercase letters, digits or hyphens.
pub fn is_key(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The text of every `[...]` of `text` outside code spans (`` `...` ``) and
/// not already a Markdown link (`[text](target)`), in order. Keys are the
/// ones for which [`is_key`] holds; anything else is bracketed text that is
/// not a citation.
pub fn bracketed(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut in_code = false;
    let mut open = None;
    for (i, c) in text.char_indices() {
        match c {
            '`' => {
                in_code = !in_code;
                open = None;
            }
            '[' if !in_code => open = Some(i),
            ']' if !in_code => {
                if let Some(start) = open.take()
                    && !text[i + 1..].starts_with('(')
                {
                    out.push(&text[start + 1..i]);
                }
            }
            _ => {}
        }
    }
    out
}

/// `markdown` with every cited key `[key]` turned into a link to its entry,
/// `[key](target#key)`; code spans and existing links are left alone.
pub fn link_keys(markdown: &str, target: &str) -> String {
    let mut out = String::with_capacity(markdown.len() + markdown.len() / 4);
    let mut in_code = false;
    let mut rest = markdown;
    while let Some(c) = rest.chars().next() {
        if c == '`' {
            in_code = !in_code;
        } else if c == '['
            && !in_code
            && let Some(end) = rest.find(']')
        {
            let inner = &rest[1..end];
            if is_key(inner) && !rest[end + 1..].starts_with('(') {
                out.push_str(&format!("[{inner}]({target}#{inner})"));
                rest = &rest[end + 1..];
                continue;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Whether a source cites at least one key or starts with a judgement word.
pub fn is_cited_or_judged(source: &str) -> bool {
    bracketed(source).iter().any(|k| is_key(k)) || JUDGEMENTS.iter().any(|j| source.starts_with(j))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_outside_code_spans_and_links_are_found_and_linked() {
        let s = "[jono2000] 1.4 mM; see `[patient.variability]`, [model.md](model.md) and [seed-review]";
        assert_eq!(bracketed(s), vec!["jono2000", "seed-review"]);
        assert_eq!(
            link_keys(s, "references.md"),
            "[jono2000](references.md#jono2000) 1.4 mM; see `[patient.variability]`, \
             [model.md](model.md) and [seed-review](references.md#seed-review)"
        );
        assert!(is_key("kdigo2017") && is_key("prolia-label"));
        assert!(!is_key("Jono2000") && !is_key("patient.variability") && !is_key(""));
        assert!(is_cited_or_judged("estimate: why"));
        assert!(is_cited_or_judged("a fact [jono2000]"));
        assert!(!is_cited_or_judged("Jono 2000: a fact"));
    }
}
