//! Criterion benchmarks of the kernels: the diffusion solver (2D and 3D, 1, 4
//! and 8 solutes) and the cell stage, each on 1 and 2 threads.
//!
//! `cargo bench -p vcsim-rules --bench kernels` measures; `cargo test --benches`
//! runs every benchmark once as a smoke check. Throughput is reported as
//! elements per second: voxel-solute updates for the solver, cell updates for
//! the cell stage.

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

/// The cell stage alone, timed by the pipeline's own stage timer.
fn cell_stage(c: &mut Criterion) {
    let sets = [
        "geometry.dx_um=5.0",
        "geometry.lamellar_units=20",
        "geometry.lamellar_unit_um=25.0",
        "geometry.circumference_um=5000.0",
        "serum.phosphate_mM=1.8",
    ];
    let o: Vec<Override> = sets
        .iter()
        .map(|s| Override::parse(s).expect("override"))
        .collect();
    let scenario = Scenario::from_toml("", "bench", &o).expect("valid");
    let mut group = c.benchmark_group("cell_stage");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3));
    for threads in [1, 2] {
        let pool = pool(threads);
        let mut sim = Simulation::new(&scenario).expect("builds");
        group.throughput(Throughput::Elements(sim.world.cells.len() as u64));
        let cells = sim
            .stage_times()
            .names
            .iter()
            .position(|n| *n == "cells")
            .expect("cells stage");
        group.bench_function(
            BenchmarkId::new("vsmc", format!("{threads}_threads")),
            |b| {
                b.iter_custom(|iters| {
                    let before = sim.stage_times().seconds[cells];
                    pool.install(|| {
                        for _ in 0..iters {
                            sim.step();
                        }
                    });
                    Duration::from_secs_f64(sim.stage_times().seconds[cells] - before)
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, solver, cell_stage);
criterion_main!(benches);
