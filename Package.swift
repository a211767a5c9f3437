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
        .library(name: "FaceRecognition", targets: ["FaceRecognition"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        // System-library shims (module map + one header each).
        .systemLibrary(name: "CBLAS", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPNG", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CTurboJPEG", providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CWebP", providers: [.apt(["libwebp-dev"])]),
        .systemLibrary(name: "CHeif", providers: [.apt(["libheif-dev"])]),
        .systemLibrary(name: "CGIF", providers: [.apt(["libgif-dev"])]),
        .systemLibrary(name: "CTIFF", providers: [.apt(["libtiff-dev"])]),
        // The SIMD kernels in C (search, Winograd, MTCNN, face warp): an AVX2/FMA/F16C build and a
        // portable one, chosen per CPU at run time.
        .target(name: "CSIMD", linkerSettings: [.linkedLibrary("m")]),

        .target(name: "SeededRandom"),
        .target(name: "Imaging", dependencies: ["CPNG", "CTurboJPEG", "CWebP", "CHeif", "CGIF", "CTIFF", "CSIMD"],
                swiftSettings: numeric),
        .target(name: "NeuralNet", dependencies: ["CBLAS", "CSIMD", "SeededRandom"], swiftSettings: numeric),
        .target(name: "FaceEmbedding", dependencies: ["NeuralNet", "Imaging", "SeededRandom", "CSIMD"], swiftSettings: numeric),
        .target(name: "FaceDetection", dependencies: ["Imaging", "NeuralNet", "CSIMD"], swiftSettings: numeric),
        .target(
            name: "Gallery",
            dependencies: [
                "CBLAS", "CSIMD", "SeededRandom",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: numeric),
        .target(name: "Evaluation", dependencies: ["Gallery", "CSIMD", "SeededRandom"], swiftSettings: numeric),
        .target(name: "Experiments", dependencies: ["Evaluation", "FaceEmbedding", "NeuralNet"]),
        .target(name: "FaceRecognition", dependencies: ["Imaging", "FaceDetection", "FaceEmbedding", "Gallery", "NeuralNet"]),
        .target(
            name: "SphereGalleryServer",
            dependencies: [
                "FaceRecognition", "Gallery",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
            ],
            resources: [
                .embedInCode("Resources/openapi.yaml"), .embedInCode("Resources/index.html"),
                .embedInCode("Resources/app.js"), .embedInCode("Resources/style.css"),
            ]),
        .executableTarget(
            name: "SphereGalleryCLI",
            dependencies: [
                "FaceRecognition", "SphereGalleryServer", "Gallery", "Evaluation", "FaceEmbedding", "FaceDetection", "Imaging",
                "NeuralNet", "SeededRandom", "Experiments",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "SphereGalleryBench",
            dependencies: [
                "Gallery", "CBLAS", "NeuralNet", "FaceEmbedding", "FaceDetection", "Imaging", "FaceRecognition",
                "Evaluation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: numeric),

        .testTarget(name: "GalleryTests", dependencies: ["Gallery", "SeededRandom"]),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "SeededRandom", "CSIMD"]),
        .testTarget(name: "FaceEmbeddingTests", dependencies: ["FaceEmbedding", "NeuralNet", "Imaging", "SeededRandom"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "SeededRandom"], exclude: ["Fixtures"]),
        .testTarget(name: "FaceDetectionTests", dependencies: ["FaceDetection", "Imaging", "NeuralNet"]),
        .testTarget(name: "SphereGalleryCLITests", dependencies: ["Gallery"]),
        .testTarget(name: "FaceRecognitionTests", dependencies: ["FaceRecognition", "FaceDetection", "Gallery", "Imaging"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "Gallery", "SeededRandom"]),
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "Evaluation", "FaceEmbedding", "NeuralNet"]),
        .testTarget(
            name: "SphereGalleryServerTests",
            dependencies: [
                "SphereGalleryServer", "Gallery",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer targets (Fuzz/): only with SPHERE_GALLERY_FUZZ set, as `make fuzz` builds them
// (instrumented, into .build-fuzz); an ordinary build never sees them.
if Context.environment["SPHERE_GALLERY_FUZZ"] != nil {
    package.targets += [
        .target(name: "CLibFuzzer", path: "Fuzz/CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"], path: "Fuzz/FuzzSupport"),
    ]
    for (fuzzer, library) in [("FuzzImageDecoder", "Imaging"), ("FuzzJSONLines", "Gallery"),
                              ("FuzzNPY", "Gallery"), ("FuzzLabels", "Gallery")] {
        package.targets.append(.executableTarget(
            name: fuzzer, dependencies: ["FuzzSupport", .target(name: library)], path: "Fuzz/\(fuzzer)"))
    }
}
