// swift-tools-version: 6.1
import PackageDescription

// No unsafe flags, so the package can be a versioned dependency: the SIMD kernels that need
// AVX2/FMA/F16C are C functions with target attributes, chosen at run time (see CSIMD).
let numeric: [SwiftSetting] = []

let package = Package(
    name: "SphereGallery",
    products: [
        .executable(name: "sphere-gallery", targets: ["SphereGalleryCLI"]),
        .executable(name: "sphere-gallery-bench", targets: ["SphereGalleryBench"]),
        .library(name: "Gallery", targets: ["Gallery"]),
        .library(name: "NeuralNet", targets: ["NeuralNet"]),
        .library(name: "FaceEmbedding", targets: ["FaceEmbedding"]),
        .library(name: "Imaging", targets: ["Imaging"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // System-library shims (module map + one header each).
        .systemLibrary(name: "CBLAS", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPNG", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CTurboJPEG", providers: [.apt(["libturbojpeg0-dev"])]),
        // The SIMD kernels in C (search, Winograd, MTCNN, face warp): an AVX2/FMA/F16C build and a
        // portable one, chosen per CPU at run time.
        .target(name: "CSIMD", linkerSettings: [.linkedLibrary("m")]),

        .target(name: "Imaging", dependencies: ["CPNG", "CTurboJPEG", "CSIMD"], swiftSettings: numeric),
        .target(name: "NeuralNet", dependencies: ["CBLAS", "CSIMD"], swiftSettings: numeric),
        .target(name: "FaceEmbedding", dependencies: ["NeuralNet", "Imaging"], swiftSettings: numeric),
        .target(name: "FaceDetection", dependencies: ["Imaging", "NeuralNet", "CSIMD"], swiftSettings: numeric),
        .target(
            name: "Gallery",
            dependencies: [
                "CBLAS", "CSIMD",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: numeric),
        .target(name: "Evaluation", dependencies: ["Gallery", "CSIMD"], swiftSettings: numeric),
        .executableTarget(
            name: "SphereGalleryCLI",
            dependencies: [
                "Gallery", "Evaluation", "FaceEmbedding", "FaceDetection", "Imaging", "NeuralNet",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "SphereGalleryBench",
            dependencies: [
                "Gallery", "CBLAS", "NeuralNet", "FaceEmbedding", "FaceDetection", "Imaging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: numeric),

        .testTarget(name: "GalleryTests", dependencies: ["Gallery"]),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet"]),
        .testTarget(name: "FaceEmbeddingTests", dependencies: ["FaceEmbedding", "NeuralNet", "Imaging"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging"]),
        .testTarget(name: "FaceDetectionTests", dependencies: ["FaceDetection", "Imaging", "NeuralNet"]),
        .testTarget(name: "SphereGalleryCLITests", dependencies: ["Gallery"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "Gallery"]),
    ],
    swiftLanguageModes: [.v6]
)
