/// What the cluster says about the SealedSecret that should produce a missing Secret.
public enum SealedSecretState: Sendable, Hashable, Codable {
    /// No SealedSecret of that name exists in the namespace: it was never committed (or not yet applied).
    case absent
    /// The SealedSecret exists but the controller could not unseal it; `message` is its `Synced` condition message.
    case notSynced(message: String)
    /// The SealedSecret reports `Synced=True`: the Secret exists now or is about to.
    case synced
}
