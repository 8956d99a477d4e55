import Domain
import Foundation
import Telephony
import Testing

@testable import Server

/// The PBX link as a whole: chaos, application sessions, admin state pages, dialing plan test, call-log rights.
@Suite("Telephony link", .serialized)
struct TelephonyLinkTests {
    @Test(
        "Link chaos: the link drops during a call; after reconnecting, monitors are back and presence and calls match the PBX",
        arguments: SimulatorStyle.allCases
    )
    func linkChaos(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style) { w in
            _ = try await TelephonyScenarioTests.connect(w, from: "alice", to: "bob")
            _ = try await w.simulator.placeCall(from: "0698765432", to: "1003")
            try await w.waitPresence("carol", "ringing")
            let aliceEvents = try await w.subscribe("alice")

            await w.simulator.dropAllConnections()
            // While down, nothing is known: the link-down event and out-of-service presence reach clients.
            let down = try await collect(aliceEvents) { events in
                events.contains { $0.devicePresence?.presence == .outOfService } && events.contains { $0.link?.connected == false }
            }
            #expect(down.contains { $0.link?.connected == false })
            // The world moves on while the link is down.
            try await w.simulator.hangUp(device: "0698765432")

            try await eventually("monitors back") {
                await w.simulator.monitoredDevices().isSuperset(of: Set(TelephonyWorld.people.values))
            }
            try await w.waitPresence("alice", "busy")
            try await w.waitPresence("bob", "busy")
            try await w.waitPresence("carol", "idle")
            #expect(try await w.calls("bob").first?["state"] as? String == "connected")

            let links = try await w.client.must(.get, "/api/v1/admin/telephony/links", token: w.adminToken)
            let link = try #require(try JSONSerialization.jsonObject(with: Data(buffer: links.body)) as? [[String: Any]]).first
            #expect(link?["connected"] as? Bool == true)
            #expect((link?["reconnects"] as? Int ?? 0) >= 1)

            // The call that went on kept what was known of it, and the calls rebuilt are controllable.
            let kept = try #require(try await w.calls("alice").first)
            #expect(kept.string("direction") == "outgoing" && kept.string("peerNumber") == "1002" && kept["answeredAt"] != nil)
            let callId = try #require(kept.string("callId"))
            try await w.client.must(.post, "/api/v1/calls/\(callId)/hangup", token: w.token("alice"), answer: .noContent)
            try await w.waitPresence("bob", "idle")
            w.expectLog(try await w.waitLog("alice"), "outgoing", peer: "1002", answered: true)
            w.expectLog(try await w.waitLog("bob"), "incoming", peer: "1001", answered: true)
            // carol's call ended while the link was down: the snapshot after reconnection told, and it is logged so.
            w.expectLog(try await w.waitLog("carol"), "missed", peer: "0698765432", answered: false, cause: "link_lost")
        }
    }

    @Test("Link lost during an answered call that ends meanwhile: both users get cleared (link_lost) and their log lines", arguments: SimulatorStyle.allCases)
    func linkLostCallEndsWhileDown(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style) { w in
            _ = try await TelephonyScenarioTests.connect(w, from: "alice", to: "bob")
            let bobEvents = try await w.subscribe("bob")
            await w.simulator.dropAllConnections()
            try await w.simulator.hangUp(device: "1001")
            let events = try await collect(bobEvents) { $0.contains { $0.type == .callLog } }
            #expect(events.compactMap(\.call).map { "\($0.event) \($0.state) \($0.cause ?? "")" } == ["cleared cleared link_lost"])
            w.expectLog(try await w.waitLog("bob"), "incoming", peer: "1001", answered: true, cause: "link_lost")
            w.expectLog(try await w.waitLog("alice"), "outgoing", peer: "1002", answered: true, cause: "link_lost")
            try await w.waitPresence("bob", "idle")
        }
    }

    @Test("A PBX that stays away: calls in progress end with link_lost once the grace runs out, and are logged")
    func linkStaysDown() async throws {
        try await TelephonyWorld.run { w in
            _ = try await TelephonyScenarioTests.connect(w, from: "alice", to: "bob")
            await w.simulator.stop()
            try await w.waitPresence("alice", "out_of_service")
            w.expectLog(try await w.waitLog("alice"), "outgoing", peer: "1002", answered: true, cause: "link_lost")
            w.expectLog(try await w.waitLog("bob"), "incoming", peer: "1001", answered: true, cause: "link_lost")
            #expect(try await w.calls("alice").isEmpty)
        }
    }

    @Test("The PBX's own keep-alive is answered in its namespace, with or without a status child: the link stays up", arguments: SimulatorStyle.allCases)
    func pbxKeepAliveAnswered(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(
            style: style,
            simulator: {
                $0.keepAliveInterval = .milliseconds(100)
                // A wrong answer never counts; a right one may come late on a busy machine (5 s of slack).
                $0.switchConfiguration.maximumMissedKeepAlives = 50
            }
        ) { w in
            try await eventually("keep-alives answered") { await w.simulator.pbxSwitch.keepAlivesAnswered() >= 5 }
            #expect(w.server.links.linkStates().first?.reconnects == 0)
            #expect(w.server.links.linkStates().first?.connected == true)
            _ = try await TelephonyScenarioTests.connect(w, from: "alice", to: "bob")
        }
    }

    @Test("A frame that stalls half-way closes the link within seconds, with the reason, and the gateway reconnects", arguments: SimulatorStyle.allCases)
    func stalledFrame(style: SimulatorStyle) async throws {
        // No keep-alive falls due meanwhile: left unanswered, it would race the stall timer to close the link.
        try await TelephonyWorld.run(style: style, link: { $0.keepAliveInterval = .seconds(60) }) { w in
            let before = w.server.links.linkStates().first?.reconnects ?? 0
            // Nothing else may follow the stalled bytes (an answer to the gateway's keep-alive would fill the frame and
            // close the link as garbage instead): the PBX falls silent behind them.
            await w.simulator.setAnswering(false)
            await w.simulator.sendGarbage(.stalled)
            try await eventually("link closed as stalled") { (w.server.links.linkStates().first?.reconnects ?? 0) > before }
            #expect(w.server.links.linkStates().first?.lastError?.contains("stalled") == true, "\(w.server.links.linkStates().first?.lastError ?? "")")
            await w.simulator.setAnswering(true)
            try await eventually("monitors back") {
                let state = w.server.links.linkStates().first
                return state?.connected == true && state?.current == TelephonyWorld.people.count
            }
            _ = try await TelephonyScenarioTests.connect(w, from: "alice", to: "bob")
        }
    }

    @Test("A request the PBX leaves unanswered triggers a keep-alive check; a silent PBX is disconnected and reconnected")
    func requestTimeoutChecksTheLink() async throws {
        try await TelephonyWorld.run { w in
            let before = w.server.links.linkStates().first?.reconnects ?? 0
            await w.simulator.setAnswering(false)
            expectProblem(try await w.client.post("/api/v1/calls", token: w.token("alice"), json: #"{"number":"1002"}"#), .gatewayTimeout, "pbx_timeout")
            try await eventually("link checked and closed") { (w.server.links.linkStates().first?.reconnects ?? 0) > before }
            #expect(w.server.links.linkStates().first?.lastError?.contains("keep-alive") == true)
            await w.simulator.setAnswering(true)
            try await eventually("monitors back") { w.server.links.linkStates().first?.current == TelephonyWorld.people.count }
            _ = try await TelephonyScenarioTests.connect(w, from: "alice", to: "bob")
        }
    }

    @Test(
        "A monitor the PBX leaves unanswered while it still answers the keep-alive is started again, without a reconnect",
        arguments: SimulatorStyle.allCases
    )
    func unansweredMonitorIsStartedAgain(style: SimulatorStyle) async throws {
        // No keep-alive falls due while the PBX is silent: only the monitor goes unanswered, and the check it triggers
        // is answered.
        try await TelephonyWorld.run(style: style, link: { $0.keepAliveInterval = .seconds(60) }) { w in
            let before = w.server.links.linkStates().first?.reconnects ?? 0
            let ignored = await w.simulator.counters().requestsIgnored
            await w.simulator.setAnswering(false)
            _ = try await w.client.create("/api/v1/admin/users/\(w.userId("alice"))/devices", token: w.adminToken, json: #"{"number":"1005"}"#)
            try await w.server.services.supervision.replan()
            try await w.simulator.pbxSwitch.waitUntil(timeout: .seconds(10)) { $0.requestsIgnored > ignored }
            await w.simulator.setAnswering(true)
            try await eventually("1005 monitored after its request timed out", timeout: .seconds(30)) {
                w.server.events.line(domainId: w.domainId, device: "1005")?.monitored == true
            }
            #expect(w.server.links.linkStates().first?.reconnects == before)
            #expect(w.server.links.linkStates().first?.connected == true)
        }
    }

    @Test("Deleting a PBX link stops it before the answer: admin list empty, devices released, calls closed")
    func linkDeletionIsImmediate() async throws {
        try await TelephonyWorld.run { w in
            _ = try await TelephonyScenarioTests.connect(w, from: "alice", to: "bob")
            try await w.client.must(.delete, "/api/v1/admin/pbx-links/\(w.linkId)", token: w.adminToken, answer: .noContent)
            // No waiting: all of this holds when the 204 arrives.
            let links = try await w.client.must(.get, "/api/v1/admin/telephony/links", token: w.adminToken)
            #expect((try JSONSerialization.jsonObject(with: Data(buffer: links.body)) as? [Any])?.isEmpty == true)
            #expect(try await w.presence("alice") == "out_of_service")
            #expect(try await w.calls("alice").isEmpty)
            #expect(try await w.calls("bob").isEmpty)
            w.expectLog(try await w.waitLog("alice"), "outgoing", peer: "1002", answered: true, cause: "monitor_stopped")
            try await eventually("the PBX sees the link gone") { await w.simulator.connectionCount() == 0 }
            expectProblem(try await w.client.post("/api/v1/calls", token: w.token("alice"), json: #"{"number":"1002"}"#), .serviceUnavailable, "pbx_unavailable")
            // A new link is up before its creation is answered.
            let port = try #require(await w.simulator.port)
            _ = try await w.client.create(
                "/api/v1/admin/domains/\(w.domainId)/pbx-links",
                token: w.adminToken,
                json: #"{"host":"127.0.0.1","port":\#(port),"capacity":100,"pbxType":"simulator"}"#
            )
            #expect(w.server.links.linkStates().count == 1)
            try await eventually("monitors on the new link") { w.server.links.linkStates().first?.current == TelephonyWorld.people.count }
        }
    }

    @Test("A forwarding destination over the contract's 64 characters is refused over REST and SOAP, and never reaches the PBX")
    func forwardingDestinationBound() async throws {
        try await TelephonyWorld.run { w in
            for length in [65, 200, 5_000] {
                let destination = String(repeating: "1", count: length)
                let rest = try await w.client.put(
                    "/api/v1/telephony/devices/1002/forwarding",
                    token: w.token("bob"),
                    json: jsonObject(["kind": "immediate", "enabled": true, "destination": destination])
                )
                #expect(rest.status == .badRequest, "\(length): \(rest.text)")
                let soap = try await w.client.soap(
                    "<tws:SetForwarding><tws:kind>immediate</tws:kind><tws:enabled>true</tws:enabled><tws:destination>\(destination)</tws:destination></tws:SetForwarding>",
                    token: w.token("bob")
                )
                #expect(soap.status == .badRequest && soap.text.contains("<tws:code>invalid_"), "\(length): \(soap.text.prefix(300))")
            }
            #expect(await w.simulator.forwarding(of: "1002").allSatisfy { !$0.forwardStatus })
            let settings = try await w.client.must(.get, "/api/v1/telephony/devices/1002/forwarding", token: w.token("bob"))
            #expect(settings.status == .ok)
        }
    }

    @Test("The dialing plan reads back with the rules in force, standard ones included, and takes them back with one added")
    func dialingPlanShowsRulesInForce() async throws {
        try await TelephonyWorld.run { w in
            var plan = try await w.client.must(.get, "/api/v1/admin/domains/\(w.domainId)/dialing-plan", token: w.adminToken).json()
            let rules = try #require(plan["rules"] as? [[String: Any]])
            #expect(rules.map { $0.string("pattern") } == DialingRule.standardRules().map(\.pattern))
            plan["rules"] = rules + [["priority": 50, "name": "operator", "pattern": "9", "value": "1002"]]
            plan["id"] = nil
            plan["domainId"] = nil
            plan["companyId"] = nil
            let saved = try await w.client.must(.put, "/api/v1/admin/domains/\(w.domainId)/dialing-plan", token: w.adminToken, json: jsonObject(plan))
                .json()
            #expect((saved["rules"] as? [[String: Any]])?.count == rules.count + 1)
            let placed = try await w.client.must(.post, "/api/v1/calls", token: w.token("alice"), json: #"{"number":"9"}"#, answer: .created).json()
            #expect(placed.object("dialled")?.string("number") == "1002")
            // The standard rules still apply beside it.
            let test = try await w.client.must(
                .post,
                "/api/v1/admin/dialing-plan/test",
                token: w.adminToken,
                json: #"{"domainId":\#(w.domainId),"number":"+33 1 55 17 18 89"}"#
            ).json()
            #expect(test.object("outgoing")?.string("number") == "00155171889")
        }
    }

    @Test("Garbage from the PBX closes the link with a reason and the gateway reconnects")
    func garbageFrame() async throws {
        try await TelephonyWorld.run { w in
            for garbage in SimulatorGarbage.allCases {
                let before = w.server.links.linkStates().first?.reconnects ?? 0
                await w.simulator.sendGarbage(garbage)
                try await eventually("reconnect after \(garbage)") {
                    let state = w.server.links.linkStates().first
                    return (state?.reconnects ?? 0) > before && state?.connected == true && state?.current == TelephonyWorld.people.count
                }
            }
            _ = try await TelephonyScenarioTests.connect(w, from: "alice", to: "bob")
        }
    }

    @Test("A PBX that answers nothing gives 504 pbx_timeout; one that is gone gives 503 pbx_unavailable")
    func pbxFailures() async throws {
        try await TelephonyWorld.run { w in
            await w.simulator.setAnswering(false)
            let timeout = try await w.client.post("/api/v1/calls", token: w.token("alice"), json: #"{"number":"1002"}"#)
            expectProblem(timeout, .gatewayTimeout, "pbx_timeout")
            await w.simulator.setAnswering(true)
            await w.simulator.stop()
            try await eventually("link down") { w.server.links.linkStates().first?.connected == false }
            let down = try await w.client.post("/api/v1/calls", token: w.token("alice"), json: #"{"number":"1002"}"#)
            expectProblem(down, .serviceUnavailable, "pbx_unavailable")
            try await w.waitPresence("alice", "out_of_service")
        }
    }

    @Test("A PBX type that wants an ECMA-354 application session gets one before any monitor")
    func applicationSession() async throws {
        try await TelephonyWorld.run(simulator: { $0.requiresApplicationSession = true }, pbxType: "ecma-354") { w in
            _ = try await TelephonyScenarioTests.connect(w, from: "alice", to: "bob")
        }
    }

    @Test("Admin pages: link state (10.4) and device states (10.5) within a number range; other companies see nothing")
    func adminStates() async throws {
        try await TelephonyWorld.run { w in
            let links = try await w.client.must(.get, "/api/v1/admin/telephony/links", token: w.adminToken)
            let link = try #require(try JSONSerialization.jsonObject(with: Data(buffer: links.body)) as? [[String: Any]]).first
            #expect(link?["current"] as? Int == 4)
            #expect(link?["capacity"] as? Int == 100)
            #expect(link?["host"] as? String == "127.0.0.1")
            let states = try await w.client.must(.get, "/api/v1/admin/domains/\(w.domainId)/device-states?first=1002&last=1003", token: w.adminToken)
            let devices = try #require(try JSONSerialization.jsonObject(with: Data(buffer: states.body)) as? [[String: Any]])
            #expect(devices.map { $0["device"] as? String } == ["1002", "1003"])
            #expect(devices.allSatisfy { $0["connected"] as? Bool == true && $0["type"] as? String == "CTI" })

            // Capacity down to 3: the last device in planning order is no longer monitored and says why.
            let stored = try await w.client.must(.get, "/api/v1/admin/pbx-links/\(w.linkId)", token: w.adminToken).json()
            try await w.client.must(
                .put,
                "/api/v1/admin/pbx-links/\(w.linkId)",
                token: w.adminToken,
                json: jsonObject(["host": "127.0.0.1", "port": stored["port"] as? Int ?? 0, "capacity": 3, "pbxType": "simulator"])
            )
            // In force when the PUT is answered: the device states already say so, and 1004 is out of service.
            let all = try await w.client.must(.get, "/api/v1/admin/domains/\(w.domainId)/device-states", token: w.adminToken)
            #expect(try await w.presence("dave") == "out_of_service")
            try await eventually("1004 released at the PBX") { await !w.simulator.monitoredDevices().contains("1004") }
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(buffer: all.body)) as? [[String: Any]])
            #expect(rows.map { $0["device"] as? String } == ["1001", "1002", "1003", "1004"])
            let over = try #require(rows.last)
            #expect(over["connected"] as? Bool == false && over["linkId"] == nil)
            #expect((over["reason"] as? String)?.hasPrefix("over capacity") == true)

            // An administrator of another company sees no link and no domain.
            let otherCompany = try await w.client.createCompany("Other", token: w.adminToken)
            _ = try await w.client.create(
                "/api/v1/admin/admins",
                token: w.adminToken,
                json: jsonObject(["username": "other-admin", "password": "other-admin-password", "superUser": false, "companyIds": [otherCompany]])
            )
            let other = try await w.client.adminLogin("other-admin", "other-admin-password").token
            let none = try await w.client.must(.get, "/api/v1/admin/telephony/links", token: other)
            #expect((try JSONSerialization.jsonObject(with: Data(buffer: none.body)) as? [Any])?.isEmpty == true)
            expectProblem(try await w.client.get("/api/v1/admin/domains/\(w.domainId)/device-states", token: other), .notFound, "not_found")
            expectProblem(
                try await w.client.post("/api/v1/admin/dialing-plan/test", token: other, json: #"{"domainId":\#(w.domainId),"number":"1002"}"#),
                .notFound,
                "not_found"
            )
        }
    }

    @Test("Incoming numbers are shown and logged through the reverse dialing plan; internal ones as they are")
    func incomingNumbersThroughReversePlan() async throws {
        try await TelephonyWorld.run { w in
            // The PBX presents outside callers without the trunk 0: the plan adds it back.
            let plan =
                #"{"internationalPrefix":"00","localCountryPrefix":"33","externalPrefix":"0","add":"0","remove":0,"internalLength":4,"internalReverseLength":4}"#
            try await w.client.must(.put, "/api/v1/admin/domains/\(w.domainId)/dialing-plan", token: w.adminToken, json: plan)
            let bobEvents = try await w.subscribe("bob")
            _ = try await w.simulator.placeCall(from: "155171889", to: "1002")
            try await w.waitCall("bob", state: "alerting")
            #expect(try await w.calls("bob").first?.string("peerNumber") == "0155171889")
            try await w.simulator.hangUp(device: "155171889")
            try await eventually("bob's missed call") { (try? await w.callLog("bob"))?.first?.string("kind") == "missed" }
            #expect(try await w.callLog("bob").first?.string("peerNumber") == "0155171889")
            let pushed = try await collect(bobEvents) { $0.contains { $0.call?.event == "delivered" } }
            #expect(pushed.first { $0.call?.event == "delivered" }?.call?.peerNumber == "0155171889")

            // An internal caller (no longer than internalReverseLength) is shown as is.
            _ = try await TelephonyScenarioTests.connect(w, from: "carol", to: "bob")
            #expect(try await w.calls("bob").first?.string("peerNumber") == "1003")
        }
    }

    @Test("Dialing plan: the test endpoint says which rule fired; click-to-call dials what it says; bad rules are refused")
    func dialingPlan() async throws {
        try await TelephonyWorld.run { w in
            let result = try await w.client.must(
                .post,
                "/api/v1/admin/dialing-plan/test",
                token: w.adminToken,
                json: #"{"domainId":\#(w.domainId),"number":"+33 1 55 17 18 89"}"#
            ).json()
            let outgoing = try #require(result.object("outgoing"))
            #expect(outgoing.string("number") == "00155171889")
            #expect(outgoing.object("rule") != nil)
            let incoming = try await w.client.must(
                .post,
                "/api/v1/admin/dialing-plan/test",
                token: w.adminToken,
                json: #"{"domainId":\#(w.domainId),"number":"0155171889","direction":"incoming"}"#
            ).json()
            #expect((incoming.object("incoming")?["searchKeys"] as? [String])?.contains("+33155171889") == true)

            // A rule set by the admin is used by click-to-call.
            let plan =
                #"{"internationalPrefix":"00","localCountryPrefix":"33","externalPrefix":"0","add":"","remove":0,"internalLength":4,"internalReverseLength":4,"rules":[{"priority":1,"pattern":"9","value":"100"}]}"#
            try await w.client.must(.put, "/api/v1/admin/domains/\(w.domainId)/dialing-plan", token: w.adminToken, json: plan)
            let placed = try await w.client.must(.post, "/api/v1/calls", token: w.token("alice"), json: #"{"number":"92"}"#, answer: .created).json()
            #expect(placed.object("dialled")?.string("number") == "1002")
            try await w.waitCall("bob", state: "alerting")

            let bad =
                #"{"internationalPrefix":"00","localCountryPrefix":"33","externalPrefix":"0","add":"","remove":0,"internalLength":4,"internalReverseLength":4,"rules":[{"priority":1,"pattern":"[(unclosed]","value":"1"}]}"#
            let refused = try await w.client.put("/api/v1/admin/domains/\(w.domainId)/dialing-plan", token: w.adminToken, json: bad)
            // A pattern of the contract's shape whose expression does not compile: 422 naming the rule.
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("rules[0]") && refused.text.contains("unusable_dialing_rule"))
        }
    }

    @Test("Call logs of another user need a call-log right; presence and custom messages follow the parameters")
    func callLogRightsAndPresence() async throws {
        try await TelephonyWorld.run { w in
            expectProblem(
                try await w.client.get("/api/v1/call-logs?userId=\(w.userId("bob"))", token: w.token("alice")),
                .forbidden,
                "call_log_not_allowed"
            )
            try await w.client.grant("callLog", w.userId("bob"), objectKind: "user", to: "user", w.userId("alice"), token: w.adminToken)
            _ = try await TelephonyScenarioTests.connect(w, from: "carol", to: "bob")
            try await w.simulator.hangUp(device: "1003")
            // Another company's user id is not found, exactly like a missing one.
            expectProblem(try await w.client.get("/api/v1/call-logs?userId=999999", token: w.token("alice")), .notFound, "not_found")
            try await eventually("bob's log seen by alice") { (try? await w.callLog("alice", of: "bob"))?.first?.string("peerNumber") == "1003" }

            let set = try await w.client.must(.put, "/api/v1/me/presence", token: w.token("bob"), json: #"{"status":"away","message":"lunch"}"#)
                .json()
            #expect(set.string("status") == "away")
            let overview = try await w.client.must(.get, "/api/v1/telephony/presence", token: w.token("alice")).json()
            let bob = (overview["users"] as? [[String: Any]])?.first { $0.int64("userId") == w.userId("bob") }
            #expect(bob?.string("status") == "away")
            #expect(bob?.string("message") == "lunch")
            // Signing out and in is pushed to the domain: offline, then bob's own status again.
            let aliceEvents = try await w.subscribe("alice")
            try await w.client.must(.post, "/api/v1/auth/logout", token: w.token("bob"), answer: .noContent)
            let after = try await w.client.must(.get, "/api/v1/telephony/presence", token: w.token("alice")).json()
            #expect((after["users"] as? [[String: Any]])?.first { $0.int64("userId") == w.userId("bob") }?.string("status") == "offline")
            _ = try await w.client.userLogin(username: "bob", password: TelephonyWorld.password)
            let pushed = try await collect(aliceEvents) { events in events.filter { $0.userPresence?.userId == w.userId("bob") }.count == 2 }
            #expect(
                pushed.compactMap { $0.userPresence }.filter { $0.userId == w.userId("bob") }.map { "\($0.status.rawValue) \($0.message ?? "")" } == [
                    "offline ", "away lunch",
                ]
            )
            _ = try await w.client.setParameter(
                scope: "user",
                scopeId: w.userId("carol"),
                application: "Caller",
                name: "AuthorizedCustomMessagePresences",
                value: "false",
                token: w.adminToken
            )
            expectProblem(
                try await w.client.put("/api/v1/me/presence", token: w.token("carol"), json: #"{"status":"busy","message":"meeting"}"#),
                .forbidden,
                "custom_message_not_allowed"
            )
            expectProblem(
                try await w.client.put("/api/v1/me/presence", token: w.token("carol"), json: #"{"status":"offline"}"#),
                .badRequest,
                "invalid_field"
            )
        }
    }
}
