import CSIMD

/// Which build of the C search kernels (`CSIMD`) runs: the AVX2/FMA/F16C one where the CPU
/// has those instructions, else the portable one. Tests switch the former off to run both.
enum SIMDKernels {
    /// Whether searches run the AVX2/FMA/F16C kernels now.
    static var accelerated: Bool { csimd_accelerated() != 0 }

    /// Runs the portable kernels for the whole process (`true`), or the CPU's best again.
    static func forcePortable(_ portable: Bool) { csimd_force_portable(portable ? 1 : 0) }
}
