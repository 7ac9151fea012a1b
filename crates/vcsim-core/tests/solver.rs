//! The diffusion solver against analytic solutions, conservation, stability
//! and thread-count determinism.

use vcsim_core::{
    Boundary, DiffusionSolver, Face, FieldKind, FieldSpec, FieldStore, Lattice, Region, det_sum_f32,
};

const P: [Boundary; 2] = [Boundary::Periodic; 2];
const N: [Boundary; 2] = [Boundary::NoFlux; 2];

fn spec(d: f64, k: f64, boundary: [[Boundary; 2]; 3]) -> FieldSpec {
    FieldSpec {
        name: "u".into(),
        unit: "1".into(),
        diffusion_um2_per_h: d,
        decay_per_h: k,
        boundary,
        initial: 0.0,
        kind: FieldKind::Transient,
    }
}

fn lattice(ndim: usize, n: [usize; 3], dx: f64) -> Lattice {
    Lattice::uniform(ndim, n, dx, Region::Media)
}

/// Steady state of D u'' = k u on [0, L] with u(0) = 1 and no flux at L:
/// u = cosh((L − x)/λ) / cosh(L/λ), λ = √(D/k). Returns the max error.
fn exponential_profile_error(dx: f64, dt: f64) -> f64 {
    let (d, k, len) = (100.0, 1.0, 60.0);
    let nx = (len / dx).round() as usize;
    let lat = lattice(2, [1, 3, nx], dx);
    let s = spec(d, k, [[Boundary::Dirichlet, Boundary::NoFlux], P, P]);
    let mut f = FieldStore::new(vec![s.clone()], lat.len());
    f.set_dirichlet(0, Face::LUMEN, 1.0);
    let mut solver = DiffusionSolver::new(&lat, &[s], dt).expect("valid");
    // Relaxation time ~ 1/k and L²/D; 40 h is far past both.
    let steps = (40.0 / dt).round() as usize;
    for _ in 0..steps {
        solver.step(&mut f);
    }
    let lambda = (d / k).sqrt();
    let u = f.values(0);
    (0..nx)
        .map(|i| {
            let x = (i as f64 + 0.5) * dx;
            let exact = ((len - x) / lambda).cosh() / (len / lambda).cosh();
            (f64::from(u[nx + i]) - exact).abs()
        })
        .fold(0.0, f64::max)
}

#[test]
fn exponential_steady_state_converges_second_order_in_dx() {
    // dt small enough that its error is far below the dx error.
    let errs: Vec<f64> = [4.0, 2.0, 1.0]
        .iter()
        .map(|&dx| exponential_profile_error(dx, 0.002))
        .collect();
    assert!(errs[0] < 0.02, "coarse error {errs:?}");
    for w in errs.windows(2) {
        let order = (w[0] / w[1]).log2();
        assert!(
            order > 1.7 && order < 2.5,
            "dx order {order}, errors {errs:?}"
        );
    }
}

#[test]
fn exponential_steady_state_converges_first_order_in_dt() {
    let errs: Vec<f64> = [0.4, 0.2, 0.1]
        .iter()
        .map(|&dt| exponential_profile_error(0.5, dt))
        .collect();
    for w in errs.windows(2) {
        let order = (w[0] / w[1]).log2();
        assert!(
            order > 0.8 && order < 1.3,
            "dt order {order}, errors {errs:?}"
        );
    }
}

/// Spreads a Gaussian of variance σ0² = 2·D·t0 for time t on a periodic domain
/// and returns the max error against the exact Gaussian of variance 2·D·(t0+t),
/// relative to its peak.
fn gaussian_error(ndim: usize, dx: f64, dt: f64) -> f64 {
    let (d, t0, t, len) = (1.0, 8.0, 8.0, 48.0);
    let n = (len / dx).round() as usize;
    let shape = match ndim {
        1 => [1, 3, n],
        2 => [1, n, n],
        _ => [n, n, n],
    };
    let lat = lattice(ndim.max(2), shape, dx);
    let s = spec(d, 0.0, [P, P, P]);
    let mut f = FieldStore::new(vec![s.clone()], lat.len());
    let c = len / 2.0;
    let gauss = |var: f64, z: usize, y: usize, x: usize| {
        let pos = |i: usize| (i as f64 + 0.5) * dx - c;
        let mut r2 = pos(x).powi(2);
        if ndim >= 2 {
            r2 += pos(y).powi(2);
        }
        if ndim == 3 {
            r2 += pos(z).powi(2);
        }
        (-r2 / (2.0 * var)).exp() / (2.0 * std::f64::consts::PI * var).powf(ndim as f64 / 2.0)
    };
    let var0 = 2.0 * d * t0;
    let var1 = 2.0 * d * (t0 + t);
    for i in 0..lat.len() {
        let (z, y, x) = lat.coords(i);
        f.values_mut(0)[i] = gauss(var0, z, y, x) as f32;
    }
    let mut solver = DiffusionSolver::new(&lat, &[s], dt).expect("valid");
    for _ in 0..(t / dt).round() as usize {
        solver.step(&mut f);
    }
    let peak = gauss(var1, n / 2, n / 2, n / 2);
    let mut err: f64 = 0.0;
    for i in 0..lat.len() {
        let (z, y, x) = lat.coords(i);
        err = err.max((f64::from(f.values(0)[i]) - gauss(var1, z, y, x)).abs());
    }
    err / peak
}

