import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
@testable import Server
import Telephony
import Testing

/// A telephony world with a Portal licence, a publishable key for `https://shop.example` and a callback group.
struct CallbackSetup: Sendable {
    let world: TelephonyWorld
    let key: String
    let groupId: Int64

    /// The visitor as typed on the web page, and as the PBX is sent it (national form behind the external prefix 0).
    static let visitor = "06 12 34 56 78"
    static let visitorDialled = "00612345678"
    static let origin = "https://shop.example"

    static func make(_ world: TelephonyWorld, group: String) async throws -> CallbackSetup {
        let client = world.client
        _ = try await client.setLicence("Portal", companyId: world.companyId, available: 5, token: world.adminToken)
        let key = try await client.createKey(
            world.companyId,
            token: world.adminToken,
            scopes: ["callbacks:create"],
            extra: ["name": "Shop", "allowedOrigins": [origin]]
        )
        let groupId = try await client.create("/api/v1/admin/domains/\(world.domainId)/callback-groups", token: world.adminToken, json: group)
        try await world.server.services.supervision.replan()
        let device = try #require(try JSONSerialization.jsonObject(with: Data(group.utf8)) as? [String: Any])["device"] as? String
        try await eventually("callback device \(device ?? "") monitored") {
            world.server.events.line(domainId: world.domainId, device: device ?? "")?.monitored == true
        }
        return CallbackSetup(world: world, key: key.secret, groupId: groupId)
    }

    /// POST /api/v1/callbacks with the key, from a page of `origin`.
    func request(_ json: String, origin: String? = CallbackSetup.origin) async throws -> TestResponse {
        var headers: HTTPFields = [HTTPField.Name("X-API-Key")!: key]
        if let origin { headers[.origin] = origin }
        return try await world.client.send(.post, "/api/v1/callbacks", json: json, headers: headers)
    }

    func status(_ id: String) async throws -> [String: Any] {
        try await world.client.must(.get, "/api/v1/callbacks/\(id)", token: nil).json()
    }

