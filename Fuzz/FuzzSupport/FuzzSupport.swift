import CLibFuzzer

/// The check run on each input (set once, before the driver starts).
nonisolated(unsafe) private var check: ((UnsafeRawBufferPointer) -> Void)?

/// Runs libFuzzer over `body` with this process's arguments and returns its exit status.
/// An executable's own entry point calls this: SwiftPM links executables with their `main`
/// renamed and aliased, which leaves no room for libFuzzer's `main`.
public func runFuzzer(_ body: @escaping (UnsafeRawBufferPointer) -> Void) -> Int32 {
    check = body
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        check?(UnsafeRawBufferPointer(start: data, count: size))
        return 0
    }
}
