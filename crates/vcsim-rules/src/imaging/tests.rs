//! Tests of the imaging readout: analytic cases of the synthetic CT and of
//! the scores, the sites of the wall, monotonicity, and independence of the
//! simulation's dx.

use super::*;
use crate::Scenario;

/// The seed the readings of these tests draw their sites from (the default
/// `simulation.seed`).
const SEED: u64 = 1;

/// `p` with one site: the patch tiled over the whole segment (the readout
/// before sites).
fn tiled(p: ImagingParams) -> ImagingParams {
    ImagingParams { site_cv: 0.0, ..p }
}

/// A wall patch defined physically, sampled at `dx_um`: endothelium to a
/// depth of 10 µm, media from 10 to 310 µm, adventitia to 340 µm; the mineral
/// of a wall voxel is `phi(depth, circumferential position, axial position)`
/// at its centre (µm). Depths and extents are multiples of 10 µm, so dx = 10,
/// 5 and 2.5 µm represent the same distribution exactly.
struct Built {
    mineral: Vec<f64>,
    region: Vec<Region>,
    shape: [usize; 3],
    dx_um: f64,
}

impl Built {
    fn new(
        dx_um: f64,
        circumference_um: f64,
        axial_um: Option<f64>,
        phi: impl Fn(f64, f64, f64) -> f64,
    ) -> Self {
        let nx = (340.0 / dx_um).round() as usize;
        let ny = (circumference_um / dx_um).round() as usize;
        let nz = axial_um.map_or(1, |a| (a / dx_um).round() as usize);
        let mut mineral = Vec::new();
        let mut region = Vec::new();
        for iz in 0..nz {
            for iy in 0..ny {
                for ix in 0..nx {
                    let c = |i: usize| (i as f64 + 0.5) * dx_um;
                    let depth = c(ix);
                    let r = if depth < 10.0 {
                        Region::Endothelium
                    } else if depth < 310.0 {
                        Region::Media
                    } else {
                        Region::Adventitia
                    };
                    region.push(r);
                    mineral.push(if is_wall(r) {
                        phi(depth, c(iy), c(iz))
                    } else {
                        0.0
                    });
                }
            }
        }
        Self {
            mineral,
            region,
            shape: [nz, ny, nx],
            dx_um,
        }
    }

    fn uniform(phi: f64) -> Self {
        Self::new(10.0, 1000.0, None, |_, _, _| phi)
    }

    fn patch(&self) -> Patch<'_> {
        Patch {
            mineral: &self.mineral,
            region: &self.region,
            shape: self.shape,
            dx_um: self.dx_um,
        }
    }

    fn read(&self, p: &ImagingParams) -> ClinicalRecord {
        clinical_reading(&self.patch(), p, SEED)
    }

    fn ct(&self, p: &ImagingParams) -> CtImage {
        synthetic_ct(&self.patch(), p, SEED)
    }
}

/// The default vessel (proximal LAD) on a short segment: two slices, and
/// one site (tiled).
fn short() -> ImagingParams {
    tiled(ImagingParams {
        segment_length_mm: 6.0,
        ..ImagingParams::default()
    })
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1e-300)
}

#[test]
fn a_ring_inside_one_pixel_reads_baseline_plus_its_density() {
    // Lumen 0.5 mm, wall from r = 0.26 to 0.56 mm: the whole ring lies in
    // the centre pixel of 2 mm, whose wall share is the annulus area over the
    // pixel area.
    let p = tiled(ImagingParams {
        vessel_diameter_mm: 0.5,
        pixel_mm: 2.0,
        slice_mm: 3.0,
        segment_length_mm: 3.0,
        ..ImagingParams::default()
    });
    for phi in [0.0, 0.01, 0.1, 0.7] {
        let b = Built::uniform(phi);
        let ct = b.ct(&p);
        assert_eq!(ct.n_slices, 1);
        let (r_in, r_out) = (0.26_f64, 0.56_f64);
        let share = std::f64::consts::PI * (r_out * r_out - r_in * r_in) / (2.0 * 2.0);
        let want = p.baseline_hu + 3160.0 * phi * share / p.c_ha_mg_per_cm3_per_hu;
        let c = ct.n / 2;
        let got = ct.hu[ct.at(0, c, c)];
        assert!(close(got, want, 1e-9), "φ = {phi}: {got} HU, want {want}");
        let others = (0..ct.hu.len()).filter(|&i| i != ct.at(0, c, c));
        assert!(others.into_iter().all(|i| ct.hu[i] == p.baseline_hu));
    }
}

#[test]
fn uniform_mineral_reads_its_density_times_the_wall_share_of_each_pixel() {
    // The proximal LAD: the wall share of every pixel from a fine
    // supersampling of the annulus, independent of the readout's sampling.
    let p = short();
    let phi = 0.1;
    let ct = Built::uniform(phi).ct(&p);
    let (r_in, r_out) = (1.85 + 0.01, 1.85 + 0.31);
    let half = (ct.n / 2) as f64;
    let m = 200;
    let mut worst: f64 = 0.0;
    let mut peak: f64 = 0.0;
    for row in 0..ct.n {
        for col in 0..ct.n {
            let mut inside = 0usize;
            for a in 0..m {
                for b in 0..m {
                    let x = (col as f64 - half - 0.5 + (b as f64 + 0.5) / m as f64) * p.pixel_mm;
                    let y = (row as f64 - half - 0.5 + (a as f64 + 0.5) / m as f64) * p.pixel_mm;
                    let r = x.hypot(y);
                    inside += usize::from(r >= r_in && r < r_out);
                }
            }
            let share = inside as f64 / (m * m) as f64;
            let want = p.baseline_hu + 3160.0 * phi * share / p.c_ha_mg_per_cm3_per_hu;
            let got = ct.hu[ct.at(0, row, col)];
            worst = worst.max((got - want).abs());
            peak = peak.max(want - p.baseline_hu);
        }
    }
    assert!(peak > 100.0, "the wall reads {peak} HU above baseline");
    assert!(
        worst < 0.01 * peak,
        "a pixel is {worst} HU off the analytic value (peak excess {peak} HU)"
    );
}

