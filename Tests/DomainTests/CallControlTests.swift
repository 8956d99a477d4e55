import Domain
import Foundation
import Synchronization
import Testing

/// A PBX stand-in: records every command it is given and answers as a switch would, or fails as told.
final class RecordingGateway: SwitchGateway {
    private struct State {
        var commands: [(command: SwitchCommand, domainId: Int64)] = []
        var failure: SwitchError?
    }
    private let state = Mutex(State())

    /// The commands received, in order.
    var commands: [SwitchCommand] { state.withLock { $0.commands.map(\.command) } }
    var domainIds: [Int64] { state.withLock { $0.commands.map(\.domainId) } }

    /// Every command from now on fails with `failure` (nil: they succeed again).
    func fail(with failure: SwitchError?) { state.withLock { $0.failure = failure } }

    func execute(_ command: SwitchCommand, domainId: Int64) async throws(SwitchError) -> SwitchReply {
        let (failure, count) = state.withLock { state in
            state.commands.append((command, domainId))
            return (state.failure, state.commands.count)
        }
        if let failure { throw failure }
        switch command {
        case .makeCall(let device, _): return .call(CallRef(callId: "call-\(count)", device: device))
        case .consult(let call, _): return .call(CallRef(callId: "call-\(count)", device: call.device))
        case .getForwarding: return .forwarding([])
        default: return .done
        }
    }
}

/// Push events as the event bus would receive them.
final class RecordingPublisher: PushPublisher {
    let events = Mutex<[(audience: PushAudience, event: PushEvent)]>([])

    func publish(domainId: Int64, audience: PushAudience, event: PushEvent) -> UInt64 {
        events.withLock { events in
            events.append((audience, event))
            return UInt64(events.count)
        }
    }
}

/// A tenant whose domain dials out with the external prefix 9, a user with two devices, a colleague with one, and call
/// control over the in-memory store and a recording gateway.
struct CallControlWorld {
    let world: World
    let domain: CompanyDomain
    let alice: User
    let bob: User
    let principal: UserPrincipal
    let gateway = RecordingGateway()
    let publisher = RecordingPublisher()
    let callLogs: CallLogWriter
    let calls: CallControl

    init() async throws {
        world = try await World()
        let (company, domain) = try await world.tenant("Acme")
        self.domain = domain
        _ = try await world.admin.setDialingPlan(
            world.root,
            domainId: domain.id!,
            DialingPlanSettings(companyId: company.id!, domainId: domain.id!, externalPrefix: "9")
        )
        alice = try await world.callerUser("alice", in: domain)
        bob = try await world.callerUser("bob", in: domain)
        for (user, number) in [(alice, "1003"), (alice, "1001"), (bob, "1002")] {
            _ = try await world.admin.createDevice(world.root, userId: user.id!, DeviceChanges(number: number))
        }
        principal = UserPrincipal(userId: alice.id!, domainId: domain.id!, companyId: company.id!, sessionTokenId: "t")
        let plans = DialingPlans(store: world.store)
        callLogs = CallLogWriter(store: world.store, publisher: publisher)
        let events = CallEventPipeline(publisher: publisher, callLogs: callLogs, plans: plans)
        calls = CallControl(store: world.store, gateway: gateway, events: events, plans: plans)
    }

    func setCallerParameter(_ name: String, _ value: String, for user: User) async throws {
        _ = try await world.admin.setParameter(world.root, scope: .user, scopeId: user.id!, application: .caller, name: name, value: value)
    }
}

