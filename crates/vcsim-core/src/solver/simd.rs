//! Eight f64 lanes, three ways: portable arrays, AVX2 (two 256-bit halves)
//! and AVX-512 (one 512-bit register).
//!
//! The sweep kernels are written once, generic over [`Lanes8`], and compiled
//! once per instruction set inside `#[target_feature]` entry points
//! (`kernels.rs`). Every operation is an IEEE-754 add, subtract or multiply of
//! each lane on its own, or an exact f32 → f64 widening, or an f64 → f32
//! rounding to nearest: there is no fused multiply–add and no reduction across
//! lanes, so all three give the same bits.

/// A vector of eight f64 lanes.
///
/// # Safety
/// Implementations for an instruction set may only be instantiated when the CPU
/// has it: every function that creates a value is `unsafe` with that
/// contract, and the lane-wise arithmetic on existing values relies on it.
pub(super) unsafe trait Lanes8: Copy {
    /// All lanes equal to `x`.
    ///
    /// # Safety
    /// The CPU supports the implementation's instruction set.
    unsafe fn splat(x: f64) -> Self;
    fn add(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    /// Widens 8 f32 at `p`.
    ///
    /// # Safety
    /// As [`Lanes8::splat`], and `p` is valid for reading 8 f32.
    unsafe fn load_f32(p: *const f32) -> Self;
    /// Rounds to f32 (to nearest) and writes 8 values at `p`.
    ///
    /// # Safety
    /// `p` is valid for writing 8 f32.
    unsafe fn store_f32(self, p: *mut f32);
    /// Widens the first `len` (1..=7) f32 at `p`; the other lanes are 0.
    ///
    /// # Safety
    /// As [`Lanes8::splat`], and `p` is valid for reading `len` f32.
    unsafe fn load_f32_partial(p: *const f32, len: usize) -> Self;
    /// Rounds the first `len` (1..=7) lanes to f32 and writes them at `p`.
    ///
    /// # Safety
    /// `p` is valid for writing `len` f32.
    unsafe fn store_f32_partial(self, p: *mut f32, len: usize);
    /// # Safety
    /// As [`Lanes8::splat`], and `p` is valid for reading 8 f64.
    unsafe fn load(p: *const f64) -> Self;
    /// # Safety
    /// `p` is valid for writing 8 f64.
    unsafe fn store(self, p: *mut f64);
    fn to_array(self) -> [f64; 8];
    /// Hints that the cache line holding `p` will be read soon. Any address
    /// is allowed (a prefetch never faults).
    #[inline(always)]
    fn prefetch(p: *const f32) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE is part of x86-64; a prefetch has no architectural effect.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast())
        };
        #[cfg(not(target_arch = "x86_64"))]
        let _ = p;
    }
    /// Reads 8 f32 from each of the 8 pointers and transposes: lane `r` of
    /// vector `j` is element `j` of `src[r]`.
    ///
    /// # Safety
    /// As [`Lanes8::splat`], and every pointer is valid for reading 8 f32.
    unsafe fn load_transposed(src: &[*const f32; 8]) -> [Self; 8];
    /// The inverse of [`Lanes8::load_transposed`]: element `j` of `dst[r]` gets
    /// lane `r` of vector `j`, rounded to f32.
    ///
    /// # Safety
    /// Every pointer is valid for writing 8 f32.
    unsafe fn store_transposed(v: &[Self; 8], dst: &[*mut f32; 8]);
}

/// Plain arrays; the compiler vectorises them for the baseline target.
#[derive(Clone, Copy, Debug)]
pub(super) struct Portable([f64; 8]);

