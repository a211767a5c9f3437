import Foundation
import FuzzSupport
import Gallery

// The .npy reader: any header or shape must read or throw, never allocate past the input.
exit(runFuzzer { bytes in
    _ = try? VectorFiles.parseNPY(Data(bytes), file: "fuzz")
})
