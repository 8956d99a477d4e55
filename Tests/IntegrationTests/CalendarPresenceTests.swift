import Domain
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Storage
import Synchronization
import Testing

@testable import Server

/// Calendar presence (issue 21) end to end: a real Radicale started by the test, events PUT over CalDAV, the server's
/// refresher reading them, and a test clock moved across the events' start and end.
@Suite("Calendar presence", .serialized)
struct CalendarPresenceTests {
    /// The clock the refresher and the presence views read; the test moves it and wakes the refresher.
    final class TestClock: Sendable {
        private let time: Mutex<Date>
        init(_ start: Date) { time = Mutex(start) }
        func now() -> Date { time.withLock { $0 } }
        func set(_ date: Date) { time.withLock { $0 = date } }
    }

    static func date(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    /// Monday 2 March 2026, 09:00 UTC.
    static let start = date("2026-03-02T09:00:00Z")

    /// One company with a domain whose users' calendars are on Radicale: alice and erin (group Commerce) share theirs
    /// with bob; carol has no calendar right; dave is of another company.
    struct World: Sendable {
        let client: any TestClientProtocol
        let server: TWSServer
        let clock: TestClock
        let radicale: RadicaleServer
        let adminToken: String
        let companyId: Int64
        let domainId: Int64
        let ids: [String: Int64]
        let tokens: [String: String]

        func id(_ name: String) -> Int64 { ids[name]! }
        func token(_ name: String) -> String { tokens[name]! }

        /// Moves the clock and lets the refresher see it.
        func move(to text: String) {
            clock.set(CalendarPresenceTests.date(text))
            server.calendarRefresher.wake()
        }

        /// `viewer`'s view of `owner`'s calendar presence (the JSON object), or nil when not listed.
        func view(_ viewer: String, of owner: String) async throws -> [String: Any]? {
            let response = try await client.get("/api/v1/telephony/calendar-presence", token: token(viewer))
            #expect(response.status == .ok, "\(response.text)")
            let list = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [[String: Any]])
            return list.first { $0.int64("userId") == id(owner) }
        }

        /// Waits until `viewer` sees `owner` in `state` (with `subject` when given).
        func expect(_ viewer: String, sees owner: String, _ state: String, subject: String?? = nil, sourceLocation: SourceLocation = #_sourceLocation)
            async throws
        {
            try await eventually("\(viewer) sees \(owner) \(state)", sourceLocation: sourceLocation) {
                guard let view = try await self.view(viewer, of: owner), view.string("state") == state else { return false }
                if let subject { return view.string("subject") == subject }
                return true
            }
        }

        /// The calendar-presence events pushed to `user` so far.
        func pushed(_ user: String) async throws -> [CalendarPresence] {
            let filter = PushAudienceFilter(userId: id(user), domainId: domainId, visibleDevices: [])
            let result = try await server.bus.poll(domainId: domainId, after: 0, filter: filter, timeout: .zero)
            return result.events.compactMap(\.calendarPresence)
        }

        func connect(refreshSeconds: Int = 300) async throws {
            let body = jsonObject([
                "serverURL": radicale.baseURL, "username": radicale.username, "password": radicale.password, "refreshSeconds": refreshSeconds,
                "timeZone": "UTC",
            ])
            let response = try await client.must(.put, "/api/v1/admin/domains/\(domainId)/calendar-connection", token: adminToken, json: body)
            #expect(!response.text.contains(radicale.password))
            let passes = server.calendarRefresher.passes.count
            try await eventually("a first read of the calendars") { server.calendarRefresher.passes.count > passes }
        }
    }

    static func run(_ test: @Sendable (World) async throws -> Void) async throws {
        let radicale = try RadicaleServer()
        defer { radicale.stop() }
        let clock = TestClock(start)
        var configuration = TWSTestApp.configuration()
        configuration.calendarTimeoutSeconds = 3
        var logger = Logger(label: "calendar-tests")
        logger.logLevel = .critical
        let server = try await buildServer(
            configuration: configuration,
            database: try AppDatabase.inMemory(),
            logger: logger,
            options: ServerOptions(
                connectsLinks: false,
                schedulesSynchronisations: false,
                calendarClock: { clock.now() },
                calendarMaxSleep: .milliseconds(200)
            )
        )
        try await server.running(logger: logger) {
            try await server.api.test(.router) { client in
                let superToken = try await client.superUserToken()
                let companyId = try await client.createCompany("Calendar Co", token: superToken)
                let domainId = try await client.createDomain(companyId: companyId, name: "paris", token: superToken)
                var ids: [String: Int64] = [:]
                var tokens: [String: String] = [:]
                for (index, name) in ["alice", "erin", "bob", "carol"].enumerated() {
                    let id = try await client.create(
                        "/api/v1/admin/domains/\(domainId)/users",
                        token: superToken,
                        json: jsonObject([
                            "username": name, "firstName": name.capitalized, "lastName": "Test", "email": "\(name)@example.com", "password": "secret-\(name)-pw",
                        ])
                    )
                    ids[name] = id
                    try await client.grantUserApplication(userId: id, token: superToken)
                    try await client.must(
                        .post, "/api/v1/admin/users/\(id)/devices", token: superToken, json: #"{"number":"100\#(index + 1)","lineCount":1}"#, answer: .created
                    )
                    tokens[name] = try await client.userLogin(username: name, password: "secret-\(name)-pw")
                    if name != "bob" && name != "carol" { try radicale.makeCalendar("\(name)@example.com") }
                }
                // Commerce (alice, erin) shares its calendars with bob (admin guide 7.4.3).
                let commerce = try await client.createGroup(domainId: domainId, name: "Commerce", token: superToken)
                for name in ["alice", "erin"] { _ = try await client.addMember(groupId: commerce, userId: ids[name]!, token: superToken) }
                try await client.grant("calendar", commerce, objectKind: "group", to: "user", ids["bob"]!, token: superToken)
                // Another company, whose user dave shares nothing with anyone here.
                let other = try await client.createCompany("Other Co", token: superToken)
                let otherDomain = try await client.createDomain(companyId: other, name: "nice", token: superToken)
                let dave = try await client.createUser(domainId: otherDomain, username: "dave", password: "secret-dave-pw", token: superToken)
                try await client.grantUserApplication(userId: dave, token: superToken)
                ids["dave"] = dave
                tokens["dave"] = try await client.userLogin(company: "Other Co", username: "dave", password: "secret-dave-pw")
                try await test(
                    World(
                        client: client,
                        server: server,
                        clock: clock,
                        radicale: radicale,
                        adminToken: superToken,
                        companyId: companyId,
                        domainId: domainId,
                        ids: ids,
                        tokens: tokens
                    )
                )
            }
        }
    }

    @Test func presenceChangesAtEventsStartAndEndWithTheSubjectAsDisplayCalendarSummaryAllowsAndIsPushed() async throws {
        try await Self.run { w in
            try w.radicale.put("alice@example.com", uid: "budget", ["DTSTART:20260302T100000Z", "DTEND:20260302T110000Z", "SUMMARY:Budget review"])
            // Erin is away all day; a daily stand-up since February at 15:00.
            try w.radicale.put("erin@example.com", uid: "seminar", ["DTSTART;VALUE=DATE:20260302", "DTEND;VALUE=DATE:20260303", "SUMMARY:Seminar"])
            try w.radicale.put(
                "alice@example.com",
                uid: "standup",
                ["DTSTART;TZID=Europe/Paris:20260201T160000", "DTEND;TZID=Europe/Paris:20260201T163000", "RRULE:FREQ=DAILY", "SUMMARY:Stand-up"]
            )
            try await w.connect()
            try await w.expect("bob", sees: "alice", "free")
            let seminar = try #require(try await w.view("bob", of: "erin"))
            #expect(seminar.string("state") == "busy" && seminar.bool("allDay") == true && seminar.string("subject") == "Seminar")
            #expect(seminar.string("until") == "2026-03-03T00:00:00Z")

            // 10:00: the meeting begins, seen at its time (no new read of the calendar: refreshes are 5 minutes apart).
            let reads = w.server.calendarRefresher.passes.count
            w.move(to: "2026-03-02T10:00:00Z")
            try await w.expect("bob", sees: "alice", "busy", subject: "Budget review")
            let meeting = try #require(try await w.view("bob", of: "alice"))
            #expect(meeting.string("until") == "2026-03-02T11:00:00Z" && meeting.bool("isPrivate") == false)
            #expect(w.server.calendarRefresher.passes.count == reads)
            // Pushed to bob and to alice herself, not to carol (no calendar right).
            try await eventually("bob told") { try await w.pushed("bob").contains { $0.userId == w.id("alice") && $0.state == .busy } }
            #expect(try await w.pushed("alice").contains { $0.userId == w.id("alice") && $0.subject == "Budget review" })
            #expect(try await w.pushed("carol").allSatisfy { $0.userId != w.id("alice") })
            let one = try await w.client.get("/api/v1/telephony/calendar-presence/\(w.id("alice"))", token: w.token("bob"))
            #expect(one.status == .ok)
            #expect(try one.json().string("subject") == "Budget review")
            // The SOAP twin answers the same.
            let soap = try await w.client.soap("<tws:GetCalendarPresence/>", token: w.token("bob"))
            #expect(soap.status == .ok, "\(soap.text)")
            #expect(soap.text.contains("<tws:userId>\(w.id("alice"))</tws:userId><tws:state>busy</tws:state><tws:until>2026-03-02T11:00:00Z</tws:until><tws:subject>Budget review</tws:subject>"))

            // DisplayCalendarSummary off for bob: busy until 11:00, no subject.
            try await w.client.must(
                .put, "/api/v1/admin/parameter-values/user/\(w.id("bob"))/System/DisplayCalendarSummary", token: w.adminToken, json: #"{"value":"false"}"#
            )
            let bare = try #require(try await w.view("bob", of: "alice"))
            #expect(bare.string("state") == "busy" && bare.string("subject") == nil && bare.string("until") == "2026-03-02T11:00:00Z")

            // 11:00: it ends.
            w.move(to: "2026-03-02T11:00:00Z")
            try await w.expect("bob", sees: "alice", "free")
            try await eventually("bob told it ended") { try await w.pushed("bob").last { $0.userId == w.id("alice") }?.state == .free }

            // 15:10 UTC is 16:10 in Paris: in the recurring stand-up, until 15:30 UTC.
            w.move(to: "2026-03-02T15:10:00Z")
            try await w.expect("alice", sees: "alice", "busy", subject: "Stand-up")
            #expect(try await w.view("alice", of: "alice")?.string("until") == "2026-03-02T15:30:00Z")
            try await w.expect("bob", sees: "alice", "busy")
        }
    }

    @Test func privateEventsAreHiddenFromOthersUnlessDisplayCalendarPrivate() async throws {
        try await Self.run { w in
            try w.radicale.put(
                "alice@example.com",
                uid: "doctor",
                ["DTSTART:20260302T120000Z", "DTEND:20260302T130000Z", "SUMMARY:Doctor", "CLASS:PRIVATE"]
            )
            try w.radicale.put("alice@example.com", uid: "free-time", ["DTSTART:20260302T140000Z", "DTEND:20260302T150000Z", "TRANSP:TRANSPARENT"])
            try w.radicale.put("alice@example.com", uid: "cancelled", ["DTSTART:20260302T160000Z", "DTEND:20260302T170000Z", "STATUS:CANCELLED"])
            try await w.connect()
            w.move(to: "2026-03-02T12:30:00Z")
            // Alice sees her own private event; bob does not even see that she is busy.
            try await w.expect("alice", sees: "alice", "busy", subject: "Doctor")
            #expect(try await w.view("alice", of: "alice")?.bool("isPrivate") == true)
            #expect(try await w.view("bob", of: "alice")?.string("state") == "free")
            try await eventually("alice told") { try await w.pushed("alice").contains { $0.state == .busy } }
            #expect(try await w.pushed("bob").allSatisfy { $0.state != .busy })

            // DisplayCalendarPrivate on for alice: bob sees the private event like a normal one.
            try await w.client.must(
                .put, "/api/v1/admin/parameter-values/user/\(w.id("alice"))/System/DisplayCalendarPrivate", token: w.adminToken, json: #"{"value":"true"}"#
            )
            let shown = try #require(try await w.view("bob", of: "alice"))
            #expect(shown.string("state") == "busy" && shown.bool("isPrivate") == true && shown.string("until") == "2026-03-02T13:00:00Z")

            // Free time and a cancelled event make nobody busy.
            for time in ["2026-03-02T14:30:00Z", "2026-03-02T16:30:00Z"] {
                w.move(to: time)
                try await w.expect("alice", sees: "alice", "free")
            }
        }
    }

    @Test func onlyViewersWithTheCalendarRightSeeTheCalendarAndAnotherCompanyNever() async throws {
        try await Self.run { w in
            try w.radicale.put("alice@example.com", uid: "budget", ["DTSTART:20260302T080000Z", "DTEND:20260302T100000Z", "SUMMARY:Budget review"])
            try await w.connect()
            try await w.expect("bob", sees: "alice", "busy", subject: "Budget review")
            // Carol has no calendar authorization: only her own (unmapped? no: she has an e-mail but no calendar: unknown).
            let carol = try await w.client.get("/api/v1/telephony/calendar-presence", token: w.token("carol"))
            let carolList = try #require(try JSONSerialization.jsonObject(with: Data(buffer: carol.body)) as? [[String: Any]])
            #expect(carolList.compactMap { $0.int64("userId") } == [w.id("carol")])
            expectProblem(try await w.client.get("/api/v1/telephony/calendar-presence/\(w.id("alice"))", token: w.token("carol")), .notFound, "not_found")
            // The other company's user sees nothing of this one, and alice's id answers 404 like a missing one.
            let dave = try await w.client.get("/api/v1/telephony/calendar-presence", token: w.token("dave"))
            #expect(!dave.text.contains("\"userId\":\(w.id("alice"))") && !dave.text.contains("Budget"))
            expectProblem(try await w.client.get("/api/v1/telephony/calendar-presence/\(w.id("alice"))", token: w.token("dave")), .notFound, "not_found")
            // AuthorizedCalendarPresences off for bob: the right alone no longer shows colleagues' calendars.
            try await w.client.must(
                .put, "/api/v1/admin/parameter-values/user/\(w.id("bob"))/Caller/AuthorizedCalendarPresences", token: w.adminToken,
                json: #"{"value":"false"}"#
            )
            #expect(try await w.view("bob", of: "alice") == nil)
            #expect(try await w.view("bob", of: "bob")?.string("state") == "unknown")
            // The rules' calendar condition: alice's rule "in a calendar event" fires while she is in one.
            let rule = try await w.server.database.write { [companyId = w.companyId, domainId = w.domainId, alice = w.id("alice")] tx in
                try tx.insert(
                    ForwardingRule(
                        companyId: companyId,
                        domainId: domainId,
                        owner: .user(alice),
                        imposed: false,
                        name: "Meetings to voicemail",
                        kind: .advanced,
                        active: true,
                        priority: 1,
                        source: .user,
                        action: RuleAction(type: .immediate, destination: .number("0611111111")),
                        conditions: RuleConditions(presence: [.calendar]),
                        updatedAt: Date()
                    )
                )
            }
            let fires = try await w.client.post("/api/v1/rules/test", token: w.token("alice"), json: #"{"callerNumber":"1004","time":"2026-03-02T09:30:00Z"}"#)
            #expect(fires.status == .ok, "\(fires.text)")
            #expect(try fires.json().object("rule")?.int64("ruleId") == rule.id && (try fires.json().object("rule")?.string("outcome")) == "fired")
            let after = try await w.client.post("/api/v1/rules/test", token: w.token("alice"), json: #"{"callerNumber":"1004","time":"2026-03-02T10:30:00Z"}"#)
            #expect(try after.json().object("rule")?.string("outcome") != "fired", "\(after.text)")
        }
    }

    @Test func aServerThatIsDownMakesPresenceUnknownUntilItIsBack() async throws {
        try await Self.run { w in
            try w.radicale.put("alice@example.com", uid: "budget", ["DTSTART:20260302T080000Z", "DTEND:20260302T100000Z", "SUMMARY:Budget review"])
            try await w.connect()
            try await w.expect("bob", sees: "alice", "busy")
            w.radicale.down()
            // The next read (forced: the clock need not pass 5 minutes) finds it down.
            w.server.calendarRefresher.refreshAll()
            try await w.expect("bob", sees: "alice", "unknown")
            #expect(try await w.view("bob", of: "alice")?.string("reason") == "unreachable")
            try await eventually("bob told") { try await w.pushed("bob").last { $0.userId == w.id("alice") }?.state == .unknown }
            try w.radicale.start()
            w.server.calendarRefresher.refreshAll()
            try await w.expect("bob", sees: "alice", "busy", subject: "Budget review")
        }
    }

    @Test func theConnectionsPasswordIsNeverAnsweredAndBadInputIsRefused() async throws {
        try await Self.run { w in
            let uri = "/api/v1/admin/domains/\(w.domainId)/calendar-connection"
            expectProblem(try await w.client.get(uri, token: w.adminToken), .notFound, "not_found")
            #expect(try await w.view("alice", of: "alice")?.string("reason") == "not_configured")
            try await w.connect()
            let shown = try await w.client.must(.get, uri, token: w.adminToken).json()
            #expect(shown.string("password") == "********" && shown.string("username") == w.radicale.username)
            #expect(shown.string("calendarURLTemplate") == "{base}/{email}/calendar/")
            // Sending the masked value back keeps the password: the calendars are still read.
            try await w.client.must(.put, uri, token: w.adminToken, json: jsonObject(["serverURL": w.radicale.baseURL, "password": "********"]))
            w.server.calendarRefresher.refreshAll()
            try await w.expect("alice", sees: "alice", "free")
            for (body, field) in [
                (#"{"serverURL":"ftp://cal.example.com"}"#, "serverURL"), (#"{"serverURL":"http://user:pw@cal.example.com"}"#, "serverURL"),
                (#"{"serverURL":"http://cal.example.com","calendarURLTemplate":"{base}/shared/"}"#, "calendarURLTemplate"),
                (#"{"serverURL":"http://cal.example.com","calendarURLTemplate":"file:///{email}"}"#, "calendarURLTemplate"),
            ] {
                expectProblem(try await w.client.put(uri, token: w.adminToken, json: body), .badRequest, "invalid_field", field: field, body)
            }
            expectProblem(
                try await w.client.put(uri, token: w.adminToken, json: #"{"serverURL":"http://cal.example.com","timeZone":"Mars/Olympus"}"#),
                .unprocessableContent, "unknown_time_zone", field: "timeZone"
            )
            // Removed: presence is unknown again.
            try await w.client.must(.delete, uri, token: w.adminToken, answer: .noContent)
            try await eventually("not configured") { try await w.view("alice", of: "alice")?.string("reason") == "not_configured" }
        }
    }
}
