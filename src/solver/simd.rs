//! Running a kernel with wider vectors where the CPU has them.
//!
//! The crate is compiled for the baseline of its target, which on x86-64 means 128-bit SSE2.
//! [`with_wide_simd`] compiles the kernel twice more, with AVX-512 and with AVX2 enabled, and
//! picks the widest version the CPU supports at run time. The kernels it runs are element-wise
//! loops with no reordered sums, so every version computes each value with the same operations
//! and gives the same bits.

/// Runs `kernel`, compiled with AVX-512 or AVX2 enabled when the CPU supports them.
///
/// Only code inlined into the wrappers gets the wider vectors: mark the closure
/// `#[inline(always)]`, and the functions it calls too, or they run the baseline code.
#[inline(always)]
pub(crate) fn with_wide_simd<R>(kernel: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports AVX-512F, as checked just above.
            return unsafe { run_avx512(kernel) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, as checked just above.
            return unsafe { run_avx2(kernel) };
        }
    }
    kernel()
}

/// Calls `kernel` from a function compiled with AVX-512F enabled.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn run_avx512<R>(kernel: impl FnOnce() -> R) -> R {
    kernel()
}

/// Calls `kernel` from a function compiled with AVX2 enabled.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn run_avx2<R>(kernel: impl FnOnce() -> R) -> R {
    kernel()
}
