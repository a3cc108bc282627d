extension Deploy {
    /// Whether this deploy is **verified**: it succeeded and its verification against metrics passed (or an approver
    /// treated an inconclusive one as passed). Read from the verification record stored with the deploy, so every
    /// deploy loaded from the store answers it without another query. Deploys of environments without `verify`
    /// are never verified.
    public var isVerified: Bool { Self.isVerified(state: state, verification: verification) }

    /// `isVerified` of a deploy in `state` with this verification record.
    public static func isVerified(state: DeployState, verification: VerificationRecord?) -> Bool {
        state == .succeeded && verification?.passed == true && verification?.track != "canary"
    }
}
