import DeployCore
import Foundation
import Testing

@Suite("FluxRevision")
struct FluxRevisionTests {
    let sha = "5394cb7f48332b2de7c17dd8b8384bbc84b7e738"

    @Test func parsesEveryForm() throws {
        let v2 = try #require(FluxRevision("main@sha1:\(sha)"))
        #expect(v2.reference == "main")
        #expect(v2.algorithm == "sha1")
        #expect(v2.digest == sha)
        #expect(v2.description == "main@sha1:\(sha)")

        let legacy = try #require(FluxRevision("main/\(sha)"))
        #expect(legacy == v2)

        let nested = try #require(FluxRevision("release/1.2@sha1:\(sha)"))
        #expect(nested.reference == "release/1.2")
        #expect(FluxRevision("release/1.2/\(sha)")?.reference == "release/1.2")

        #expect(FluxRevision(sha) == FluxRevision(reference: nil, digest: sha))
        #expect(FluxRevision("sha1:\(sha)")?.digest == sha)
        #expect(FluxRevision(sha.uppercased())?.digest == sha)
        #expect(FluxRevision("main@sha256:abcdef0123")?.algorithm == "sha256")
    }

    @Test func rejectsNonRevisions() {
        #expect(FluxRevision("") == nil)
        #expect(FluxRevision("main") == nil)
        #expect(FluxRevision("main@sha1:") == nil)
        #expect(FluxRevision("main@sha1:xyz") == nil)
    }

    @Test func matchesFullAndAbbreviatedCommits() throws {
        let revision = try #require(FluxRevision("main@sha1:\(sha)"))
        #expect(revision.matches(commit: sha))
        #expect(revision.matches(commit: sha.uppercased()))
        #expect(revision.matches(commit: "5394cb7"))
        #expect(revision.matches(commit: "main/\(sha)"))
        #expect(!revision.matches(commit: "5394cb"))  // too short to be sure
        #expect(!revision.matches(commit: "1111111111111111111111111111111111111111"))
        #expect(FluxRevision.sameCommit("main/\(sha)", "main@sha1:\(sha)"))
        #expect(!FluxRevision.sameCommit(nil, sha))
    }

    @Test func timestampsFormatWithNanosecondsAndParse() throws {
        let date = Date(timeIntervalSince1970: 1_795_168_800.25)
        #expect(K8s.Timestamp.format(date, fractionDigits: 9) == "2026-11-20T10:00:00.250000000Z")
        #expect(K8s.Timestamp.format(date) == "2026-11-20T10:00:00Z")
        #expect(K8s.Timestamp.parse("2026-11-20T10:01:09Z") == Date(timeIntervalSince1970: 1_795_168_869))
        #expect(K8s.Timestamp.parse("2026-11-20T11:01:09+01:00") == Date(timeIntervalSince1970: 1_795_168_869))
        let parsed = try #require(K8s.Timestamp.parse("2026-11-20T10:00:00.123456789Z"))
        #expect(abs(parsed.timeIntervalSince1970 - 1_795_168_800.123_456_789) < 1e-6)
        #expect(K8s.Timestamp.parse("2026-11-20 10:00:00") == nil)
        #expect(K8s.Timestamp.format(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00Z")
    }
}
