import Foundation

/// The target this process fuzzes, chosen by `SLIPWAY_FUZZ_TARGET` before the first input (libFuzzer calls
/// `LLVMFuzzerInitialize` once, on its own thread of control, before any input).
nonisolated(unsafe) private var selected: FuzzTarget = .formDecoder

/// libFuzzer's entry point for programs that have their own `main` (SwiftPM links every executable's `main` to the
/// module's top-level code, so libFuzzer's `main` cannot be used).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// libFuzzer calls this once before any input: picks the target named in `SLIPWAY_FUZZ_TARGET`.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>
) -> Int32 {
    let name = ProcessInfo.processInfo.environment["SLIPWAY_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(
            Data("slipway-fuzz: set SLIPWAY_FUZZ_TARGET to one of: \(names) (got `\(name)`)\n".utf8))
        exit(2)
    }
    selected = target
    return 0
}

/// libFuzzer's runtime refers to this symbol; the inputs come through `fuzzOneInput`, which main.swift hands to
/// `LLVMFuzzerRunDriver`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzOneInput(data, size)
}

/// Runs the selected target on one input.
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selected.run(bytes)
    return 0
}
