import CTurboJPEG

/// JPEG encoding with libjpeg-turbo (baseline, accurate DCT).
public enum JPEGEncoder {
    /// Chroma subsampling of the encoded file.
    public enum Subsampling: Sendable {
        /// No subsampling (best quality).
        case s444
        /// 2×2 subsampling (the usual camera setting).
        case s420
    }

    /// Encodes `image` as a JPEG file's bytes. `quality` is 1...100.
    public static func encode(_ image: Image, quality: Int = 95, subsampling: Subsampling = .s444) throws -> [UInt8] {
        guard (1...100).contains(quality) else {
            throw ImagingError.invalidArgument("JPEG quality \(quality) must be in 1...100")
        }
        guard let handle = tjInitCompress() else {
            throw ImagingError.writeFailed(file: "<memory>", detail: "could not initialise libjpeg-turbo")
        }
        defer { tjDestroy(handle) }
        var out: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let samp = subsampling == .s444 ? Int32(TJSAMP_444.rawValue) : Int32(TJSAMP_420.rawValue)
        let rc = image.pixels.withUnsafeBufferPointer { src in
            tjCompress2(handle, src.baseAddress, Int32(image.width), 0, Int32(image.height),
                        Int32(TJPF_RGB.rawValue), &out, &size, samp, Int32(quality), 0)
        }
        defer { if let out { tjFree(out) } }
        guard rc == 0, let out else {
            throw ImagingError.writeFailed(file: "<memory>", detail: JPEGDecoder.message(handle))
        }
        return Array(UnsafeBufferPointer(start: out, count: Int(size)))
    }
}
