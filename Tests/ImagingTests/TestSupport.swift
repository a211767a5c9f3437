import Foundation
import SeededRandom
import Testing
@testable import Imaging

/// Locates `../shared` (the repository root's parent + `/shared`) or `$SPHERE_GALLERY_SHARED`.
enum Shared {
    static let root: String? = {
        if let env = ProcessInfo.processInfo.environment["SPHERE_GALLERY_SHARED"], !env.isEmpty {
            return FileManager.default.fileExists(atPath: env) ? env : nil
        }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let path = repo.deletingLastPathComponent().appendingPathComponent("shared").path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }()

    static var available: Bool { root != nil }
    static let skipMessage: Comment =
        "shared test vectors not found (expected ../shared next to the repository, or set SPHERE_GALLERY_SHARED)"

    static func path(_ relative: String) -> String { (root ?? "/nonexistent") + "/" + relative }

    static func json(_ relative: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path(relative)))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }
}

/// A fresh temporary directory, removed by the caller with `cleanup()`.
struct TempDir {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "imaging-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> String { path + "/" + name }
    func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let p = file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }
    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

/// Max and mean absolute difference between two images of the same size, and the number of differing bytes.
func imageDiff(_ a: Image, _ b: Image) -> (max: Int, mean: Double, differing: Int) {
    precondition(a.width == b.width && a.height == b.height)
    var mx = 0, sum = 0, n = 0
    for i in a.pixels.indices {
        let d = abs(Int(a.pixels[i]) - Int(b.pixels[i]))
        mx = max(mx, d); sum += d; if d > 0 { n += 1 }
    }
    return (mx, Double(sum) / Double(a.pixels.count), n)
}

/// Minimal SHA-256 (FIPS 180-4) for checking decoded-pixel digests.
func sha256Hex(_ message: [UInt8]) -> String {
    let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]
    var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
    var msg = message
    let bitLength = UInt64(message.count) * 8
    msg.append(0x80)
    while msg.count % 64 != 56 { msg.append(0) }
    for i in (0..<8).reversed() { msg.append(UInt8(truncatingIfNeeded: bitLength >> (UInt64(i) * 8))) }
    @inline(__always) func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
    var w = [UInt32](repeating: 0, count: 64)
    msg.withUnsafeBufferPointer { m in
        for chunk in stride(from: 0, to: m.count, by: 64) {
            for t in 0..<16 {
                let o = chunk + 4 * t
                w[t] = UInt32(m[o]) << 24 | UInt32(m[o + 1]) << 16 | UInt32(m[o + 2]) << 8 | UInt32(m[o + 3])
            }
            for t in 16..<64 {
                let s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3)
                let s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10)
                w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
            }
            var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7]
            for t in 0..<64 {
                let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
                let ch = (e & f) ^ (~e & g)
                let t1 = hh &+ s1 &+ ch &+ k[t] &+ w[t]
                let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
                let maj = (a & b) ^ (a & c) ^ (b & c)
                let t2 = s0 &+ maj
                hh = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
            }
            h[0] = h[0] &+ a; h[1] = h[1] &+ b; h[2] = h[2] &+ c; h[3] = h[3] &+ d
            h[4] = h[4] &+ e; h[5] = h[5] &+ f; h[6] = h[6] &+ g; h[7] = h[7] &+ hh
        }
    }
    return h.map { String(format: "%08x", $0) }.joined()
}

/// Reads the tensors of a safetensors file (float32 only).
func readSafetensors(_ path: String) throws -> [String: (shape: [Int], values: [Float])] {
    let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    var n = 0
    for i in 0..<8 { n |= Int(data[i]) << (8 * i) }
    let header = try JSONSerialization.jsonObject(with: Data(data[8..<(8 + n)])) as? [String: Any] ?? [:]
    var out: [String: (shape: [Int], values: [Float])] = [:]
    for (key, value) in header where key != "__metadata__" {
        guard let info = value as? [String: Any], let shape = info["shape"] as? [Int],
              let offsets = info["data_offsets"] as? [Int], info["dtype"] as? String == "F32" else { continue }
        let start = 8 + n + offsets[0], end = 8 + n + offsets[1]
        var values = [Float](repeating: 0, count: (end - start) / 4)
        values.withUnsafeMutableBytes { dst in
            data.withUnsafeBytes { src in dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[start..<end])) }
        }
        out[key] = (shape, values)
    }
    return out
}


/// A small test picture: smooth gradients plus a few edges.
func testPattern(width: Int, height: Int) -> Image {
    var px = [UInt8](repeating: 0, count: width * height * 3)
    for y in 0..<height {
        for x in 0..<width {
            let i = (y * width + x) * 3
            px[i] = UInt8((x * 255) / max(1, width - 1))
            px[i + 1] = UInt8((y * 255) / max(1, height - 1))
            px[i + 2] = UInt8(((x / 4 + y / 4) % 2) * 200 + 20)
        }
    }
    return try! Image(width: width, height: height, pixels: px)
}