// SAFETY: needs no instruction-set extension.
unsafe impl Lanes8 for Portable {
    #[inline(always)]
    unsafe fn splat(x: f64) -> Self {
        Self([x; 8])
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        Self(std::array::from_fn(|l| self.0[l] + o.0[l]))
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        Self(std::array::from_fn(|l| self.0[l] - o.0[l]))
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        Self(std::array::from_fn(|l| self.0[l] * o.0[l]))
    }
    #[inline(always)]
    unsafe fn load_f32(p: *const f32) -> Self {
        // SAFETY: the caller guarantees 8 readable f32 at `p`.
        Self(std::array::from_fn(|l| f64::from(unsafe { *p.add(l) })))
    }
    #[inline(always)]
    unsafe fn store_f32(self, p: *mut f32) {
        for l in 0..8 {
            // SAFETY: the caller guarantees 8 writable f32 at `p`.
            unsafe { *p.add(l) = self.0[l] as f32 };
        }
    }
    #[inline(always)]
    unsafe fn load_f32_partial(p: *const f32, len: usize) -> Self {
        let mut v = [0.0; 8];
        for l in 0..8 {
            if l < len {
                // SAFETY: the caller guarantees `len` readable f32 at `p`.
                v[l] = f64::from(unsafe { *p.add(l) });
            }
        }
        Self(v)
    }
    #[inline(always)]
    unsafe fn store_f32_partial(self, p: *mut f32, len: usize) {
        for l in 0..8 {
            if l < len {
                // SAFETY: the caller guarantees `len` writable f32 at `p`.
                unsafe { *p.add(l) = self.0[l] as f32 };
            }
        }
    }
    #[inline(always)]
    unsafe fn load(p: *const f64) -> Self {
        // SAFETY: the caller guarantees 8 readable f64 at `p`.
        Self(unsafe { p.cast::<[f64; 8]>().read_unaligned() })
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f64) {
        // SAFETY: the caller guarantees 8 writable f64 at `p`.
        unsafe { p.cast::<[f64; 8]>().write_unaligned(self.0) }
    }
    #[inline(always)]
    fn to_array(self) -> [f64; 8] {
        self.0
    }
    #[inline(always)]
    unsafe fn load_transposed(src: &[*const f32; 8]) -> [Self; 8] {
        // SAFETY: the caller guarantees 8 readable f32 behind every pointer.
        std::array::from_fn(|j| {
            Self(std::array::from_fn(|r| {
                f64::from(unsafe { *src[r].add(j) })
            }))
        })
    }
    #[inline(always)]
    unsafe fn store_transposed(v: &[Self; 8], dst: &[*mut f32; 8]) {
        for r in 0..8 {
            for j in 0..8 {
                // SAFETY: the caller guarantees 8 writable f32 behind every pointer.
                unsafe { *dst[r].add(j) = v[j].0[r] as f32 };
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
pub(super) use x86::{Avx2, Avx512};

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::Lanes8;
    use std::arch::x86_64::*;

    /// Transposes an 8×8 block of f32: lane `j` of output `i` is lane `i` of input `j`.
    #[inline(always)]
    unsafe fn transpose8(r: [__m256; 8]) -> [__m256; 8] {
        // SAFETY: callers run only where AVX is available (the contract of the
        // `Lanes8` implementations below).
        unsafe {
            let t0 = _mm256_unpacklo_ps(r[0], r[1]);
            let t1 = _mm256_unpackhi_ps(r[0], r[1]);
            let t2 = _mm256_unpacklo_ps(r[2], r[3]);
            let t3 = _mm256_unpackhi_ps(r[2], r[3]);
            let t4 = _mm256_unpacklo_ps(r[4], r[5]);
            let t5 = _mm256_unpackhi_ps(r[4], r[5]);
            let t6 = _mm256_unpacklo_ps(r[6], r[7]);
            let t7 = _mm256_unpackhi_ps(r[6], r[7]);
            let s0 = _mm256_shuffle_ps::<0x44>(t0, t2);
            let s1 = _mm256_shuffle_ps::<0xEE>(t0, t2);
            let s2 = _mm256_shuffle_ps::<0x44>(t1, t3);
            let s3 = _mm256_shuffle_ps::<0xEE>(t1, t3);
            let s4 = _mm256_shuffle_ps::<0x44>(t4, t6);
            let s5 = _mm256_shuffle_ps::<0xEE>(t4, t6);
            let s6 = _mm256_shuffle_ps::<0x44>(t5, t7);
            let s7 = _mm256_shuffle_ps::<0xEE>(t5, t7);
            [
                _mm256_permute2f128_ps::<0x20>(s0, s4),
                _mm256_permute2f128_ps::<0x20>(s1, s5),
                _mm256_permute2f128_ps::<0x20>(s2, s6),
                _mm256_permute2f128_ps::<0x20>(s3, s7),
                _mm256_permute2f128_ps::<0x31>(s0, s4),
                _mm256_permute2f128_ps::<0x31>(s1, s5),
                _mm256_permute2f128_ps::<0x31>(s2, s6),
                _mm256_permute2f128_ps::<0x31>(s3, s7),
            ]
        }
    }

    /// Reads 8 f32 behind each pointer.
    #[inline(always)]
    unsafe fn load_rows(src: &[*const f32; 8]) -> [__m256; 8] {
        // SAFETY: the caller guarantees AVX and 8 readable f32 per pointer.
        std::array::from_fn(|r| unsafe { _mm256_loadu_ps(src[r]) })
    }

    /// All bits set in the first `len` (0..=8) 32-bit lanes.
    #[inline(always)]
    unsafe fn mask(len: usize) -> __m256i {
        const BITS: [i32; 16] = [-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0];
        // SAFETY: AVX available (callers' contract); 8 - len ≤ 8, so the
        // 8 lanes read lie inside BITS.
        unsafe { _mm256_loadu_si256(BITS.as_ptr().add(8 - len.min(8)).cast()) }
    }

    /// Two 256-bit halves, for CPUs with AVX2 and FMA but no AVX-512.
    #[derive(Clone, Copy, Debug)]
    pub(in crate::solver) struct Avx2([__m256d; 2]);

    // SAFETY: values are created only through the `unsafe` constructors,
    // whose contract is that the CPU has AVX2 (and so AVX).
    unsafe impl Lanes8 for Avx2 {
        #[inline(always)]
        unsafe fn splat(x: f64) -> Self {
            // SAFETY: AVX is available (contract).
            unsafe { Self([_mm256_set1_pd(x); 2]) }
        }
        #[inline(always)]
        fn add(self, o: Self) -> Self {
            // SAFETY: a value exists only if AVX is available.
            unsafe {
                Self([
                    _mm256_add_pd(self.0[0], o.0[0]),
                    _mm256_add_pd(self.0[1], o.0[1]),
                ])
            }
        }
        #[inline(always)]
        fn sub(self, o: Self) -> Self {
            // SAFETY: a value exists only if AVX is available.
            unsafe {
                Self([
                    _mm256_sub_pd(self.0[0], o.0[0]),
                    _mm256_sub_pd(self.0[1], o.0[1]),
                ])
            }
        }
        #[inline(always)]
        fn mul(self, o: Self) -> Self {
            // SAFETY: a value exists only if AVX is available.
            unsafe {
                Self([
                    _mm256_mul_pd(self.0[0], o.0[0]),
                    _mm256_mul_pd(self.0[1], o.0[1]),
                ])
            }
        }
        #[inline(always)]
        unsafe fn load_f32(p: *const f32) -> Self {
            // SAFETY: AVX available and 8 readable f32 at `p` (contract).
            unsafe {
                Self([
                    _mm256_cvtps_pd(_mm_loadu_ps(p)),
                    _mm256_cvtps_pd(_mm_loadu_ps(p.add(4))),
                ])
            }
        }
        #[inline(always)]
        unsafe fn store_f32(self, p: *mut f32) {
            // SAFETY: a value exists only if AVX is available; 8 writable f32 at `p`.
            unsafe {
                _mm_storeu_ps(p, _mm256_cvtpd_ps(self.0[0]));
                _mm_storeu_ps(p.add(4), _mm256_cvtpd_ps(self.0[1]));
            }
        }
        #[inline(always)]
        unsafe fn load_f32_partial(p: *const f32, len: usize) -> Self {
            // SAFETY: AVX available; the mask covers the `len` readable f32
            // (masked-off lanes are not accessed).
            unsafe {
                let v = _mm256_maskload_ps(p, mask(len));
                Self([
                    _mm256_cvtps_pd(_mm256_castps256_ps128(v)),
                    _mm256_cvtps_pd(_mm256_extractf128_ps::<1>(v)),
                ])
            }
        }
        #[inline(always)]
        unsafe fn store_f32_partial(self, p: *mut f32, len: usize) {
            // SAFETY: a value exists only if AVX is available; the mask covers
            // the `len` writable f32.
            unsafe {
                let v = _mm256_set_m128(_mm256_cvtpd_ps(self.0[1]), _mm256_cvtpd_ps(self.0[0]));
                _mm256_maskstore_ps(p, mask(len), v);
            }
        }
        #[inline(always)]
        unsafe fn load(p: *const f64) -> Self {
            // SAFETY: AVX available and 8 readable f64 at `p` (contract).
            unsafe { Self([_mm256_loadu_pd(p), _mm256_loadu_pd(p.add(4))]) }
        }
        #[inline(always)]
        unsafe fn store(self, p: *mut f64) {
            // SAFETY: a value exists only if AVX is available; 8 writable f64 at `p`.
            unsafe {
                _mm256_storeu_pd(p, self.0[0]);
                _mm256_storeu_pd(p.add(4), self.0[1]);
            }
        }
        #[inline(always)]
        fn to_array(self) -> [f64; 8] {
            let mut out = [0.0; 8];
            // SAFETY: a value exists only if AVX is available; `out` holds 8 f64.
            unsafe { self.store(out.as_mut_ptr()) };
            out
        }
        #[inline(always)]
        unsafe fn load_transposed(src: &[*const f32; 8]) -> [Self; 8] {
            // SAFETY: AVX available and 8 readable f32 per pointer (contract).
            unsafe {
                let c = transpose8(load_rows(src));
                std::array::from_fn(|j| {
                    Self([
                        _mm256_cvtps_pd(_mm256_castps256_ps128(c[j])),
                        _mm256_cvtps_pd(_mm256_extractf128_ps::<1>(c[j])),
                    ])
                })
            }
        }
        #[inline(always)]
        unsafe fn store_transposed(v: &[Self; 8], dst: &[*mut f32; 8]) {
            // SAFETY: values exist only if AVX is available; 8 writable f32 per pointer.
            unsafe {
                let c: [__m256; 8] = std::array::from_fn(|j| {
                    _mm256_set_m128(_mm256_cvtpd_ps(v[j].0[1]), _mm256_cvtpd_ps(v[j].0[0]))
                });
                let r = transpose8(c);
                for i in 0..8 {
                    _mm256_storeu_ps(dst[i], r[i]);
                }
            }
        }
    }

    /// One 512-bit register.
    #[derive(Clone, Copy, Debug)]
    pub(in crate::solver) struct Avx512(__m512d);

    // SAFETY: values are created only through the `unsafe` constructors,
    // whose contract is that the CPU has AVX-512F (and so AVX2).
    unsafe impl Lanes8 for Avx512 {
        #[inline(always)]
        unsafe fn splat(x: f64) -> Self {
            // SAFETY: AVX-512F is available (contract).
            unsafe { Self(_mm512_set1_pd(x)) }
        }
        #[inline(always)]
        fn add(self, o: Self) -> Self {
            // SAFETY: a value exists only if AVX-512F is available.
            unsafe { Self(_mm512_add_pd(self.0, o.0)) }
        }
        #[inline(always)]
        fn sub(self, o: Self) -> Self {
            // SAFETY: a value exists only if AVX-512F is available.
            unsafe { Self(_mm512_sub_pd(self.0, o.0)) }
        }
        #[inline(always)]
        fn mul(self, o: Self) -> Self {
            // SAFETY: a value exists only if AVX-512F is available.
            unsafe { Self(_mm512_mul_pd(self.0, o.0)) }
        }
        #[inline(always)]
        unsafe fn load_f32(p: *const f32) -> Self {
            // SAFETY: AVX-512F available and 8 readable f32 at `p` (contract).
            unsafe { Self(_mm512_cvtps_pd(_mm256_loadu_ps(p))) }
        }
        #[inline(always)]
        unsafe fn store_f32(self, p: *mut f32) {
            // SAFETY: a value exists only if AVX-512F is available; 8 writable f32.
            unsafe { _mm256_storeu_ps(p, _mm512_cvtpd_ps(self.0)) }
        }
        #[inline(always)]
        unsafe fn load_f32_partial(p: *const f32, len: usize) -> Self {
            // SAFETY: AVX-512F available; masked-off lanes are not accessed.
            unsafe {
                let v = _mm512_maskz_loadu_ps(((1u32 << len) - 1) as u16, p);
                Self(_mm512_cvtps_pd(_mm512_castps512_ps256(v)))
            }
        }
        #[inline(always)]
        unsafe fn store_f32_partial(self, p: *mut f32, len: usize) {
            // SAFETY: a value exists only if AVX-512F is available; masked-off
            // lanes are not accessed.
            unsafe {
                let v = _mm512_castps256_ps512(_mm512_cvtpd_ps(self.0));
                _mm512_mask_storeu_ps(p, ((1u32 << len) - 1) as u16, v);
            }
        }
        #[inline(always)]
        unsafe fn load(p: *const f64) -> Self {
            // SAFETY: AVX-512F available and 8 readable f64 at `p` (contract).
            unsafe { Self(_mm512_loadu_pd(p)) }
        }
        #[inline(always)]
        unsafe fn store(self, p: *mut f64) {
            // SAFETY: a value exists only if AVX-512F is available; 8 writable f64.
            unsafe { _mm512_storeu_pd(p, self.0) }
        }
        #[inline(always)]
        fn to_array(self) -> [f64; 8] {
            let mut out = [0.0; 8];
            // SAFETY: a value exists only if AVX-512F is available; `out` holds 8 f64.
            unsafe { self.store(out.as_mut_ptr()) };
            out
        }
        #[inline(always)]
        unsafe fn load_transposed(src: &[*const f32; 8]) -> [Self; 8] {
            // SAFETY: AVX-512F (hence AVX) available, 8 readable f32 per pointer.
            unsafe {
                let c = transpose8(load_rows(src));
                std::array::from_fn(|j| Self(_mm512_cvtps_pd(c[j])))
            }
        }
        #[inline(always)]
        unsafe fn store_transposed(v: &[Self; 8], dst: &[*mut f32; 8]) {
            // SAFETY: values exist only if AVX-512F is available; 8 writable f32 per pointer.
            unsafe {
                let c: [__m256; 8] = std::array::from_fn(|j| _mm512_cvtpd_ps(v[j].0));
                let r = transpose8(c);
                for i in 0..8 {
                    _mm256_storeu_ps(dst[i], r[i]);
                }
            }
        }
    }
}