#[test]
fn the_segment_holds_the_patchs_mineral_fraction_over_its_wall_volume() {
    // Heterogeneous along the depth and the axis (a 3D patch of 60 µm, a
    // segment of 10 mm that is no multiple of the 3 mm slices or of the
    // patch): every wall voxel's fraction fills its shell of the cylinder,
    // 2π·r·dx, over the length of the segment that reads its row (166 whole
    // patches and 40 µm); the excess HU of the image adds up to it.
    let b = Built::new(10.0, 200.0, Some(60.0), |d, _, z| {
        (if d < 100.0 { 0.3 } else { 0.02 }) * (1.0 + z / 60.0)
    });
    let p = tiled(ImagingParams {
        segment_length_mm: 10.0,
        ..ImagingParams::default()
    });
    let ct = b.ct(&p);
    assert_eq!(ct.n_slices, 4);
    let [nz, ny, nx] = b.shape;
    let dx = 0.01;
    let mut want = 0.0;
    for iz in 0..nz {
        let length = 166.0 * dx + (0.04 - iz as f64 * dx).clamp(0.0, dx);
        for ix in 0..nx {
            // Uniform along y: column 0 stands for all.
            let phi = b.mineral[(iz * ny) * nx + ix];
            let r = 1.85 + (ix as f64 + 0.5) * dx;
            want += phi * 2.0 * std::f64::consts::PI * r * dx * length;
        }
    }
    assert!(
        close(ct.mineral_mm3, want, 1e-9),
        "{} vs {want}",
        ct.mineral_mm3
    );
    let excess: f64 = ct.hu.iter().map(|h| h - p.baseline_hu).sum();
    let from_hu = excess * p.c_ha_mg_per_cm3_per_hu * ct.voxel_mm3() / 3160.0;
    assert!(close(from_hu, want, 1e-9), "{from_hu} vs {want}");
    let r = b.read(&p);
    assert!(close(r.ha_mass_mg, want * 3.16, 1e-9));
    // The last slice holds 1 mm of the segment: a third of the others.
    let n2 = ct.n * ct.n;
    let slice_excess = |k: usize| -> f64 {
        ct.hu[k * n2..(k + 1) * n2]
            .iter()
            .map(|h| h - p.baseline_hu)
            .sum()
    };
    assert!(close(slice_excess(3), slice_excess(0) / 3.0, 0.01));
}

#[test]
fn below_threshold_scores_nothing_and_is_not_detectable() {
    let r = Built::uniform(0.01).read(&tiled(ImagingParams::default()));
    assert!(r.peak_hu > 45.0 && r.peak_hu < 130.0, "{}", r.peak_hu);
    assert_eq!(r.agatston, 0.0);
    assert_eq!(r.volume_mm3, 0.0);
    assert_eq!(r.mass_mg, 0.0);
    assert_eq!(r.n_lesions, 0.0);
    assert_eq!(r.detectable, 0.0);
    assert!(r.ha_mass_mg > 0.0);
    assert!(close(r.wall_mineral_fraction, 0.01, 1e-12));
    assert!(close(r.wall_thickness_um, 300.0, 1e-12));
}

/// An 11 × 11 image of two slices at 40 HU with `pixels` (row, col, HU) set
/// in slice 0.
fn image(pixel_mm: f64, pixels: &[(usize, usize, f64)]) -> CtImage {
    let mut ct = CtImage::filled(11, 2, pixel_mm, 3.0, 40.0);
    for &(r, c, hu) in pixels {
        let i = ct.at(0, r, c);
        ct.hu[i] = hu;
    }
    ct
}

#[test]
fn a_lesion_scores_its_area_times_the_weight_of_its_peak() {
    let p = ImagingParams::default();
    let area = 9.0 * 0.45 * 0.45;
    for (peak, weight) in [
        (130.0, 1.0),
        (199.9, 1.0),
        (200.0, 2.0),
        (299.0, 2.0),
        (350.0, 3.0),
        (400.0, 4.0),
        (2000.0, 4.0),
    ] {
        // A 3 × 3 lesion at 140 HU whose centre holds the peak.
        let mut px = Vec::new();
        for r in 4..7 {
            for c in 4..7 {
                px.push((r, c, if (r, c) == (5, 5) { peak } else { 140.0 }));
            }
        }
        let ct = image(0.45, &px);
        let s = score(&ct, &p);
        assert!(
            close(s.agatston, area * weight, 1e-12),
            "peak {peak}: {s:?}"
        );
        assert_eq!(s.n_lesions, 1.0);
        assert_eq!(s.peak_hu, peak.max(140.0));
        let hu_sum = 8.0 * 140.0 + peak;
        let mass = p.c_ha_mg_per_cm3_per_hu * hu_sum * ct.voxel_mm3() * 1e-3;
        assert!(close(s.mass_mg, mass, 1e-12));
    }
    // Below the threshold nothing counts, whatever the area.
    let all: Vec<_> = (0..11)
        .flat_map(|r| (0..11).map(move |c| (r, c, 129.9)))
        .collect();
    assert_eq!(
        score(&image(0.45, &all), &p),
        Scores {
            peak_hu: 129.9,
            ..Scores::default()
        }
    );
}

#[test]
fn lesions_under_one_mm2_do_not_count() {
    let p = ImagingParams::default();
    let px = |cells: &[(usize, usize)]| -> Vec<(usize, usize, f64)> {
        cells.iter().map(|&(r, c)| (r, c, 300.0)).collect()
    };
    // 4 pixels of 0.45 mm: 0.81 mm², not a lesion.
    let four = [(2, 2), (2, 3), (3, 2), (3, 3)];
    let s = score(&image(0.45, &px(&four)), &p);
    assert_eq!((s.agatston, s.n_lesions, s.volume_mm3), (0.0, 0.0, 0.0));
    assert!(close(s.max_lesion_area_mm2, 0.81, 1e-12));
    // A fifth pixel touching at a corner joins it (8-connected): 1.0125 mm².
    let five = [(2, 2), (2, 3), (3, 2), (3, 3), (4, 4)];
    let s = score(&image(0.45, &px(&five)), &p);
    assert_eq!(s.n_lesions, 1.0);
    assert!(close(s.agatston, 5.0 * 0.2025 * 3.0, 1e-12));
    // Two groups of three apart: two specks, no lesion.
    let apart = [(1, 1), (1, 2), (1, 3), (6, 6), (6, 7), (6, 8)];
    assert_eq!(score(&image(0.45, &px(&apart)), &p).agatston, 0.0);
    // Exactly 1 mm² (4 pixels of 0.5 mm) counts; with no minimum one pixel does.
    assert_eq!(score(&image(0.5, &px(&four)), &p).n_lesions, 1.0);
    let one = score(
        &image(0.45, &px(&[(5, 5)])),
        &ImagingParams {
            min_lesion_area_mm2: 0.0,
            ..p
        },
    );
    assert_eq!(one.n_lesions, 1.0);
}

#[test]
fn the_volume_score_is_the_count_of_lesion_voxels_times_the_voxel_volume() {
    let p = ImagingParams::default();
    let mut ct = CtImage::filled(11, 3, 0.45, 3.0, 40.0);
    // 6 pixels in slice 0, 10 in slice 2, and a 2-pixel speck in slice 2.
    for c in 1..7 {
        let i = ct.at(0, 1, c);
        ct.hu[i] = 180.0;
    }
    for c in 0..10 {
        let i = ct.at(2, 8, c);
        ct.hu[i] = 500.0;
    }
    for c in 3..5 {
        let i = ct.at(2, 2, c);
        ct.hu[i] = 500.0;
    }
    let s = score(&ct, &p);
    assert_eq!(s.n_lesions, 2.0);
    let v = 0.45 * 0.45 * 3.0;
    assert!(close(s.volume_mm3, 16.0 * v, 1e-12));
    assert!(close(s.agatston, 0.2025 * (6.0 * 1.0 + 10.0 * 4.0), 1e-12));
}

