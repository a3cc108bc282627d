import Foundation

/// Resolves Slack user groups (`S…`, as listed in an environment's `approvers`) to their members, with
/// `usergroups.users.list`.
///
/// Members are cached for ``ttl`` per group. When Slack cannot answer (rate limit, outage, timeout), the last known
/// members are used however old they are, so an approval is not blocked by a Slack hiccup; a group Slack says does
/// not exist is dropped from the cache and reported.
public actor UsergroupDirectory {
    /// How long a group's members are used without asking Slack again.
    public let ttl: TimeInterval
    private let fetch: @Sendable (String) async throws(SlackAPIError) -> [String]
    private let now: @Sendable () -> Date
    private var cache: [String: (members: Set<String>, fetchedAt: Date)] = [:]
    private var inFlight: [String: Task<Result<[String], SlackAPIError>, Never>] = [:]

    /// - Parameters:
    ///   - client: Asks Slack.
    ///   - ttl: Seconds a group's members are cached (5 minutes by default).
    ///   - now: The clock.
    public init(client: SlackWebClient, ttl: TimeInterval = 300, now: @escaping @Sendable () -> Date = { Date() }) {
        self.init(ttl: ttl, now: now) { group throws(SlackAPIError) in try await client.usergroupMembers(group) }
    }

    /// - Parameter fetch: Returns a group's members (tests pass a stand-in).
    public init(
        ttl: TimeInterval = 300, now: @escaping @Sendable () -> Date = { Date() },
        fetch: @escaping @Sendable (String) async throws(SlackAPIError) -> [String]
    ) {
        self.ttl = ttl
        self.now = now
        self.fetch = fetch
    }

    /// Whether `id` names a user group rather than a user: Slack group ids start with `S`.
    public static func isUsergroup(_ id: String) -> Bool { id.hasPrefix("S") && id.count > 1 }

    /// The members of `group`.
    /// - Throws: ``UsergroupError`` when the group does not exist, or Slack cannot answer and nothing is cached.
    public func members(of group: String) async throws(UsergroupError) -> Set<String> {
        let time = now()
        if let cached = cache[group], time.timeIntervalSince(cached.fetchedAt) < ttl { return cached.members }
        let task: Task<Result<[String], SlackAPIError>, Never>
        if let running = inFlight[group] {
            task = running
        } else {
            let fetch = self.fetch
            task = Task {
                do throws(SlackAPIError) { return .success(try await fetch(group)) } catch { return .failure(error) }
            }
            inFlight[group] = task
        }
        let result = await task.value
        if inFlight[group] == task { inFlight[group] = nil }
        switch result {
        case .success(let users):
            let members = Set(users)
            cache[group] = (members, time)
            return members
        case .failure(let error) where error.code == "no_such_subteam":
            cache[group] = nil
            throw UsergroupError(.unknownGroup, group: group, slackError: error)
        case .failure(let error):
            if let stale = cache[group] { return stale.members }
            throw UsergroupError(.unavailable, group: group, slackError: error)
        }
    }

    /// Whether `user` is one of `ids` or a member of a group among them (`*` is anyone).
    /// - Returns: the answer, and the groups that could not be resolved (the user may be in one of them).
    public func isListed(_ user: String, in ids: [String]) async -> (listed: Bool, unresolved: [UsergroupError]) {
        if ids.contains("*") || ids.contains(user) { return (true, []) }
        var problems: [UsergroupError] = []
        for group in ids where Self.isUsergroup(group) {
            do throws(UsergroupError) {
                if try await members(of: group).contains(user) { return (true, problems) }
            } catch {
                problems.append(error)
            }
        }
        return (false, problems)
    }
}

/// A user group that could not be resolved to its members.
public struct UsergroupError: Error, Sendable, Equatable, CustomStringConvertible {
    enum Code: Sendable, Equatable {
        case unknownGroup
        case unavailable
    }

    let code: Code
    /// The group id, e.g. `S0604QSJC`.
    public let group: String
    /// What Slack answered.
    public let slackError: SlackAPIError

    init(_ code: Code, group: String, slackError: SlackAPIError) {
        self.code = code
        self.group = group
        self.slackError = slackError
    }

    /// Slack does not know the group (`no_such_subteam`).
    public var isUnknownGroup: Bool { code == .unknownGroup }

    public var description: String {
        switch code {
        case .unknownGroup:
            "Slack has no user group \(group) (no_such_subteam); check the approvers in the configuration."
        case .unavailable where slackError.code == "missing_scope":
            "Could not read the members of user group \(group): the Slack app lacks the usergroups:read scope; "
                + "reinstall it with the manifest in Config/slack-app-manifest.json."
        case .unavailable:
            "Could not read the members of user group \(group) from Slack (\(slackError.code)); try again shortly."
        }
    }
}
