//! Per-frame SVG snapshots (`vcsim run --svg DIR`): the wall's phenotype map
//! and mineral fraction side by side, with legends and fixed colour scales,
//! to look at a run without Python (as PhysiCell's SVG snapshots).

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use vcsim_rules::World;
use vcsim_rules::tissue::cells::Phenotype;

/// Colours of the phenotype codes (−1 no cell, then `Phenotype::ALL`).
const PHENOTYPE_COLOURS: [(&str, &str); 6] = [
    ("no cell", "#f2f2f2"),
    ("contractile", "#4477aa"),
    ("osteogenic", "#ee6677"),
    ("apoptotic", "#ccbb44"),
    ("apoptotic body", "#888888"),
    ("calcified", "#222222"),
];

/// White → dark red for a mineral volume fraction on the fixed scale 0–1.
fn mineral_colour(phi: f32) -> String {
    let t = phi.clamp(0.0, 1.0);
    // sqrt spreads the small fractions where nucleation starts.
    let t = t.sqrt();
    let lerp = |a: f32, b: f32| (a + (b - a) * t).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        lerp(255.0, 120.0),
        lerp(255.0, 0.0),
        lerp(255.0, 20.0)
    )
}

/// One panel: `colour(v)` for every voxel of the (ny, nx) plane, runs of one
/// colour along x merged into one rectangle.
fn panel(
    out: &mut String,
    x0: usize,
    y0: usize,
    s: usize,
    (ny, nx): (usize, usize),
    colour: impl Fn(usize) -> String,
) {
    for y in 0..ny {
        let mut x = 0;
        while x < nx {
            let c = colour(y * nx + x);
            let mut end = x + 1;
            while end < nx && colour(y * nx + end) == c {
                end += 1;
            }
            let _ = write!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{s}\" fill=\"{c}\"/>",
                x0 + x * s,
                y0 + y * s,
                (end - x) * s
            );
            x = end;
        }
        out.push('\n');
    }
}

/// Writes `dir/frame_NNNN.svg` for frame `k` of `world` (a 3D wall: its
/// middle z-plane). Returns the path written.
pub fn write_snapshot(
    dir: &Path,
    k: u32,
    world: &World,
    scenario: &str,
) -> Result<std::path::PathBuf> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the snapshot directory '{}'", dir.display()))?;
    let [nz, ny, nx] = world.lattice.shape;
    let plane = (nz / 2) * ny * nx;
    let n_fields = vcsim_rules::world::FIELDS.len();
    // Frame maps after the solutes: mineral, runx2, alp, phenotype.
    let mineral = world.frame_field(n_fields);
    let phenotype = world.frame_field(n_fields + 3);
    let s = (600 / ny.max(1)).clamp(1, 8);
    let (w, h) = (nx * s, ny * s);
    let gap = 40;
    let legend_w = 170;
    let width = (2 * w + 2 * gap + legend_w + 20).max(460);
    let height = h + 100;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">"
    );
    let _ = writeln!(out, "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
    let _ = writeln!(
        out,
        "<text x=\"10\" y=\"18\" font-size=\"14\">{} — day {:.1} (frame {k})</text><text x=\"10\" y=\"34\" font-size=\"11\">x: depth from the lumen (left to right); y: circumference; {} µm voxels</text>",
        escape(scenario),
        world.time_h() / 24.0,
        world.lattice.dx_um
    );
    let top = 60;
    let _ = writeln!(out, "<text x=\"10\" y=\"{}\">phenotype</text>", top - 8);
    panel(&mut out, 10, top, s, (ny, nx), |v| {
        let code = phenotype[plane + v];
        let i = if code < 0.0 {
            0
        } else {
            (code as usize + 1).min(5)
        };
        PHENOTYPE_COLOURS[i].1.to_string()
    });
    let x2 = 10 + w + gap;
    let _ = writeln!(
        out,
        "<text x=\"{x2}\" y=\"{}\">mineral volume fraction</text>",
        top - 8
    );
    panel(&mut out, x2, top, s, (ny, nx), |v| {
        mineral_colour(mineral[plane + v])
    });
    // Legends: the phenotype categories, and the fixed mineral scale.
    let lx = x2 + w + gap;
    for (i, (name, c)) in PHENOTYPE_COLOURS.iter().enumerate() {
        let y = top + i * 18;
        let _ = writeln!(
            out,
            "<rect x=\"{lx}\" y=\"{y}\" width=\"12\" height=\"12\" fill=\"{c}\" stroke=\"#444\"/><text x=\"{}\" y=\"{}\">{name}</text>",
            lx + 18,
            y + 11
        );
    }
    let by = top + 6 * 18 + 20;
    let _ = writeln!(out, "<text x=\"{lx}\" y=\"{by}\">mineral fraction</text>");
    for j in 0..=10 {
        let phi = j as f32 / 10.0;
        let _ = writeln!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"10\" fill=\"{}\" stroke=\"#ccc\" stroke-width=\"0.5\"/>",
            lx,
            by + 6 + j * 10,
            mineral_colour(phi)
        );
    }
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{}\">0</text><text x=\"{}\" y=\"{}\">1</text>",
        lx + 18,
        by + 16,
        lx + 18,
        by + 116
    );
    let _ = writeln!(out, "</svg>");
    let path = dir.join(format!("frame_{k:04}.svg"));
    std::fs::write(&path, out).with_context(|| format!("cannot write '{}'", path.display()))?;
    Ok(path)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

// The colours follow the phenotype codes: no cell, then Phenotype::ALL.
const _: () = assert!(PHENOTYPE_COLOURS.len() == Phenotype::ALL.len() + 1);
