//! Criterion benchmarks of the kernels: the diffusion solver (2D and 3D, 1, 4
//! and 8 solutes; a 2D wall's shape with the x and y sweeps fused and not), the reactions stage (cells, secretion, mineral) and the
//! full step of the whole model, each on 1 and 2 threads.
//!
//! `cargo bench -p vcsim-rules --bench kernels` measures; `cargo test --benches`
//! runs every benchmark once as a smoke check. Throughput is reported as
//! elements per second: voxel-solute updates for the solver, cell updates for
//! the reactions stage (`reactions_per_cell`), voxels for the reactions stage
//! (`reactions`) and the full step.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::time::Duration;
use vcsim_core::{DiffusionSolver, Face, FieldSpec, FieldStore, Lattice, Region};
use vcsim_rules::{Override, Scenario, Simulation};

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool")
}

fn specs(n: usize) -> Vec<FieldSpec> {
    FieldSpec::benchmark_set(n)
}

fn solver(c: &mut Criterion) {
    let cases = [
        ("2d_500x500", 2, [1, 500, 500]),
        ("3d_64x64x64", 3, [64, 64, 64]),
    ];
    for (name, ndim, shape) in cases {
        let mut group = c.benchmark_group(format!("solver_{name}"));
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(3));
        let lattice = Lattice::uniform(ndim, shape, 10.0, Region::Media);
        for n_solutes in [1, 4, 8] {
            group.throughput(Throughput::Elements((lattice.len() * n_solutes) as u64));
            for threads in [1, 2] {
                let specs = specs(n_solutes);
                let mut solver = DiffusionSolver::new(&lattice, &specs, 1.0).expect("valid");
                let mut fields = FieldStore::new(specs, lattice.len());
                for f in 0..n_solutes {
                    fields.set_dirichlet(f, Face::LUMEN, 2.0);
                }
                let pool = pool(threads);
                group.bench_function(
                    BenchmarkId::new(format!("{n_solutes}_solutes"), format!("{threads}_threads")),
                    |b| b.iter(|| pool.install(|| solver.step(&mut fields))),
                );
            }
        }
        group.finish();
    }
}

/// The solver on a 2D wall's shape (59 radial × 20 000 circumferential voxels,
/// 8 solutes, 38 MB of fields: beyond L2), with the x and y sweeps fused and
/// run one after the other.
fn solver_thin_wall(c: &mut Criterion) {
    let mut group = c.benchmark_group("solver_2d_wall_59x20000");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3));
    let lattice = Lattice::uniform(2, [1, 20_000, 59], 5.0, Region::Media);
    group.throughput(Throughput::Elements((lattice.len() * 8) as u64));
    for fused in [true, false] {
        for threads in [1, 2] {
            let specs = specs(8);
            let mut solver = DiffusionSolver::new(&lattice, &specs, 1.0)
                .expect("valid")
                .with_fused_xy(fused);
            let mut fields = FieldStore::new(specs, lattice.len());
            for f in 0..8 {
                fields.set_dirichlet(f, Face::LUMEN, 2.0);
            }
            let pool = pool(threads);
            let name = if fused { "fused_xy" } else { "separate_xy" };
            group.bench_function(BenchmarkId::new(name, format!("{threads}_threads")), |b| {
                b.iter(|| pool.install(|| solver.step(&mut fields)))
            });
        }
    }
    group.finish();
}

/// A 2D wall of a haemodialysis patient (the patient model drives the lumen), ten days in
/// (fast nucleation), so that mineral and osteogenic cells are present for every stage to
/// work on (see `stage_bench`).
fn tissue() -> Scenario {
    let sets = [
        "geometry.dx_um=5.0",
        "geometry.lamellar_units=20",
        "geometry.lamellar_unit_um=25.0",
        "geometry.circumference_um=5000.0",
        "patient.kidney.egfr_mL_min=3.0",
        "dialysis.sessions_per_week=3",
        "mineral.vesicle_nucleation_per_h=0.01",
    ];
    let o: Vec<Override> = sets
        .iter()
        .map(|s| Override::parse(s).expect("override"))
        .collect();
    Scenario::from_toml("", "bench", &o).expect("valid")
}

/// One stage of the full model (or the whole step with `stage = None`),
/// timed by the pipeline's own stage timers, on 1 and 2 threads.
fn stage_bench(c: &mut Criterion, group_name: &str, stage: Option<&str>, per_cell: bool) {
    let scenario = tissue();
    let mut group = c.benchmark_group(group_name);
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3));
    for threads in [1, 2] {
        let pool = pool(threads);
        let mut sim = Simulation::new(&scenario).expect("builds");
        // Ten days; one in unoptimised builds (`cargo test --benches`, a smoke
        // run of each benchmark), where ten took 2.5 minutes.
        let days = if cfg!(debug_assertions) { 1 } else { 10 };
        pool.install(|| {
            for _ in 0..24 * days {
                sim.step();
            }
        });
        let elements = if per_cell {
            sim.world.cells.len()
        } else {
            sim.world.lattice.len()
        };
        group.throughput(Throughput::Elements(elements as u64));
        let index = stage.map(|name| {
            sim.stage_times()
                .names
                .iter()
                .position(|n| *n == name)
                .expect("stage exists")
        });
        group.bench_function(
            BenchmarkId::new(stage.unwrap_or("step"), format!("{threads}_threads")),
            |b| {
                b.iter_custom(|iters| {
                    let total = |sim: &Simulation| match index {
                        Some(i) => sim.stage_times().seconds[i],
                        None => sim.stage_times().seconds.iter().sum(),
                    };
                    let before = total(&sim);
                    pool.install(|| {
                        for _ in 0..iters {
                            sim.step();
                        }
                    });
                    Duration::from_secs_f64(total(&sim) - before)
                })
            },
        );
    }
    group.finish();
}

/// The reactions stage (cells, secretion, nucleation and growth): cell
/// updates per second.
fn reactions_per_cell(c: &mut Criterion) {
    stage_bench(c, "reactions_per_cell", Some("reactions"), true);
}

/// The reactions stage: voxels per second.
fn reactions(c: &mut Criterion) {
    stage_bench(c, "reactions", Some("reactions"), false);
}

/// The whole step: voxels per second.
fn full_step(c: &mut Criterion) {
    stage_bench(c, "full_step", None, false);
}

criterion_group!(
    benches,
    solver,
    solver_thin_wall,
    reactions_per_cell,
    reactions,
    full_step
);
criterion_main!(benches);