#[test]
fn gaussian_spread_converges_in_1d_2d_3d() {
    for ndim in [1, 2, 3] {
        // Halving dx and quartering dt divides both error terms by 4.
        let coarse = gaussian_error(ndim, 2.0, 1.0);
        let fine = gaussian_error(ndim, 1.0, 0.25);
        let ratio = coarse / fine;
        assert!(coarse < 0.1, "{ndim}D coarse error {coarse}");
        assert!(
            ratio > 3.0,
            "{ndim}D: error {coarse} -> {fine}, ratio {ratio}"
        );
    }
}

#[test]
fn mass_is_conserved_with_no_flux_and_no_decay() {
    let lat = lattice(3, [6, 7, 9], 3.0);
    for boundary in [[N, P, P], [N, N, N], [P, P, P]] {
        let s = spec(5.0e5, 0.0, boundary);
        let mut f = FieldStore::new(vec![s.clone()], lat.len());
        for (i, v) in f.values_mut(0).iter_mut().enumerate() {
            *v = ((i * 7919) % 97) as f32 * 0.37;
        }
        let before = det_sum_f32(f.values(0));
        let mut solver = DiffusionSolver::new(&lat, &[s], 24.0).expect("valid");
        for _ in 0..50 {
            solver.step(&mut f);
        }
        let after = det_sum_f32(f.values(0));
        assert!(
            ((after - before) / before).abs() < 2e-6,
            "{boundary:?}: mass {before} -> {after}"
        );
        // And it has spread to uniform.
        let mean = before / lat.len() as f64;
        assert!(
            f.values(0)
                .iter()
                .all(|&v| (f64::from(v) - mean).abs() < 1e-3 * mean)
        );
    }
}

#[test]
fn no_blow_up_at_one_day_steps() {
    // r = D·dt/dx² ≈ 3.5e6: far beyond any explicit scheme's limit.
    let lat = lattice(2, [1, 40, 30], 10.0);
    let s = spec(
        1.44e6,
        0.01,
        [[Boundary::Dirichlet, Boundary::NoFlux], P, P],
    );
    let mut f = FieldStore::new(vec![s.clone()], lat.len());
    for (i, v) in f.values_mut(0).iter_mut().enumerate() {
        *v = if i % 13 == 0 { 5.0 } else { 0.0 };
    }
    f.set_dirichlet(0, Face::LUMEN, 2.0);
    let mut solver = DiffusionSolver::new(&lat, &[s], 24.0).expect("valid");
    for _ in 0..365 {
        solver.step(&mut f);
        // Backward Euler is monotone: no value leaves [0, max(initial, boundary)].
        assert!(
            f.values(0)
                .iter()
                .all(|v| v.is_finite() && *v >= 0.0 && *v <= 5.0)
        );
    }
    // Steady state is close to the boundary value (decay length √(D/k) ≫ L).
    assert!(f.values(0).iter().all(|v| (*v - 2.0).abs() < 0.01));
}

#[test]
fn decay_alone_is_exact() {
    let lat = lattice(2, [1, 4, 4], 1.0);
    let s = spec(0.0, 0.3, [N, P, P]);
    let mut f = FieldStore::new(vec![s.clone()], lat.len());
    f.values_mut(0).fill(1.0);
    let mut solver = DiffusionSolver::new(&lat, &[s], 2.0).expect("valid");
    solver.step(&mut f);
    let expect = (-0.6f64).exp() as f32;
    assert!(f.values(0).iter().all(|v| (*v - expect).abs() < 1e-7));
}

