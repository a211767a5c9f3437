import Evaluation

/// The vectors of LFW's images from one frozen network: one unit row per image.
public struct LFWFeatureSet: Sendable {
    public let features: FeatureMatrix
    /// The image of each row.
    public let images: [LFWImage]
    private let rowOf: [LFWImage: Int]

    /// - Throws: `EvaluationError.lengthMismatch` when rows and images differ in number.
    public init(features: FeatureMatrix, images: [LFWImage]) throws {
        guard features.rows == images.count else {
            throw EvaluationError.lengthMismatch(what: "LFW images", expected: features.rows, actual: images.count)
        }
        self.features = features
        self.images = images
        rowOf = Dictionary(images.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public func row(of image: LFWImage) -> Int? { rowOf[image] }

    /// The rows of `people`'s images, in row order.
    public func rows(of people: Set<String>) -> [Int] {
        images.indices.filter { people.contains(images[$0].name) }
    }

    /// The rows of `rows`, stacked (`rows.count × dim`).
    public func values(_ rows: [Int]) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(rows.count * features.dim)
        for r in rows { out += features.values[r * features.dim..<(r + 1) * features.dim] }
        return out
    }

    /// Images per person.
    public var imageCounts: [String: Int] {
        images.reduce(into: [:]) { $0[$1.name, default: 0] += 1 }
    }
}