    /// Waits until the request reaches `status`, and answers it.
    @discardableResult
    func wait(_ id: String, _ status: String, timeout: Duration = .seconds(15), sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> [String: Any]
    {
        try await eventually("callback \(status)", timeout: timeout, sourceLocation: sourceLocation) {
            (try? await self.status(id))?.string("status") == status
        }
        return try await self.status(id)
    }

    /// Waits for `device` to ring in the simulator, then answers there.
    func answer(_ device: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let simulator = world.simulator
        try await eventually("\(device) rings", sourceLocation: sourceLocation) {
            await simulator.state(of: device).contains { $0.state == .alerting }
        }
        try await simulator.answer(device: device)
    }

    static let alwaysOpen = #""hours":[],"noAnswerSeconds":5,"retries":1,"retrySpacingSeconds":5"#

    /// The group most scenarios use: Sales, served by bob (1002) from the callback device 1999, always open.
    static func bobsSales(_ world: TelephonyWorld) async throws -> CallbackSetup {
        try await make(world, group: #"{"name":"Sales","device":"1999","members":[\#(world.userId("bob"))],\#(alwaysOpen)}"#)
    }
}

@Suite("Callbacks (issue 20)")
struct CallbackTests {
    @Test(arguments: [SimulatorStyle.plain, .real])
    func aMemberWhoAnswersIsConnectedToTheVisitor(_ style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style) { world in
            let bob = world.userId("bob")
            let setup = try await CallbackSetup.make(
                world,
                group: #"{"name":"Sales","device":"1999","members":[\#(bob)],\#(CallbackSetup.alwaysOpen)}"#
            )
            let bobEvents = try await world.subscribe("bob")
            let created = try await setup.request(#"{"number":"\#(CallbackSetup.visitor)","name":"Jeanne Visitor","target":{"group":"sales"}}"#)
            #expect(created.status == .created, "\(created.text)")
            let json = try created.json()
            let id = try #require(json.string("id"))
            #expect(id.hasPrefix("cb_") && id.count == 29)
            #expect(json.string("status") == "scheduled")
            #expect(json.string("number") == "+33612345678")
            #expect(json.string("group") == "Sales")
            #expect(json.string("statusUrl") == "/api/v1/callbacks/\(id)")
            #expect(created.headers[.accessControlAllowOrigin] == CallbackSetup.origin)

            // The agent's phone rings first, from the callback device.
            try await setup.wait(id, "calling-agent")
            try await setup.answer("1002")
            // Then the visitor's, while the agent waits on hold.
            try await setup.wait(id, "calling-visitor")
            try await setup.answer(CallbackSetup.visitorDialled)
            let connected = try await setup.wait(id, "connected")
            #expect(connected.string("connectedAt") != nil)
            // Agent and visitor talk; the callback device has left the call.
            try await eventually("agent and visitor in one call") {
                let calls = await world.simulator.calls()
                return calls.contains { call in
                    let devices = Set(call.connections.map(\.connection.deviceID))
                    return devices == ["1002", CallbackSetup.visitorDialled]
                }
            }
            #expect(await world.simulator.state(of: "1999").isEmpty)
            try await world.simulator.hangUp(device: CallbackSetup.visitorDialled)
            let completed = try await setup.wait(id, "completed")
            #expect(completed.string("completedAt") != nil)
            #expect(completed.int64("attempts") == 1)

            // The group's member followed it on the push channel, in order.
            let seen = try await collect(bobEvents, until: { $0.compactMap(\.callback).last?.status == .completed })
            let statuses = seen.compactMap(\.callback).filter { $0.id == id }.map(\.status.rawValue)
            #expect(statuses == ["scheduled", "calling-agent", "calling-visitor", "connected", "completed"])
            #expect(seen.compactMap(\.callback).first?.name == "Jeanne Visitor")
            let log = try await world.waitLog("bob")
            // And the agent's call log has the call, with the visitor as the other party once the transfer merged it.
            #expect(log.string("kind") == "incoming", "\(log)")
            #expect(log.string("peerNumber") == CallbackSetup.visitorDialled, "\(log)")
        }
    }
}

@Suite("Callbacks: retries, queues, hours, refusals (issue 20)")
struct CallbackScenarioTests {
    @Test(arguments: [SimulatorStyle.plain, .real])
    func aMemberWhoDoesNotAnswerIsTriedAgainThenTheRequestFails(_ style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style) { world in
            let bob = world.userId("bob")
            let setup = try await CallbackSetup.make(
                world,
                group: #"{"name":"Sales","device":"1999","members":[\#(bob)],\#(CallbackSetup.alwaysOpen)}"#
            )
            let id = try #require(try await setup.request(#"{"number":"0612345678","target":{"group":"Sales"}}"#).json().string("id"))
            // Bob's phone rings for the group's 5 s, then stops; the request waits its 5 s spacing.
            try await eventually("bob rings") { await world.simulator.state(of: "1002").contains { $0.state == .alerting } }
            let retry = try await setup.wait(id, "scheduled", timeout: .seconds(20))
            #expect(retry.string("reason") == "agent_no_answer")
            #expect(retry.int64("attempts") == 1)
            #expect(await world.simulator.state(of: "1002").isEmpty)
            #expect(await world.simulator.state(of: "1999").isEmpty)
            // The second and last attempt ends the same way.
            let failed = try await setup.wait(id, "failed", timeout: .seconds(30))
            #expect(failed.string("reason") == "agent_no_answer")
            #expect(failed.int64("attempts") == 2)
            #expect(await world.simulator.calls().isEmpty)
        }
    }

    @Test(arguments: [SimulatorStyle.plain, .real])
    func aVisitorWhoIsBusyIsTriedAgain(_ style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style, simulator: { $0.switchConfiguration.busyExternalNumbers = [CallbackSetup.visitorDialled] }) {
            world in
            let setup = try await CallbackSetup.bobsSales(world)
            let id = try #require(try await setup.request(#"{"number":"\#(CallbackSetup.visitor)","target":{"user":"bob"}}"#).json().string("id"))
            try await setup.answer("1002")
            let retry = try await setup.wait(id, "scheduled")
            #expect(retry.string("reason") == "visitor_busy")
            // Both legs were hung up: the agent is free again.
            try await eventually("agent free") { await world.simulator.state(of: "1002").isEmpty }
        }
    }

