/// # Evaluation
///
/// Metrics and protocol bookkeeping for SphereGallery experiments. It works on embeddings,
/// scores and labels only: it never runs a network or decodes an image (the CLI does that and
/// hands the vectors over).
///
/// Conventions throughout:
/// - Scores are similarities, higher = more alike (cosine of unit vectors, `Similarity`).
/// - A comparison is *accepted* when its score is `≥` the threshold — the Gallery's rule
///   (best cosine below the threshold → *unknown*).
/// - Rates at a target FAR/FPIR are interpolation-free: the best rate whose FAR/FPIR is
///   ≤ the target. When there are fewer than 1/target impostor comparisons the target cannot
///   be measured and the value is nil (JSON `null`).
/// - Ranks are 1-based; ties between the true match and another score go to the true match.
///
/// Pieces:
/// - `LFWPairs` (View 1/View 2 pairs files and folds), `CrossValidation` (10-fold accuracy),
///   `ROC` (TAR@FAR, EER), `LFWVerification` (the LFW protocol end to end).
/// - `CMC` (closed-set identification from search results or a score matrix).
/// - `DistractorSubsets`, `MegaFaceProtocol` (MegaFace Challenge 1 bookkeeping),
///   `DevkitFeatureFile` (the devkit's `.bin` features).
/// - `OpenSetMetrics` (FNIR/DIR at FPIR, threshold calibration).
/// - `LFWReport`, `MegaFaceReport`, `OpenSetReport` (JSON), `CSVTable` (plots).
/// - `EvaluationError`: every user-input failure, with a message that says what to do.
public enum Evaluation {}
