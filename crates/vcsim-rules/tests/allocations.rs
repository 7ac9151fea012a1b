//! No stage allocates memory within a step once the run is going: every
//! allocation the step needs (scratch, work buffers) is made when the
//! simulation is built or in the first step.
//!
//! This test binary counts every heap allocation through its own global
//! allocator (only this binary: each integration test is its own program),
//! and attributes the allocations of each step to the stage running at the
//! time through [`Simulation::step_with`]. The steps run inside a rayon pool
//! (as `vcsim run` does), so parallel work is handed to workers without
//! going through rayon's global queue. The tests take a lock: the counter is
//! global, and tests of one binary run in parallel.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use vcsim_core::StageEvent;
use vcsim_rules::{Override, Scenario, Simulation};

/// The system allocator, counting allocations and reallocations made on
/// the counted threads.
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

/// The pool (by its thread count) whose workers' allocations count now; 0
/// for none.
static ACTIVE_POOL: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// The pool a worker thread belongs to (0 on other threads). Only the
    /// workers of the active pool count: the test harness's own threads
    /// (which print results while another test counts) and the idle workers
    /// of the other pool do not.
    static POOL: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    let pool = POOL.try_with(Cell::get).unwrap_or(0);
    if pool != 0 && pool == ACTIVE_POOL.load(Ordering::Relaxed) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

/// Held by each test while it counts.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

// SAFETY: every call is forwarded unchanged to the system allocator; the
// counter is an atomic that never affects the memory handed out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn scenario(sets: &[&str]) -> Scenario {
    let o: Vec<Override> = sets
        .iter()
        .map(|s| Override::parse(s).expect("override"))
        .collect();
    Scenario::from_toml("", "allocations", &o).expect("valid")
}

/// The pool of `threads` (1 or 2) workers, built once and kept: a pool
/// that shuts down frees and allocates on its threads' way out, which
/// would be counted against a later test.
fn pool(threads: usize) -> &'static rayon::ThreadPool {
    static POOLS: OnceLock<[rayon::ThreadPool; 2]> = OnceLock::new();
    let pools = POOLS.get_or_init(|| {
        [1, 2].map(|n| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .start_handler(move |_| POOL.set(n))
                .build()
                .expect("pool")
        })
    });
    &pools[threads.clamp(1, 2) - 1]
}

/// Allocations per stage over `steps` steps after the first two, on
/// `threads` worker threads.
fn allocations_per_stage(s: &Scenario, threads: usize, steps: usize) -> BTreeMap<String, u64> {
    let pool = pool(threads);
    let mut sim = Simulation::new(s).expect("builds");
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    // The names are known before counting, so the map does not allocate
    // while it counts.
    for name in &sim.stage_times().names {
        counts.insert((*name).to_string(), 0);
    }
    ACTIVE_POOL.store(threads, Ordering::SeqCst);
    pool.install(|| {
        sim.step();
        sim.step();
        let mut start = 0;
        for _ in 0..steps {
            sim.step_with(|e| match e {
                StageEvent::Start(_) => start = ALLOCATIONS.load(Ordering::SeqCst),
                StageEvent::End(name) => {
                    let n = ALLOCATIONS.load(Ordering::SeqCst) - start;
                    if let Some(c) = counts.get_mut(name) {
                        *c += n;
                    }
                }
            });
        }
    });
    ACTIVE_POOL.store(0, Ordering::SeqCst);
    counts
}

/// Steps counted per run.
const STEPS: usize = 20;

/// Allocations tolerated over [`STEPS`] steps on two threads: rayon's work
/// stealing goes through crossbeam's epoch-based memory reclamation, which
/// now and then allocates (a deque buffer, a bag of deferred frees) on
/// whichever stage is running. That is rare and not per step; an
/// allocation in a stage's own code would show up in every step.
const RAYON_BOOKKEEPING: u64 = 4;

/// `scenario` is built under the lock too: other tests must not allocate
/// while this one counts.
fn assert_no_allocations(label: &str, scenario: fn() -> Scenario, unchecked: &[&str]) {
    let _lock = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let s = &scenario();
    for threads in [1, 2] {
        let counts = allocations_per_stage(s, threads, STEPS);
        eprintln!(
            "{label}, {threads} threads: allocations per stage over {STEPS} steps {counts:?}"
        );
        assert!(counts.contains_key("reactions"), "{counts:?}");
        let allowed = if threads == 1 { 0 } else { RAYON_BOOKKEEPING };
        for (stage, n) in &counts {
            if !unchecked.contains(&stage.as_str()) {
                assert!(
                    *n <= allowed,
                    "{label}, {threads} threads: stage {stage} allocated {n} times in {STEPS} steps"
                );
            }
        }
    }
}

/// A haemodialysis patient drives the lumen, with fast nucleation so that
/// every branch of the reactions runs; wide enough for several blocks of
/// voxels.
fn tissue() -> Scenario {
    scenario(&[
        "geometry.lamellar_units=3",
        "geometry.circumference_um=1500.0",
        "patient.kidney.egfr_mL_min=3.0",
        "dialysis.sessions_per_week=3",
        "mineral.vesicle_nucleation_per_h=0.05",
        "mineral.lamina_nucleation_per_um3_h=4.0e-4",
    ])
}

/// A monolayer with a medium change every 12 h (within the counted steps).
fn culture() -> Scenario {
    scenario(&[
        "mode=\"culture\"",
        "culture.side_um=100.0",
        "culture.phosphate_mM=3.0",
        "culture.medium_change_days=0.5",
    ])
}

/// Every stage of a step, the solver included, allocates nothing once the
/// run is warm, in tissue (with the patient) and in culture.
#[test]
fn whole_steps_allocate_nothing() {
    assert_no_allocations("tissue", tissue, &[]);
    assert_no_allocations("culture", culture, &[]);
}