#[test]
fn same_bits_for_any_thread_count() {
    let lat = lattice(3, [9, 70, 33], 2.0);
    let s = spec(900.0, 0.05, [[Boundary::Dirichlet, Boundary::NoFlux], P, P]);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        pool.install(|| {
            let mut f = FieldStore::new(vec![s.clone()], lat.len());
            for (i, v) in f.values_mut(0).iter_mut().enumerate() {
                *v = ((i * 31) % 17) as f32;
            }
            f.set_dirichlet(0, Face::LUMEN, 3.0);
            let mut solver =
                DiffusionSolver::new(&lat, std::slice::from_ref(&s), 0.5).expect("valid");
            for _ in 0..5 {
                solver.step(&mut f);
            }
            f.values(0).iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        })
    };
    let one = run(1);
    assert_eq!(one, run(2));
    assert_eq!(one, run(5));
}

#[test]
fn inconsistent_boundaries_are_errors() {
    let lat = lattice(2, [1, 2, 5], 1.0);
    let bad = spec(1.0, 0.0, [[Boundary::Periodic, Boundary::NoFlux], P, P]);
    assert!(DiffusionSolver::new(&lat, &[bad], 1.0).is_err());
    let short = spec(1.0, 0.0, [N, P, P]);
    let e = DiffusionSolver::new(&lat, &[short], 1.0).expect_err("2-voxel periodic axis");
    assert!(e.0.contains("at least 3"), "{e}");
    assert!(DiffusionSolver::new(&lat, &[spec(-1.0, 0.0, [N, P, P])], 1.0).is_err());
    assert!(DiffusionSolver::new(&lat, &[spec(1.0, 0.0, [N, P, P])], 0.0).is_err());
}

#[test]
fn quasi_steady_field_matches_the_steady_point_source() {
    // D u'' − k u + q δ(x) = 0 has u = q / (2√(Dk)) · exp(−|x|/λ), λ = √(D/k).
    let (d, k, dx, n): (f64, f64, f64, usize) = (400.0, 1.0, 1.0, 201);
    let lambda: f64 = (d / k).sqrt();
    let lat = lattice(2, [1, 3, n], dx);
    let mut s = spec(d, k, [N, P, P]);
    s.kind = FieldKind::QuasiSteady;
    let mut f = FieldStore::new(vec![s.clone()], lat.len());
    let source = 5.0; // per hour, in the centre voxel of each row
    for y in 0..3 {
        f.values_mut(0)[lat.index(0, y, n / 2)] = (source / k) as f32;
    }
    // A huge step length must not matter: the result is the steady state.
    let mut solver = DiffusionSolver::new(&lat, &[s], 1000.0).expect("valid");
    solver.step(&mut f);
    let q = source * dx;
    for off in [0usize, 5, 20, 40] {
        let exact = q / (2.0 * (d * k).sqrt()) * (-(off as f64) * dx / lambda).exp();
        let got = f64::from(f.values(0)[lat.index(0, 1, n / 2 + off)]);
        assert!(
            (got - exact).abs() < 0.03 * exact,
            "offset {off}: {got} vs {exact}"
        );
    }
    // And the total equals source / k, as production balances decay.
    let row: f64 = (0..n)
        .map(|x| f64::from(f.values(0)[lat.index(0, 1, x)]))
        .sum();
    assert!((row - source / k).abs() < 1e-4, "{row}");
}

#[test]
fn boundary_flux_accounts_for_every_change_of_mass() {
    for ndim in [2, 3] {
        let shape = if ndim == 2 { [1, 7, 12] } else { [4, 5, 12] };
        let lat = lattice(ndim, shape, 5.0);
        let s = spec(
            2.0e4,
            0.0,
            [[Boundary::Dirichlet, Boundary::Dirichlet], P, P],
        );
        let mut f = FieldStore::new(vec![s.clone()], lat.len());
        for (i, v) in f.values_mut(0).iter_mut().enumerate() {
            *v = (i % 5) as f32;
        }
        let mut solver = DiffusionSolver::new(&lat, &[s], 0.5).expect("valid");
        let start = det_sum_f32(f.values(0));
        let mut entered = 0.0;
        for step in 0..400 {
            f.set_dirichlet(0, Face::LUMEN, 3.0 + (step as f64 * 0.1).sin());
            f.set_dirichlet(0, Face::OUTER, 0.5);
            solver.step(&mut f);
            let flux = solver.boundary_flux(0);
            assert_eq!(flux[1], [0.0; 2], "periodic faces exchange nothing");
            entered += flux[0][0] + flux[0][1];
        }
        let end = det_sum_f32(f.values(0));
        assert!(entered.abs() > 1.0, "the test must move mass: {entered}");
        assert!(
            ((end - start) - entered).abs() < 1e-6 * end.abs().max(start.abs()),
            "{ndim}D: change {} vs boundary flux {entered}",
            end - start
        );
    }
}
