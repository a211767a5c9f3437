import CSIMD

/// Inner products of a block of queries with a run of consecutive gallery rows, without
/// BLAS: the kernel for a few queries, and for galleries too small for `sgemm`'s packing to
/// pay off. Register-blocked in C (`CSIMD`, AVX2/FMA/F16C where the CPU has them): four
/// queries against two rows or two against four (eight accumulators, every loaded row chunk
/// used four or two times), or one query against four rows from four streams read side by
/// side (one query is memory-bound, and a core keeps more reads in flight across four
/// sequential streams than along one); the eight partial sums are reduced together.
enum ScoreTile {
    /// `scores[q * scoreStride + j] = ⟨query q, row j⟩` for `q < queryCount`, `j < rowCount`.
    /// - Parameters:
    ///   - queries: `queryCount × dim` row-major float32.
    ///   - rows: `rowCount × dim` row-major values of `Row` (float32 or float16).
    ///   - scores: at least `(queryCount − 1) × scoreStride + rowCount` floats.
    /// Float16 rows suit one query; for more, widen the tile first (`SearchKernel` does).
    @inline(__always)
    static func compute<Row: GalleryScalar>(
        queries: UnsafePointer<Float>, queryCount: Int, rows: UnsafePointer<Row>, rowCount: Int, dim: Int,
        scores: UnsafeMutablePointer<Float>, scoreStride: Int
    ) {
        Row.scoreTile(queries: queries, queryCount: queryCount, rows: rows, rowCount: rowCount, dim: dim,
                      scores: scores, scoreStride: scoreStride)
    }

    /// One query with one row.
    @inline(__always)
    static func dot<Row: GalleryScalar>(_ query: UnsafePointer<Float>, _ row: UnsafePointer<Row>, dim: Int) -> Float {
        Row.dot(query, row, dim: dim)
    }
}

/// A value type gallery rows are held in: float32, or float16 widened on load.
protocol GalleryScalar {
    /// `ScoreTile.compute` for rows of this type.
    static func scoreTile(queries: UnsafePointer<Float>, queryCount: Int, rows: UnsafePointer<Self>, rowCount: Int,
                          dim: Int, scores: UnsafeMutablePointer<Float>, scoreStride: Int)
    /// `ScoreTile.dot` for a row of this type.
    static func dot(_ query: UnsafePointer<Float>, _ row: UnsafePointer<Self>, dim: Int) -> Float
}

extension Float: GalleryScalar {
    @inline(__always)
    static func scoreTile(queries: UnsafePointer<Float>, queryCount: Int, rows: UnsafePointer<Float>, rowCount: Int,
                          dim: Int, scores: UnsafeMutablePointer<Float>, scoreStride: Int) {
        csimd_score_tile_f32(queries, queryCount, rows, rowCount, dim, scores, scoreStride)
    }

    @inline(__always)
    static func dot(_ query: UnsafePointer<Float>, _ row: UnsafePointer<Float>, dim: Int) -> Float {
        csimd_dot_f32(query, row, dim)
    }
}

extension Float16: GalleryScalar {
    @inline(__always)
    static func scoreTile(queries: UnsafePointer<Float>, queryCount: Int, rows: UnsafePointer<Float16>, rowCount: Int,
                          dim: Int, scores: UnsafeMutablePointer<Float>, scoreStride: Int) {
        csimd_score_tile_f16(queries, queryCount, rows, rowCount, dim, scores, scoreStride)
    }

    @inline(__always)
    static func dot(_ query: UnsafePointer<Float>, _ row: UnsafePointer<Float16>, dim: Int) -> Float {
        csimd_dot_f16(query, row, dim)
    }
}