    @Test(arguments: [SimulatorStyle.plain, .real])
    func aVisitorWhoDoesNotAnswerIsTriedAgainThenTheRequestFails(_ style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style) { world in
            let setup = try await CallbackSetup.bobsSales(world)
            let id = try #require(try await setup.request(#"{"number":"\#(CallbackSetup.visitor)","target":{"group":"Sales"}}"#).json().string("id"))
            // Bob answers each attempt; the visitor's phone rings the group's 5 s and nobody picks up.
            try await setup.answer("1002")
            try await setup.wait(id, "calling-visitor")
            try await eventually("the visitor rings") {
                await world.simulator.state(of: CallbackSetup.visitorDialled).contains { $0.state == .alerting }
            }
            let retry = try await setup.wait(id, "scheduled", timeout: .seconds(20))
            #expect(retry.string("reason") == "visitor_no_answer")
            #expect(retry.int64("attempts") == 1)
            // Both legs are hung up: the agent on hold is not left waiting, the visitor's phone stops.
            try await eventually("agent and visitor free") {
                let agent = await world.simulator.state(of: "1002")
                let visitor = await world.simulator.state(of: CallbackSetup.visitorDialled)
                return agent.isEmpty && visitor.isEmpty
            }
            try await setup.answer("1002")
            let failed = try await setup.wait(id, "failed", timeout: .seconds(30))
            #expect(failed.string("reason") == "visitor_no_answer")
            #expect(failed.int64("attempts") == 2)
            try await eventually("no call left") { await world.simulator.calls().isEmpty }
        }
    }

    @Test func theKeysOwnRateLimitsCallbackRequestsAndCreatesNothing() async throws {
        // The address and number limits out of reach: only the key's bucket (burst 2, then one every 1,000 s) counts.
        try await TelephonyWorld.run(app: {
            $0.apiKeyPerSecond = 0.001
            $0.apiKeyBurst = 2
            $0.callbacksPerAddressPerMinute = 1_000
        }) { world in
            let setup = try await CallbackSetup.make(
                world,
                group: #"{"name":"Sales","device":"1999","members":[\#(world.userId("bob"))],"hours":[{"days":["mon"],"from":"09:00","to":"09:01"}]}"#
            )
            var codes: [Int] = []
            for number in ["0611111111", "0622222222", "0633333333"] {
                let response = try await setup.request(#"{"number":"\#(number)","target":{"group":"Sales"},"whenClosed":"next-opening"}"#)
                codes.append(Int(response.status.code))
                if response.status == .tooManyRequests {
                    expectProblem(response, .tooManyRequests, "rate_limited")
                    #expect(try response.json().string("detail")?.contains("API key") == true, "\(response.text)")
                    #expect(response.headers[.retryAfter] != nil)
                    // A page of the key's origin can read the refusal.
                    #expect(response.headers[.accessControlAllowOrigin] == CallbackSetup.origin)
                }
            }
            #expect(codes == [201, 201, 429], "\(codes)")
            let listed = try await world.client.must(.get, "/api/v1/admin/callback-groups/\(setup.groupId)/callbacks", token: world.adminToken).json()
            #expect(listed.int64("total") == 2)
        }
    }

    @Test(arguments: [SimulatorStyle.plain, .real])
    func aQueueGroupCallsTheQueueAndWhoeverAnswers(_ style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style) { world in
            _ = try await world.client.create(
                "/api/v1/admin/domains/\(world.domainId)/phone-queues",
                token: world.adminToken,
                json: #"{"name":"Support","device":{"number":"7777"}}"#
            )
            let setup = try await CallbackSetup.make(world, group: #"{"name":"Help desk","device":"1998","queue":"7777","hours":[]}"#)
            // A website may name the queue by its name or number.
            let created = try await setup.request(#"{"number":"\#(CallbackSetup.visitor)","target":{"queue":"Support"}}"#)
            #expect(created.status == .created, "\(created.text)")
            let id = try #require(try created.json().string("id"))
            try await setup.wait(id, "calling-agent")
            // The queue offers the call to its agents (1002, 1003): whoever rings first answers.
            let simulator = world.simulator
            let agent = Mutex<String?>(nil)
            try await eventually("an agent rings") {
                for device in ["1002", "1003"] where await simulator.state(of: device).contains(where: { $0.state == .alerting }) {
                    agent.withLock { $0 = device }
                    return true
                }
                return false
            }
            let answering = try #require(agent.withLock { $0 })
            try await simulator.answer(device: answering)
            try await setup.wait(id, "calling-visitor")
            try await setup.answer(CallbackSetup.visitorDialled)
            try await setup.wait(id, "connected")
            try await simulator.hangUp(device: answering)
            try await setup.wait(id, "completed")
        }
    }

    @Test func outsideBusinessHoursTheRequestIsRefusedOrScheduledForTheOpening() async throws {
        try await TelephonyWorld.run { world in
            // Open only on a date long past: closed now, every day of the week, until the next Monday 09:00.
            let setup = try await CallbackSetup.make(
                world,
                group: #"{"name":"Sales","device":"1999","members":[\#(world.userId("bob"))],"hours":[{"days":["mon"],"from":"09:00","to":"09:01"}]}"#
            )
            let body = #"{"number":"\#(CallbackSetup.visitor)","target":{"group":"Sales"}"#
            let now = Date()
            let refused = try await setup.request(body + "}")
            let weekday = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: now)
            let openNow = weekday.weekday == 2 && weekday.hour == 9 && weekday.minute == 0
            guard !openNow else { return }
            expectProblem(refused, .unprocessableContent, "callback_closed", field: "at")
            #expect(try refused.json().string("detail")?.contains("Mon") == true, "\(refused.text)")
            let scheduled = try await setup.request(body + #","whenClosed":"next-opening"}"#)
            #expect(scheduled.status == .created, "\(scheduled.text)")
            let json = try scheduled.json()
            #expect(json.string("status") == "scheduled")
            let due = try #require(json.string("dueAt").flatMap { ISO8601DateFormatter().date(from: $0) })
            let parts = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: due)
            #expect(parts.weekday == 2 && parts.hour == 9 && parts.minute == 0, "\(due)")
            #expect(due > now && due < now.addingTimeInterval(8 * 86_400))
            // Nothing rings meanwhile.
            try await Task.sleep(for: .milliseconds(300))
            #expect(await world.simulator.calls().isEmpty)
        }
    }

    @Test func refusedNumbersTargetsAndOriginsAreClearAndCreateNothing() async throws {
        try await TelephonyWorld.run { world in
            let setup = try await CallbackSetup.bobsSales(world)
            func ask(_ number: String, target: String = #"{"group":"Sales"}"#) async throws -> TestResponse {
                try await setup.request(#"{"number":"\#(number)","target":\#(target)}"#)
            }
            // International, premium-rate and internal numbers are not called back; junk is not a number.
            expectProblem(try await ask("+44 20 7946 0000"), .unprocessableContent, "callback_number_refused", field: "number")
            expectProblem(try await ask("08 92 68 00 00"), .unprocessableContent, "callback_number_refused", field: "number")
            expectProblem(try await ask("1003"), .unprocessableContent, "callback_number_refused", field: "number")
            expectProblem(try await ask("call me maybe"), .badRequest, "invalid_number", field: "number")
            expectProblem(try await ask("+33 6"), .unprocessableContent, "callback_number_refused", field: "number")
            // Unknown group, unknown user and a user who is no member answer alike: nothing says who exists.
            let unknownGroup = try await ask("0612345678", target: #"{"group":"Nope"}"#)
            let unknownUser = try await ask("0612345678", target: #"{"user":"nobody"}"#)
            let notMember = try await ask("0612345678", target: #"{"user":"carol"}"#)
            for response in [unknownGroup, unknownUser, notMember] {
                expectProblem(response, .unprocessableContent, "callback_target_unavailable", field: "target")
            }
            #expect(try unknownUser.json().string("detail") == notMember.json().string("detail"))
            // A page of another origin may not use the key; a server-side portal (no Origin) may.
            let otherPage = try await setup.request(#"{"number":"0612345678","target":{"group":"Sales"}}"#, origin: "https://evil.example")
            expectProblem(otherPage, .forbidden, "origin_not_allowed")
            #expect(otherPage.headers[.accessControlAllowOrigin] == nil)
            // A user's own token is not a portal key.
            let userToken = try await world.client.send(
                .post,
                "/api/v1/callbacks",
                token: world.token("alice"),
                json: #"{"number":"0612345678","target":{"group":"Sales"}}"#
            )
            expectProblem(userToken, .unauthorized, "unauthenticated")
            let listed = try await world.client.must(.get, "/api/v1/admin/callback-groups/\(setup.groupId)/callbacks", token: world.adminToken).json()
            #expect(listed.int64("total") == 0)
            #expect(await world.simulator.calls().isEmpty)
        }
    }

    @Test(arguments: [SimulatorStyle.plain, .real])
    func aSecondRequestForTheSameNumberAndTargetAnswersTheFirstAndCancelStopsTheCall(_ style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style) { world in
            let setup = try await CallbackSetup.bobsSales(world)
            let first = try await setup.request(#"{"number":"06 12 34 56 78","target":{"group":"Sales"}}"#)
            #expect(first.status == .created)
            let id = try #require(try first.json().string("id"))
            // Written another way, it is the same number.
            let again = try await setup.request(#"{"number":"+33612345678","target":{"group":"sales"}}"#)
            #expect(again.status == .ok, "\(again.text)")
            #expect(try again.json().string("id") == id)
            try await setup.wait(id, "calling-agent")
            try await eventually("bob rings") { await world.simulator.state(of: "1002").contains { $0.state == .alerting } }
            let cancelled = try await world.client.send(.delete, "/api/v1/callbacks/\(id)")
            #expect(cancelled.status == .ok)
            #expect(try cancelled.json().string("status") == "cancelled")
            #expect(try cancelled.json().string("reason") == "cancelled_by_visitor")
            try await eventually("bob's phone stops ringing") { await world.simulator.state(of: "1002").isEmpty }
            expectProblem(try await world.client.send(.delete, "/api/v1/callbacks/\(id)"), .conflict, "callback_finished")
            // Cancelled, a new request for the number is a new one; unknown ids are not found.
            let fresh = try await setup.request(#"{"number":"0612345678","target":{"group":"Sales"}}"#)
            #expect(fresh.status == .created)
            #expect(try fresh.json().string("id") != id)
            expectProblem(try await world.client.send(.get, "/api/v1/callbacks/cb_aaaaaaaaaaaaaaaaaaaaaaaaaa"), .notFound, "not_found")
            expectProblem(try await world.client.send(.get, "/api/v1/callbacks/%27%20OR%201"), .notFound, "not_found")
        }
    }

    @Test func limitsPerNumberAndAddressAnswer429() async throws {
        try await TelephonyWorld.run(app: { $0.callbacksPerAddressPerMinute = 6 }) { world in
            let setup = try await CallbackSetup.make(
                world,
                group: #"{"name":"Sales","device":"1999","members":[\#(world.userId("bob"))],"hours":[{"days":["mon"],"from":"09:00","to":"09:01"}]}"#
            )
            // One number: three requests (the first and its twice-repeated answer), then 429.
            var codes: [Int] = []
            for _ in 0..<4 {
                codes.append(
                    Int(try await setup.request(#"{"number":"0612345678","target":{"group":"Sales"},"whenClosed":"next-opening"}"#).status.code)
                )
            }
            #expect(codes == [201, 200, 200, 429], "\(codes)")
            // One address: six requests a minute whatever the numbers.
            let fifth = try await setup.request(#"{"number":"0611111111","target":{"group":"Sales"},"whenClosed":"next-opening"}"#)
            #expect(fifth.status == .created)
            let sixth = try await setup.request(#"{"number":"0622222222","target":{"group":"Sales"},"whenClosed":"next-opening"}"#)
            #expect(sixth.status == .created)
            let seventh = try await setup.request(#"{"number":"0633333333","target":{"group":"Sales"},"whenClosed":"next-opening"}"#)
            expectProblem(seventh, .tooManyRequests, "rate_limited")
            #expect(seventh.headers[.retryAfter] != nil)
        }
    }

    @Test func eachStatusReachesCallbackWebhooksSigned() async throws {
        let receiver = try WebhookReceiver.start()
        defer { receiver.stop() }
        try await TelephonyWorld.run(app: { $0.webhooksAllowPrivate = true }) { world in
            let setup = try await CallbackSetup.bobsSales(world)
            _ = try await world.client.create(
                "/api/v1/admin/companies/\(world.companyId)/webhooks",
                token: world.adminToken,
                json: #"{"url":"\#(receiver.url())","events":["callback"],"secret":"\#(WebhookReceiver.secret)"}"#
            )
            let id = try #require(try await setup.request(#"{"number":"0612345678","target":{"group":"Sales"}}"#).json().string("id"))
            try await setup.wait(id, "calling-agent")
            _ = try await world.client.send(.delete, "/api/v1/callbacks/\(id)")
            try await eventually("three callback deliveries") {
                receiver.records().filter { $0.kind == "callback" }.count >= 3
            }
            let records = receiver.records().filter { $0.kind == "callback" }
            #expect(records.map(\.dataStatus) == ["scheduled", "calling-agent", "cancelled"], "\(records.map(\.dataStatus))")
            #expect(records.allSatisfy { $0.dataId == id && $0.signature == "valid" && $0.companyId == world.companyId })
            #expect(receiver.records().allSatisfy { $0.kind == "callback" }, "only the subscribed kind")
        }
    }

    @Test func aKeyReachesOnlyItsOwnCompanyAndUsesAPortalLicence() async throws {
        try await TelephonyWorld.run { world in
            let setup = try await CallbackSetup.bobsSales(world)
            let client = world.client
            let other = try await client.createCompany("Other", token: world.adminToken)
            _ = try await client.setLicence("Portal", companyId: other, available: 1, token: world.adminToken)
            let otherKey = try await client.createKey(other, token: world.adminToken, scopes: ["callbacks:create"], extra: ["name": "Other shop"])
            let response = try await client.withKey(.post, "/api/v1/callbacks", key: otherKey.secret, json: #"{"number":"0612345678","target":{"group":"Sales"}}"#)
            expectProblem(response, .unprocessableContent, "callback_target_unavailable", field: "target")
            // Its one Portal licence is used by that key: a second is refused.
            let second = try await client.post(
                "/api/v1/admin/companies/\(other)/api-keys",
                token: world.adminToken,
                json: #"{"name":"Second","scopes":["callbacks:create"]}"#
            )
            expectProblem(second, .conflict, "licence_exhausted")
            let licences = try await client.must(.get, "/api/v1/admin/licences?companyId=\(other)", token: world.adminToken).items()
            #expect(licences.first { $0.string("application") == "Portal" }?.int64("used") == 1)
            // A key without callbacks:create may not ask.
            _ = try await client.setLicence("Toolkit", companyId: world.companyId, available: 5, token: world.adminToken)
            let crm = try await client.createKey(world.companyId, token: world.adminToken, scopes: ["calls:read"])
            expectProblem(
                try await client.withKey(.post, "/api/v1/callbacks", key: crm.secret, json: #"{"number":"0612345678","target":{"group":"Sales"}}"#),
                .forbidden,
                "scope_not_granted"
            )
            _ = setup
        }
    }
}

@Suite("Callbacks over SOAP (issue 20)")
struct CallbackSOAPTests {
    @Test(arguments: [SOAPTestVersion.soap11, .soap12])
    func aServerSidePortalRequestsReadsAndCancelsOverSOAP(_ version: SOAPTestVersion) async throws {
        try await TelephonyWorld.run { world in
            let setup = try await CallbackSetup.bobsSales(world)
            let client = world.client
            let asked = try await client.soap(
                "<tws:RequestCallback><tws:number>06 12 34 56 78</tws:number><tws:name>Jeanne</tws:name><tws:group>Sales</tws:group></tws:RequestCallback>",
                version: version,
                token: setup.key
            )
            #expect(asked.status == .ok, "\(asked.text)")
            #expect(asked.text.contains("<tws:created>true</tws:created>"), "\(asked.text)")
            let id = try #require(asked.text.firstMatch(of: /<tws:id>(cb_[a-z2-7]+)<\/tws:id>/)?.1).description
            // The same request over REST answers the same id: one pending request per number and target.
            let again = try await setup.request(#"{"number":"+33612345678","target":{"group":"Sales"}}"#, origin: nil)
            #expect(try again.json().string("id") == id)
            try await setup.wait(id, "calling-agent")
            let read = try await client.soap("<tws:GetCallback><tws:id>\(id)</tws:id></tws:GetCallback>", version: version)
            #expect(read.text.contains("<tws:status>calling-agent</tws:status>"), "\(read.text)")
            let cancelled = try await client.soap("<tws:CancelCallback><tws:id>\(id)</tws:id></tws:CancelCallback>", version: version)
            #expect(cancelled.text.contains("<tws:status>cancelled</tws:status>"), "\(cancelled.text)")
            // Faults carry REST's codes: a refused number, two targets, a finished request.
            let refused = try await client.soap(
                "<tws:RequestCallback><tws:number>+44 20 7946 0000</tws:number><tws:group>Sales</tws:group></tws:RequestCallback>",
                version: version,
                token: setup.key
            )
            #expect(refused.text.contains("<tws:code>callback_number_refused</tws:code>"), "\(refused.text)")
            let twoTargets = try await client.soap(
                "<tws:RequestCallback><tws:number>0611111111</tws:number><tws:group>Sales</tws:group><tws:user>bob</tws:user></tws:RequestCallback>",
                version: version,
                token: setup.key
            )
            #expect(twoTargets.text.contains("<tws:code>invalid_field</tws:code>"), "\(twoTargets.text)")
            let late = try await client.soap("<tws:CancelCallback><tws:id>\(id)</tws:id></tws:CancelCallback>", version: version)
            #expect(late.text.contains("<tws:code>callback_finished</tws:code>"), "\(late.text)")
            try await eventually("bob's phone stops ringing") { await world.simulator.state(of: "1002").isEmpty }
        }
    }
}