#[test]
fn the_reading_grows_with_the_mineral() {
    let p = short();
    let mut last = ClinicalRecord::default();
    let mut flips = 0;
    for k in 0..=20 {
        let phi = 0.02 * k as f64;
        let r = Built::uniform(phi).read(&p);
        if k > 0 {
            assert!(
                r.agatston >= last.agatston,
                "φ = {phi}: {r:?} after {last:?}"
            );
            assert!(r.volume_mm3 >= last.volume_mm3);
            assert!(r.mass_mg >= last.mass_mg);
            assert!(r.peak_hu > last.peak_hu);
            assert!(r.ha_mass_mg > last.ha_mass_mg);
            assert!(r.detectable >= last.detectable);
            flips += usize::from(r.detectable != last.detectable);
        }
        last = r;
    }
    assert_eq!(flips, 1, "detection comes once, somewhere in 0–40%");
    assert_eq!(last.detectable, 1.0);
    // Adding mineral to one band only also never lowers the reading.
    let band = |extra: f64| {
        Built::new(10.0, 1000.0, None, move |d, y, _| {
            0.03 + if (100.0..200.0).contains(&d) && y < 300.0 {
                extra
            } else {
                0.0
            }
        })
        .read(&p)
    };
    let mut last = band(0.0);
    for k in 1..=10 {
        let r = band(0.1 * k as f64);
        assert!(r.agatston >= last.agatston && r.peak_hu > last.peak_hu);
        last = r;
    }
}

#[test]
fn the_reading_does_not_depend_on_the_simulations_dx() {
    // One physical distribution: 30% mineral in a band 60–200 µm deep over
    // 400 of every 1000 µm of circumference, 5% in the rest of the media;
    // read tiled and with the default sites (the same sites at every dx: the
    // mid-wall radius is physical).
    let phi = |d: f64, y: f64, _z: f64| {
        if (60.0..200.0).contains(&d) && y < 400.0 {
            0.3
        } else {
            0.05
        }
    };
    let with_sites = ImagingParams {
        site_cv: ImagingParams::default().site_cv,
        ..short()
    };
    assert!(with_sites.site_cv > 0.0);
    for p in [short(), with_sites] {
        let built: Vec<Built> = [10.0, 5.0, 2.5]
            .iter()
            .map(|&dx| Built::new(dx, 1000.0, None, phi))
            .collect();
        let sites: Vec<Sites> = built
            .iter()
            .map(|b| Sites::of(&b.patch(), &p, SEED))
            .collect();
        assert!(sites.iter().all(|s| *s == sites[0]), "{sites:?}");
        let cts: Vec<CtImage> = built.iter().map(|b| b.ct(&p)).collect();
        let reads: Vec<ClinicalRecord> = built.iter().map(|b| b.read(&p)).collect();
        let diff = |a: &CtImage, b: &CtImage| -> f64 {
            a.hu.iter()
                .zip(&b.hu)
                .map(|(x, y)| (x - y).abs())
                .fold(0.0, f64::max)
        };
        let excess = reads[2].peak_hu - p.baseline_hu;
        let (d10, d5) = (diff(&cts[0], &cts[2]), diff(&cts[1], &cts[2]));
        assert!(excess > 200.0);
        assert!(d10 < 0.02 * excess, "dx 10 vs 2.5 µm: {d10} HU");
        assert!(d5 < 0.005 * excess, "dx 5 vs 2.5 µm: {d5} HU");
        assert!(d5 < d10, "no convergence: {d10} then {d5} HU");
        // The scores count pixels above a threshold: they agree up to the few
        // pixels whose value sits at the threshold (one per slice here).
        // The mineral agrees exactly when tiled; with sites, each arc site's
        // share of the 400 µm band is sampled at angle steps ≤ dx, so it
        // agrees up to a sample at each of the band's edges.
        let mass_tolerance = if p.site_cv > 0.0 { 2e-3 } else { 1e-9 };
        let pixel = p.pixel_mm * p.pixel_mm;
        for r in &reads[..2] {
            let b = &reads[2];
            assert!(
                close(r.ha_mass_mg, b.ha_mass_mg, mass_tolerance),
                "{r:?} vs {b:?}"
            );
            assert!(
                (r.agatston - b.agatston).abs() <= 2.0 * 4.0 * pixel + 1e-9,
                "{r:?} vs {b:?}"
            );
            assert!((r.volume_mm3 - b.volume_mm3).abs() <= 2.0 * pixel * p.slice_mm + 1e-9);
            assert!(close(r.mass_mg, b.mass_mg, 0.05));
            assert_eq!(r.detectable, b.detectable);
        }
    }
}

#[test]
fn no_wall_reads_nothing() {
    let p = ImagingParams::default();
    // Mineral outside the wall is not seen; no wall at all gives a baseline image.
    let mut b = Built::uniform(0.0);
    b.mineral.iter_mut().for_each(|m| *m = 0.5);
    b.region.iter_mut().for_each(|r| {
        if is_wall(*r) {
            *r = Region::Adventitia
        }
    });
    let r = b.read(&p);
    assert_eq!(
        r,
        ClinicalRecord {
            peak_hu: p.baseline_hu,
            ..ClinicalRecord::default()
        }
    );
    // A wall without mineral reads the baseline too.
    let r = Built::uniform(0.0).read(&p);
    assert_eq!(r.peak_hu, p.baseline_hu);
    assert_eq!((r.agatston, r.ha_mass_mg, r.detectable), (0.0, 0.0, 0.0));
}

#[test]
fn a_world_reads_its_own_wall() {
    let s = Scenario::from_toml(
        "[geometry]\nlamellar_units = 4\ncircumference_um = 60.0\n",
        "test",
        &[],
    )
    .expect("scenario");
    let mut sim = crate::Simulation::new(&s).expect("simulation");
    let seed = s.simulation.seed;
    let zero = sim.world.clinical(&s.imaging, seed);
    assert_eq!((zero.agatston, zero.ha_mass_mg), (0.0, 0.0));
    let region = sim.world.lattice.region.clone();
    for (m, r) in sim.world.mineral.iter_mut().zip(&region) {
        if *r == Region::Media {
            *m = 0.4;
        }
    }
    let w = &sim.world;
    let patch = Patch {
        mineral: &w.mineral,
        region: &w.lattice.region,
        shape: w.lattice.shape,
        dx_um: w.lattice.dx_um,
    };
    // With the default delayed sites every site still shows the starting
    // (clean) wall at time 0; without delays the reading is the patch's.
    assert!(s.imaging.site_onset_spread_days > 0.0 && w.history.is_on());
    let delayed = w.clinical(&s.imaging, seed);
    assert_eq!(
        delayed,
        clinical_reading_delayed(&patch, &w.history, &s.imaging, seed, 0.0)
    );
    assert_eq!(delayed.ha_mass_mg, 0.0);
    let p0 = ImagingParams {
        site_onset_spread_days: 0.0,
        ..s.imaging.clone()
    };
    let r = w.clinical(&p0, seed);
    assert_eq!(r, clinical_reading(&patch, &p0, seed));
    // 4 units of 26 µm and the external lamina of 3 µm: 107 µm, 11 voxels of 10 µm.
    assert!(close(r.wall_thickness_um, 110.0, 1e-12), "{r:?}");
    assert!(r.ha_mass_mg > 0.0 && r.peak_hu > s.imaging.baseline_hu);
}

