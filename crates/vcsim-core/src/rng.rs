//! Counter-based random streams.
//!
//! Every random number in a run comes from Philox4x32-10 (Salmon et al. 2011,
//! "Parallel random numbers: as easy as 1, 2, 3"), keyed on the run seed and
//! counted on `(step, cell id, purpose, draw index)`. A cell's draws therefore do
//! not depend on which thread handles it, on how many threads there are, or on
//! what any other cell drew: the property that makes runs bitwise reproducible
//! for any thread count and across checkpoint/resume.

use std::convert::Infallible;

const M0: u32 = 0xD251_1F53;
const M1: u32 = 0xCD9E_8D57;
const W0: u32 = 0x9E37_79B9;
const W1: u32 = 0xBB67_AE85;

#[inline(always)]
fn mulhilo(a: u32, b: u32) -> (u32, u32) {
    let p = u64::from(a) * u64::from(b);
    ((p >> 32) as u32, p as u32)
}

/// The Philox4x32 block function with 10 rounds: maps a 128-bit counter and a
/// 64-bit key to 128 random bits.
#[inline]
pub fn philox4x32_10(ctr: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let mut c = ctr;
    let mut k = key;
    for round in 0..10 {
        if round > 0 {
            k[0] = k[0].wrapping_add(W0);
            k[1] = k[1].wrapping_add(W1);
        }
        let (hi0, lo0) = mulhilo(M0, c[0]);
        let (hi1, lo1) = mulhilo(M1, c[2]);
        c = [hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0];
    }
    c
}

/// What a stream of random numbers is used for. Two purposes never share a
/// stream, so adding draws for one purpose does not shift the numbers another
/// purpose sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Purpose(pub u16);

/// A stream of random numbers identified by `(seed, step, cell id, purpose)`.
///
/// Cheap to create (no state beyond the counter); create one where it is
/// needed, draw from it, drop it. It implements [`rand::TryRng`] (infallible),
/// so `rand_distr` distributions sample from it.
#[derive(Debug, Clone)]
pub struct Stream {
    key: [u32; 2],
    ctr: [u32; 4],
    buf: [u32; 4],
    used: usize,
}

impl Stream {
    /// The stream of `purpose` for entity `id` (a cell id, or a voxel index for
    /// per-voxel events) at time step `step` of the run with `seed`.
    pub fn new(seed: u64, step: u64, id: u64, purpose: Purpose) -> Self {
        // Counter layout: word 0 counts draws within the stream; word 1 holds the
        // purpose and the high bits of the step; word 2 the low bits of the step;
        // word 3 the low bits of the id, whose high bits fold into word 1's top.
        let step_hi = ((step >> 32) as u32) & 0xFF;
        let id_hi = ((id >> 32) as u32) & 0xFF;
        let w1 = u32::from(purpose.0) | (step_hi << 16) | (id_hi << 24);
        Self {
            key: [seed as u32, (seed >> 32) as u32],
            ctr: [0, w1, step as u32, id as u32],
            buf: [0; 4],
            used: 4,
        }
    }

    /// The next 32 random bits.
    #[inline]
    pub fn next_word(&mut self) -> u32 {
        if self.used == 4 {
            self.buf = philox4x32_10(self.ctr, self.key);
            self.ctr[0] = self.ctr[0].wrapping_add(1);
            self.used = 0;
        }
        let w = self.buf[self.used];
        self.used += 1;
        w
    }

    /// A uniform number in [0, 1) with 53 random bits.
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        let hi = u64::from(self.next_word()) >> 5; // 27 bits
        let lo = u64::from(self.next_word()) >> 6; // 26 bits
        ((hi << 26) | lo) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `p` (clamped to [0, 1]).
    #[inline]
    pub fn bernoulli(&mut self, p: f64) -> bool {
        self.uniform() < p
    }
}

