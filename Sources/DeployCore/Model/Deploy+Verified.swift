extension Deploy {
    /// Whether the deploy passed post-deploy verification. Promotion with `requireVerified` accepts only tags whose
    /// deploy in the `promoteFrom` environment is verified. No verification data is recorded yet, so nothing is.
    public var isVerified: Bool { false }
}
