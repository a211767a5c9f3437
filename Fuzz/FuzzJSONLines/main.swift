import Foundation
import FuzzSupport
import Gallery

// The JSON Lines vector reader: any input must parse or throw a VectorFileError.
exit(runFuzzer { bytes in
    _ = try? VectorFiles.parseJSONLines(Data(bytes), file: "fuzz", maxLineBytes: 1 << 16)
})
