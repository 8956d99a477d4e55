import Telephony
import Testing

/// Calls waiting in a hunt group when no agent is free (admin guide 9.2.2 shared queues): they hold in the queue, are
/// offered in arrival order, can be abandoned by their caller, and can be deflected from the queue's connection.
@Suite struct SimulatorQueueTests {
    /// A switch of `style` with hunt group 3000 (agents 1002, 1003), both agents busy.
    static func makeSwitch(_ style: SimulatorStyle) async -> PBXSwitch {
        let pbx = PBXSwitch(
            configuration: PBXSwitch.Configuration(numbering: SimulatorNumbering(queues: ["3000": ["1002", "1003"]]), style: style)
        )
        await pbx.setBusy("1002", true)
        await pbx.setBusy("1003", true)
        return pbx
    }

    @Test(arguments: SimulatorStyle.allCases)
    func waitingCallsAreOfferedInArrivalOrderWhenAnAgentBecomesFree(style: SimulatorStyle) async throws {
        let pbx = await Self.makeSwitch(style)
        try await pbx.placeCall(from: "1001", to: "3000")
        try await pbx.placeCall(from: "1004", to: "3000")
        #expect(await pbx.state(of: "3000").map(\.description) == ["1@3000=queued", "2@3000=queued"])
        await pbx.setBusy("1003", false)
        // The first caller's call rings the free agent; the second waits (the agent is now busy ringing).
        #expect(await pbx.state(of: "1003").map(\.description) == ["1@1003=alerting"])
        try await pbx.answer(device: "1003")
        // The first caller ends the conversation: the agent is free again.
        try await pbx.hangUp(device: "1001")
        #expect(await pbx.state(of: "1003").map(\.description) == ["2@1003=alerting"])
    }

    @Test(arguments: SimulatorStyle.allCases)
    func agentInDoNotDisturbIsNotOfferedAWaitingCall(style: SimulatorStyle) async throws {
        let pbx = await Self.makeSwitch(style)
        try await pbx.setDoNotDisturb(device: "1002", on: true)
        await pbx.setBusy("1002", false)
        try await pbx.placeCall(from: "1001", to: "3000")
        #expect(await pbx.state(of: "1002").isEmpty)
        try await pbx.setDoNotDisturb(device: "1002", on: false)
        #expect(await pbx.state(of: "1002").map(\.description) == ["1@1002=alerting"])
    }

    @Test(arguments: SimulatorStyle.allCases)
    func callerHangingUpWhileWaitingAbandonsTheQueue(style: SimulatorStyle) async throws {
        let pbx = await Self.makeSwitch(style)
        let link = await SimLink.open(on: pbx)
        let ids = try await link.monitor("3000")
        try await pbx.placeCall(from: "1001", to: "3000")
        try await pbx.hangUp(device: "1001")
        #expect(await pbx.calls().isEmpty)
        #expect(link.trace(ids["3000"]).first == "Queued 1@3000 queued enteringDistribution")
        #expect(link.trace(ids["3000"]).contains("ConnectionCleared 1@1001 queued normalClearing"))
        await pbx.setBusy("1002", false)
        #expect(await pbx.state(of: "1002").isEmpty)
    }

    @Test(arguments: SimulatorStyle.allCases)
    func deflectCallFromTheQueueSendsTheWaitingCallToTheTarget(style: SimulatorStyle) async throws {
        let pbx = await Self.makeSwitch(style)
        let link = await SimLink.open(on: pbx)
        let ids = try await link.monitor("3000", "1004")
        try await pbx.placeCall(from: "1001", to: "3000")
        let response = await link.send(.deflectCall(callToBeDiverted: ConnectionID(callID: "1", deviceID: "3000"), newDestination: "1004"))
        #expect(response == .positiveResponse("DeflectCallResponse"))
        #expect(await pbx.calls().first?.connections.map(\.description) == ["1@1001=connected", "1@1004=alerting"])
        #expect(link.trace(ids["3000"]) == ["Queued 1@3000 queued enteringDistribution", "Diverted 1@3000 null redirected"])
        #expect(await link.send(.answerCall(ConnectionID(callID: "1", deviceID: "1004"))) == .positiveResponse("AnswerCallResponse"))
        // Out of the distribution: an agent becoming free is not offered it.
        await pbx.setBusy("1002", false)
        #expect(await pbx.state(of: "1002").isEmpty)
        #expect(await pbx.state(of: "1004").map(\.description) == ["1@1004=connected"])
    }

    @Test func deflectingFromTheQueueStopsTheAgentsStillRinging() async throws {
        let pbx = await Self.makeSwitch(.plain)
        let link = await SimLink.open(on: pbx)
        await pbx.setBusy("1002", false)
        try await pbx.placeCall(from: "1001", to: "3000")
        #expect(await pbx.state(of: "1002").map(\.description) == ["1@1002=alerting"])
        // The agent ringing takes the call through the gateway: deflected from the queue to that very agent.
        let response = await link.send(.deflectCall(callToBeDiverted: ConnectionID(callID: "1", deviceID: "3000"), newDestination: "1002"))
        #expect(response == .positiveResponse("DeflectCallResponse"))
        #expect(await pbx.calls().first?.connections.map(\.description) == ["1@1001=connected", "1@1002=alerting"])
        #expect(await pbx.state(of: "3000").isEmpty)
    }
}
