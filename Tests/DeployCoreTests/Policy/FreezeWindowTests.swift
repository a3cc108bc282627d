import DeployCore
import Foundation
import Testing

/// `2026-03-29T03:00+02:00` or `…Z`: an instant written with its UTC offset, as a person in that zone reads it.
func instant(_ text: String) -> Date {
    let head = text.prefix(16)
    let tail = text.dropFirst(16)
    let fields = head.split(whereSeparator: { "-T:".contains($0) }).map { Int($0)! }
    var utc = Calendar(identifier: .gregorian)
    utc.timeZone = TimeZone(identifier: "UTC")!
    let wall = utc.date(
        from: DateComponents(year: fields[0], month: fields[1], day: fields[2], hour: fields[3], minute: fields[4]))!
    if tail == "Z" { return wall }
    let sign: TimeInterval = tail.first == "-" ? -1 : 1
    let offset = tail.dropFirst().split(separator: ":").map { TimeInterval(Int($0)!) }
    return wall.addingTimeInterval(-sign * (offset[0] * 3_600 + offset[1] * 60))
}

func window(_ from: String, _ to: String, _ zone: String, _ reason: String = "weekend") throws -> FreezeWindow {
    try FreezeWindow.parse(from: from, to: to, timeZone: zone, reason: reason)
}

