import Foundation

/// One labelled training image.
public struct TrainingSample: Sendable, Equatable {
    /// The image file.
    public let path: String
    /// Class index into `TrainingDataset.classes`.
    public let label: Int

    public init(path: String, label: Int) {
        self.path = path
        self.label = label
    }
}

/// A folder of face images laid out as `DIR/<identity>/<image>`: identities sorted by name are
/// the classes `0..<classes.count`, images sorted by name within each. Nothing is decoded here.
public struct TrainingDataset: Sendable {
    /// File name endings taken as images (case-insensitive).
    public static let imageExtensions: Set<String> = ["png", "jpg", "jpeg", "pgm", "ppm", "pnm"]

    /// Identity names (sub-folder names), sorted; the index is the label.
    public let classes: [String]
    /// All images, grouped by class in class order.
    public let samples: [TrainingSample]

    public init(classes: [String], samples: [TrainingSample]) {
        self.classes = classes
        self.samples = samples
    }

    /// Lists `directory`. Identity folders without images are left out.
    /// - Throws: `TrainingError.notADirectory`, `.noImages`, or `.oneClass` (fewer than two identities).
    public static func scan(directory: String) throws -> TrainingDataset {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw TrainingError.notADirectory(directory)
        }
        let names = ((try? fm.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        var classes: [String] = [], samples: [TrainingSample] = []
        for name in names {
            let sub = (directory as NSString).appendingPathComponent(name)
            guard fm.fileExists(atPath: sub, isDirectory: &isDir), isDir.boolValue else { continue }
            let files = ((try? fm.contentsOfDirectory(atPath: sub)) ?? []).filter {
                !$0.hasPrefix(".") && imageExtensions.contains(($0 as NSString).pathExtension.lowercased())
            }.sorted()
            guard !files.isEmpty else { continue }
            let label = classes.count
            classes.append(name)
            samples += files.map { TrainingSample(path: (sub as NSString).appendingPathComponent($0), label: label) }
        }
        guard !samples.isEmpty else { throw TrainingError.noImages(directory) }
        guard classes.count >= 2 else { throw TrainingError.oneClass(directory) }
        return TrainingDataset(classes: classes, samples: samples)
    }

    /// Number of images per class.
    public var countsPerClass: [Int] {
        var c = [Int](repeating: 0, count: classes.count)
        for s in samples { c[s.label] += 1 }
        return c
    }

    /// Holds out `fraction` of each class's images (rounded, at least one when the class has two
    /// or more and `fraction > 0`), chosen by a permutation seeded with `seed`.
    /// - Returns: the training and the held-out samples, each in dataset order.
    public func split(heldOutFraction fraction: Double, seed: UInt64) -> (train: [TrainingSample], heldOut: [TrainingSample]) {
        guard fraction > 0 else { return (samples, []) }
        var train: [TrainingSample] = [], held: [TrainingSample] = []
        var byClass = [[TrainingSample]](repeating: [], count: classes.count)
        for s in samples { byClass[s.label].append(s) }
        for (label, items) in byClass.enumerated() {
            var k = Int((Double(items.count) * fraction).rounded())
            if items.count >= 2 { k = min(items.count - 1, max(1, k)) } else { k = 0 }
            let order = SeededShuffle.permutation(count: items.count, seed: seed, stream: UInt64(label))
            let heldSet = Set(order.prefix(k))
            for (i, s) in items.enumerated() { if heldSet.contains(i) { held.append(s) } else { train.append(s) } }
        }
        return (train, held)
    }
}
