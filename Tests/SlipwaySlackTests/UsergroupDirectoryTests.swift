import Foundation
import SlipwayHTTP
import SlipwaySlack
import SlipwayTesting
import Testing

@Suite struct UsergroupDirectoryTests {
    let slack: FakeSlack
    let clock = TestClock()
    let directory: UsergroupDirectory

    init() throws {
        slack = try FakeSlack(token: "xoxb-test-0001")
        let client = SlackWebClient(httpClient: CurlHTTPClient(), token: "xoxb-test-0001", baseURL: slack.baseURL)
        let clock = self.clock
        directory = UsergroupDirectory(client: client, now: { clock.now })
    }

    @Test func membersComeFromUsergroupsUsersListAsDocumented() async throws {
        slack.setUsergroup("S0SRE", members: ["U0ALICE", "W0BOB"])
        #expect(try await directory.members(of: "S0SRE") == ["U0ALICE", "W0BOB"])
        let call = try #require(slack.calls(method: "usergroups.users.list").first)
        #expect(call.httpMethod == "GET")
        #expect(call.queryItems["usergroup"] == "S0SRE")
        #expect(call.headers["authorization"] == "Bearer xoxb-test-0001")
    }

    @Test func membersAreCachedForFiveMinutesPerGroup() async throws {
        slack.setUsergroup("S0SRE", members: ["U0ALICE"])
        slack.setUsergroup("S0DBA", members: ["U0CAROL"])
        _ = try await directory.members(of: "S0SRE")
        slack.setUsergroup("S0SRE", members: ["U0ALICE", "U0DAVE"])
        clock.advance(by: 299)
        #expect(try await directory.members(of: "S0SRE") == ["U0ALICE"])
        #expect(try await directory.members(of: "S0DBA") == ["U0CAROL"])
        #expect(slack.calls(method: "usergroups.users.list").count == 2)
        clock.advance(by: 1)
        #expect(try await directory.members(of: "S0SRE") == ["U0ALICE", "U0DAVE"])
        #expect(slack.calls(method: "usergroups.users.list").count == 3)
    }

    @Test func lastKnownMembersAreUsedWhileSlackFails() async throws {
        slack.setUsergroup("S0SRE", members: ["U0ALICE"])
        _ = try await directory.members(of: "S0SRE")
        clock.advance(by: 3_600)
        slack.failNext(method: "usergroups.users.list", with: .rateLimit(retryAfter: 30))
        #expect(try await directory.members(of: "S0SRE") == ["U0ALICE"])
        slack.setOutage(true)
        #expect(try await directory.members(of: "S0SRE") == ["U0ALICE"])
        slack.setOutage(false)
        slack.setUsergroup("S0SRE", members: ["U0BOB"])
        #expect(try await directory.members(of: "S0SRE") == ["U0BOB"])
    }

    @Test func withNothingCachedAFailureSaysSo() async throws {
        slack.failNext(method: "usergroups.users.list", with: .error("missing_scope"))
        let error = await #expect(throws: UsergroupError.self) { try await directory.members(of: "S0SRE") }
        #expect(error?.isUnknownGroup == false)
        #expect(error?.description.contains("usergroups:read") == true)
        slack.setOutage(true)
        let outage = await #expect(throws: UsergroupError.self) { try await directory.members(of: "S0SRE") }
        #expect(
            outage?.description
                == "Could not read the members of user group S0SRE from Slack (http_503); try again shortly.")
    }

    @Test func anUnknownGroupIsReportedAndForgotten() async throws {
        slack.setUsergroup("S0SRE", members: ["U0ALICE"])
        _ = try await directory.members(of: "S0SRE")
        slack.setUsergroup("S0SRE", members: nil)
        clock.advance(by: 301)
        let error = await #expect(throws: UsergroupError.self) { try await directory.members(of: "S0SRE") }
        #expect(error?.isUnknownGroup == true)
        #expect(error?.description.contains("no user group S0SRE") == true)
        // Not used again as a stale fallback.
        slack.setOutage(true)
        await #expect(throws: UsergroupError.self) { try await directory.members(of: "S0SRE") }
    }

    @Test func isListedChecksUsersGroupsAndEveryone() async throws {
        slack.setUsergroup("S0SRE", members: ["U0ALICE"])
        #expect(await directory.isListed("U0ALICE", in: ["U0BOB", "S0SRE"]).listed)
        #expect(await directory.isListed("U0BOB", in: ["U0BOB"]).listed)
        #expect(await directory.isListed("U0ZED", in: ["*"]).listed)
        let missing = await directory.isListed("U0CAROL", in: ["S0GONE", "S0SRE"])
        #expect(!missing.listed)
        #expect(missing.unresolved.map(\.group) == ["S0GONE"])
    }
}
