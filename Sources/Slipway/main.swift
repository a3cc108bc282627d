import Foundation
import SlipwayApp

let environment = ProcessInfo.processInfo.environment
// Before any other thread allocates: the allocator's arenas are made per thread, on first use.
HeapAllocator.configure(environment: environment)
let status = await CommandLineTool.main(Array(CommandLine.arguments.dropFirst()), environment: environment)
exit(status)
