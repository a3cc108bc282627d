import SlipwayApp
import Testing

@Suite("The allocator's arena limit")
struct HeapAllocatorTests {
    @Test("slipway limits glibc's arenas unless the operator set MALLOC_ARENA_MAX or the glibc tunable")
    func operatorSettingWins() {
        #expect(!HeapAllocator.configure(environment: ["MALLOC_ARENA_MAX": "8"]))
        #expect(
            !HeapAllocator.configure(environment: [
                "GLIBC_TUNABLES": "glibc.malloc.trim_threshold=131072:glibc.malloc.arena_max=4"
            ]))
        #expect(HeapAllocator.configure(environment: ["GLIBC_TUNABLES": "glibc.malloc.trim_threshold=131072"]))
        #expect(HeapAllocator.configure(environment: [:]))
    }
}
