//! Cache hints: the one place of the crate with `unsafe` code.
//!
//! The flows of a busy capture do not fit in the cache: on a scan, each new flow evicts the
//! longest-idle one and each held-back packet of a flow that never decided is forced out
//! 16,384 packets after it came, and each of those reads a flow last touched tens of
//! megabytes of flows ago. Where the tracker knows such a flow a few packets ahead, it asks
//! the processor to start loading it and goes on; by the time it needs the flow, the flow is
//! in the cache. `cargo bench --bench flow -- flow_scan` measures it (see the README).

/// Starts loading the cache lines of `value` without waiting for them. A hint: it changes no
/// memory and nothing a program can observe but time; a no-op on other processors than x86-64.
#[inline(always)]
pub(crate) fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let start = (value as *const T).cast::<i8>();
        let mut offset = 0;
        while offset < core::mem::size_of::<T>().max(1) {
            // SAFETY: `prefetcht0` is a hint that never faults, reads into no register and
            // writes no memory (the SSE it needs is part of x86-64); the address lies within
            // `value`, which a reference keeps alive.
            #[allow(unsafe_code)]
            unsafe {
                _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(offset));
            }
            offset += 64;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}
