import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Forwarding rules over HTTP (REST and SOAP) against the real application: CRUD, order, imposed rules, refusals.
@Suite struct RuleAPITests {
    /// An advanced out-of-hours rule for external callers, as the README shows it.
    static let outOfHours = """
        {"name":"Out of hours","kind":"advanced",
         "forward":{"type":"immediate","destination":{"kind":"number","number":"0612345678"}},
         "conditions":{"origin":{"match":"external"},"presence":["absent","online"],
           "schedule":{"days":["monday","friday"],"ranges":[{"from":"09:00","to":"18:00"}],"when":"outside","exceptions":["2026-12-25"]}}}
        """

    static func simple(_ name: String, _ type: String = "immediate", to number: String = "1003", priority: Int? = nil) -> String {
        let place = priority.map { #","priority":\#($0)"# } ?? ""
        return #"{"name":"\#(name)","kind":"simple"\#(place),"forward":{"type":"\#(type)","destination":{"kind":"number","number":"\#(number)"}}}"#
    }

    /// Gives alice TWS Rules (licence and authorization).
    static func grantRules(_ world: TelephonyWorld) async throws {
        try await world.client.must(.put, "/api/v1/admin/licences/Rules?companyId=\(world.companyId)", token: world.adminToken, json: #"{"available":5}"#)
        let granted = try await world.client.grantApplication("Rules", granteeType: "user", granteeId: world.userId("alice"), token: world.adminToken)
        try #require(granted.status == .created, "\(granted.text)")
    }

    @Test func aUserCreatesReadsReordersReplacesAndDeletesRules() async throws {
        try await TelephonyWorld.run { world in
            try await Self.grantRules(world)
            let client = world.client
            let alice = world.token("alice")
            let created = try await client.must(.post, "/api/v1/rules", token: alice, json: Self.outOfHours, answer: .created).json()
            let advanced = try #require(created.int64("id"))
            #expect(created.string("kind") == "advanced")
            #expect(created.int64("userId") == world.userId("alice"))
            #expect(created.bool("imposed") == false)
            #expect(created.object("imposedOn") == nil)
            let schedule = try #require(created.object("conditions")?.object("schedule"))
            #expect(schedule.string("when") == "outside")
            #expect(schedule["days"] as? [String] == ["monday", "friday"])
            #expect(schedule.objects("ranges")?.first?.string("from") == "09:00")
            #expect(schedule["exceptions"] as? [String] == ["2026-12-25"])
            #expect(created.object("conditions")?["presence"] as? [String] == ["absent", "online"])

            let simple = try await client.create("/api/v1/rules", token: alice, json: Self.simple("Busy to carol", "busy", priority: 1))
            var list = try await client.must(.get, "/api/v1/rules", token: alice).array()
            #expect(list.compactMap { $0.int64("id") } == [simple, advanced])
            #expect(list.compactMap { $0.int("priority") } == [1, 2])

            list = try await client.must(.put, "/api/v1/rules/order", token: alice, json: #"{"ruleIds":[\#(advanced),\#(simple)]}"#).array()
            #expect(list.compactMap { $0.int64("id") } == [advanced, simple])
            expectProblem(
                try await client.put("/api/v1/rules/order", token: alice, json: #"{"ruleIds":[\#(advanced)]}"#),
                .unprocessableContent,
                "invalid_rule_order",
                field: "ruleIds"
            )

            let replaced = try await client.must(.put, "/api/v1/rules/\(simple)", token: alice, json: Self.simple("No answer to carol", "no_answer")).json()
            #expect(replaced.string("name") == "No answer to carol")
            #expect(replaced.object("forward")?.string("type") == "no_answer")
            #expect(try await client.must(.get, "/api/v1/rules/\(simple)", token: alice).json().int("priority") == 2)

            try await client.must(.delete, "/api/v1/rules/\(advanced)", token: alice, answer: .noContent)
            expectProblem(try await client.get("/api/v1/rules/\(advanced)", token: alice), .notFound, "not_found")
            list = try await client.must(.get, "/api/v1/rules", token: alice).array()
            #expect(list.compactMap { $0.int("priority") } == [1])
        }
    }

    @Test func refusalsNameTheParameterAndTheTWSRulesApplication() async throws {
        try await TelephonyWorld.run { world in
            let client = world.client
            let alice = world.token("alice")
            expectProblem(try await client.post("/api/v1/rules", token: alice, json: Self.outOfHours), .forbidden, "application_not_authorized")
            let set = try await client.setParameter(
                scope: "user",
                scopeId: world.userId("alice"),
                application: "Caller",
                name: "AuthorizedForwardTypeBusy",
                value: "false",
                token: world.adminToken
            )
            try #require(set.status == .ok, "\(set.text)")
            let refused = try await client.post("/api/v1/rules", token: alice, json: Self.simple("Busy", "busy"))
            expectProblem(refused, .forbidden, "rule_not_authorized")
            #expect(try refused.json().string("parameter") == "AuthorizedForwardTypeBusy")
            expectProblem(
                try await client.post("/api/v1/rules", token: alice, json: #"{"name":"Self","kind":"simple","forward":{"type":"immediate","destination":{"kind":"colleague","userId":\#(world.userId("alice"))}}}"#),
                .unprocessableContent,
                "invalid_rule",
                field: "forward.destination.userId"
            )
        }
    }

    @Test func rulesImposedOnAUserOrTheirGroupAreSeenButNotChangedByThem() async throws {
        try await TelephonyWorld.run { world in
            let client = world.client
            let admin = world.adminToken
            let alice = world.token("alice")
            let aliceId = world.userId("alice")
            let own = try await client.create("/api/v1/rules", token: alice, json: Self.simple("Mine"))
            let onUser = try await client.must(.post, "/api/v1/admin/users/\(aliceId)/rules", token: admin, json: Self.simple("Reception", to: "1004"), answer: .created).json()
            #expect(onUser.object("imposedOn")?.string("scope") == "user")
            #expect(onUser.string("source") == "administrator")
            let group = try await client.createGroup(domainId: world.domainId, name: "Sales", token: admin)
            _ = try await client.addMember(groupId: group, userId: aliceId, token: admin)
            let onGroup = try await client.must(.post, "/api/v1/admin/groups/\(group)/rules", token: admin, json: Self.simple("Sales busy", "busy", to: "1004"), answer: .created).json()
            #expect(onGroup.object("imposedOn")?.string("name") == "Sales")
            #expect(onGroup.int64("userId") == nil)

            let seen = try await client.must(.get, "/api/v1/rules", token: alice).array()
            #expect(seen.compactMap { $0.string("name") } == ["Reception", "Sales busy", "Mine"])
            #expect(seen.compactMap { $0.bool("imposed") } == [true, true, false])
            for id in [try #require(onUser.int64("id")), try #require(onGroup.int64("id"))] {
                expectProblem(try await client.put("/api/v1/rules/\(id)", token: alice, json: Self.simple("Mine now")), .forbidden, "rule_imposed")
                expectProblem(try await client.delete("/api/v1/rules/\(id)", token: alice), .forbidden, "rule_imposed")
            }
            #expect(try await client.must(.get, "/api/v1/admin/users/\(aliceId)/rules", token: admin).array().count == 3)
            #expect(try await client.must(.get, "/api/v1/admin/groups/\(group)/rules", token: admin).array().count == 1)
            // Bob is not in the group: he sees none of it.
            #expect(try await client.must(.get, "/api/v1/rules", token: world.token("bob")).array().isEmpty)

            let groupRule = try #require(onGroup.int64("id"))
            let changed = try await client.must(.put, "/api/v1/admin/rules/\(groupRule)", token: admin, json: Self.simple("Sales no answer", "no_answer", to: "1004")).json()
            #expect(changed.string("name") == "Sales no answer" && changed.bool("imposed") == true)
            #expect(try await client.must(.get, "/api/v1/admin/rules/\(own)", token: admin).json().string("name") == "Mine")
            try await client.must(.delete, "/api/v1/admin/rules/\(groupRule)", token: admin, answer: .noContent)
            #expect(try await client.must(.get, "/api/v1/rules", token: alice).array().count == 2)
        }
    }

    @Test func anotherCompanysUserSeesNoneOfTheRules() async throws {
        try await TelephonyWorld.run { world in
            let client = world.client
            let admin = world.adminToken
            let rule = try await client.create("/api/v1/rules", token: world.token("alice"), json: Self.simple("Mine"))
            let companyId = try await client.createCompany("Elsewhere", token: admin)
            try await client.must(.put, "/api/v1/admin/licences/Caller?companyId=\(companyId)", token: admin, json: #"{"available":5}"#)
            let domainId = try await client.createDomain(companyId: companyId, name: "Far", token: admin)
            let eveId = try await client.createUser(domainId: domainId, username: "eve", password: "pw-elsewhere", token: admin)
            try await client.grantUserApplication(userId: eveId, token: admin)
            let eve = try await client.userLogin(company: "Elsewhere", domain: "Far", username: "eve", password: "pw-elsewhere")
            expectProblem(try await client.get("/api/v1/rules/\(rule)", token: eve), .notFound, "not_found")
            expectProblem(try await client.put("/api/v1/rules/\(rule)", token: eve, json: Self.simple("Mine now")), .notFound, "not_found")
            expectProblem(try await client.delete("/api/v1/rules/\(rule)", token: eve), .notFound, "not_found")
            #expect(try await client.must(.get, "/api/v1/rules", token: eve).array().isEmpty)
        }
    }

    @Test func soapCreatesListsAndReordersRulesAndFaultsNameTheParameter() async throws {
        try await TelephonyWorld.run { world in
            let client = world.client
            let alice = world.token("alice")
            func create(_ name: String, _ type: String) async throws -> Int64 {
                let response = try await client.soap(
                    """
                    <tws:CreateRule><tws:name>\(name)</tws:name><tws:kind>simple</tws:kind>\
                    <tws:forward><tws:type>\(type)</tws:type><tws:destination><tws:kind>number</tws:kind><tws:number>1003</tws:number></tws:destination></tws:forward>\
                    </tws:CreateRule>
                    """,
                    token: alice
                )
                try #require(response.status == .ok, "\(response.text)")
                return try #require(Self.values("id", in: response.text).first.flatMap { Int64($0) })
            }
            let first = try await create("First", "immediate")
            let second = try await create("Second", "no_answer")
            var listed = try await client.soap("<tws:GetRules/>", token: alice)
            #expect(Self.values("name", in: listed.text) == ["First", "Second"])

            let ordered = try await client.soap("<tws:SetRuleOrder><tws:ruleId>\(second)</tws:ruleId><tws:ruleId>\(first)</tws:ruleId></tws:SetRuleOrder>", token: alice)
            #expect(ordered.status == .ok, "\(ordered.text)")
            #expect(Self.values("name", in: ordered.text) == ["Second", "First"])
            listed = try await client.soap("<tws:GetRules/>", token: alice)
            #expect(Self.values("priority", in: listed.text) == ["1", "2"])

            let set = try await client.setParameter(
                scope: "user",
                scopeId: world.userId("alice"),
                application: "Caller",
                name: "AuthorizedForwardTypeNoAnswer",
                value: "false",
                token: world.adminToken
            )
            try #require(set.status == .ok)
            let refused = try await client.soap(
                """
                <tws:UpdateRule><tws:ruleId>\(first)</tws:ruleId><tws:rule><tws:name>Late</tws:name><tws:kind>simple</tws:kind>\
                <tws:forward><tws:type>no_answer</tws:type><tws:destination><tws:kind>number</tws:kind><tws:number>1003</tws:number></tws:destination></tws:forward>\
                </tws:rule></tws:UpdateRule>
                """,
                token: alice
            )
            #expect(refused.status == .badRequest, "\(refused.text)")
            #expect(Self.values("code", in: refused.text) == ["rule_not_authorized"])
            #expect(Self.values("parameter", in: refused.text) == ["AuthorizedForwardTypeNoAnswer"])
        }
    }

    /// CIRCULARLEVEL on the save path (admin guide 9.6.2): a rule closing A→B→A is refused with 409 `forward_loop`
    /// naming the chain, over REST and SOAP, for a user's own rule, for one switched on by a replace, and for a rule an
    /// administrator imposes on a group; nothing refused is stored.
    @Test func aRuleClosingALoopIsRefusedAtSaveNamingTheChainAndNothingIsStored() async throws {
        try await TelephonyWorld.run { world in
            let client = world.client
            let (alice, bob) = (world.token("alice"), world.token("bob"))
            _ = try await client.create("/api/v1/rules", token: bob, json: Self.simple("Back to Alice", to: "1001"))

            let refused = try await client.post("/api/v1/rules", token: alice, json: Self.simple("To Bob", to: "1002"))
            expectProblem(refused, .conflict, "forward_loop")
            #expect(try refused.json()["chain"] as? [String] == ["1001", "1002", "1001"])
            #expect(try await client.must(.get, "/api/v1/rules", token: alice).array().isEmpty)

            // Stored switched off, it closes nothing; switching it on by a replace is refused and leaves it off.
            let off = #"{"name":"To Bob","kind":"simple","active":false,"forward":{"type":"busy","destination":{"kind":"number","number":"1002"}}}"#
            let stored = try await client.create("/api/v1/rules", token: alice, json: off)
            let on = off.replacingOccurrences(of: #""active":false"#, with: #""active":true"#)
            expectProblem(try await client.put("/api/v1/rules/\(stored)", token: alice, json: on), .conflict, "forward_loop")
            #expect(try await client.must(.get, "/api/v1/rules/\(stored)", token: alice).json().bool("active") == false)

            let fault = try await client.soap(
                """
                <tws:CreateRule><tws:name>To Bob</tws:name><tws:kind>simple</tws:kind>\
                <tws:forward><tws:type>immediate</tws:type><tws:destination><tws:kind>number</tws:kind><tws:number>1002</tws:number></tws:destination></tws:forward>\
                </tws:CreateRule>
                """,
                token: alice
            )
            #expect(Self.values("code", in: fault.text) == ["forward_loop"], "\(fault.text)")
            #expect(Self.values("chain", in: fault.text) == ["1001", "1002", "1001"])
            #expect(try await client.must(.get, "/api/v1/rules", token: alice).array().count == 1)

            // An administrator's rule on a group holding alice closes the same loop for her.
            let group = try await client.createGroup(domainId: world.domainId, name: "Sales", token: world.adminToken)
            _ = try await client.addMember(groupId: group, userId: world.userId("alice"), token: world.adminToken)
            let imposed = try await client.post("/api/v1/admin/groups/\(group)/rules", token: world.adminToken, json: Self.simple("Sales to Bob", to: "1002"))
            expectProblem(imposed, .conflict, "forward_loop")
            #expect(try await client.must(.get, "/api/v1/admin/groups/\(group)/rules", token: world.adminToken).array().isEmpty)
        }
    }

    /// The texts of every `<tws:name>` element of a SOAP answer, in order (names under `forward` never clash here).
    static func values(_ name: String, in text: String) -> [String] {
        var found: [String] = []
        var rest = text[...]
        while let start = rest.range(of: "<tws:\(name)>"), let end = rest.range(of: "</tws:\(name)>", range: start.upperBound..<rest.endIndex) {
            found.append(String(rest[start.upperBound..<end.lowerBound]))
            rest = rest[end.upperBound...]
        }
        return found
    }
}

extension TestResponse {
    /// The body as a JSON array of objects (the rule lists are plain arrays, not pages).
    fileprivate func array(sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
        let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try #require(value as? [[String: Any]], "not an array: \(text)", sourceLocation: sourceLocation)
    }
}
