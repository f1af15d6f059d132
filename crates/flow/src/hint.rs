//! Cache hints: the one place of the crate with `unsafe` code.
//!
//! The flows of a busy capture do not fit in the cache: on a scan, each new flow evicts the
//! longest-idle one and each held-back packet of a flow that never decided is forced out
//! 16,384 packets after it came, and each of those reads a flow last touched tens of
//! megabytes of flows ago. Where the tracker knows such a flow a few packets ahead, it asks
//! the processor to start loading it and goes on; by the time it needs the flow, the flow is
//! in the cache. The README's Performance section gives the tool's time on a scan with and
//! without the hints (two builds, timed round-robin).

/// Cache lines are 64 bytes on the processors this hints.
const LINE: usize = 64;

/// Starts loading every cache line `value` lies in, without waiting for them. A hint: it
/// changes no memory and nothing a program can observe but time; a no-op on other processors
/// than x86-64 and for a zero-sized value.
#[inline(always)]
pub(crate) fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let size = core::mem::size_of::<T>();
        if size == 0 {
            return;
        }
        let start = (value as *const T).cast::<i8>();
        let misalignment = start as usize % LINE;
        // From the line the first byte lies in to the one the last byte lies in.
        let lines = (misalignment + size).div_ceil(LINE);
        let first_line = start.wrapping_sub(misalignment);
        for line in 0..lines {
            // SAFETY: `prefetcht0` is a hint that never faults, loads nothing into a register
            // and writes no memory; every x86-64 processor has the SSE instruction. The
            // address is the start of a cache line that holds a byte of `value`, which the
            // reference keeps alive (`wrapping_*` only work out the address).
            #[allow(unsafe_code)]
            unsafe {
                _mm_prefetch::<_MM_HINT_T0>(first_line.wrapping_add(line * LINE));
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_value_may_be_hinted() {
        // Nothing to observe but that it runs: values of every size and alignment.
        let bytes = [0u8; 1000];
        for at in 0..70 {
            prefetch(&bytes[at]);
            let span: &[u8; 300] = bytes[at..at + 300].try_into().unwrap();
            prefetch(span);
        }
        prefetch(&());
        prefetch(&[0u64; 0]);
        prefetch(&bytes);
    }
}
