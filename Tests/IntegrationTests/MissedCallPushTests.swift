import Domain
import Foundation
import HummingbirdTesting
import Telephony
import Testing

@testable import Server

/// Missed calls on supervised lines (issue 17, "Supervision alerts"): carol's line 1003 is in an intercom group
/// authorised to alice, who supervises it; bob has no right to that group. Calls come from the PBX simulator over TCP.
@Suite("Missed calls pushed to supervisors", .serialized)
struct MissedCallPushTests {
    static let external = "0612345678"

    @Test(arguments: SimulatorStyle.allCases)
    func aMissedCallOnASupervisedLineReachesItsSupervisorWithTheCallersDirectoryName(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style, setUp: Self.supervisedDesk) { w in
            let aliceEvents = try await w.subscribe("alice")
            let bobEvents = try await w.subscribe("bob")
            _ = try await w.simulator.placeCall(from: Self.external, to: "1003")
            try await w.waitPresence("carol", "ringing")
            try await w.simulator.hangUp(device: Self.external)
            let events = try await collect(aliceEvents) { $0.contains { $0.type == .missedCall } }
            let missed = try #require(events.compactMap(\.missedCall).first)
            let delivered = try #require(events.compactMap(\.call).first { $0.device == "1003" && $0.event == "delivered" })
            #expect(missed.callId == delivered.callId)
            #expect(missed.device == "1003")
            #expect(missed.userId == w.userId("carol"))
            #expect(missed.callerNumber == Self.external)
            #expect(missed.callerName == "Claire Martin")
            // Carol's own history has the missed call as usual.
            w.expectLog(try await w.waitLog("carol"), "missed", peer: Self.external, answered: false)
            // Bob supervises nothing: after a marker every user receives, nothing of the missed call reached him.
            w.server.bus.publish(
                domainId: w.domainId,
                audience: .domain,
                event: PushEvent(type: .link, time: Date(), link: .init(linkId: 0, domainId: w.domainId, connected: true))
            )
            let bobs = try await collect(bobEvents) { $0.contains { $0.link?.linkId == 0 } }
            #expect(!bobs.contains { $0.type == .missedCall })
        }
    }

    @Test(arguments: SimulatorStyle.allCases)
    func anAnsweredCallOrOneAnsweredElsewhereInTheHuntGroupIsNotPushedAsMissed(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style, setUp: Self.supervisedDesk) { w in
            let aliceEvents = try await w.subscribe("alice")
            // Answered at carol's line.
            _ = try await w.simulator.placeCall(from: Self.external, to: "1003")
            try await w.waitPresence("carol", "ringing")
            _ = try await w.simulator.answer(device: "1003")
            try await w.waitPresence("carol", "busy")
            try await w.simulator.hangUp(device: Self.external)
            try await w.waitPresence("carol", "idle")
            // Through hunt group 7777 (bob and carol), answered by bob.
            _ = try await w.simulator.placeCall(from: Self.external, to: "7777")
            try await w.waitPresence("bob", "ringing")
            _ = try await w.simulator.answer(device: "1002")
            try await w.waitPresence("bob", "busy")
            try await w.simulator.hangUp(device: Self.external)
            try await w.waitPresence("bob", "idle")
            try await w.waitPresence("carol", "idle")
            // Then one carol misses: the only missed_call alice gets is that one.
            _ = try await w.simulator.placeCall(from: Self.external, to: "1003")
            try await w.waitPresence("carol", "ringing")
            try await w.simulator.hangUp(device: Self.external)
            let events = try await collect(aliceEvents) { $0.contains { $0.type == .missedCall } }
            let lastAtCarol = try #require(events.compactMap(\.call).last { $0.device == "1003" && $0.event == "delivered" })
            #expect(events.compactMap(\.missedCall).map(\.callId) == [lastAtCarol.callId])
        }
    }

    /// An intercom group holding carol's 1003 authorised to alice, and Claire Martin's mobile in the public directory
    /// carol reads (as the PBX presents it, national).
    @Sendable
    static func supervisedDesk(_ client: any TestClientProtocol, _ admin: String, _ domainId: Int64, _ users: [String: Int64]) async throws {
        let groupId = try await client.create(
            "/api/v1/admin/domains/\(domainId)/intercom-groups",
            token: admin,
            json: #"{"name":"Front desk","devices":[{"number":"1003"}]}"#
        )
        try await client.grant("intercomGroup", groupId, to: "user", users["alice"]!, token: admin)
        let directories = try await client.must(.get, "/api/v1/admin/domains/\(domainId)/directories", token: admin).items()
        let directoryId = try #require(directories.first { $0.string("source") == "TwsPublic" }?.int64("id"))
        _ = try await client.create(
            "/api/v1/admin/directories/\(directoryId)/contacts",
            token: admin,
            json: #"{"lastName":"Martin","firstName":"Claire","company":"Acme","phones":[{"kind":"mobile","number":"+33 6 12 34 56 78"}]}"#
        )
        try await client.grant("directory", directoryId, to: "user", users["carol"]!, token: admin)
    }
}
