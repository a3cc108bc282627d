import SlipwayCrypto

/// Random identifiers for deploys and approval buttons.
public enum Identifiers {
    /// A deploy id like `d-5f2c9a1b7e3d`.
    public static func deployId() -> String { SecureRandom.identifier(prefix: "d-", byteCount: 6) }
    /// The opaque value put on Approve/Deny buttons (unguessable; the server looks it up).
    public static func approvalToken() -> String { SecureRandom.identifier(prefix: "a-", byteCount: 16) }
}
