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