/// The first [`Stream::uniform`] of the streams `(seed, step, ids[j],
/// purpose)` for every `j`: the same values, computed lane by lane so that
/// the loop vectorises (one Philox block per id).
#[inline(always)]
pub fn first_uniforms<const N: usize>(
    seed: u64,
    step: u64,
    ids: &[u64; N],
    purpose: Purpose,
) -> [f64; N] {
    let w1_base = u32::from(purpose.0) | ((((step >> 32) as u32) & 0xFF) << 16);
    let mut c0 = [0u32; N];
    let mut c1 = [0u32; N];
    let mut c2 = [step as u32; N];
    let mut c3 = [0u32; N];
    for j in 0..N {
        c1[j] = w1_base | ((((ids[j] >> 32) as u32) & 0xFF) << 24);
        c3[j] = ids[j] as u32;
    }
    let mut k = [seed as u32, (seed >> 32) as u32];
    for round in 0..10 {
        if round > 0 {
            k[0] = k[0].wrapping_add(W0);
            k[1] = k[1].wrapping_add(W1);
        }
        for j in 0..N {
            let (hi0, lo0) = mulhilo(M0, c0[j]);
            let (hi1, lo1) = mulhilo(M1, c2[j]);
            let n0 = hi1 ^ c1[j] ^ k[0];
            let n2 = hi0 ^ c3[j] ^ k[1];
            c0[j] = n0;
            c1[j] = lo1;
            c2[j] = n2;
            c3[j] = lo0;
        }
    }
    let mut out = [0.0; N];
    for j in 0..N {
        // (hi·2²⁶ + lo) is below 2⁵³, so summing the two exact halves in f64
        // gives exactly the integer `Stream::uniform` converts; the halves
        // fit an i32, whose conversion vectorises.
        let hi = f64::from((c0[j] >> 5) as i32);
        let lo = f64::from((c1[j] >> 6) as i32);
        out[j] = (hi * (1u64 << 26) as f64 + lo) * (1.0 / (1u64 << 53) as f64);
    }
    out
}

impl rand::TryRng for Stream {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.next_word())
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let lo = u64::from(self.next_word());
        let hi = u64::from(self.next_word());
        Ok(lo | (hi << 32))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(4) {
            let w = self.next_word().to_le_bytes();
            chunk.copy_from_slice(&w[..chunk.len()]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_distr::{Distribution, Normal};

    // Known-answer vectors from Random123's kat_vectors file
    // (counter words, key words, expected output).
    #[test]
    fn philox_known_answers() {
        let cases: [([u32; 4], [u32; 2], [u32; 4]); 3] = [
            (
                [0; 4],
                [0; 2],
                [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8],
            ),
            (
                [u32::MAX; 4],
                [u32::MAX; 2],
                [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
            ),
            (
                [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
                [0xa4093822, 0x299f31d0],
                [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
            ),
        ];
        for (ctr, key, want) in cases {
            assert_eq!(philox4x32_10(ctr, key), want, "ctr {ctr:x?} key {key:x?}");
        }
    }

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let draw = |seed, step, id, p| {
            let mut s = Stream::new(seed, step, id, Purpose(p));
            (0..8).map(|_| s.next_word()).collect::<Vec<_>>()
        };
        assert_eq!(draw(1, 2, 3, 4), draw(1, 2, 3, 4));
        let base = draw(1, 2, 3, 4);
        assert_ne!(base, draw(2, 2, 3, 4));
        assert_ne!(base, draw(1, 3, 3, 4));
        assert_ne!(base, draw(1, 2, 4, 4));
        assert_ne!(base, draw(1, 2, 3, 5));
        // Large ids and steps must not alias small ones.
        assert_ne!(draw(1, 2, 3, 4), draw(1, 2, 3 + (1 << 32), 4));
        assert_ne!(draw(1, 2, 3, 4), draw(1, 2 + (1 << 32), 3, 4));
    }

    #[test]
    fn first_uniforms_are_the_streams_first_draws() {
        let ids: [u64; 16] =
            std::array::from_fn(|j| (j as u64) * 7919 + (j as u64 % 3) * (1 << 33));
        for (seed, step) in [(0, 0), (42, 7), (u64::MAX, (1 << 35) + 3)] {
            let got = first_uniforms(seed, step, &ids, Purpose(5));
            for (j, &id) in ids.iter().enumerate() {
                let want = Stream::new(seed, step, id, Purpose(5)).uniform();
                assert_eq!(got[j].to_bits(), want.to_bits(), "id {id}");
            }
        }
    }

    #[test]
    fn uniform_moments() {
        let mut s = Stream::new(42, 0, 0, Purpose(0));
        let n = 200_000;
        let (mut sum, mut sum2) = (0.0, 0.0);
        for _ in 0..n {
            let u = s.uniform();
            assert!((0.0..1.0).contains(&u));
            sum += u;
            sum2 += u * u;
        }
        let mean = sum / n as f64;
        let var = sum2 / n as f64 - mean * mean;
        // Standard error of the mean is 0.29/sqrt(n) ≈ 6.5e-4.
        assert!((mean - 0.5).abs() < 4e-3, "mean {mean}");
        assert!((var - 1.0 / 12.0).abs() < 2e-3, "var {var}");
    }

    #[test]
    fn rand_distr_samples_from_stream() {
        let mut s = Stream::new(7, 1, 1, Purpose(9));
        let normal = Normal::new(2.0, 0.5).expect("valid normal");
        let n = 50_000;
        let mean = (0..n).map(|_| normal.sample(&mut s)).sum::<f64>() / n as f64;
        assert!((mean - 2.0).abs() < 0.02, "mean {mean}");
    }
}
