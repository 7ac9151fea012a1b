//! Floating-point reductions whose result does not depend on the thread count.
//!
//! rayon's own `sum` splits work according to the pool, so the order in which
//! partial sums combine (and therefore the last bits of the result) changes with
//! the number of threads. Here the input is cut into chunks of a fixed size,
//! each chunk is summed sequentially, and the partial sums are combined in chunk
//! order on one thread.

use rayon::prelude::*;

/// Number of items per chunk of a deterministic reduction.
pub const REDUCE_CHUNK: usize = 4096;

/// Sums `f(i)` for `i in 0..n` in f64, deterministically for any thread count.
pub fn det_sum<F>(n: usize, f: F) -> f64
where
    F: Fn(usize) -> f64 + Sync,
{
    let n_chunks = n.div_ceil(REDUCE_CHUNK);
    let partial: Vec<f64> = (0..n_chunks)
        .into_par_iter()
        .map(|c| {
            let end = ((c + 1) * REDUCE_CHUNK).min(n);
            let mut s = 0.0;
            for i in c * REDUCE_CHUNK..end {
                s += f(i);
            }
            s
        })
        .collect();
    partial.iter().sum()
}

/// Sums a slice of f32 values in f64, deterministically for any thread count.
pub fn det_sum_f32(values: &[f32]) -> f64 {
    det_sum(values.len(), |i| f64::from(values[i]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bits_for_any_thread_count() {
        let values: Vec<f32> = (0..100_003)
            .map(|i| ((i as f32) * 0.618_034).sin() * 1e3)
            .collect();
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool")
                .install(|| det_sum_f32(&values))
        };
        let one = run(1);
        for t in [2, 3, 8] {
            assert_eq!(one.to_bits(), run(t).to_bits(), "{t} threads");
        }
        let naive: f64 = values.iter().map(|&v| f64::from(v)).sum();
        assert!((one - naive).abs() < 1e-6 * naive.abs().max(1.0));
    }
}
