import Foundation
import Telephony
import Testing

/// The switch model driven directly (no socket): the event sequence each monitored device receives, in order, for every
/// call story, and the truth the switch reports. Trace lines read `Event subject-connection own-state cause`.
@Suite struct SimulatorSwitchTests {
    /// A switch with extensions 1000–9999, hunt group 3000 (agents 1002, 1003) and a short no-answer timeout.
    static func makeSwitch(_ configure: (inout PBXSwitch.Configuration) -> Void = { _ in }) -> PBXSwitch {
        var configuration = PBXSwitch.Configuration(
            numbering: SimulatorNumbering(queues: ["3000": ["1002", "1003"]]),
            noAnswerTimeout: .milliseconds(30)
        )
        configure(&configuration)
        return PBXSwitch(configuration: configuration)
    }

    @Test func answeredCallReportsEveryStepToBothParties() async throws {
        let pbx = Self.makeSwitch()
        let link = await SimLink.open(on: pbx)
        let ids = try await link.monitor("1001", "1002")

        let response = await link.send(.makeCall(callingDevice: "1001", calledDirectoryNumber: "1002"), invokeID: 7)
        #expect(response == .makeCallResponse(callingDevice: ConnectionID(callID: "1", deviceID: "1001")))
        try await pbx.answer(device: "1002")
        #expect(await pbx.calls().first?.connections.map(\.state) == [.connected, .connected])
        try await pbx.hangUp(device: "1001")

        #expect(
            link.trace(ids["1001"]) == [
                "ServiceInitiated 1@1001 initiated makeCall", "Originated 1@1001 connected makeCall", "Delivered 1@1002 connected newCall",
                "Established 1@1002 connected newCall", "ConnectionCleared 1@1001 null normalClearing",
            ]
        )
        #expect(
            link.trace(ids["1002"]) == [
                "Delivered 1@1002 alerting newCall", "Established 1@1002 connected newCall", "ConnectionCleared 1@1001 connected normalClearing",
                "ConnectionCleared 1@1002 null normalClearing",
            ]
        )
        #expect(await pbx.calls().isEmpty)
        let counters = await pbx.currentCounters()
        #expect(counters.callsStarted == 1 && counters.callsAnswered == 1 && counters.callsCompleted == 1)
    }

    @Test func tracingRecordsEachCallEventCopyWithItsDeviceAndSendTime() async throws {
        let pbx = Self.makeSwitch()
        let link = await SimLink.open(on: pbx)
        let ids = try await link.monitor("1001", "1002")
        _ = await link.send(.makeCall(callingDevice: "1001", calledDirectoryNumber: "1002"), invokeID: 7)
        #expect(await pbx.takeTrace().isEmpty, "nothing is recorded before tracing starts")

        await pbx.startTracing()
        var clock = timespec()
        clock_gettime(CLOCK_REALTIME, &clock)
        let before = Int64(clock.tv_sec) * 1_000_000_000 + Int64(clock.tv_nsec)
        try await pbx.answer(device: "1002")
        try await pbx.hangUp(device: "1001")
        let trace = await pbx.takeTrace()
        #expect(
            trace.map { "\($0.device) \($0.callID) \($0.event)" } == [
                "1001 1 EstablishedEvent", "1002 1 EstablishedEvent", "1001 1 ConnectionClearedEvent", "1002 1 ConnectionClearedEvent",
                "1002 1 ConnectionClearedEvent",
            ]
        )
        #expect(trace.allSatisfy { $0.time >= before }, "times are wall-clock nanoseconds")
        let copies = link.trace(ids["1001"]).count + link.trace(ids["1002"]).count
        #expect(trace.count == copies - 4, "one record per copy sent, none for the four copies before tracing")
        #expect(await pbx.takeTrace().isEmpty, "taking the trace empties it")
    }

    @Test func responseComesBeforeTheEventsItCausesAndEventsCarryTheirFields() async throws {
        let pbx = Self.makeSwitch()
        let link = await SimLink.open(on: pbx)
        let ids = try await link.monitor("1001", "1002")
        await link.send(.makeCall(callingDevice: "1001", calledDirectoryNumber: "1002"), invokeID: 8)

        let outputs = link.recorder.items.suffix(5)
        #expect(outputs.first == .message(invokeID: 8, .makeCallResponse(callingDevice: ConnectionID(callID: "1", deviceID: "1001"))))
        #expect(outputs.dropFirst().allSatisfy { if case .message(9999, _) = $0 { true } else { false } })
        let delivered = try #require(link.messages.first { if case .delivered = $0 { $0.monitorCrossRefID == ids["1002"] } else { false } })
        #expect(
            delivered
                == .delivered(
                    CSTACallEvent(
                        monitorCrossRefID: try #require(ids["1002"]),
                        connection: ConnectionID(callID: "1", deviceID: "1002"),
                        callingDevice: "1001",
                        calledDevice: "1002",
                        alertingDevice: "1002",
                        localConnectionInfo: .alerting,
                        cause: "newCall"
                    )
                )
        )
    }

    @Test func callerHangingUpWhileRingingClearsTheRingingDevice() async throws {
        let pbx = Self.makeSwitch()
        let link = await SimLink.open(on: pbx)
        let ids = try await link.monitor("1001", "1002")
        try await SimulatorScenario.callerHangsUpWhileRinging(caller: "1001", callee: "1002").run(on: pbx)

        #expect(
            link.trace(ids["1001"]) == [
                "ServiceInitiated 1@1001 initiated newCall", "Originated 1@1001 connected newCall", "Delivered 1@1002 connected newCall",
                "ConnectionCleared 1@1001 null normalClearing",
            ]
        )
        #expect(
            link.trace(ids["1002"]) == [
                "Delivered 1@1002 alerting newCall", "ConnectionCleared 1@1001 alerting normalClearing",
                "ConnectionCleared 1@1002 null normalClearing",
            ]
        )
    }

    @Test func busyCalleeMakesTheCallFailAtTheCaller() async throws {
        let pbx = Self.makeSwitch()
        let link = await SimLink.open(on: pbx)
        let ids = try await link.monitor("1001", "1002")
        await pbx.setBusy("1002", true)
        try await pbx.placeCall(from: "1001", to: "1002")
        #expect(await pbx.state(of: "1001").map(\.state) == [.fail])
        let failed = try #require(link.messages.last?.callEvent)
        #expect(failed.failingDevice == "1002" && failed.calledDevice == "1002")
        try await pbx.hangUp(device: "1001")

        #expect(
            link.trace(ids["1001"]) == [
                "ServiceInitiated 1@1001 initiated newCall", "Originated 1@1001 connected newCall", "Failed 1@1001 fail busy",
                "ConnectionCleared 1@1001 null normalClearing",
            ]
        )
        #expect(link.trace(ids["1002"]).isEmpty)
    }

    @Test func deviceInACallIsBusyUnlessCallWaitingIsOn() async throws {
        let plain = Self.makeSwitch()
        try await plain.placeCall(from: "1001", to: "1002")
        try await plain.placeCall(from: "1003", to: "1002")
        #expect(await plain.state(of: "1003").map(\.state) == [.fail])

        let waiting = Self.makeSwitch { $0.callWaiting = true }
        try await waiting.placeCall(from: "1001", to: "1002")
        try await waiting.placeCall(from: "1003", to: "1002")
        #expect(await waiting.state(of: "1002").map(\.state) == [.alerting, .alerting])
    }

    @Test func holdAndRetrieveAreReportedToBothParties() async throws {
        let pbx = Self.makeSwitch()
        let link = await SimLink.open(on: pbx)
        let ids = try await link.monitor("1001", "1002")
        try await SimulatorScenario.holdAndRetrieve(caller: "1001", callee: "1002").run(on: pbx)

        #expect(
            link.trace(ids["1001"]).dropFirst(4).prefix(2) == ["Held 1@1001 hold normal", "Retrieved 1@1001 connected normal"]
        )
        #expect(
            link.trace(ids["1002"]) == [
                "Delivered 1@1002 alerting newCall", "Established 1@1002 connected newCall", "Held 1@1001 connected normal",
                "Retrieved 1@1001 connected normal", "ConnectionCleared 1@1001 connected normalClearing",
                "ConnectionCleared 1@1002 null normalClearing",
            ]
        )
    }

    @Test func blindTransferHandsTheCallToTheTarget() async throws {
        let pbx = Self.makeSwitch()
        let link = await SimLink.open(on: pbx)
        let ids = try await link.monitor("1001", "1002", "1003")
        try await pbx.placeCall(from: "1001", to: "1002")
        try await pbx.answer(device: "1002")
        let response = await link.send(.singleStepTransferCall(activeCall: ConnectionID(callID: "1", deviceID: "1002"), transferredTo: "1003"))
        #expect(response == .positiveResponse("SingleStepTransferCallResponse"))
        let transfer = try #require(link.messages.first { if case .transferred = $0 { true } else { false } }?.callEvent)
        #expect(transfer.transferringDevice == "1002" && transfer.transferredToDevice == "1003")
        #expect(transfer.transferredConnections.map(\.endpoint) == ["1001", "1003"])
        #expect(await pbx.calls().first?.lastRedirectionDevice == "1002")
        try await pbx.answer(device: "1003")
        try await pbx.hangUp(device: "1001")

        #expect(
            link.trace(ids["1002"]) == [
                "Delivered 1@1002 alerting newCall", "Established 1@1002 connected newCall", "Transfered 1@1002 null singleStepTransfer",
            ]
        )
        #expect(
            link.trace(ids["1003"]) == [
                "Delivered 1@1003 alerting singleStepTransfer", "Established 1@1003 connected newCall",
                "ConnectionCleared 1@1001 connected normalClearing",
                "ConnectionCleared 1@1003 null normalClearing",
            ]
        )
        #expect(
            link.trace(ids["1001"]).suffix(4) == [
                "Transfered 1@1002 connected singleStepTransfer", "Delivered 1@1003 connected singleStepTransfer",
                "Established 1@1003 connected newCall", "ConnectionCleared 1@1001 null normalClearing",
            ]
        )
    }

    @Test func consultationTransferMergesBothCallsIntoANewOne() async throws {
        let pbx = Self.makeSwitch()
        let link = await SimLink.open(on: pbx)
        let ids = try await link.monitor("1001", "1002", "1003")
        try await pbx.placeCall(from: "1001", to: "1002")
        try await pbx.answer(device: "1002")
        let consultation = await link.send(.consultationCall(existingCall: ConnectionID(callID: "1", deviceID: "1002"), consultedDevice: "1003"))
        #expect(consultation == .consultationCallResponse(initiatedCall: ConnectionID(callID: "2", deviceID: "1002")))
        try await pbx.answer(device: "1003")
        let transferResponse = await link.send(
            .transferCall(heldCall: ConnectionID(callID: "1", deviceID: "1002"), activeCall: ConnectionID(callID: "2", deviceID: "1002"))
        )
        #expect(transferResponse == .positiveResponse("TransferCallResponse"))

        let transfer = try #require(link.messages.last { if case .transferred = $0 { true } else { false } }?.callEvent)
        #expect(transfer.connection == ConnectionID(callID: "1", deviceID: "1002"))
        #expect(transfer.secondaryOldCall == ConnectionID(callID: "2", deviceID: "1002"))
        #expect(
            transfer.transferredConnections == [
                CSTAConnectionListItem(
                    newConnection: ConnectionID(callID: "3", deviceID: "1001"),
                    oldConnection: ConnectionID(callID: "1", deviceID: "1001"),
                    endpoint: "1001"
                ),
                CSTAConnectionListItem(
                    newConnection: ConnectionID(callID: "3", deviceID: "1003"),
                    oldConnection: ConnectionID(callID: "2", deviceID: "1003"),
                    endpoint: "1003"
                ),
            ]
        )
        #expect(await pbx.calls().map(\.callID) == ["3"])
        #expect(await pbx.state(of: "1002").isEmpty)
        try await pbx.hangUp(device: "1001")

        #expect(
            link.trace(ids["1002"]) == [
                "Delivered 1@1002 alerting newCall", "Established 1@1002 connected newCall", "Held 1@1002 hold consultation",
                "ServiceInitiated 2@1002 initiated consultation", "Originated 2@1002 connected consultation",
                "Delivered 2@1003 connected consultation",
                "Established 2@1003 connected newCall", "Transfered 1@1002 null transfer",
            ]
        )
        #expect(
            link.trace(ids["1001"]).suffix(3) == [
                "Held 1@1002 connected consultation", "Transfered 1@1002 connected transfer", "ConnectionCleared 3@1001 null normalClearing",
            ]
        )
        #expect(
            link.trace(ids["1003"]) == [
                "Delivered 2@1003 alerting consultation", "Established 2@1003 connected newCall", "Transfered 1@1002 connected transfer",
                "ConnectionCleared 3@1001 connected normalClearing", "ConnectionCleared 3@1003 null normalClearing",
            ]
        )
    }

    @Test func immediateForwardingDivertsBeforeRinging() async throws {
        let pbx = Self.makeSwitch()
        let link = await SimLink.open(on: pbx)
        let ids = try await link.monitor("1001", "1002", "1003")
        try await SimulatorScenario.forwardImmediate(caller: "1001", callee: "1002", target: "1003").run(on: pbx)

        #expect(
            link.trace(ids["1002"]) == [
                "Forwarding 1002 forwardImmediate on 1003", "Diverted 1@1002 null callForwardImmediate", "Forwarding 1002 forwardImmediate off 1003",
            ]
        )
        #expect(
            link.trace(ids["1001"]) == [
                "ServiceInitiated 1@1001 initiated newCall", "Originated 1@1001 connected newCall", "Diverted 1@1002 connected callForwardImmediate",
                "Delivered 1@1003 connected callForwardImmediate", "Established 1@1003 connected newCall",
                "ConnectionCleared 1@1001 null normalClearing",
            ]
        )
        let delivered = try #require(
            link.messages.first { if case .delivered = $0 { $0.monitorCrossRefID == ids["1003"] } else { false } }?.callEvent
        )
        #expect(delivered.calledDevice == "1002" && delivered.lastRedirectionDevice == "1002" && delivered.alertingDevice == "1003")
    }

    @Test func busyForwardingDivertsWhenTheDeviceIsBusy() async throws {
        let pbx = Self.makeSwitch()
        let link = await SimLink.open(on: pbx)
        let ids = try await link.monitor("1001", "1002", "1003")
        try await SimulatorScenario.forwardBusy(caller: "1001", callee: "1002", target: "1003").run(on: pbx)

        #expect(link.trace(ids["1002"]).contains("Diverted 1@1002 null callForwardBusy"))
        #expect(link.trace(ids["1003"]).prefix(2) == ["Delivered 1@1003 alerting callForwardBusy", "Established 1@1003 connected newCall"])
        #expect(await pbx.calls().isEmpty)
    }

    @Test func noAnswerForwardingDivertsAfterTheTimeout() async throws {
        let pbx = Self.makeSwitch()
        let link = await SimLink.open(on: pbx)
        let ids = try await link.monitor("1001", "1002", "1003")
        try await SimulatorScenario.forwardNoAnswer(caller: "1001", callee: "1002", target: "1003").run(on: pbx)

        #expect(
            link.trace(ids["1002"]) == [
                "Forwarding 1002 forwardNoAns on 1003", "Delivered 1@1002 alerting newCall", "Diverted 1@1002 null callForwardNoAnswer",
                "Forwarding 1002 forwardNoAns off 1003",
            ]
        )
        #expect(
            link.trace(ids["1003"]) == [
                "Delivered 1@1003 alerting callForwardNoAnswer", "Established 1@1003 connected newCall",
                "ConnectionCleared 1@1001 connected normalClearing",
                "ConnectionCleared 1@1003 null normalClearing",
            ]
        )
    }

    @Test func deflectCallSendsTheRingingCallElsewhere() async throws {
        let pbx = Self.makeSwitch()
        let link = await SimLink.open(on: pbx)
        let ids = try await link.monitor("1001", "1002", "1003")
        try await pbx.placeCall(from: "1001", to: "1002")
        let response = await link.send(.deflectCall(callToBeDiverted: ConnectionID(callID: "1", deviceID: "1002"), newDestination: "1003"))
        #expect(response == .positiveResponse("DeflectCallResponse"))

        #expect(link.trace(ids["1002"]) == ["Delivered 1@1002 alerting newCall", "Diverted 1@1002 null redirected"])
        #expect(link.trace(ids["1003"]) == ["Delivered 1@1003 alerting redirected"])
        let diverted = try #require(link.messages.first { if case .diverted = $0 { true } else { false } }?.callEvent)
        #expect(diverted.divertingDevice == "1002" && diverted.newDestination == "1003")
    }

    @Test func pickupIsDeflectToThePickerFollowedByItsAnswer() async throws {
        let pbx = Self.makeSwitch()
        let link = await SimLink.open(on: pbx)
        let ids = try await link.monitor("1001", "1002", "1003")
        try await pbx.placeCall(from: "1001", to: "1002")
        // What the gateway does for a pickup: DeflectCall of the alerting connection to the picker, then AnswerCall by it.
        #expect(
            await link.send(.deflectCall(callToBeDiverted: ConnectionID(callID: "1", deviceID: "1002"), newDestination: "1003"))
                == .positiveResponse("DeflectCallResponse")
        )
        #expect(await link.send(.answerCall(ConnectionID(callID: "1", deviceID: "1003"))) == .positiveResponse("AnswerCallResponse"))
        #expect(await pbx.calls().first?.connections.map(\.description) == ["1@1001=connected", "1@1003=connected"])

        #expect(
            link.trace(ids["1003"]) == ["Delivered 1@1003 alerting redirected", "Established 1@1003 connected newCall"]
        )
        #expect(link.trace(ids["1002"]) == ["Delivered 1@1002 alerting newCall", "Diverted 1@1002 null redirected"])
    }

    @Test func pickupScenarioFromThePhone() async throws {
        let pbx = Self.makeSwitch()
        let link = await SimLink.open(on: pbx)
        let ids = try await link.monitor("1001", "1002", "1003")
        try await SimulatorScenario.pickup(caller: "1001", callee: "1002", picker: "1003").run(on: pbx)

        #expect(link.trace(ids["1002"]) == ["Delivered 1@1002 alerting newCall", "Diverted 1@1002 null callPickup"])
        #expect(link.trace(ids["1003"]).prefix(2) == ["Delivered 1@1003 alerting callPickup", "Established 1@1003 connected newCall"])
    }

    @Test func doNotDisturbFailsTheCallOrSendsItToTheBusyForward() async throws {
        let pbx = Self.makeSwitch()
        let link = await SimLink.open(on: pbx)
        let ids = try await link.monitor("1001", "1002", "1003")
        #expect(await link.send(.setDoNotDisturb(device: "1002", doNotDisturbOn: true)) == .positiveResponse("SetDoNotDisturbResponse"))
        #expect(await pbx.isDoNotDisturb("1002"))
        try await pbx.placeCall(from: "1001", to: "1002")
        try await pbx.hangUp(device: "1001")
        #expect(link.trace(ids["1002"]) == ["DoNotDisturb 1002 on"])
        #expect(link.trace(ids["1001"]).suffix(2) == ["Failed 1@1001 fail doNotDisturb", "ConnectionCleared 1@1001 null normalClearing"])

        try await pbx.setForwarding(device: "1002", type: .busy, to: "1003", active: true)
        try await pbx.placeCall(from: "1001", to: "1002")
        #expect(link.trace(ids["1003"]) == ["Delivered 2@1003 alerting doNotDisturb"])
    }

    @Test func huntGroupRingsEveryAgentAndTheFirstAnswerWins() async throws {
        let pbx = Self.makeSwitch()
        let link = await SimLink.open(on: pbx)
        let ids = try await link.monitor("1001", "1002", "1003", "3000")
        try await pbx.placeCall(from: "1001", to: "3000")
        #expect(
            await pbx.calls().first?.connections.map(\.description) == ["1@1001=connected", "1@3000=queued", "1@1002=alerting", "1@1003=alerting"]
        )
        try await pbx.answer(device: "1003")
        #expect(await pbx.calls().first?.connections.map(\.description) == ["1@1001=connected", "1@1003=connected"])
        try await pbx.hangUp(device: "1001")

        #expect(
            link.trace(ids["3000"]) == [
                "Queued 1@3000 queued enteringDistribution", "Delivered 1@1002 queued distributed", "Delivered 1@1003 queued distributed",
                "Established 1@1003 queued newCall", "ConnectionCleared 1@3000 null normalClearing",
            ]
        )
        #expect(
            link.trace(ids["1002"]) == [
                "Delivered 1@1002 alerting distributed", "Delivered 1@1003 alerting distributed", "Established 1@1003 alerting newCall",
                "ConnectionCleared 1@3000 alerting normalClearing", "ConnectionCleared 1@1002 null normalClearing",
            ]
        )
        #expect(
            link.trace(ids["1003"]) == [
                "Delivered 1@1003 alerting distributed", "Established 1@1003 connected newCall", "ConnectionCleared 1@3000 connected normalClearing",
                "ConnectionCleared 1@1002 connected normalClearing", "ConnectionCleared 1@1001 connected normalClearing",
                "ConnectionCleared 1@1003 null normalClearing",
            ]
        )
        let queued = try #require(link.messages.first { if case .queued = $0 { true } else { false } }?.callEvent)
        #expect(queued.queue == "3000" && queued.callingDevice == "1001" && queued.calledDevice == "3000")
    }

    @Test func queuedCallWaitsForAFreeAgent() async throws {
        let pbx = Self.makeSwitch()
        await pbx.setBusy("1002", true)
        await pbx.setBusy("1003", true)
        try await pbx.placeCall(from: "1001", to: "3000")
        #expect(await pbx.calls().first?.connections.map(\.state) == [.connected, .queued])
        await pbx.setBusy("1003", false)
        #expect(await pbx.state(of: "1003").map(\.state) == [.alerting])
    }

    @Test func externalCallerReachesAnExtension() async throws {
        let pbx = Self.makeSwitch()
        let link = await SimLink.open(on: pbx)
        let ids = try await link.monitor("1002")
        try await SimulatorScenario.inboundExternal(external: "0612345678", callee: "1002").run(on: pbx)
        #expect(
            link.trace(ids["1002"]) == [
                "Delivered 1@1002 alerting newCall", "Established 1@1002 connected newCall",
                "ConnectionCleared 1@0612345678 connected normalClearing",
                "ConnectionCleared 1@1002 null normalClearing",
            ]
        )
        let delivered = try #require(link.messages.first { if case .delivered = $0 { true } else { false } }?.callEvent)
        #expect(delivered.callingDevice == "0612345678")
    }

    @Test func externalDestinationAnswersByItselfWhenConfigured() async throws {
        let pbx = Self.makeSwitch { $0.externalAnswerDelay = .milliseconds(10) }
        let link = await SimLink.open(on: pbx)
        let ids = try await link.monitor("1001")
        try await pbx.placeCall(from: "1001", to: "0612345678")
        try await pbx.waitFor(.connected, at: "0612345678", timeout: .seconds(10))
        #expect(link.trace(ids["1001"]).last == "Established 1@0612345678 connected newCall")
    }

    @Test func anExtensionSetToAnswerAnswersByItselfAndTheOthersRing() async throws {
        let pbx = Self.makeSwitch { $0.answerDelays = ["1002": .milliseconds(10)] }
        let link = await SimLink.open(on: pbx)
        let ids = try await link.monitor("1001")
        try await pbx.placeCall(from: "1001", to: "1002")
        try await pbx.waitFor(.connected, at: "1002", timeout: .seconds(10))
        #expect(link.trace(ids["1001"]).last == "Established 1@1002 connected newCall")
        try await pbx.placeCall(from: "1003", to: "1004")
        try await Task.sleep(for: .milliseconds(50))
        #expect(await pbx.state(of: "1004").map(\.state) == [.alerting])
    }

    @Test func unassignedNumberFailsWithDestNotObtainable() async throws {
        let pbx = PBXSwitch(configuration: PBXSwitch.Configuration(numbering: SimulatorNumbering(extensionRanges: [1000...1099])))
        let link = await SimLink.open(on: pbx)
        let ids = try await link.monitor("1001")
        try await pbx.placeCall(from: "1001", to: "1500")
        #expect(link.trace(ids["1001"]).last == "Failed 1@1001 fail destNotObtainable")
        #expect(await link.send(.monitorStart(device: "1500")) == .error(PBXErrorCode.invalidDeviceID))
    }

    @Test func snapshotReportsTheDevicesCallsAndStates() async throws {
        let pbx = Self.makeSwitch()
        let link = await SimLink.open(on: pbx)
        try await pbx.placeCall(from: "1001", to: "1002")
        try await pbx.answer(device: "1002")
        try await pbx.consult(device: "1002", to: "1003")
        let snapshot = await link.send(.snapshotDevice(device: "1002"))
        #expect(
            snapshot
                == .snapshotDeviceResponse([
                    CSTASnapshotCall(connection: ConnectionID(callID: "1", deviceID: "1002"), localCallState: .held),
                    CSTASnapshotCall(connection: ConnectionID(callID: "2", deviceID: "1002"), localCallState: .connected),
                ])
        )
        #expect(await link.send(.snapshotDevice(device: "1009")) == .snapshotDeviceResponse([]))
    }

    @Test func forwardingIsSetReadAndReported() async throws {
        let pbx = Self.makeSwitch()
        let link = await SimLink.open(on: pbx)
        let ids = try await link.monitor("1001")
        #expect(
            await link.send(.setForwarding(device: "1001", forwardingType: .noAnswer, forwardDN: "0612345678", activate: true))
                == .positiveResponse("SetForwardingResponse")
        )
        #expect(
            await link.send(.getForwarding(device: "1001"))
                == .getForwardingResponse([
                    CSTAForwardingSetting(forwardingType: .immediate, forwardStatus: false, forwardDN: nil),
                    CSTAForwardingSetting(forwardingType: .busy, forwardStatus: false, forwardDN: nil),
                    CSTAForwardingSetting(forwardingType: .noAnswer, forwardStatus: true, forwardDN: "0612345678"),
                ])
        )
        #expect(link.trace(ids["1001"]) == ["Forwarding 1001 forwardNoAns on 0612345678"])
        #expect(
            await link.send(.setForwarding(device: "1001", forwardingType: .immediate, forwardDN: nil, activate: true))
                == .error(PBXErrorCode.invalidForwardingDestination)
        )
        #expect(
            await link.send(.setForwarding(device: "1001", forwardingType: .other("forwardDND"), forwardDN: "1002", activate: true))
                == .error(PBXErrorCode.valueOutOfRange)
        )
    }

    @Test func requestsOnUnknownDevicesCallsAndStatesAreRefused() async throws {
        let pbx = Self.makeSwitch()
        let link = await SimLink.open(on: pbx)
        _ = try await link.monitor("1001", "1002")
        try await pbx.placeCall(from: "1001", to: "1002")
        let eventsBefore = await pbx.currentCounters().eventsSent
        #expect(await link.send(.monitorStart(device: "12")) == .error(PBXErrorCode.invalidDeviceID))
        #expect(await link.send(.monitorStart(device: "0612345678")) == .error(PBXErrorCode.invalidDeviceID))
        #expect(await link.send(.makeCall(callingDevice: "0612345678", calledDirectoryNumber: "1002")) == .error(PBXErrorCode.invalidCallingDevice))
        #expect(await link.send(.makeCall(callingDevice: "1003", calledDirectoryNumber: "12a")) == .error(PBXErrorCode.invalidCalledDevice))
        #expect(await link.send(.answerCall(ConnectionID(callID: "99", deviceID: "1002"))) == .error(PBXErrorCode.invalidCallID))
        #expect(await link.send(.answerCall(ConnectionID(callID: "1", deviceID: "1005"))) == .error(PBXErrorCode.invalidConnectionID))
        #expect(await link.send(.answerCall(ConnectionID(callID: "1", deviceID: "1001"))) == .error(PBXErrorCode.invalidConnectionState))
        #expect(await link.send(.holdCall(ConnectionID(callID: "1", deviceID: "1002"))) == .error(PBXErrorCode.invalidConnectionState))
        #expect(await link.send(.retrieveCall(ConnectionID(callID: "1", deviceID: "1001"))) == .error(PBXErrorCode.invalidConnectionState))
        #expect(await link.send(.monitorStop(crossRefIdentifier: "77")) == .error(PBXErrorCode.invalidCrossRefID))
        #expect(await link.send(.setDoNotDisturb(device: "0612345678", doNotDisturbOn: true)) == .error(PBXErrorCode.invalidDeviceID))
        // A refused request changes nothing.
        #expect(await pbx.calls().first?.connections.map(\.state) == [.connected, .alerting])
        #expect(await pbx.currentCounters().eventsSent == eventsBefore)
    }

    @Test func deviceOnlyConnectionStandsForTheDevicesOnlyCall() async throws {
        let pbx = Self.makeSwitch()
        let link = await SimLink.open(on: pbx)
        try await pbx.placeCall(from: "1001", to: "1002")
        #expect(await link.send(.answerCall(ConnectionID(callID: "", deviceID: "1002"))) == .positiveResponse("AnswerCallResponse"))
        #expect(await link.send(.clearConnection(ConnectionID(callID: "", deviceID: "1009"))) == .error(PBXErrorCode.invalidConnectionID))
    }

    @Test func applicationSessionIsRequiredWhenConfigured() async throws {
        let pbx = Self.makeSwitch { $0.requiresApplicationSession = true }
        let link = await SimLink.open(on: pbx)
        #expect(await link.send(.monitorStart(device: "1001")) == .error(PBXErrorCode.noApplicationSession))
        #expect(await link.send(.systemStatus(.normal)) == .error(PBXErrorCode.noApplicationSession))
        let started = await link.send(
            .startApplicationSession(applicationID: "tws", userName: "gw", password: "pw", protocolVersion: .ed4, sessionDurationSeconds: 60)
        )
        #expect(started == .applicationSessionStarted(sessionID: "sim-session-1"))
        #expect(await link.send(.monitorStart(device: "1001")) == .monitorStartResponse(monitorCrossRefID: "1"))
    }

    @Test func closingALinkDropsItsMonitorsAndOnlyItsOwn() async throws {
        let pbx = Self.makeSwitch()
        let first = await SimLink.open(on: pbx)
        let second = await SimLink.open(on: pbx)
        let firstIDs = try await first.monitor("1001")
        let secondIDs = try await second.monitor("1001", "1002")
        #expect(await first.send(.monitorStop(crossRefIdentifier: try #require(secondIDs["1002"]))) == .error(PBXErrorCode.invalidCrossRefID))
        try await pbx.placeCall(from: "1001", to: "1002")
        // Each monitor of the device gets its own copy, on its own link.
        #expect(first.trace(firstIDs["1001"]).count == 3)
        #expect(second.trace(secondIDs["1001"]).count == 3)

        await pbx.closeSession(second.session)
        #expect(second.recorder.items.last == .close)
        #expect(await pbx.monitoredDevices() == ["1001"])
        try await pbx.hangUp(device: "1001")
        #expect(first.trace(firstIDs["1001"]).count == 4)
        #expect(second.trace(secondIDs["1001"]).count == 3)
    }

    @Test func keepAliveUsesTheLinksOwnInvokeIDsAndMissedOnesDropTheLink() async throws {
        let pbx = Self.makeSwitch { $0.maximumMissedKeepAlives = 2 }
        let link = await SimLink.open(on: pbx)
        await pbx.sendKeepAlive()
        #expect(link.recorder.items == [.message(invokeID: 1, .systemStatus("normal"))])
        await pbx.receive(.response("SystemStatusResponse"), invokeID: 1, session: link.session)
        #expect(await pbx.keepAlivesAnswered() == 1)
        await pbx.sendKeepAlive()
        await pbx.sendKeepAlive()
        await pbx.sendKeepAlive()
        #expect(
            link.recorder.items.suffix(3) == [.message(invokeID: 2, .systemStatus("normal")), .message(invokeID: 3, .systemStatus("normal")), .close]
        )
        #expect(await pbx.sessionCount() == 0)
    }

    @Test func unreadableAndUnknownRequestsAreRefusedUnderTheirInvokeID() async throws {
        let pbx = Self.makeSwitch()
        let link = await SimLink.open(on: pbx)
        await pbx.receive(CSTAFrame(invokeID: 12, xml: Array("<MakeCall><callingDevice>1001</callingDevice>".utf8)), session: link.session)
        await pbx.receive(CSTAFrame(invokeID: 13, xml: Namespacing.ed3.document(root: "ConferenceCall", body: "")), session: link.session)
        await pbx.receive(
            CSTAFrame(invokeID: 14, xml: Namespacing.ed3.document(root: "MakeCall", body: "<callingDevice>1001</callingDevice>")),
            session: link.session
        )
        #expect(
            link.recorder.items == [
                .message(invokeID: 12, .error(PBXErrorCode.unreadableRequest)), .message(invokeID: 13, .error(PBXErrorCode.unsupportedService)),
                .message(invokeID: 14, .error(PBXErrorCode.unreadableRequest)),
            ]
        )
    }

    @Test func loadModePlacesAnswersAndClearsCalls() async throws {
        let pbx = Self.makeSwitch()
        let link = await SimLink.open(on: pbx)
        let ids = try await link.monitor("1001", "1002", "1003", "1004")
        let load = SimulatorLoad(
            devices: ["1001", "1002", "1003", "1004"],
            callsPerSecond: 200,
            minimumDuration: .zero,
            maximumDuration: .milliseconds(5),
            minimumRingTime: .zero,
            maximumRingTime: .milliseconds(5),
            seed: 42
        )
        let monitorIDs = Set(ids.values)
        let task = Task { await pbx.runLoad(load) }
        // 30 s bounds a failure only: on 2 cores shared with a build, the load's calls took over 10 s to come round.
        try await link.recorder.wait(timeout: .seconds(30), "five answered calls") { outputs in
            outputs.compactMap(\.message).filter {
                if case .established = $0, let id = $0.monitorCrossRefID { monitorIDs.contains(id) } else { false }
            }.count >= 10
        }
        task.cancel()
        await task.value
        let counters = await pbx.currentCounters()
        #expect(counters.callsStarted >= 5)
        #expect(counters.callsCompleted == counters.callsStarted)
        #expect(counters.eventsSent > 0)
        #expect(await pbx.calls().isEmpty)
    }
}
