import Foundation

/// SphereFace's geometric claim, measured: how far apart images of one identity lie against how
/// close the centres of different identities come. Angles in degrees between
/// unit vectors; an identity's centre is the normalised mean of its images' vectors. The margin
/// is doing its job when the largest intra-class angle is below the smallest inter-class one
/// (ratio < 1).
public struct AngleStatistics: Codable, Sendable, Equatable {
    /// Identities with at least two images, and their images.
    public var identities: Int
    public var images: Int
    /// Largest angle between two images of one identity.
    public var maxIntraClassAngle: Double
    /// Mean angle between an image and its identity's centre.
    public var meanIntraClassAngle: Double
    /// Smallest angle between two identity centres, and the mean over identities of the angle
    /// to the nearest other centre.
    public var minInterClassAngle: Double
    public var meanNearestInterClassAngle: Double
    /// `maxIntraClassAngle / minInterClassAngle` (the paper's criterion: < 1).
    public var ratio: Double
    /// `meanIntraClassAngle / meanNearestInterClassAngle`, less sensitive to one outlier.
    public var meanRatio: Double

    enum CodingKeys: String, CodingKey {
        case identities, images, ratio
        case maxIntraClassAngle = "max_intra_class_angle"
        case meanIntraClassAngle = "mean_intra_class_angle"
        case minInterClassAngle = "min_inter_class_angle"
        case meanNearestInterClassAngle = "mean_nearest_inter_class_angle"
        case meanRatio = "mean_ratio"
    }

    /// - Parameters:
    ///   - features: one vector per image (any length; normalised here).
    ///   - identities: the identity of each row.
    /// - Throws: `lengthMismatch`; `empty` when fewer than two identities have two images.
    public init(features: FeatureMatrix, identities: [String]) throws {
        guard identities.count == features.rows else {
            throw EvaluationError.lengthMismatch(what: "identities", expected: features.rows, actual: identities.count)
        }
        let dim = features.dim
        var rowsOf: [String: [Int]] = [:]
        for (row, id) in identities.enumerated() { rowsOf[id, default: []].append(row) }
        let classes = rowsOf.filter { $0.value.count >= 2 }.sorted { $0.key < $1.key }.map(\.value)
        guard classes.count >= 2 else { throw EvaluationError.empty(what: "pair of identities with at least two images each") }
        func unit(_ v: [Double]) -> [Double] {
            let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return n > 0 ? v.map { $0 / n } : v
        }
        let vectors = (0..<features.rows).map { r in unit(features.row(r).map(Double.init)) }
        func angle(_ a: [Double], _ b: [Double]) -> Double {
            let c = zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
            return acos(min(1, max(-1, c))) * 180 / .pi
        }
        var centres: [[Double]] = []
        var maxIntra = 0.0, sumIntra = 0.0, count = 0
        for rows in classes {
            var sum = [Double](repeating: 0, count: dim)
            for r in rows { for q in 0..<dim { sum[q] += vectors[r][q] } }
            let centre = unit(sum)
            centres.append(centre)
            for (i, r) in rows.enumerated() {
                sumIntra += angle(vectors[r], centre)
                count += 1
                for q in rows[(i + 1)...] { maxIntra = max(maxIntra, angle(vectors[r], vectors[q])) }
            }
        }
        var minInter = Double.infinity, sumNearest = 0.0
        for i in centres.indices {
            var nearest = Double.infinity
            for j in centres.indices where j != i { nearest = min(nearest, angle(centres[i], centres[j])) }
            minInter = min(minInter, nearest)
            sumNearest += nearest
        }
        self.identities = classes.count
        self.images = count
        maxIntraClassAngle = maxIntra
        meanIntraClassAngle = sumIntra / Double(count)
        minInterClassAngle = minInter
        meanNearestInterClassAngle = sumNearest / Double(classes.count)
        ratio = minInter > 0 ? maxIntra / minInter : .infinity
        meanRatio = meanNearestInterClassAngle > 0 ? meanIntraClassAngle / meanNearestInterClassAngle : .infinity
    }

    /// The mean of each angle and ratio over several test sets (e.g. folds); counts are summed.
    /// Nil for none.
    public static func mean(_ all: [AngleStatistics]) -> AngleStatistics? {
        guard var m = all.first else { return nil }
        let n = Double(all.count)
        func avg(_ key: KeyPath<AngleStatistics, Double>) -> Double { all.reduce(0) { $0 + $1[keyPath: key] } / n }
        m.identities = all.reduce(0) { $0 + $1.identities }
        m.images = all.reduce(0) { $0 + $1.images }
        m.maxIntraClassAngle = avg(\.maxIntraClassAngle)
        m.meanIntraClassAngle = avg(\.meanIntraClassAngle)
        m.minInterClassAngle = avg(\.minInterClassAngle)
        m.meanNearestInterClassAngle = avg(\.meanNearestInterClassAngle)
        m.ratio = avg(\.ratio)
        m.meanRatio = avg(\.meanRatio)
        return m
    }
}
