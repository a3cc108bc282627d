import DeployCore
import Foundation
import SlipwaySlack

/// `/deploy <service> <env> [tag] --skip-canary`: straight to the primary. Only an approver of the environment may
/// ask for it.
enum SkipCanary {
    static let flag = "--skip-canary"

    /// The command text without the flag; notes the flag in `invocation`.
    static func strip(_ text: String, into invocation: inout CommandInvocation) throws -> String {
        let words = text.split(separator: " ", omittingEmptySubsequences: true)
        guard words.contains(where: { $0 == flag }) else { return text }
        invocation.skipCanary = true
        return words.filter { $0 != flag }.joined(separator: " ")
    }

    /// Refuses `--skip-canary` on anything but a deploy by an approver.
    static func check(_ command: SlashCommand, _ invocation: CommandInvocation, catalog: Catalog) throws {
        guard invocation.skipCanary else { return }
        guard case .deploy(let service, let environment, _, _) = command else {
            throw CommandHandler.Refusal(message: "`\(flag)` only applies to a deploy.")
        }
        let (_, env) = try catalog.resolve(service: service, environment: environment)
        guard env.canary != nil else {
            throw CommandHandler.Refusal(message: "`\(service)/\(environment)` has no canary; leave out `\(flag)`.")
        }
        guard env.approvers.contains("*") || env.approvers.contains(invocation.userId) else {
            throw CommandHandler.Refusal(
                message:
                    "Only approvers of `\(service)/\(environment)` may skip its canary: \(env.approvers.map { SlackText.mention(userId: $0) }.joined(separator: ", ")). Deploy without `\(flag)`, or ask one of them."
            )
        }
    }
}
