import Domain
import Endpoints
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOWebSocket
import Synchronization
import Testing

@testable import Server

/// Administrators on the push channel (issue 17, "Supervision alerts on :9000"): PBX link down/up and phone-queue
/// alerts of their companies only, over a real WebSocket and long-poll, with PBX links over real TCP.
@Suite("Admin push channel", .serialized)
struct AdminPushTests {
    @Test
    func anAdministratorReceivesTheLinkDownAndUpOfTheirCompanyOnlyAndTheSuperUserOfBoth() async throws {
        try await AdminPushWorld.run { w in
            let (telcoEvents, _) = try await w.push.socket(token: w.telcoAdminToken) { telcoSocket in
                let (superEvents, _) = try await w.push.socket(token: w.superToken) { superSocket in
                    // Both links run to the same simulator: dropping its connections takes both down, and both reconnect.
                    await w.world.simulator.dropAllConnections()
                    return try await superSocket.events { events in
                        [w.world.linkId, w.rivalLinkId].allSatisfy { link in events.linkSteps(of: link).contains("up") }
                    }
                }
                #expect(superEvents.linkSteps(of: w.world.linkId).starts(with: ["down", "up"]), "\(superEvents.linkSteps(of: w.world.linkId))")
                #expect(superEvents.linkSteps(of: w.rivalLinkId).starts(with: ["down", "up"]), "\(superEvents.linkSteps(of: w.rivalLinkId))")
                // Each link event names its domain.
                #expect(
                    superEvents.compactMap(\.link).allSatisfy { $0.domainId == ($0.linkId == w.rivalLinkId ? w.rivalDomainId : w.world.domainId) }
                )
                // Everything of both links is published by now: a marker in Telco's domain ends what Telco's admin reads.
                w.alert(domainId: w.world.domainId, queueId: 99)
                return try await telcoSocket.events { $0.last?.supervisionAlert?.queueId == 99 }
            }
            #expect(telcoEvents.linkSteps(of: w.world.linkId).starts(with: ["down", "up"]), "\(telcoEvents.linkSteps(of: w.world.linkId))")
            #expect(telcoEvents.linkSteps(of: w.rivalLinkId).isEmpty, "nothing of the other company's link")
            #expect(telcoEvents.allSatisfy { $0.type == .link || $0.type == .supervisionAlert })
            #expect(telcoEvents.compactMap(\.link).allSatisfy { $0.domainId == w.world.domainId })
        }
    }

    @Test
    func anAdministratorNeverReceivesCallPresenceOrCallLogEvents() async throws {
        try await AdminPushWorld.run { w in
            let aliceEvents = try await w.world.subscribe("alice")
            let (events, _) = try await w.push.socket(token: w.telcoAdminToken) { socket in
                try await w.world.client.must(.post, "/api/v1/calls", token: w.world.token("alice"), json: #"{"number":"1002"}"#, answer: .created)
                try await w.world.waitPresence("bob", "ringing")
                _ = try await w.world.simulator.answer(device: "1002")
                try await w.world.waitPresence("alice", "busy")
                try await w.world.simulator.hangUp(device: "1002")
                try await w.world.waitLog("alice")
                // The user saw the call and its log line; the administrator's first event is the marker.
                let seen = try await collect(aliceEvents) { $0.contains { $0.type == .callLog } }
                #expect(seen.contains { $0.type == .call } && seen.contains { $0.type == .devicePresence })
                w.alert(domainId: w.world.domainId, queueId: 7)
                return try await socket.events(1)
            }
            #expect(events.map(\.type) == [.supervisionAlert])
            #expect(events.first?.supervisionAlert?.queueId == 7)
        }
    }

    @Test
    func aQueueAlertReachesTheAdministratorsOfItsCompanyOnly() async throws {
        try await AdminPushWorld.run { w in
            let (telcoEvents, _) = try await w.push.socket(token: w.telcoAdminToken) { telcoSocket in
                let (superEvents, _) = try await w.push.socket(token: w.superToken) { superSocket in
                    w.alert(domainId: w.rivalDomainId, queueId: 2)
                    w.alert(domainId: w.world.domainId, queueId: 1)
                    return try await superSocket.events { events in Set(events.compactMap(\.supervisionAlert).map(\.queueId)) == [1, 2] }
                }
                #expect(Set(superEvents.compactMap(\.supervisionAlert).map(\.queueId)) == [1, 2], "the super-user sees every company")
                return try await telcoSocket.events(1)
            }
            let alert = try #require(telcoEvents.first?.supervisionAlert)
            #expect(alert.queueId == 1 && alert.domainId == w.world.domainId && alert.queueName == "Queue 1")
        }
    }

    @Test
    func aRevokedAdministratorSessionIsCutOff() async throws {
        try await AdminPushWorld.run { w in
            let (_, close) = try await w.push.socket(token: w.telcoAdminToken) { socket in
                try await w.world.client.must(.post, "/api/v1/admin/auth/logout", token: w.telcoAdminToken, answer: .noContent)
                try await socket.drain()
            }
            #expect(close?.closeCode == .unknown(4401))
            #expect(close?.reason == "session_ended")
            expectProblem(
                try await w.push.push.get("/events/poll?domainId=\(w.world.domainId)&timeout=0", token: w.telcoAdminToken),
                .unauthorized,
                "unauthenticated"
            )
            expectRefusal(try await w.push.upgrade(token: w.telcoAdminToken), .unauthorized, "unauthenticated")
        }
    }

    @Test
    func anAdministratorLongPollsOneDomainOfTheirCompaniesAndResumesWithAfter() async throws {
        try await AdminPushWorld.run { w in
            let telco = w.world.domainId
            let start = w.world.server.bus.currentSeq(domainId: telco)
            w.alert(domainId: telco, queueId: 1)
            // A call's events go out in Telco's domain between the two alerts: they take seqs, the admin never sees them.
            try await w.world.client.must(.post, "/api/v1/calls", token: w.world.token("alice"), json: #"{"number":"1002"}"#, answer: .created)
            try await w.world.waitPresence("bob", "ringing")
            try await w.world.simulator.hangUp(device: "1001")
            try await w.world.waitPresence("bob", "idle")
            let second = w.alert(domainId: telco, queueId: 2)
            let first = try await w.push.poll("domainId=\(telco)&after=\(start)&timeout=5", token: w.telcoAdminToken)
            #expect(first.events.compactMap(\.supervisionAlert).map(\.queueId) == [1, 2])
            #expect(first.events.allSatisfy { $0.type == .supervisionAlert })
            #expect(first.next >= second)
            // Resuming: only what came after.
            w.alert(domainId: telco, queueId: 3)
            let resumedPoll = try await w.push.poll("domainId=\(telco)&after=\(first.next)&timeout=5", token: w.telcoAdminToken)
            #expect(resumedPoll.events.compactMap(\.supervisionAlert).map(\.queueId) == [3])
            // The same resume over a WebSocket names the domain too.
            let (resumed, _) = try await w.push.socket(token: w.telcoAdminToken, query: "domainId=\(telco)&after=\(first.next)") { socket in
                try await socket.events(1)
            }
            #expect(resumed.first?.supervisionAlert?.queueId == 3)
            // The super-user polls the other company's domain as well.
            w.alert(domainId: w.rivalDomainId, queueId: 4)
            let rival = try await w.push.poll("domainId=\(w.rivalDomainId)&after=0&timeout=5", token: w.superToken)
            #expect(rival.events.compactMap(\.supervisionAlert).map(\.queueId).contains(4))
        }
    }

    @Test
    func anAdministratorsRequestsNameADomainTheyMaySeeWhenSequenceNumbersMatter() async throws {
        try await AdminPushWorld.run { w in
            let push = w.push.push
            // A long-poll's `next` counts in one domain.
            expectProblem(try await push.get("/events/poll?timeout=0", token: w.telcoAdminToken), .badRequest, "invalid_parameter", field: "domainId")
            // Another company's domain answers like a missing one.
            expectProblem(try await push.get("/events/poll?domainId=\(w.rivalDomainId)&timeout=0", token: w.telcoAdminToken), .notFound, "not_found")
            expectProblem(try await push.get("/events/poll?domainId=999999&timeout=0", token: w.telcoAdminToken), .notFound, "not_found")
            expectRefusal(try await w.push.upgrade(token: w.telcoAdminToken, query: "domainId=\(w.rivalDomainId)"), .notFound, "not_found")
            // Resuming needs the domain the seq counts in.
            expectRefusal(try await w.push.upgrade(token: w.telcoAdminToken, query: "after=0"), .badRequest, "invalid_parameter", field: "after")
            expectRefusal(
                try await w.push.upgrade(token: w.telcoAdminToken, query: "domainId=x"),
                .badRequest,
                "invalid_parameter",
                field: "domainId"
            )
        }
    }
}

/// Two companies on one PBX simulator: Telco (TelephonyWorld's company, domain Lyon, its link) and Rival (domain Nantes,
/// a second link to the same simulator), an administrator of Telco only, the super-user, and a push channel on :9000
/// built as the server builds it (`buildPushTransport`) over the server's bus, with sessions checked every 100 ms.
struct AdminPushWorld: Sendable {
    let world: TelephonyWorld
    /// The push channel helpers of `PushChannelTests` (sockets, long-polls, refused upgrades) on this channel.
    let push: PushWorld
    let rivalDomainId: Int64
    let rivalLinkId: Int64
    let telcoAdminToken: String

    var superToken: String { world.adminToken }

    static func run(_ test: @escaping @Sendable (AdminPushWorld) async throws -> Void) async throws {
        try await TelephonyWorld.run { world in
            let client = world.client
            let root = world.adminToken
            let rivalCompanyId = try await client.createCompany("Rival", token: root)
            let rivalDomainId = try await client.createDomain(companyId: rivalCompanyId, name: "Nantes", token: root)
            let port = try #require(await world.simulator.port)
            let rivalLinkId = try await client.create(
                "/api/v1/admin/domains/\(rivalDomainId)/pbx-links",
                token: root,
                json: #"{"host":"127.0.0.1","port":\#(port),"capacity":10,"pbxType":"simulator","username":"tws","password":"pbx-secret"}"#
            )
            _ = try await client.create(
                "/api/v1/admin/admins",
                token: root,
                json: jsonObject(["username": "telco-admin", "password": "telco-admin-pw", "superUser": false, "companyIds": [world.companyId]])
            )
            let telcoAdminToken = try await client.adminLogin("telco-admin", "telco-admin-pw").token
            try await world.server.services.supervision.replan()
            try await eventually("both links up") {
                let states = world.server.links.linkStates()
                return [world.linkId, rivalLinkId].allSatisfy { id in states.contains { $0.linkId == id && $0.connected } }
            }
            var logger = Logger(label: "admin-push-tests")
            logger.logLevel = .critical
            let bus = world.server.bus
            let transport = buildPushTransport(
                bus: bus,
                services: world.server.services,
                limits: PushLimits(sessionRecheckInterval: .milliseconds(100)),
                logger: logger
            )
            try await buildPushApplication(transport, host: "127.0.0.1", port: 0, logger: logger).test(.live) { pushClient in
                let push = PushWorld(
                    api: client,
                    push: pushClient,
                    bus: bus,
                    transport: transport,
                    domainId: world.domainId,
                    samUserId: world.userId("alice"),
                    samToken: world.token("alice"),
                    eveToken: world.token("bob")
                )
                try await test(
                    AdminPushWorld(world: world, push: push, rivalDomainId: rivalDomainId, rivalLinkId: rivalLinkId, telcoAdminToken: telcoAdminToken)
                )
            }
        }
    }

    /// Publishes a phone-queue alert in `domainId`, as the queue supervision does (audience: the queue's device); returns its seq.
    @discardableResult
    func alert(domainId: Int64, queueId: Int64) -> UInt64 {
        world.server.bus.publish(
            domainId: domainId,
            audience: .device("7777"),
            event: PushEvent(
                type: .supervisionAlert,
                time: Date(),
                supervisionAlert: SupervisionAlertPayload(
                    queueId: queueId,
                    queueName: "Queue \(queueId)",
                    domainId: domainId,
                    metric: .waitingCalls,
                    state: .raised,
                    threshold: 3,
                    value: 4
                )
            )
        )
    }
}

extension PushTestSocket {
    /// Events until `done` holds for those read so far.
    func events(until done: ([PushEvent]) -> Bool) async throws -> [PushEvent] {
        var events: [PushEvent] = []
        repeat { events += try await self.events(1) } while !done(events)
        return events
    }
}

extension [PushEvent] {
    /// "down" / "up" of one PBX link, in order.
    func linkSteps(of linkId: Int64) -> [String] {
        compactMap(\.link).filter { $0.linkId == linkId }.map { $0.connected ? "up" : "down" }
    }
}
