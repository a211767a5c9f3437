import Foundation
import FuzzSupport
import Imaging

// Every decoder, chosen by content as for a file: any input must decode or throw.
// The pixel limit keeps one input's allocation within libFuzzer's memory limit.
let options = DecodeOptions(maxPixels: 4_000_000)
exit(runFuzzer { bytes in
    _ = try? ImageDecoder.decode(data: Data(bytes), name: "fuzz", options: options)
})
