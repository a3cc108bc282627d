import Foundation

// `slipway-fuzz [libFuzzer options] [corpus directories]`, with SLIPWAY_FUZZ_TARGET naming the target.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) })
