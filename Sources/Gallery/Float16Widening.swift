/// Float16 → float32 conversion of gallery rows, for the kernels that read float32 tiles.
enum Float16Widening {
    /// Widens `count` float16 values to float32; returns `destination`.
    @discardableResult
    static func widen(_ source: UnsafePointer<Float16>, into destination: UnsafeMutablePointer<Float>,
                      count: Int) -> UnsafeMutablePointer<Float> {
        let rd = UnsafeMutableRawPointer(destination)
        var j = 0
        while j + 8 <= count {
            rd.storeBytes(of: Float16.load8(source + j), toByteOffset: j * 4, as: SIMD8<Float>.self)
            j += 8
        }
        while j < count { destination[j] = Float(source[j]); j += 1 }
        return destination
    }
}
