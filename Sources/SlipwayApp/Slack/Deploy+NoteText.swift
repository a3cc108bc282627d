import DeployCore
import SlipwaySlack

extension Deploy {
    /// The deploy's note as Slack shows it: a denial names the approver as a mention (`DeployCore` records only
    /// "denied", with who in `approval.decidedBy`).
    var noteText: String? {
        if state == .cancelled, approval?.approved == false, let by = approval?.decidedBy {
            return "denied by \(SlackText.mention(userId: by))"
        }
        return note
    }
}
