import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Telephony
import Testing

@testable import Server

/// Call statistics through the real server and the PBX simulator (issue 21): figures of calls made, by day and by
/// hour, who may see whose (rights granted in reverse, admin guide 7.4), CSV, the SOAP twin, and retention.
@Suite("Statistics API", .serialized)
struct StatisticsAPITests {
    static let external = "0472000000"

    /// Today, and the days either side (UTC, the test domain's time zone): a range that holds today's calls even if
    /// the test crosses midnight.
    static var range: (from: String, to: String, today: String) {
        let day = StatisticsDay(Date(), in: TimeZone(identifier: "UTC")!)
        return (day.adding(days: -1).description, day.adding(days: 1).description, day.description)
    }

    static func path(_ extra: String = "", granularity: String = "day") -> String {
        "/api/v1/statistics?from=\(range.from)&to=\(range.to)&granularity=\(granularity)\(extra)"
    }

    /// Licences of Stats and Stats Admin; bob holds Stats, carol Stats Admin with a statistics right on the group
    /// "Sales" (alice and bob); dave holds Stats and no right.
    static func grantRights(_ w: TelephonyWorld) async throws -> Int64 {
        let c = w.client
        for application in ["Stats", "StatsAdmin"] {
            try await c.must(.put, "/api/v1/admin/licences/\(application)?companyId=\(w.companyId)", token: w.adminToken, json: #"{"available":10}"#)
        }
        for user in ["bob", "dave", "alice"] {
            #expect(try await c.grantApplication("Stats", granteeType: "user", granteeId: w.userId(user), token: w.adminToken).status == .created)
        }
        #expect(try await c.grantApplication("StatsAdmin", granteeType: "user", granteeId: w.userId("carol"), token: w.adminToken).status == .created)
        let sales = try await c.createGroup(domainId: w.domainId, name: "Sales", token: w.adminToken)
        for user in ["alice", "bob"] {
            try await c.must(.put, "/api/v1/admin/groups/\(sales)/members/\(w.userId(user))", token: w.adminToken, answer: .noContent)
        }
        // Reversed (admin guide 7.4, 9.4.2): carol is the grantee who sees, the group is the object seen.
        try await c.grant("statistics", sales, objectKind: "group", to: "user", w.userId("carol"), token: w.adminToken)
        return sales
    }

    /// alice calls bob, bob answers, they talk, alice hangs up; then an outside caller rings bob and gives up.
    static func makeCalls(_ w: TelephonyWorld) async throws {
        let placed = try await w.client.must(.post, "/api/v1/calls", token: w.token("alice"), json: #"{"number":"1002"}"#, answer: .created).json()
        let callId = try #require(placed.string("callId"))
        let ringing = try await w.waitCall("bob", state: "alerting")
        try await w.client.must(.post, "/api/v1/calls/\(ringing)/answer", token: w.token("bob"), answer: .noContent)
        try await w.waitPresence("alice", "busy")
        try await w.client.must(.post, "/api/v1/calls/\(callId)/hangup", token: w.token("alice"), answer: .noContent)
        try await w.waitLog("alice")
        try await w.waitLog("bob")
        _ = try await w.simulator.placeCall(from: external, to: "1002")
        try await w.waitPresence("bob", "ringing")
        try await w.simulator.hangUp(device: external)
        try await w.waitLog("bob", count: 2)
    }

    @Test(
        "Calls made show in the users' figures by day and by hour, and their sum for a Stats Admin with a right on the group",
        arguments: SimulatorStyle.allCases
    )
    func callsMadeShowPerDayAndHour(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style) { w in
            let sales = try await Self.grantRights(w)
            try await Self.makeCalls(w)
            let bob = try await w.client.must(.get, Self.path(), token: w.token("bob")).json()
            #expect(bob.string("timeZone") == "UTC")
            let total = try #require(bob.object("total"))
            #expect(total.int("incoming") == 2 && total.int("answered") == 1 && total.int("missed") == 1 && total.int("outgoing") == 0, "\(total)")
            #expect(total.int("calls") == 2)
            #expect(total["averageAnswerSeconds"] != nil && total["averageTalkSeconds"] != nil)
            let days = try #require(bob.objects("buckets"))
            #expect(days.map { $0.string("day") } == [Self.range.today])
            #expect(days.first?["hour"] == nil)
            // By hour: the calls' hour (or two, had the test crossed an hour).
            let hours = try #require(try await w.client.must(.get, Self.path(granularity: "hour"), token: w.token("bob")).json().objects("buckets"))
            #expect((1...2).contains(hours.count))
            #expect(hours.compactMap { $0.object("figures")?.int("incoming") }.reduce(0, +) == 2)
            #expect(hours.allSatisfy { ($0.int("hour") ?? -1) >= 0 && ($0.int("hour") ?? 24) < 24 })
            let alice = try #require(try await w.client.must(.get, Self.path(), token: w.token("alice")).json().object("total"))
            #expect(alice.int("outgoing") == 1 && alice.int("outgoingConnected") == 1 && alice.int("incoming") == 0, "\(alice)")

            // Carol sees bob, alice and the group's sum.
            let seen = try await w.client.must(.get, Self.path("&userId=\(w.userId("bob"))"), token: w.token("carol")).json()
            #expect(seen.object("total")?.int("missed") == 1)
            let group = try await w.client.must(.get, Self.path("&groupId=\(sales)"), token: w.token("carol")).json()
            #expect(group.int64("groupId") == sales)
            #expect(group.objects("users")?.map { $0.string("username") } == ["alice", "bob"])
            let sum = try #require(group.object("total"))
            #expect(sum.int("calls") == 3 && sum.int("incoming") == 2 && sum.int("outgoing") == 1 && sum.int("missed") == 1, "\(sum)")
            #expect(sum.int("answered") == 1 && sum.int("outgoingConnected") == 1)
        }
    }

    @Test("Rights: the reverse grant shows nothing, no right or another company is 404, no Stats is 403", arguments: SimulatorStyle.allCases)
    func rightsInBothDirections(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style) { w in
            let sales = try await Self.grantRights(w)
            try await Self.makeCalls(w)
            // alice is in the group carol may see, and holds Stats Admin too: that shows her nothing of carol.
            #expect(
                try await w.client.grantApplication("StatsAdmin", granteeType: "user", granteeId: w.userId("alice"), token: w.adminToken).status
                    == .created
            )
            expectProblem(try await w.client.get(Self.path("&userId=\(w.userId("carol"))"), token: w.token("alice")), .notFound, "not_found")
            // dave holds Stats and no right: bob's figures and the group are as unknown as a user that does not exist.
            let noRight = try await w.client.get(Self.path("&userId=\(w.userId("bob"))"), token: w.token("dave"))
            let nobody = try await w.client.get(Self.path("&userId=987654"), token: w.token("dave"))
            expectProblem(noRight, .notFound, "not_found")
            expectProblem(nobody, .notFound, "not_found")
            #expect(noRight.text == nobody.text)
            expectProblem(try await w.client.get(Self.path("&groupId=\(sales)"), token: w.token("dave")), .notFound, "not_found")
            // Another company's user and group, even for carol.
            let other = try await w.client.createCompany("Other", token: w.adminToken)
            let otherDomain = try await w.client.createDomain(companyId: other, name: "Far", token: w.adminToken)
            let stranger = try await w.client.createUser(domainId: otherDomain, username: "stranger", token: w.adminToken)
            let theirs = try await w.client.createGroup(domainId: otherDomain, name: "Theirs", token: w.adminToken)
            expectProblem(try await w.client.get(Self.path("&userId=\(stranger)"), token: w.token("carol")), .notFound, "not_found")
            expectProblem(try await w.client.get(Self.path("&groupId=\(theirs)"), token: w.token("carol")), .notFound, "not_found")
        }
    }

    @Test("CSV export: a header row and one RFC 4180 row per user and bucket, then the group's sum", arguments: SimulatorStyle.allCases)
    func csvExport(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style) { w in
            let sales = try await Self.grantRights(w)
            try await Self.makeCalls(w)
            let response = try await w.client.send(.get, Self.path("&groupId=\(sales)"), token: w.token("carol"), headers: [.accept: "text/csv"])
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.headers[.contentType]?.hasPrefix("text/csv") == true, "\(response.headers)")
            let rows = response.text.components(separatedBy: "\r\n")
            #expect(rows.last == "", "ends with CRLF")
            #expect(
                rows.first
                    == "userId,username,day,hour,start,calls,incoming,outgoing,missed,answered,outgoingConnected,talkSeconds,averageTalkSeconds,averageAnswerSeconds"
            )
            let body = rows.dropFirst().dropLast().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            #expect(body.allSatisfy { $0.count == 14 }, "\(rows)")
            #expect(body.map { $0[1] } == ["alice", "bob", "*total*"])
            let bob = try #require(body.first { $0[1] == "bob" })
            #expect(bob[0] == "\(w.userId("bob"))" && bob[2] == Self.range.today && bob[3] == "")
            #expect(bob[5...9] == ["2", "2", "0", "1", "1"])
            #expect(body.last?[0] == "" && body.last?[5] == "3")
            // JSON stays the default, and when both are equally welcome.
            let json = try await w.client.send(.get, Self.path(), token: w.token("bob"), headers: [.accept: "application/json, text/csv"])
            #expect(json.headers[.contentType]?.hasPrefix("application/json") == true)
        }
    }

    @Test("SOAP GetStatistics answers what REST does, and faults not_found like it", arguments: SimulatorStyle.allCases)
    func soapTwin(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style) { w in
            let sales = try await Self.grantRights(w)
            try await Self.makeCalls(w)
            let r = Self.range
            let answer = try await w.client.soap(
                "<tws:GetStatistics><tws:groupId>\(sales)</tws:groupId><tws:from>\(r.from)</tws:from><tws:to>\(r.to)</tws:to>"
                    + "<tws:granularity>hour</tws:granularity></tws:GetStatistics>",
                token: w.token("carol")
            )
            #expect(answer.status == .ok, "\(answer.text)")
            #expect(answer.text.contains("GetStatisticsResponse"))
            #expect(answer.text.contains("<tws:granularity>hour</tws:granularity>"), "\(answer.text)")
            #expect(
                answer.text.contains(
                    "<tws:total><tws:calls>3</tws:calls><tws:incoming>2</tws:incoming><tws:outgoing>1</tws:outgoing><tws:missed>1</tws:missed>"
                )
            )
            #expect(answer.text.contains("<tws:username>alice</tws:username>") && answer.text.contains("<tws:username>bob</tws:username>"))
            let refused = try await w.client.soap(
                "<tws:GetStatistics><tws:userId>\(w.userId("bob"))</tws:userId><tws:from>\(r.from)</tws:from><tws:to>\(r.to)</tws:to></tws:GetStatistics>",
                token: w.token("dave")
            )
            #expect(refused.text.contains("<tws:code>not_found</tws:code>"), "\(refused.text)")
            let reversed = try await w.client.soap(
                "<tws:GetStatistics><tws:from>\(r.to)</tws:from><tws:to>\(r.from)</tws:to></tws:GetStatistics>",
                token: w.token("bob")
            )
            #expect(reversed.text.contains("<tws:code>statistics_range_reversed</tws:code>"), "\(reversed.text)")
        }
    }

    @Test("Bad ranges answer problem+json 400 with stable codes")
    func badRanges() async throws {
        try await TelephonyWorld.run { w in
            _ = try await Self.grantRights(w)
            let bob = w.token("bob")
            expectProblem(
                try await w.client.get("/api/v1/statistics?from=2026-03-02&to=2026-03-01", token: bob),
                .unprocessableContent,
                "statistics_range_reversed",
                field: "from"
            )
            expectProblem(
                try await w.client.get("/api/v1/statistics?from=2026-01-01&to=2026-02-01&granularity=hour", token: bob),
                .unprocessableContent,
                "statistics_range_too_long",
                field: "to"
            )
            expectProblem(
                try await w.client.get("/api/v1/statistics?from=2025-01-01&to=2026-01-02", token: bob),
                .unprocessableContent,
                "statistics_range_too_long"
            )
            try await w.client.must(.get, "/api/v1/statistics?from=2025-01-01&to=2026-01-01", token: bob)
            try await w.client.must(.get, "/api/v1/statistics?from=2026-01-01&to=2026-01-31&granularity=hour", token: bob)
            let notADay = try await w.client.get("/api/v1/statistics?from=2026-02-30&to=2026-03-01", token: bob)
            #expect(notADay.status == .badRequest, "\(notADay.text)")
            let both = try await w.client.get("/api/v1/statistics?from=2026-03-01&to=2026-03-01&userId=1&groupId=2", token: bob)
            expectProblem(both, .unprocessableContent, "statistics_user_or_group")
            let missing = try await w.client.get("/api/v1/statistics?from=2026-03-01", token: bob)
            #expect(missing.status == .badRequest, "\(missing.text)")
            let granularity = try await w.client.get("/api/v1/statistics?from=2026-03-01&to=2026-03-01&granularity=week", token: bob)
            #expect(granularity.status == .badRequest, "\(granularity.text)")
        }
    }

    @Test("Statistics outlive call-log pruning, and Stats-NumberDaysOfStorage prunes them", arguments: SimulatorStyle.allCases)
    func retention(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style) { w in
            _ = try await Self.grantRights(w)
            try await Self.makeCalls(w)
            // Call logs kept 30 days by default: 40 days on, bob's log is empty and his figures are still there.
            let later = Date().addingTimeInterval(40 * 86_400)
            #expect(try await w.server.services.callHistory.cleanCallLogs(now: later, force: true) >= 3)
            #expect(try await w.callLog("bob").isEmpty)
            let kept = try await w.client.must(.get, Self.path(), token: w.token("bob")).json()
            #expect(kept.object("total")?.int("incoming") == 2)
            // Statistics kept 2 days in this domain: 3 days on, the cleaning at its hour removes them; not before.
            let set = try await w.client.setParameter(
                scope: "domain",
                scopeId: w.domainId,
                application: "System",
                name: "Stats-NumberDaysOfStorage",
                value: "2",
                token: w.adminToken
            )
            #expect(set.status == .ok || set.status == .noContent, "\(set.text)")
            #expect(try await w.server.services.statistics.clean(now: Date().addingTimeInterval(86_400), force: true) == 0)
            #expect(try await w.server.services.statistics.clean(now: Date().addingTimeInterval(4 * 86_400), force: true) >= 2)
            let pruned = try await w.client.must(.get, Self.path(), token: w.token("bob")).json()
            #expect(pruned.object("total")?.int("calls") == 0)
            #expect(pruned.objects("buckets")?.isEmpty == true)
        }
    }
}