#[test]
fn the_imaging_section_is_declared_and_validated() {
    let s = Scenario::default();
    assert_eq!(s.imaging, ImagingParams::default());
    let text = s.to_toml();
    assert!(text.contains("[imaging]"), "{text}");
    let e = Scenario::from_toml("[imaging]\npixel_mm = 5.0\n", "t", &[]).expect_err("out of range");
    assert!(e.to_string().contains("imaging.pixel_mm = 5"), "{e}");
    let s = Scenario::from_toml("[imaging]\nvessel_diameter_mm = 2.5\n", "t", &[]).expect("ok");
    assert_eq!(s.imaging.vessel_diameter_mm, 2.5);
    let e = Scenario::from_toml("[imaging]\nsite_cv = -0.5\n", "t", &[]).expect_err("negative");
    assert!(e.to_string().contains("imaging.site_cv = -0.5"), "{e}");
    let s = Scenario::from_toml("[imaging]\nsite_cv = 0.0\n", "t", &[]).expect("ok");
    assert_eq!(s.imaging.site_cv, 0.0);
    // The past states the delayed sites read are bounded: at most 1000
    // intervals over the spread.
    let e = Scenario::from_toml(
        "[imaging]\nsite_onset_spread_days = 2000.0\nhistory_every_days = 1.0\n",
        "t",
        &[],
    )
    .expect_err("too many past states");
    assert!(
        e.to_string()
            .contains("imaging.site_onset_spread_days = 2000")
            && e.to_string()
                .contains("1000 × imaging.history_every_days = 1"),
        "{e}"
    );
    Scenario::from_toml(
        "[imaging]\nsite_onset_spread_days = 1000.0\nhistory_every_days = 1.0\n",
        "t",
        &[],
    )
    .expect("at the bound");
    assert_eq!(
        ClinicalRecord::NAMES.len(),
        ClinicalRecord::default().values().len()
    );
    assert_eq!(ClinicalRecord::NAMES.len(), ClinicalRecord::UNITS.len());
    assert!(ClinicalRecord::DOCS.iter().all(|d| !d.is_empty()));
}

/// The ckd5d wall (dx 5 µm, 10 lamellar units of 25 µm, laminae one voxel:
/// 255 µm of wall over 2000 µm of circumference), every wall voxel at
/// `phi(region, index)`.
fn ckd5d_wall(phi: impl Fn(Region, usize) -> f64) -> (Vec<f64>, vcsim_core::Lattice) {
    let g = vcsim_core::WallGeometry {
        ndim: 2,
        dx_um: 5.0,
        endothelium_um: 5.0,
        lamellar_units: 10,
        lamellar_unit_um: 25.0,
        lamina_um: 3.0,
        adventitia_um: 30.0,
        circumference_um: 2000.0,
        axial_um: 100.0,
        section_um: 10.0,
    };
    let l = vcsim_core::Lattice::from_wall(&g).expect("wall");
    let m = l
        .region
        .iter()
        .enumerate()
        .map(|(i, &r)| if is_wall(r) { phi(r, i) } else { 0.0 })
        .collect();
    (m, l)
}

fn wall_patch<'a>(m: &'a [f64], l: &'a vcsim_core::Lattice) -> Patch<'a> {
    Patch {
        mineral: m,
        region: &l.region,
        shape: l.shape,
        dx_um: l.dx_um,
    }
}

fn read_wall(m: &[f64], l: &vcsim_core::Lattice, p: &ImagingParams) -> ClinicalRecord {
    clinical_reading(&wall_patch(m, l), p, SEED)
}

/// The smallest uniform wall fraction (to 1e-4) that a reader would call
/// calcified with `p`, on the ckd5d wall.
fn detection_fraction(p: &ImagingParams) -> f64 {
    let (mut a, mut b) = (0.0, 0.5);
    while b - a > 1e-4 {
        let c = 0.5 * (a + b);
        let (m, l) = ckd5d_wall(|_, _| c);
        if read_wall(&m, &l, p).detectable > 0.0 {
            b = c
        } else {
            a = c
        }
    }
    b
}

