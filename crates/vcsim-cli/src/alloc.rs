//! The process's allocator: the system allocator, with transparent huge
//! pages asked for on large blocks.
//!
//! The fields, the mineral and the cell columns of a large lattice are
//! arrays of hundreds of MB that every step walks through. With 4 KiB pages
//! each array crosses a page every 1024 f32, and under virtualisation each
//! TLB miss is a two-level page walk. On Linux, blocks of at least
//! [`MIN_BLOCK`] get `madvise(MADV_HUGEPAGE)` on their whole 2 MiB pages
//! before first use, so that the kernel backs them with 2 MiB pages where
//! transparent huge pages are enabled as `always` or `madvise` (it ignores
//! the advice under `never`, and the run is unchanged but for speed).
//! Measured against a build without the advice, three alternating runs
//! each: diffusion2d grown 4× (`vcsim bench --problem diffusion2d --grow 4
//! --threads 1,2 --steps 20`, 128 MB of fields, memory-bound) 7% faster on 1
//! thread and 13% on 2; tissue2d at 1.2e7 voxels about 1% (within the noise);
//! problems that fit the caches, nothing. Results do not depend on it: pages
//! hold the same bytes.

use std::alloc::{GlobalAlloc, Layout, System};

/// Size of a transparent huge page on x86-64 and most aarch64 kernels.
const HUGE_PAGE: usize = 2 << 20;
/// Smallest block advised (smaller ones would waste most of a huge page).
const MIN_BLOCK: usize = 4 << 20;

/// The system allocator with huge-page advice on large blocks.
pub struct HugePageAlloc;

/// Asks for huge pages on the whole 2 MiB pages inside `len` bytes at `p`.
fn advise(p: *mut u8, len: usize) {
    #[cfg(target_os = "linux")]
    if !p.is_null() && len >= MIN_BLOCK {
        let start = (p as usize).next_multiple_of(HUGE_PAGE);
        let end = (p as usize + len) / HUGE_PAGE * HUGE_PAGE;
        if end > start {
            // SAFETY: the range lies inside a block the allocator just
            // handed out; MADV_HUGEPAGE changes how it is backed, never its
            // contents. A failure (e.g. THP not built in) leaves it as it was.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (p, len);
}

// SAFETY: every call is forwarded to `System` with the same arguments;
// `advise` does not change what the allocator returns.
unsafe impl GlobalAlloc for HugePageAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, forwarded.
        let p = unsafe { System.alloc(layout) };
        advise(p, layout.size());
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, forwarded.
        let p = unsafe { System.alloc_zeroed(layout) };
        advise(p, layout.size());
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract, forwarded.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        advise(p, new_size);
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Blocks of every size class come back usable, aligned and with their
    /// contents (zeroed, grown, shrunk), through the advising paths too.
    #[test]
    fn blocks_are_usable_through_every_path() {
        let a = HugePageAlloc;
        for size in [16, 4096, MIN_BLOCK - 1, MIN_BLOCK, 3 * MIN_BLOCK + 12345] {
            for align in [8, 64, 4096] {
                let layout = Layout::from_size_align(size, align).expect("layout");
                // SAFETY: non-zero size; every access is within the block.
                unsafe {
                    let z = a.alloc_zeroed(layout);
                    assert!(!z.is_null() && (z as usize).is_multiple_of(align));
                    assert!((0..size).step_by(4093).all(|i| *z.add(i) == 0));
                    *z.add(size - 1) = 7;
                    let grown = a.realloc(z, layout, size * 2);
                    assert!(!grown.is_null() && (grown as usize).is_multiple_of(align));
                    assert_eq!(*grown.add(size - 1), 7);
                    let big = Layout::from_size_align(size * 2, align).expect("layout");
                    let shrunk = a.realloc(grown, big, size);
                    assert_eq!(*shrunk.add(size - 1), 7);
                    a.dealloc(shrunk, layout);
                    let p = a.alloc(layout);
                    assert!(!p.is_null() && (p as usize).is_multiple_of(align));
                    p.write_bytes(1, size);
                    a.dealloc(p, layout);
                }
            }
        }
    }

    /// A large block's mapping carries the huge-page advice (`hg` among its
    /// `VmFlags` in /proc/self/smaps) where the kernel has transparent huge
    /// pages.
    #[cfg(target_os = "linux")]
    #[test]
    fn large_blocks_are_advised_huge_pages() {
        if !std::path::Path::new("/sys/kernel/mm/transparent_hugepage/enabled").exists() {
            crate::elog!("no transparent huge pages in this kernel: not checked");
            return;
        }
        let a = HugePageAlloc;
        let layout = Layout::from_size_align(3 * MIN_BLOCK, 64).expect("layout");
        // SAFETY: non-zero size; freed below with the same layout.
        let p = unsafe { a.alloc(layout) };
        assert!(!p.is_null());
        let probe = (p as usize).next_multiple_of(HUGE_PAGE) + 4096;
        let smaps = std::fs::read_to_string("/proc/self/smaps").expect("smaps");
        let mut in_block = false;
        let mut flags = None;
        for line in smaps.lines() {
            if let Some((range, _)) = line.split_once(' ')
                && let Some((lo, hi)) = range.split_once('-')
                && let (Ok(lo), Ok(hi)) =
                    (usize::from_str_radix(lo, 16), usize::from_str_radix(hi, 16))
            {
                in_block = (lo..hi).contains(&probe);
            } else if in_block && let Some(f) = line.strip_prefix("VmFlags:") {
                flags = Some(f.to_string());
            }
        }
        // SAFETY: allocated above with this layout.
        unsafe { a.dealloc(p, layout) };
        let flags = flags.expect("the block's mapping in /proc/self/smaps");
        assert!(
            flags.split_whitespace().any(|f| f == "hg"),
            "no huge-page advice on the block: VmFlags {flags}"
        );
    }
}
