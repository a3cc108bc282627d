import Dispatch
import SlipwayCrypto
import Synchronization
import Testing

@Suite("HMACKey")
struct HMACKeyTests {
    /// RFC 4231 test cases 1 and 2 (HMAC-SHA256).
    static let vectors: [(key: [UInt8], message: String, digest: String)] = [
        (
            [UInt8](repeating: 0x0b, count: 20), "Hi There",
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        ),
        (
            Array("Jefe".utf8), "what do ya want for nothing?",
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        ),
    ]

    @Test("matches RFC 4231 and the one-shot HMAC, message after message")
    func knownAnswers() {
        for vector in Self.vectors {
            let key = HMACKey(vector.key)
            for _ in 0..<3 {
                #expect(Hex.encode(key.authenticate(Array(vector.message.utf8))) == vector.digest)
            }
            #expect(HMAC.sha256(key: vector.key, message: Array(vector.message.utf8)) == Hex.decode(vector.digest))
        }
    }

    @Test("matchesHex accepts exactly the lowercase hex of the digest")
    func matchesHex() {
        for vector in Self.vectors {
            let key = HMACKey(vector.key)
            func matches(_ hex: String) -> Bool {
                Array(hex.utf8).withUnsafeBytes { expected in
                    key.matchesHex(expected) { $0.update(vector.message) }
                }
            }
            #expect(matches(vector.digest))
            #expect(!matches(vector.digest.uppercased()))
            #expect(!matches(String(vector.digest.dropLast()) + "0"))
            #expect(!matches(String(vector.digest.dropLast())))
            #expect(!matches(""))
        }
    }

    @Test("a message fed in parts authenticates like the whole")
    func partsEqualWhole() {
        let key = HMACKey(Array("secret".utf8))
        let whole = key.authenticate(Array("v0:1531420618:token=x&text=shop".utf8))
        let parts = key.authenticate { mac in
            mac.update("v0:")
            mac.update("1531420618")
            mac.update(":")
            mac.update(Array("token=x&text=shop".utf8))
            mac.update([])
        }
        #expect(parts == whole)
        #expect(key.authenticate(Array("v0:1531420618:token=x&text=shoq".utf8)) != whole)
    }

    @Test("an empty key works")
    func emptyKey() {
        #expect(
            Hex.encode(HMACKey([]).authenticate([]))
                == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    @Test("threads sharing one key get correct digests")
    func concurrentUse() {
        let key = HMACKey(Self.vectors[1].key)
        let expected = Self.vectors[1].digest
        let failures = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 2_000) { index in
            let message = index.isMultiple(of: 2) ? Array(Self.vectors[1].message.utf8) : Array("other".utf8)
            let digest = Hex.encode(key.authenticate(message))
            if index.isMultiple(of: 2) != (digest == expected) { failures.add(1, ordering: .relaxed) }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
    }
}
