//! The README's scenario example runs what it says: the CKD 4 preset's wall
//! and patient, three years, sevelamer.

use vcsim_rules::Scenario;

#[test]
fn the_readme_example_extends_the_ckd4_preset() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md");
    let start = readme
        .find("```toml\nextends")
        .expect("the README's scenario example")
        + 8;
    let end = start + readme[start..].find("```").expect("end of the block");
    let s = Scenario::from_toml(&readme[start..end], "README example", &[]).expect("valid");
    let ckd4 = Scenario::from_toml(
        vcsim_rules::presets::scenario("ckd4").expect("ckd4"),
        "ckd4",
        &[],
    )
    .expect("valid");
    assert_eq!(s.geometry, ckd4.geometry);
    assert_eq!(s.patient.kidney.egfr_mL_min, 22.0);
    assert_eq!(s.simulation.duration_days, 1095.0);
    assert_eq!(s.treatments.len(), 1);
}
