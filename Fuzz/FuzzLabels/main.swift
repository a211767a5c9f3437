import Foundation
import FuzzSupport
import Gallery

// The labels reader and the identity-name rules every label then passes through.
exit(runFuzzer { bytes in
    guard let labels = try? VectorFiles.parseLabels(Data(bytes), file: "fuzz") else { return }
    for label in labels { _ = IdentityName.normalised(label) }
})