#[test]
fn the_worked_example_of_docs_imaging_md() {
    // docs/imaging.md quotes these numbers: keep the two together. First the
    // readout on the proximal LAD with sites of spread 1 (seed 1), the
    // spread the example was written for (the default is now 4).
    let lad = ImagingParams {
        site_cv: 1.0,
        ..ImagingParams::default()
    };
    let uniform = |phi: f64, p: &ImagingParams| {
        let (m, l) = ckd5d_wall(|_, _| phi);
        read_wall(&m, &l, p)
    };
    let near = |got: f64, want: f64, tol: f64| (got - want).abs() < tol;
    // φ: peak HU, Agatston, volume, mass score, HA mass, lesions.
    let table = [
        (0.01, 205.6, 0.0, 0.0, 0.0, 12.04, 0.0),
        (0.02, 371.3, 3.65, 5.47, 0.91, 24.09, 1.0),
        (0.03, 536.9, 33.41, 35.23, 6.42, 36.13, 9.0),
        (0.05, 868.2, 190.96, 188.93, 34.97, 60.22, 36.0),
        (0.10, 1696.4, 618.43, 495.11, 113.19, 120.45, 56.0),
        (0.20, 2523.9, 1004.80, 755.73, 246.43, 238.70, 43.0),
        (0.30, 2523.9, 1167.21, 875.41, 359.05, 344.96, 40.0),
    ];
    for (phi, peak, agatston, volume, mass, ha, lesions) in table {
        let r = uniform(phi, &lad);
        assert!(near(r.peak_hu, peak, 0.1), "φ = {phi}: {r:?}");
        assert!(near(r.agatston, agatston, 0.01), "φ = {phi}: {r:?}");
        assert!(near(r.volume_mm3, volume, 0.01), "φ = {phi}: {r:?}");
        assert!(near(r.mass_mg, mass, 0.01) && near(r.ha_mass_mg, ha, 0.01));
        assert_eq!(r.n_lesions, lesions, "φ = {phi}: {r:?}");
        assert_eq!(r.detectable, f64::from(u8::from(agatston > 0.0)));
    }
    let phi = detection_fraction(&lad);
    assert!((0.0125..0.0128).contains(&phi), "{phi}");
    let distal = ImagingParams {
        vessel_diameter_mm: 1.9,
        ..lad.clone()
    };
    let phi = detection_fraction(&distal);
    assert!((0.0207..0.0210).contains(&phi), "{phi}");
    assert!(near(uniform(0.2, &distal).agatston, 549.79, 0.01));
    // The same wall tiled (site_cv = 0, the readout before sites).
    let tiled_lad = tiled(lad.clone());
    let r = uniform(0.01, &tiled_lad);
    assert!(close(r.wall_thickness_um, 255.0, 1e-12));
    assert!(
        (r.peak_hu - 64.8).abs() < 0.1 && r.detectable == 0.0,
        "{r:?}"
    );
    assert!((r.ha_mass_mg - 12.04).abs() < 0.01, "{r:?}");
    let r = uniform(0.05, &tiled_lad);
    assert!(
        (r.agatston - 162.0).abs() < 1e-6 && r.n_lesions == 160.0,
        "{r:?}"
    );
    assert!((r.peak_hu - 164.1).abs() < 0.1 && (r.volume_mm3 - 486.0).abs() < 1e-6);
    assert!((r.mass_mg - 58.4).abs() < 0.1 && (r.ha_mass_mg - 60.2).abs() < 0.1);
    let r = uniform(0.1, &tiled_lad);
    assert!(
        (r.agatston - 388.8).abs() < 1e-6 && (r.volume_mm3 - 583.2).abs() < 1e-6,
        "{r:?}"
    );
    assert!((r.peak_hu - 288.2).abs() < 0.1 && (r.mass_mg - 116.6).abs() < 0.1);
    let r = uniform(0.2, &tiled_lad);
    assert!(
        (r.agatston - 1166.4).abs() < 1e-6 && (r.volume_mm3 - 874.8).abs() < 1e-6,
        "{r:?}"
    );
    assert!((r.peak_hu - 536.5).abs() < 0.1 && (r.mass_mg - 254.2).abs() < 0.1);
    assert!((r.ha_mass_mg - 240.9).abs() < 0.1);
    let r = uniform(0.3, &tiled_lad);
    assert!((r.agatston - 1425.6).abs() < 1e-6 && (r.volume_mm3 - 1069.2).abs() < 1e-6);
    let phi = detection_fraction(&tiled_lad);
    assert!((0.0431..0.0434).contains(&phi), "{phi}");
    let tiled_distal = tiled(distal);
    let phi = detection_fraction(&tiled_distal);
    assert!((0.0550..0.0553).contains(&phi), "{phi}");
    let r = uniform(0.2, &tiled_distal);
    assert!((r.agatston - 648.0).abs() < 1e-6, "{r:?}");
    // The same mean fraction on the laminae only (medial calcification
    // along the elastic laminae) scores the same at CT resolution: exactly
    // when tiled, within 2% with sites, whose bright pixels put more of the
    // ring near the threshold (the cap is on a site's wall, not on a voxel,
    // so a site's laminae may hold more than their own voxels' volume).
    let (m1, l1) = ckd5d_wall(|_, _| 1.0);
    let n_lamina = l1.region.iter().filter(|&&r| r == Region::Lamina).count() as f64;
    let n_wall = m1.iter().filter(|&&x| x > 0.0).count() as f64;
    for mean in [0.05, 0.2] {
        let (m, l) = ckd5d_wall(|r, _| {
            if r == Region::Lamina {
                mean * n_wall / n_lamina
            } else {
                0.0
            }
        });
        let on_laminae = read_wall(&m, &l, &tiled_lad);
        let spread = uniform(mean, &tiled_lad);
        assert_eq!(on_laminae.agatston, spread.agatston, "{mean}");
        assert!((on_laminae.peak_hu - spread.peak_hu).abs() < 0.02 * spread.peak_hu);
        let on_laminae = read_wall(&m, &l, &lad);
        let spread = uniform(mean, &lad);
        assert!(
            close(on_laminae.agatston, spread.agatston, 0.03),
            "{mean}: {} vs {}",
            on_laminae.agatston,
            spread.agatston
        );
        assert!(
            close(on_laminae.volume_mm3, spread.volume_mm3, 0.03),
            "{mean}: {} vs {} mm³",
            on_laminae.volume_mm3,
            spread.volume_mm3
        );
    }
}

/// The synthetic CT as `imaging.rs` computed it before the wall had sites
/// (the patch tiled over the whole segment), kept unchanged as the
/// reference that `site_cv = 0` reproduces.
fn tiled_ct_before_sites(patch: &Patch, p: &ImagingParams) -> CtImage {
    let [nz, ny, nx] = patch.shape;
    assert_eq!(patch.mineral.len(), nz * ny * nx, "mineral: one per voxel");
    assert_eq!(patch.region.len(), nz * ny * nx, "region: one per voxel");
    let dx = patch.dx_um * 1e-3; // mm
    let pix = p.pixel_mm;
    let h = p.slice_mm;
    let length = p.segment_length_mm;
    let r_lumen = 0.5 * p.vessel_diameter_mm;
    let n_slices = ((length / h) - 1e-9).ceil().max(1.0) as usize;
    let r_max = r_lumen + nx as f64 * dx;
    let n = 2 * ((r_max / pix + 0.5).ceil() as usize + 1) + 1;
    let mut ct = CtImage::filled(n, n_slices, pix, h, p.baseline_hu);
    let Some((lo, hi)) = patch.wall_range() else {
        return ct;
    };
    // Angles map to patch columns by the arc length at mid-wall.
    let r_mid = r_lumen + 0.5 * (lo + hi) as f64 * dx;
    let circumference = 2.0 * std::f64::consts::PI * r_mid;
    let fine = pix / 32.0;
    let n_theta = (circumference / dx.min(fine)).ceil() as usize;
    let arc = circumference / n_theta as f64;
    let n_r = (dx / fine).ceil().max(1.0) as usize;
    let dr = dx / n_r as f64;
    let period_y = ny as f64 * dx;
    let period_z = nz as f64 * dx;
    // Pixel of every (angle, radial shell) sample, and the patch column of
    // every angle: the same in every slice.
    let dtheta = arc / r_mid;
    let radii: Vec<f64> = (lo..hi)
        .flat_map(|ix| (0..n_r).map(move |j| r_lumen + ix as f64 * dx + (j as f64 + 0.5) * dr))
        .collect();
    let half = (n / 2) as f64;
    let mut columns = Vec::with_capacity(n_theta);
    let mut pixels = Vec::with_capacity(n_theta * (hi - lo) * n_r);
    for k in 0..n_theta {
        let s = (k as f64 + 0.5) * arc;
        let iy = (((s % period_y) / dx) as usize).min(ny - 1);
        columns.push(iy);
        let theta = s / r_mid;
        let (sin, cos) = theta.sin_cos();
        for &r in &radii {
            let col = ((r * cos / pix + 0.5).floor() + half) as usize;
            let row = ((r * sin / pix + 0.5).floor() + half) as usize;
            pixels.push((row * n + col) as u32);
        }
    }
    // mm³ of mineral → HU above baseline in one CT voxel.
    let hu_per_mm3 = HA_DENSITY_MG_PER_CM3 / (ct.voxel_mm3() * p.c_ha_mg_per_cm3_per_hu);
    let mut weights = vec![0.0; nz];
    let mut previous: Option<(Vec<f64>, usize, f64)> = None;
    let mut total_mm3 = 0.0;
    for slice in 0..n_slices {
        let z0 = slice as f64 * h;
        let z1 = ((slice + 1) as f64 * h).min(length);
        for (iz, w) in weights.iter_mut().enumerate() {
            *w = row_measure(z1, iz, period_z, dx) - row_measure(z0, iz, period_z, dx);
        }
        let base = slice * n * n;
        // A slice that sees the patch rows in the same lengths as the one
        // before is the same image (the usual case: slices ≫ the patch).
        if let Some((ref w, from, mm3)) = previous
            && *w == weights
        {
            let (done, rest) = ct.hu.split_at_mut(base);
            rest[..n * n].copy_from_slice(&done[from * n * n..(from + 1) * n * n]);
            total_mm3 += mm3;
            continue;
        }
        // Mineral length (fraction × mm along the axis) of every wall voxel
        // of one circumferential column, summed over the patch rows.
        let mut axial = vec![0.0; ny * nx];
        for (iz, &w) in weights.iter().enumerate() {
            if w == 0.0 {
                continue;
            }
            for iy in 0..ny {
                for ix in lo..hi {
                    let i = (iz * ny + iy) * nx + ix;
                    if is_wall(patch.region[i]) {
                        axial[iy * nx + ix] += w * patch.mineral[i];
                    }
                }
            }
        }
        let img = &mut ct.hu[base..base + n * n];
        let mut slice_mm3 = 0.0;
        let mut sample = 0;
        for &iy in &columns {
            for ix in lo..hi {
                let a = axial[iy * nx + ix];
                for &r in &radii[(ix - lo) * n_r..(ix - lo + 1) * n_r] {
                    if a != 0.0 {
                        // Fraction × the shell element's volume r·dθ·dr·dz.
                        let v = a * r * dtheta * dr;
                        img[pixels[sample] as usize] += v * hu_per_mm3;
                        slice_mm3 += v;
                    }
                    sample += 1;
                }
            }
        }
        total_mm3 += slice_mm3;
        previous = Some((weights.clone(), slice, slice_mm3));
    }
    ct.mineral_mm3 = total_mm3;
    ct
}

