import CSIMD

/// Float16 → float32 conversion of gallery rows, for the kernels that read float32 tiles.
enum Float16Widening {
    /// Widens `count` float16 values to float32 (F16C where the CPU has it); returns `destination`.
    @discardableResult
    static func widen(_ source: UnsafePointer<Float16>, into destination: UnsafeMutablePointer<Float>,
                      count: Int) -> UnsafeMutablePointer<Float> {
        csimd_widen_f16(source, destination, count)
        return destination
    }
}