@Suite struct CallControlTests {
    @Test func clickToCallLeavesFromTheUsersDeviceWithTheNumberThroughTheDomainsDialingPlan() async throws {
        let w = try await CallControlWorld()
        // No device named: the user's first device by number.
        let placed = try await w.calls.makeCall(w.principal, device: nil, number: "01 55 17 18 89")
        #expect(placed.call.device == "1001")
        #expect(placed.dialled.number == "90155171889" && placed.dialled.externalPrefixAdded)
        // An internal number (the plan's internal length) is dialled as it is, from the device named.
        let internalCall = try await w.calls.makeCall(w.principal, device: "1003", number: "1002")
        #expect(internalCall.call.device == "1003" && !internalCall.dialled.externalPrefixAdded)
        #expect(
            w.gateway.commands == [.makeCall(device: "1001", number: "90155171889"), .makeCall(device: "1003", number: "1002")]
        )
        #expect(w.gateway.domainIds == [w.domain.id!, w.domain.id!])
    }

    @Test func aDeviceThatIsNotTheUsersIsNotFoundAndNothingReachesThePBX() async throws {
        let w = try await CallControlWorld()
        // The colleague's device answers exactly like a device that does not exist.
        for device in ["1002", "4999"] {
            let error = await domainError { _ = try await w.calls.makeCall(w.principal, device: device, number: "1003") }
            #expect(error == .notFound("Device"), "\(device)")
        }
        let forwarding = await domainError {
            _ = try await w.calls.setForwarding(
                w.principal,
                device: "1002",
                setting: ForwardingSetting(kind: .busy, enabled: true, destination: "1001")
            )
        }
        #expect(forwarding == .notFound("Device"))
        // A user without a device has nothing to call from.
        let carol = try await w.world.callerUser("carol", in: w.domain)
        let carolPrincipal = UserPrincipal(userId: carol.id!, domainId: w.domain.id!, companyId: carol.companyId, sessionTokenId: "c")
        #expect(await domainError { _ = try await w.calls.makeCall(carolPrincipal, device: nil, number: "1001") }?.code == "no_device")
        #expect(w.gateway.commands.isEmpty)
    }

    @Test func forwardingTheUsersRightsForbidNeverReachesThePBX() async throws {
        let w = try await CallControlWorld()
        try await w.setCallerParameter("AuthorizedForwardTypeImmediate", "false", for: w.alice)
        let refused = await domainError {
            _ = try await w.calls.setForwarding(
                w.principal,
                device: "1001",
                setting: ForwardingSetting(kind: .immediate, enabled: true, destination: "0612345678")
            )
        }
        #expect(refused?.code == "forwarding_not_allowed" && refused?.kind == .forbidden)
        #expect(w.gateway.commands.isEmpty)
        // Another kind the user may set goes to the PBX, its destination through the dialing plan.
        let applied = try await w.calls.setForwarding(
            w.principal,
            device: "1001",
            setting: ForwardingSetting(kind: .busy, enabled: true, destination: "0612345678")
        )
        #expect(applied.destination == "90612345678")
        #expect(
            w.gateway.commands == [.setForwarding(device: "1001", setting: ForwardingSetting(kind: .busy, enabled: true, destination: "90612345678"))]
        )
        // AuthorizeSimpleRules off forbids every kind.
        try await w.setCallerParameter("AuthorizeSimpleRules", "false", for: w.alice)
        let none = await domainError {
            _ = try await w.calls.setForwarding(
                w.principal,
                device: "1001",
                setting: ForwardingSetting(kind: .busy, enabled: false, destination: nil)
            )
        }
        #expect(none?.code == "forwarding_not_allowed")
        #expect(w.gateway.commands.count == 1)
    }

    @Test(arguments: [
        (SwitchError.notConnected("1001"), "pbx_unavailable", DomainError.Kind.unavailable),
        (.timeout, "pbx_timeout", .gatewayTimeout),
        (.rejected(category: "operation", value: "invalidCalledDevice"), "pbx_refused", .conflict),
    ])
    func aPBXFailureSurfacesAsItsDomainError(failure: SwitchError, code: String, kind: DomainError.Kind) async throws {
        let w = try await CallControlWorld()
        w.gateway.fail(with: failure)
        let error = await domainError { _ = try await w.calls.makeCall(w.principal, device: "1001", number: "1002") }
        #expect(error?.code == code && error?.kind == kind)
        let dnd = await domainError { try await w.calls.setDoNotDisturb(w.principal, device: "1001", enabled: true) }
        #expect(dnd?.code == code)
        #expect(w.gateway.commands == [.makeCall(device: "1001", number: "1002"), .setDoNotDisturb(device: "1001", enabled: true)])
    }

    @Test func aCallThePBXRefusesIsPushedAsFailedAndLoggedWithItsCause() async throws {
        let w = try await CallControlWorld()
        w.gateway.fail(with: .rejected(category: "operation", value: "invalidCalledDevice"))
        _ = await domainError { _ = try await w.calls.makeCall(w.principal, device: "1001", number: "01 55 17 18 89") }
        let pushed = try #require(w.publisher.events.withLock { $0 }.first { $0.event.call != nil })
        #expect(pushed.audience == .device("1001"))
        #expect(pushed.event.call?.state == .failed && pushed.event.call?.cause == "invalidCalledDevice")
        #expect(pushed.event.call?.peerNumber == "90155171889")
        // The writer writes the attempt into the caller's history.
        let writer = Task { await w.callLogs.run() }
        w.callLogs.finish()
        await writer.value
        let history = try await w.world.store.read { [alice = w.alice] tx in try tx.callLog(userId: alice.id!, kind: nil, .all) }
        #expect(history.items.map(\.kind) == [.outgoing])
        #expect(history.items.first?.cause == "invalidCalledDevice" && history.items.first?.peerNumber == "90155171889")
        #expect(history.items.first?.answeredAt == nil && history.items.first?.durationSeconds == 0)
    }
}