#[test]
fn site_cv_zero_reads_exactly_what_the_tiled_readout_read() {
    // 2D and 3D patches, segments that are and are not multiples of the
    // slices or of the site length, two vessels: the same image bit for bit,
    // whatever the seed and the site geometry.
    let three_d = Built::new(10.0, 200.0, Some(60.0), |d, y, z| {
        (if d < 100.0 { 0.3 } else { 0.02 }) * (1.0 + z / 60.0) * (1.0 + y / 400.0)
    });
    let band = Built::new(5.0, 1000.0, None, |d, y, _| {
        if (60.0..200.0).contains(&d) && y < 400.0 {
            0.3
        } else {
            0.05
        }
    });
    let (m, l) = ckd5d_wall(|r, i| {
        if r == Region::Lamina {
            0.2
        } else {
            0.01 * (i % 7) as f64
        }
    });
    let vessels = [
        ImagingParams::default(),
        ImagingParams {
            segment_length_mm: 10.0,
            site_length_mm: 2.0,
            site_arc_mm: 0.7,
            ..ImagingParams::default()
        },
        ImagingParams {
            vessel_diameter_mm: 1.9,
            segment_length_mm: 7.3,
            ..ImagingParams::default()
        },
    ];
    for p in vessels.map(tiled) {
        for patch in [three_d.patch(), band.patch(), wall_patch(&m, &l)] {
            let before = tiled_ct_before_sites(&patch, &p);
            assert!(before.mineral_mm3 > 0.0);
            for seed in [SEED, 99] {
                assert_eq!(
                    Sites::of(&patch, &p, seed),
                    Sites::uniform(p.segment_length_mm)
                );
                assert!(synthetic_ct(&patch, &p, seed) == before, "{p:?}");
                assert_eq!(
                    clinical_reading(&patch, &p, seed).agatston,
                    score(&before, &p).agatston
                );
            }
        }
    }
}

#[test]
fn a_site_holds_its_factor_times_the_patch_over_its_own_arc_and_length() {
    let p = ImagingParams {
        segment_length_mm: 6.0,
        ..ImagingParams::default()
    };
    let b = Built::uniform(0.1);
    let all = synthetic_ct_with(&b.patch(), &p, &Sites::uniform(6.0));
    let n2 = all.n * all.n;
    let excess = |ct: &CtImage, k: usize| -> f64 {
        ct.hu[k * n2..(k + 1) * n2]
            .iter()
            .map(|h| h - p.baseline_hu)
            .sum()
    };
    // Four arcs of 3 mm in each slice, all empty but the second arc
    // (90°–180°: left of and above the axis) of the second slice, at × 2.
    let one = Sites {
        length_mm: 3.0,
        n_axial: 2,
        n_arc: 4,
        factors: vec![0.0, 0.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0],
    };
    let ct = synthetic_ct_with(&b.patch(), &p, &one);
    assert!(ct.hu[..n2].iter().all(|&h| h == p.baseline_hu));
    assert!(close(
        ct.mineral_mm3,
        2.0 * all.mineral_mm3 / 2.0 / 4.0,
        1e-9
    ));
    let c = ct.n / 2;
    for row in 0..ct.n {
        for col in 0..ct.n {
            if ct.hu[ct.at(1, row, col)] > p.baseline_hu {
                assert!(col <= c && row >= c, "({row}, {col}) is outside the arc");
            }
        }
    }
    // Sites of 2 mm across slices of 3 mm: slice 0 holds 2 mm at × 1 (and
    // 1 mm at × 0), slice 1 holds 1 mm at × 0 and 2 mm at × 3.
    let across = Sites {
        length_mm: 2.0,
        n_axial: 3,
        n_arc: 1,
        factors: vec![1.0, 0.0, 3.0],
    };
    let ct = synthetic_ct_with(&b.patch(), &p, &across);
    assert!(close(excess(&ct, 0), excess(&all, 0) * 2.0 / 3.0, 1e-9));
    assert!(close(excess(&ct, 1), excess(&all, 1) * 6.0 / 3.0, 1e-9));
    // A site holds at most a full wall: × 20 on 10% fills it, no more.
    let full = synthetic_ct_with(
        &b.patch(),
        &p,
        &Sites {
            factors: vec![20.0],
            ..Sites::uniform(6.0)
        },
    );
    assert!(close(full.mineral_mm3, all.mineral_mm3 * 10.0, 1e-9));
}

