//! Running a kernel with wider vectors where the CPU has them.
//!
//! The crate is compiled for the baseline of its target, which on x86-64 means 128-bit SSE2.
//! [`with_avx2`] compiles the kernel a second time with AVX2 enabled and picks that version at
//! run time when the CPU supports it. The kernels it runs are element-wise loops with no
//! reordered sums, so both versions compute every value with the same operations and give the
//! same bits.

/// Runs `kernel`, compiled with AVX2 enabled when the CPU supports it.
///
/// Only code inlined into `run_avx2` gets AVX2: mark the closure `#[inline(always)]`, and the
/// functions it calls too, or they run the baseline code.
#[inline(always)]
pub(crate) fn with_avx2<R>(kernel: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, as checked just above.
        return unsafe { run_avx2(kernel) };
    }
    kernel()
}

/// Calls `kernel` from a function compiled with AVX2 enabled.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn run_avx2<R>(kernel: impl FnOnce() -> R) -> R {
    kernel()
}
