//! Floating-point reductions whose result does not depend on the thread count.
//!
//! rayon's own `sum` splits work according to the pool, so the order in which
//! partial sums combine (and therefore the last bits of the result) changes with
//! the number of threads. Here the input is cut into chunks of a fixed size,
//! each chunk is summed sequentially, and the partial sums are combined in chunk
//! order on one thread. The partial sums of up to [`REDUCE_GROUP`] chunks at a
//! time live in an array on the stack, so a sum allocates nothing.

use rayon::prelude::*;

/// Number of items per chunk of a deterministic reduction.
pub const REDUCE_CHUNK: usize = 4096;

/// Number of chunks whose partial sums are computed in parallel at a time.
pub const REDUCE_GROUP: usize = 64;

/// Sums `f(i)` for `i in 0..n` in f64, deterministically for any thread count.
pub fn det_sum<F>(n: usize, f: F) -> f64
where
    F: Fn(usize) -> f64 + Sync,
{
    let n_chunks = n.div_ceil(REDUCE_CHUNK);
    let mut partial = [0.0f64; REDUCE_GROUP];
    // -0.0 is the neutral element of addition: the total is exactly the
    // partial sums added in chunk order.
    let mut total = -0.0;
    for first in (0..n_chunks).step_by(REDUCE_GROUP) {
        let count = REDUCE_GROUP.min(n_chunks - first);
        partial[..count]
            .par_iter_mut()
            .enumerate()
            .for_each(|(k, out)| {
                let c = first + k;
                let end = ((c + 1) * REDUCE_CHUNK).min(n);
                let mut s = 0.0;
                for i in c * REDUCE_CHUNK..end {
                    s += f(i);
                }
                *out = s;
            });
        for &p in &partial[..count] {
            total += p;
        }
    }
    total
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
        // More chunks than one group of partial sums: the groups chain in
        // chunk order, as one sequential sum of the chunk sums would.
        let n = REDUCE_CHUNK * REDUCE_GROUP * 2 + 17;
        let f = |i: usize| ((i as f64) * 0.618_034).sin() * 1e3;
        let by_chunk = (0..n.div_ceil(REDUCE_CHUNK))
            .map(|c| (c * REDUCE_CHUNK..((c + 1) * REDUCE_CHUNK).min(n)).fold(0.0, |s, i| s + f(i)))
            .fold(-0.0, |a, b| a + b);
        assert_eq!(det_sum(n, f).to_bits(), by_chunk.to_bits());
        assert_eq!(det_sum(0, f), 0.0);
    }
}