#[test]
fn site_factors_have_mean_one_and_the_stated_spread() {
    let p = ImagingParams {
        segment_length_mm: 1000.0,
        ..ImagingParams::default()
    };
    assert!(p.site_cv > 0.0);
    let s = Sites::draw(&p, 12.5, SEED);
    // 1000 mm in sites of 3 mm (the last one 1 mm), 12.5 mm in arcs of 1.5 mm.
    assert_eq!((s.n_axial, s.n_arc), (334, 8));
    assert_eq!(s.factors.len(), 334 * 8);
    assert!(s.factors.iter().all(|&f| f > 0.0 && f.is_finite()));
    let len = |j: usize| if j + 1 == s.n_axial { 1.0 } else { 3.0 };
    let mut mean = 0.0;
    for j in 0..s.n_axial {
        for i in 0..s.n_arc {
            mean += s.factor(j, i) * len(j) / (1000.0 * 8.0);
        }
    }
    assert!(close(mean, 1.0, 1e-12), "{mean}");
    // Log-normal: ln f has the standard deviation √ln(1 + cv²).
    let logs: Vec<f64> = s.factors.iter().map(|f| f.ln()).collect();
    let m = logs.iter().sum::<f64>() / logs.len() as f64;
    let sd = (logs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (logs.len() - 1) as f64).sqrt();
    let want = (1.0 + p.site_cv * p.site_cv).ln().sqrt();
    assert!(close(sd, want, 0.05), "sd of ln f {sd}, want {want}");
    // The pattern is the seed's: the same again, another for another seed.
    assert_eq!(Sites::draw(&p, 12.5, SEED), s);
    assert_ne!(Sites::draw(&p, 12.5, SEED + 1).factors, s.factors);
    assert_eq!(
        Sites::draw(&tiled(p.clone()), 12.5, SEED),
        Sites::uniform(1000.0)
    );
}

#[test]
fn the_sites_keep_the_segments_mineral() {
    // With the default sites the segment holds the patch's mineral as the
    // tiled readout does, until sites reach a full wall: a full site holds
    // its wall's volume and no more.
    let lad = ImagingParams::default();
    for phi in [0.02, 0.3] {
        let (m, l) = ckd5d_wall(|_, _| phi);
        let patch = wall_patch(&m, &l);
        let with = clinical_reading(&patch, &lad, SEED);
        let without = clinical_reading(&patch, &tiled(lad.clone()), SEED);
        let s = Sites::of(&patch, &lad, SEED);
        let len = |j: usize| ((j + 1) as f64 * s.length_mm).min(120.0) - j as f64 * s.length_mm;
        let mut kept = 0.0;
        for j in 0..s.n_axial {
            for i in 0..s.n_arc {
                kept += (s.factor(j, i) * phi).min(1.0) * len(j) / (120.0 * s.n_arc as f64);
            }
        }
        if phi == 0.02 {
            assert!(s.factors.iter().all(|f| f * phi < 1.0));
            assert!(close(kept, phi, 1e-12));
        } else {
            assert!(kept < phi);
        }
        assert!(
            close(with.ha_mass_mg, without.ha_mass_mg * kept / phi, 1e-9),
            "φ = {phi}: {} mg with sites, {} tiled",
            with.ha_mass_mg,
            without.ha_mass_mg
        );
    }
}

#[test]
fn with_site_spread_the_volume_score_rises_gradually_with_the_mineral() {
    // A ramp of uniform mineral on the ckd5d wall, proximal LAD: the tiled
    // readout's volume score takes a few values (every slice changes at
    // once); with the default sites it rises site by site, and never falls.
    let lad = ImagingParams::default();
    let ramp = |p: &ImagingParams| -> Vec<ClinicalRecord> {
        (0..=30)
            .map(|k| {
                let (m, l) = ckd5d_wall(|_, _| 0.01 * k as f64);
                read_wall(&m, &l, p)
            })
            .collect()
    };
    let distinct = |r: &[ClinicalRecord]| {
        let mut v: Vec<f64> = r.iter().map(|x| x.volume_mm3).collect();
        v.dedup();
        v.len()
    };
    let tiled_ramp = ramp(&tiled(lad.clone()));
    let sites_ramp = ramp(&lad);
    assert!(distinct(&tiled_ramp) <= 6, "{}", distinct(&tiled_ramp));
    assert!(distinct(&sites_ramp) >= 20, "{}", distinct(&sites_ramp));
    let mut flips = 0;
    for w in sites_ramp.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        assert!(b.volume_mm3 >= a.volume_mm3, "{b:?} after {a:?}");
        assert!(b.agatston >= a.agatston && b.mass_mg >= a.mass_mg);
        // (The peak stops at a full wall in the best-filled pixel, up to
        // rounding.)
        assert!(b.ha_mass_mg > a.ha_mass_mg, "{a:?} → {b:?}");
        assert!(b.peak_hu >= a.peak_hu * (1.0 - 1e-12), "{a:?} → {b:?}");
        flips += usize::from(b.detectable != a.detectable);
        // No step takes more than a fifth of the final volume score.
        let last = sites_ramp[30].volume_mm3;
        assert!(b.volume_mm3 - a.volume_mm3 <= 0.2 * last, "{a:?} → {b:?}");
    }
    assert_eq!(flips, 1);
    // Detection comes earlier than tiled, where the best-placed sites are.
    let first = |r: &[ClinicalRecord]| r.iter().position(|x| x.detectable > 0.0);
    assert!(first(&sites_ramp) < first(&tiled_ramp));
}

#[test]
fn a_run_keeps_its_sites_and_another_seed_has_its_own() {
    // The sites are the patient's anatomy: the same at every reading of a
    // run (whatever the mineral), drawn again for another seed.
    let p = ImagingParams::default();
    // 1%: no site of either seed is full (a factor of 100 would be), so both
    // segments hold exactly the patch's mineral.
    let (m1, l) = ckd5d_wall(|_, _| 0.01);
    let (m2, _) = ckd5d_wall(|r, i| {
        if r == Region::Lamina {
            0.3
        } else {
            0.001 * (i % 5) as f64
        }
    });
    let s1 = Sites::of(&wall_patch(&m1, &l), &p, SEED);
    assert_eq!(s1, Sites::of(&wall_patch(&m2, &l), &p, SEED));
    assert_eq!((s1.n_axial, s1.n_arc), (40, 8));
    let a = synthetic_ct(&wall_patch(&m1, &l), &p, SEED);
    assert!(a == synthetic_ct(&wall_patch(&m1, &l), &p, SEED));
    let b = synthetic_ct(&wall_patch(&m1, &l), &p, 7);
    assert!(a.hu != b.hu);
    assert!(close(a.mineral_mm3, b.mineral_mm3, 1e-9));
}

#[test]
fn site_by_site_renders_what_slice_by_slice_renders() {
    // The fast path (each site's image at factor 1, scaled) against every
    // sample of every slice: a 3D patch with sites that cut slices, and the
    // ckd5d wall with sites that a factor above 1/φ̄ fills.
    let three_d = Built::new(10.0, 200.0, Some(60.0), |d, y, z| {
        (if d < 100.0 { 0.3 } else { 0.02 }) * (1.0 + z / 60.0) * (1.0 + y / 400.0)
    });
    let (m, l) = ckd5d_wall(|r, i| {
        if r == Region::Lamina {
            0.6
        } else {
            0.02 * (i % 5) as f64
        }
    });
    let cases = [
        (
            three_d.patch(),
            ImagingParams {
                segment_length_mm: 10.0,
                site_length_mm: 2.0,
                site_arc_mm: 0.7,
                site_cv: 1.5,
                ..ImagingParams::default()
            },
        ),
        (wall_patch(&m, &l), ImagingParams::default()),
    ];
    for (patch, p) in cases {
        let sites = Sites::of(&patch, &p, SEED);
        let mean = patch.wall_fraction();
        assert!(
            sites.factors.iter().any(|f| f * mean > 1.0),
            "a site is full"
        );
        let fast = render(&patch, &p, &sites, true);
        let slow = render(&patch, &p, &sites, false);
        let peak = slow
            .hu
            .iter()
            .fold(0.0_f64, |a, &h| a.max(h - p.baseline_hu));
        let worst = fast
            .hu
            .iter()
            .zip(&slow.hu)
            .fold(0.0_f64, |a, (x, y)| a.max((x - y).abs()));
        assert!(worst < 1e-9 * peak, "{worst} HU of {peak}");
        assert!(close(fast.mineral_mm3, slow.mineral_mm3, 1e-12));
        let (a, b) = (score(&fast, &p), score(&slow, &p));
        assert!(a.agatston > 0.0);
        assert_eq!(
            (a.agatston, a.volume_mm3, a.n_lesions),
            (b.agatston, b.volume_mm3, b.n_lesions)
        );
        assert!(close(a.mass_mg, b.mass_mg, 1e-12) && close(a.peak_hu, b.peak_hu, 1e-12));
    }
}

