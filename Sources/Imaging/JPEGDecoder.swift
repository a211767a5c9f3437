import CTurboJPEG

/// JPEG decoding with libjpeg-turbo's TurboJPEG API.
///
/// Settings are the library defaults (accurate integer IDCT, fancy upsampling), which give exactly the
/// pixels of Pillow (`PIL.Image.open(f).convert("RGB")`), itself built on libjpeg-turbo. Grey JPEGs are
/// replicated into R = G = B; CMYK/YCCK JPEGs (Adobe-inverted, as libjpeg stores them) become
/// RGB with `R = C·K/255` (likewise G from M, B from Y), as Pillow does. Decoding uses
/// `TJFLAG_LIMITSCANS`, so a progressive JPEG with an absurd number of scans (a known way to make a small
/// file take minutes to decode) is an error instead of a hang.
///
/// A reduced decode (`maxSide`) uses libjpeg-turbo's DCT scaling: the largest reduction among 1/2, 1/4
/// and 1/8 that keeps the longest side at or above `maxSide`, so only the reduced pixels are allocated.
public enum JPEGDecoder {
    /// Decodes JPEG bytes; `name` is used in error messages.
    public static func decode(bytes: [UInt8], name: String, options: DecodeOptions = .default) throws -> Image {
        try bytes.withUnsafeBytes { try decode(bytes: $0, name: name, options: options, maxSide: nil).image }
    }

    /// The DCT scaling denominator (1, 2, 4 or 8) for a `width`×`height` JPEG to be reduced to `maxSide`:
    /// the largest whose scaled longest side, rounded up as libjpeg does, is still at least `maxSide`.
    static func scaleDenominator(width: Int, height: Int, maxSide: Int?) -> Int {
        guard let maxSide else { return 1 }
        let longest = max(width, height)
        var chosen = 1
        for d in [2, 4, 8] where (longest + d - 1) / d >= maxSide { chosen = d }
        return chosen
    }

    static func decode(bytes: UnsafeRawBufferPointer, name: String, options: DecodeOptions, maxSide: Int?) throws -> ScaledImage {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count > 0 else {
            throw ImagingError.empty(file: name)
        }
        guard let handle = tjInitDecompress() else {
            throw ImagingError.corrupt(file: name, format: "JPEG", detail: "could not initialise libjpeg-turbo")
        }
        defer { tjDestroy(handle) }

        var w: Int32 = 0, h: Int32 = 0, subsamp: Int32 = 0, colorspace: Int32 = 0
        if tjDecompressHeader3(handle, base, UInt(bytes.count), &w, &h, &subsamp, &colorspace) != 0 {
            let msg = message(handle)
            if msg.contains("Unsupported JPEG data precision") || msg.contains("Unsupported JPEG process") {
                throw ImagingError.unsupported(file: name, detail: "JPEG: \(msg)")
            }
            throw ImagingError.corrupt(file: name, format: "JPEG", detail: msg)
        }
        let fullWidth = Int(w), fullHeight = Int(h)
        try options.checkSize(width: fullWidth, height: fullHeight, file: name, format: .jpeg)
        let denominator = scaleDenominator(width: fullWidth, height: fullHeight, maxSide: maxSide)
        let width = (fullWidth + denominator - 1) / denominator, height = (fullHeight + denominator - 1) / denominator

        let isCMYK = colorspace == Int32(TJCS_CMYK.rawValue) || colorspace == Int32(TJCS_YCCK.rawValue)
        let pixelSize = isCMYK ? 4 : 3
        let pixelFormat = isCMYK ? Int32(TJPF_CMYK.rawValue) : Int32(TJPF_RGB.rawValue)
        var flags = TJFLAG_LIMITSCANS
        if options.jpegWarnings == .fail { flags |= TJFLAG_STOPONWARNING }

        var buffer = [UInt8](repeating: 0, count: width * height * pixelSize)
        let rc = buffer.withUnsafeMutableBufferPointer { dst in
            tjDecompress2(handle, base, UInt(bytes.count), dst.baseAddress, Int32(width), 0, Int32(height), pixelFormat, flags)
        }
        if rc != 0 {
            let msg = message(handle)
            let isWarning = tjGetErrorCode(handle) == Int32(TJERR_WARNING.rawValue)
            let fail: Bool
            switch options.jpegWarnings {
            case .fail: fail = true
            case .failOnTruncation: fail = !isWarning || msg.localizedCaseInsensitiveContains("premature end")
            case .ignore: fail = !isWarning
            }
            if fail { throw ImagingError.corrupt(file: name, format: "JPEG", detail: msg) }
        }

        var rgb: [UInt8]
        if isCMYK {
            rgb = [UInt8](repeating: 0, count: width * height * 3)
            buffer.withUnsafeBufferPointer { s in
                rgb.withUnsafeMutableBufferPointer { d in
                    for i in 0..<(width * height) {
                        let k = UInt32(s[4 * i + 3])
                        d[3 * i] = mulDiv255(UInt32(s[4 * i]), k)
                        d[3 * i + 1] = mulDiv255(UInt32(s[4 * i + 1]), k)
                        d[3 * i + 2] = mulDiv255(UInt32(s[4 * i + 2]), k)
                    }
                }
            }
        } else {
            rgb = buffer
        }
        var image = Image(uncheckedWidth: width, height: height, pixels: rgb)
        var swapped = false
        if options.applyEXIFOrientation, let orientation = EXIFOrientation.read(fromJPEG: bytes),
           orientation != .up {
            image = orientation.apply(to: image)
            swapped = orientation.swapsSides
        }
        return ScaledImage(image: image, originalWidth: swapped ? fullHeight : fullWidth,
                           originalHeight: swapped ? fullWidth : fullHeight)
    }

    /// round(a·b/255) for a, b in 0...255, exactly.
    @inline(__always) static func mulDiv255(_ a: UInt32, _ b: UInt32) -> UInt8 {
        let t = a * b + 128
        return UInt8(((t >> 8) + t) >> 8)
    }

    static func message(_ handle: tjhandle) -> String {
        guard let c = tjGetErrorStr2(handle) else { return "unknown libjpeg-turbo error" }
        return String(cString: c)
    }
}
