// swift-tools-version: 6.1
import Foundation
import PackageDescription

// Depends on SphereGallery as a user's package would: a source-control dependency at a version.
// Put the URL of your SphereGallery repository here; `make example` sets SPHERE_GALLERY_URL to a
// tagged clone of this checkout (its folder is named sphere-gallery, the package's identity).
let sphereGallery = ProcessInfo.processInfo.environment["SPHERE_GALLERY_URL"] ?? "file:///opt/src/sphere-gallery"

let package = Package(
    name: "IdentifyPhoto",
    dependencies: [.package(url: sphereGallery, from: "0.9.0")],
    targets: [
        .executableTarget(
            name: "IdentifyPhoto",
            dependencies: [.product(name: "FaceRecognition", package: "sphere-gallery")]),
    ]
)