/// `p` with delayed sites: onsets spread over `spread_days`, past states
/// every `every_days`.
fn delayed(p: ImagingParams, spread_days: f64, every_days: f64) -> ImagingParams {
    ImagingParams {
        site_onset_spread_days: spread_days,
        history_every_days: every_days,
        ..p
    }
}

#[test]
fn without_past_states_delayed_sites_read_the_current_wall() {
    // No history kept (spread 0): every site reads the wall now, exactly as
    // the readout without delays (the same arithmetic, so the same bits).
    let (m, l) = ckd5d_wall(|r, i| {
        if r == Region::Lamina {
            0.3
        } else {
            0.01 * (i % 7) as f64
        }
    });
    let p = ImagingParams::default();
    let off = History::new(&delayed(p.clone(), 0.0, 30.0), true);
    assert!(!off.is_on());
    let now = synthetic_ct(&wall_patch(&m, &l), &p, SEED);
    let d = synthetic_ct_delayed(&wall_patch(&m, &l), &off, &p, SEED, 5000.0);
    assert!(now == d);
    assert!(now.mineral_mm3 > 0.0);
}

#[test]
fn a_delayed_site_holds_the_wall_as_it_was_its_delay_earlier() {
    // Uniform walls: 0 at day 0, 2% at day 30, 5% now (day 60). Site (j, i)
    // with delay d holds its factor times the wall at 60 − d (linear between
    // the kept states), at most a full wall: its share of the segment's
    // wall volume (length_j / length / n_arc) times min(f·φ, 1).
    let p = delayed(ImagingParams::default(), 60.0, 30.0);
    let (zero, l) = ckd5d_wall(|_, _| 0.0);
    let (two, _) = ckd5d_wall(|_, _| 0.02);
    let (five, _) = ckd5d_wall(|_, _| 0.05);
    let (one, _) = ckd5d_wall(|_, _| 1.0);
    let mut h = History::new(&p, true);
    assert!(h.is_on());
    h.record(0.0, &zero);
    h.record(719.0, &two); // not yet a new interval: not kept
    h.record(720.0, &two);
    assert_eq!(h.times_h(), &[0.0, 720.0]);
    let t = 1440.0;
    let ct = synthetic_ct_delayed(&wall_patch(&five, &l), &h, &p, SEED, t);
    // The wall volume of the segment, mm³.
    let wall = synthetic_ct(&wall_patch(&one, &l), &tiled(p.clone()), SEED).mineral_mm3;
    let sites = Sites::of(&wall_patch(&five, &l), &p, SEED);
    let (mut want, mut delays) = (0.0, Vec::new());
    for j in 0..sites.n_axial {
        let len = ((j + 1) as f64 * sites.length_mm).min(p.segment_length_mm)
            - j as f64 * sites.length_mm;
        for i in 0..sites.n_arc {
            let d = onset_delay_h(&p, SEED, j, i);
            delays.push(d);
            let src = t - d;
            let phi = if src >= 720.0 {
                0.02 + 0.03 * (src - 720.0) / 720.0
            } else {
                0.02 * src / 720.0
            };
            let share = len / p.segment_length_mm / sites.n_arc as f64;
            want += wall * share * (sites.factor(j, i) * phi).min(1.0);
        }
    }
    assert!(
        close(ct.mineral_mm3, want, 1e-9),
        "{} vs {want}",
        ct.mineral_mm3
    );
    // Less than the current wall's reading (most sites show the past), and
    // the delays cover [0, spread] evenly.
    let now = synthetic_ct(&wall_patch(&five, &l), &p, SEED);
    assert!(ct.mineral_mm3 < 0.8 * now.mineral_mm3);
    let n = delays.len() as f64;
    let mean = delays.iter().sum::<f64>() / n;
    assert!(delays.iter().all(|&d| (0.0..1440.0).contains(&d)));
    assert!((mean - 720.0).abs() < 3.0 * 1440.0 / (12.0 * n).sqrt());
    // Another seed: other delays, the same mineral on average.
    let other = synthetic_ct_delayed(&wall_patch(&five, &l), &h, &p, 7, t);
    assert!(other.hu != ct.hu);
}

#[test]
fn the_history_keeps_one_state_per_interval_back_to_the_spread() {
    let p = delayed(ImagingParams::default(), 100.0, 30.0);
    let mut h = History::new(&p, true);
    let mut kept_max = 0;
    for day in 0..=400u32 {
        let t = f64::from(day) * 24.0;
        h.record(t, &[f64::from(day) / 1000.0]);
        let times = h.times_h();
        kept_max = kept_max.max(times.len());
        // One state per 30 days, from the start.
        assert!(times.iter().all(|&x| (x / 720.0).fract() == 0.0));
        // The oldest kept is at or before t − 100 d (or the start), and
        // the one after it was after t − 100 d when the last was kept.
        let last = *times.last().expect("kept");
        if t > 2400.0 {
            assert!(
                times[0] <= t - 2400.0 && times[1] > last - 2400.0,
                "{t}: {times:?}"
            );
        } else {
            assert_eq!(times[0], 0.0);
        }
        assert_eq!(
            h.flat(),
            times.iter().map(|x| x / 24.0 / 1000.0).collect::<Vec<_>>()
        );
    }
    assert!(kept_max <= 6, "{kept_max}");
    // A checkpoint's columns restore the same history; bad ones are refused.
    let mut r = History::new(&p, true);
    r.restore(h.times_h().to_vec(), h.flat(), 1)
        .expect("restores");
    assert_eq!((r.times_h(), r.flat()), (h.times_h(), h.flat()));
    assert!(r.restore(vec![0.0, 720.0], vec![1.0], 1).is_err());
    assert!(r.restore(vec![720.0, 0.0], vec![1.0, 0.5], 1).is_err());
    assert!(r.restore(vec![0.0, 720.0], vec![0.5, f64::NAN], 1).is_err());
    // Culture mode or no spread: nothing is kept.
    let mut off = History::new(&p, false);
    off.record(0.0, &[1.0]);
    assert!(off.times_h().is_empty());
}