@Suite struct FreezeWindowTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var from: String
        var to: String
        var zone: String
        var at: String
        /// When the freeze in force at `at` ends, nil for none in force.
        var endsAt: String?
        var testDescription: String { name }
    }

    @Test(arguments: [
        // A weekend in Berlin, in winter time.
        Case(
            name: "start included", from: "fri 15:00", to: "mon 08:00", zone: "Europe/Berlin",
            at: "2026-12-04T15:00+01:00", endsAt: "2026-12-07T08:00+01:00"),
        Case(
            name: "a minute before", from: "fri 15:00", to: "mon 08:00", zone: "Europe/Berlin",
            at: "2026-12-04T14:59+01:00", endsAt: nil),
        Case(
            name: "inside, read in UTC", from: "fri 15:00", to: "mon 08:00", zone: "Europe/Berlin",
            at: "2026-12-04T14:30Z", endsAt: "2026-12-07T07:00Z"),
        Case(
            name: "sunday night", from: "fri 15:00", to: "mon 08:00", zone: "Europe/Berlin",
            at: "2026-12-06T23:59+01:00", endsAt: "2026-12-07T08:00+01:00"),
        Case(
            name: "end excluded", from: "fri 15:00", to: "mon 08:00", zone: "Europe/Berlin",
            at: "2026-12-07T08:00+01:00", endsAt: nil),
        Case(
            name: "midweek", from: "fri 15:00", to: "mon 08:00", zone: "Europe/Berlin",
            at: "2026-12-09T12:00+01:00", endsAt: nil),
        // Week wrap in New York: Saturday night to Monday morning.
        Case(
            name: "week wrap", from: "sat 22:00", to: "mon 06:00", zone: "America/New_York",
            at: "2026-12-06T12:00-05:00", endsAt: "2026-12-07T06:00-05:00"),
        Case(
            name: "week wrap, monday after", from: "sat 22:00", to: "mon 06:00", zone: "America/New_York",
            at: "2026-12-07T06:30-05:00", endsAt: nil),
        // Across midnight in a half-hour zone.
        Case(
            name: "across midnight", from: "wed 22:00", to: "thu 02:00", zone: "Asia/Kolkata",
            at: "2026-12-03T01:30+05:30", endsAt: "2026-12-03T02:00+05:30"),
        Case(
            name: "across midnight, before", from: "wed 22:00", to: "thu 02:00", zone: "Asia/Kolkata",
            at: "2026-12-02T21:59+05:30", endsAt: nil),
        Case(
            name: "across midnight, the same instant in UTC", from: "wed 22:00", to: "thu 02:00",
            zone: "Asia/Kolkata", at: "2026-12-02T16:30Z", endsAt: "2026-12-02T20:30Z"),
        // Southern hemisphere summer time.
        Case(
            name: "Auckland weekend", from: "fri 17:00", to: "mon 09:00", zone: "Pacific/Auckland",
            at: "2026-12-05T10:00+13:00", endsAt: "2026-12-07T09:00+13:00"),
        // The window is longer than a week's half: to is earlier in the week than from.
        Case(
            name: "long window", from: "tue 00:00", to: "mon 00:00", zone: "UTC",
            at: "2026-12-06T12:00Z", endsAt: "2026-12-07T00:00Z"),
        // Berlin spring forward, Sunday 29 March 2026: 02:00 CET becomes 03:00 CEST.
        Case(
            name: "start skipped by spring forward starts when the gap ends", from: "sun 02:30", to: "sun 04:00",
            zone: "Europe/Berlin", at: "2026-03-29T01:00Z", endsAt: "2026-03-29T04:00+02:00"),
        Case(
            name: "…and not before", from: "sun 02:30", to: "sun 04:00", zone: "Europe/Berlin",
            at: "2026-03-29T00:59Z", endsAt: nil),
        Case(
            name: "the same window a week earlier", from: "sun 02:30", to: "sun 04:00", zone: "Europe/Berlin",
            at: "2026-03-22T02:30+01:00", endsAt: "2026-03-22T04:00+01:00"),
        Case(
            name: "window over spring forward keeps its wall end", from: "sat 22:00", to: "sun 06:00",
            zone: "Europe/Berlin", at: "2026-03-29T03:59Z", endsAt: "2026-03-29T06:00+02:00"),
        // Berlin fall back, Sunday 25 October 2026: 03:00 CEST becomes 02:00 CET; 02:30 happens twice.
        Case(
            name: "repeated start is the first 02:30", from: "sun 02:30", to: "sun 05:00", zone: "Europe/Berlin",
            at: "2026-10-25T02:30+02:00", endsAt: "2026-10-25T05:00+01:00"),
        Case(
            name: "…and not before it", from: "sun 02:30", to: "sun 05:00", zone: "Europe/Berlin",
            at: "2026-10-25T02:29+02:00", endsAt: nil),
        Case(
            name: "repeated end is the first 02:30", from: "sun 00:00", to: "sun 02:30", zone: "Europe/Berlin",
            at: "2026-10-25T02:29+02:00", endsAt: "2026-10-25T02:30+02:00"),
        Case(
            name: "the second 02:15 is after the end", from: "sun 00:00", to: "sun 02:30", zone: "Europe/Berlin",
            at: "2026-10-25T02:15+01:00", endsAt: nil),
        // New York, spring forward 8 March 2026 (02:00 EST → 03:00 EDT), fall back 1 November (02:00 EDT → 01:00).
        Case(
            name: "end skipped by spring forward ends when the gap ends", from: "sun 01:30", to: "sun 02:30",
            zone: "America/New_York", at: "2026-03-08T06:59Z", endsAt: "2026-03-08T03:00-04:00"),
        Case(
            name: "…so 03:00 EDT is free", from: "sun 01:30", to: "sun 02:30", zone: "America/New_York",
            at: "2026-03-08T03:00-04:00", endsAt: nil),
        Case(
            name: "window over fall back lasts an hour longer", from: "sun 01:30", to: "sun 04:00",
            zone: "America/New_York", at: "2026-11-01T01:15-05:00", endsAt: "2026-11-01T04:00-05:00"),
        // Auckland: summer time ends 5 April 2026 (03:00 NZDT → 02:00 NZST), starts 27 September (02:00 → 03:00).
        Case(
            name: "Auckland fall back", from: "sun 02:30", to: "sun 03:30", zone: "Pacific/Auckland",
            at: "2026-04-05T02:45+12:00", endsAt: "2026-04-05T03:30+12:00"),
        Case(
            name: "Auckland spring forward", from: "sun 02:15", to: "sun 05:00", zone: "Pacific/Auckland",
            at: "2026-09-27T03:00+13:00", endsAt: "2026-09-27T05:00+13:00"),
        Case(
            name: "Auckland spring forward, the last instant before", from: "sun 02:15", to: "sun 05:00",
            zone: "Pacific/Auckland", at: "2026-09-26T13:59Z", endsAt: nil),
    ])
    func freezeInForce(_ c: Case) throws {
        let calendar = FreezeCalendar(environment: "prod", windows: [try window(c.from, c.to, c.zone)])
        let active = calendar.activeFreeze(at: instant(c.at))
        #expect(active?.endsAt == c.endsAt.map(instant))
        if c.endsAt != nil {
            #expect(active?.source == .weekly)
            #expect(active?.reason == "weekend")
            #expect(active?.timeZone == TimeZone(identifier: c.zone)?.identifier)
        }
    }

    @Test func windowInsideASpringForwardGapNeverHappensThatWeek() throws {
        let gap = try window("sun 02:10", "sun 02:50", "Europe/Berlin")
        #expect(
            gap.occurrences(startingFrom: instant("2026-03-28T00:00Z"), through: instant("2026-03-30T00:00Z")).isEmpty)
        #expect(
            gap.occurrences(startingFrom: instant("2026-03-21T00:00Z"), through: instant("2026-03-23T00:00Z")).count
                == 1)
    }

    @Test func touchingWindowsChainIntoOneFreeze() throws {
        let calendar = FreezeCalendar(
            environment: "prod",
            windows: [
                try window("fri 15:00", "sat 00:00", "Europe/Berlin", "friday release stop"),
                try window("sat 00:00", "mon 08:00", "Europe/Berlin", "weekend"),
            ])
        let active = try #require(calendar.activeFreeze(at: instant("2026-12-04T16:00+01:00")))
        #expect(active.reason == "friday release stop")
        #expect(active.startsAt == instant("2026-12-04T15:00+01:00"))
        #expect(active.endsAt == instant("2026-12-07T08:00+01:00"))
    }

    @Test func windowsInDifferentZonesOverlap() throws {
        // 17:00 in New York is 23:00 in Berlin: the Berlin window runs on into the New York one.
        let calendar = FreezeCalendar(
            environment: "prod",
            windows: [
                try window("fri 18:00", "fri 23:30", "Europe/Berlin", "berlin"),
                try window("fri 17:00", "fri 20:00", "America/New_York", "new york"),
            ])
        let active = try #require(calendar.activeFreeze(at: instant("2026-12-04T18:30+01:00")))
        #expect(active.reason == "berlin")
        #expect(active.endsAt == instant("2026-12-04T20:00-05:00"))
    }

    @Test func adHocFreezesChainWithWeeklyWindowsAndNameWhoSetThem() throws {
        let weekend = try window("fri 15:00", "mon 08:00", "Europe/Berlin")
        let before = AdHocFreeze(
            scope: .environment("prod"), endsAt: instant("2026-12-04T15:00+01:00"), reason: "incident",
            by: "U0ALICE", createdAt: instant("2026-12-04T12:00+01:00"))
        let after = AdHocFreeze(
            scope: .all, endsAt: instant("2026-12-07T10:00+01:00"), reason: "audit", by: "U0BOB",
            createdAt: instant("2026-12-07T07:00+01:00"))
        let elsewhere = AdHocFreeze(
            scope: .environment("staging"), endsAt: instant("2026-12-10T00:00+01:00"), reason: "staging only",
            by: "U0CAROL", createdAt: instant("2026-12-03T00:00+01:00"))
        let calendar = FreezeCalendar(environment: "prod", windows: [weekend], adHoc: [before, after, elsewhere])

        let incident = try #require(calendar.activeFreeze(at: instant("2026-12-04T13:00+01:00")))
        #expect(incident.source == .adHoc)
        #expect(incident.by == "U0ALICE")
        #expect(incident.reason == "incident")
        #expect(incident.endsAt == instant("2026-12-07T10:00+01:00"))

        let monday = try #require(calendar.activeFreeze(at: instant("2026-12-07T07:30+01:00")))
        #expect(monday.reason == "audit")  // the one lasting longest names it
        #expect(monday.endsAt == instant("2026-12-07T10:00+01:00"))

        #expect(calendar.activeFreeze(at: instant("2026-12-03T12:00+01:00")) == nil)
        #expect(calendar.adHoc.count == 2)
    }

    @Test func adHocFreezeIsNotInForceBeforeItWasSetNorAtItsEnd() {
        let freeze = AdHocFreeze(
            scope: .all, endsAt: instant("2026-12-03T12:00Z"), reason: "r", by: "U0ALICE",
            createdAt: instant("2026-12-03T10:00Z"))
        let calendar = FreezeCalendar(environment: "prod", windows: [], adHoc: [freeze])
        #expect(calendar.activeFreeze(at: instant("2026-12-03T09:59Z")) == nil)
        #expect(calendar.activeFreeze(at: instant("2026-12-03T10:00Z"))?.endsAt == instant("2026-12-03T12:00Z"))
        #expect(calendar.activeFreeze(at: instant("2026-12-03T12:00Z")) == nil)
    }

    @Test func nextFreezeIsTheNextWindowAfterTheOneInForce() throws {
        let calendar = FreezeCalendar(
            environment: "prod", windows: [try window("fri 15:00", "mon 08:00", "Europe/Berlin")])
        let fromThursday = try #require(calendar.nextFreeze(after: instant("2026-12-03T12:00+01:00")))
        #expect(fromThursday.startsAt == instant("2026-12-04T15:00+01:00"))
        #expect(fromThursday.endsAt == instant("2026-12-07T08:00+01:00"))
        let fromSaturday = try #require(calendar.nextFreeze(after: instant("2026-12-05T12:00+01:00")))
        #expect(fromSaturday.startsAt == instant("2026-12-11T15:00+01:00"))
        #expect(FreezeCalendar(environment: "prod", windows: []).nextFreeze(after: Date()) == nil)
    }

    @Test func windowsCoveringTheWholeWeekEndAtTheHorizon() throws {
        let calendar = FreezeCalendar(
            environment: "prod",
            windows: [
                try window("mon 00:00", "thu 00:00", "UTC", "first half"),
                try window("thu 00:00", "mon 00:00", "UTC", "second half"),
            ])
        let now = instant("2026-12-03T12:00Z")
        let active = try #require(calendar.activeFreeze(at: now))
        #expect(active.endsAt >= now.addingTimeInterval(FreezeCalendar.horizon))
    }

    @Test(arguments: [
        ("fre 15:00", "mon 08:00", "Europe/Berlin", "from", "unknown weekday \"fre\" (did you mean \"fri\"?)"),
        ("fri 15:00", "mon 8", "Europe/Berlin", "to", "bad time \"8\""),
        ("fri 25:00", "mon 08:00", "Europe/Berlin", "from", "bad time \"25:00\""),
        ("fri 15:60", "mon 08:00", "Europe/Berlin", "from", "bad time \"15:60\""),
        ("friday", "mon 08:00", "Europe/Berlin", "from", "must be a weekday and a 24-hour time"),
        (
            "fri 15:00", "mon 08:00", "Europe/Berlln", "timeZone",
            "unknown time zone \"Europe/Berlln\" (did you mean \"Europe/Berlin\"?)"
        ),
        ("fri 15:00", "mon 08:00", "", "timeZone", "unknown time zone \"\""),
        ("fri 15:00", "Friday 15:00", "UTC", "to", "is the same time as from"),
    ])
    func badWindowsSayWhichFieldAndWhy(from: String, to: String, zone: String, field: String, problem: String) {
        #expect {
            try window(from, to, zone)
        } throws: { error in
            guard let error = error as? FreezeWindowError else { return false }
            return error.field == field && error.problem.contains(problem)
        }
    }

    @Test func fullNamesAndCaseAreAccepted() throws {
        let w = try window("Friday 9:05", "MON 08:00", "Asia/Kolkata")
        #expect(w.from == WeeklyTime(weekday: .fri, hour: 9, minute: 5))
        #expect(w.from.description == "fri 09:05")
    }
}
