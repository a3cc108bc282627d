import Foundation
import SlipwayCrypto

/// Identifiers for deploys and approval buttons.
public enum Identifiers {
    /// A deploy id like `d-19ab3c4d5e6-7f8a9b0c`: milliseconds since 1970 in hex, then 32 random bits.
    ///
    /// Ids of newer deploys sort after older ones, so the store's indexes on deploy ids (the deploys, their audit
    /// events and outbox messages) grow at their right edge: concurrent webhooks share the pages their commit writes
    /// instead of each dirtying a random page. The random part keeps ids created in the same millisecond apart.
    public static func deployId(now: Date = Date()) -> String {
        let milliseconds = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        return "d-" + Hex.encode(bigEndianBytes(milliseconds).drop { $0 == 0 }) + "-"
            + Hex.encode(SecureRandom.bytes(4))
    }

    /// The opaque value put on Approve/Deny buttons (unguessable; the server looks it up).
    public static func approvalToken() -> String { SecureRandom.identifier(prefix: "a-", byteCount: 16) }

    private static func bigEndianBytes(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * (7 - $0))) }
    }
}
