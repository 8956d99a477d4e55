import Telephony
import Testing

/// The simulator over real sockets (loopback, port 0): framing, invoke ids, events, keep-alive, several connections,
/// application sessions, and the fault modes.
@Suite struct SimulatorServerTests {
    @Test func loadModeRunsUntilStoppedOrReplacedAndHangsUpItsCalls() async throws {
        try await withSimulator { simulator, _ in
            let fast = SimulatorLoad(
                devices: ["1001", "1002", "1003", "1004"],
                callsPerSecond: 100,
                minimumDuration: .milliseconds(1),
                maximumDuration: .milliseconds(5),
                minimumRingTime: .zero,
                maximumRingTime: .milliseconds(2),
                seed: 7
            )
            await simulator.startLoad(fast)
            try await waitUntil("load places calls") { await simulator.counters().callsStarted >= 5 }
            // A second load replaces the first; its calls go on.
            let started = await simulator.counters().callsStarted
            await simulator.startLoad(fast)
            try await waitUntil("the replacing load places calls") { await simulator.counters().callsStarted >= started + 5 }
            await simulator.stopLoad()
            let counters = await simulator.counters()
            #expect(counters.callsCompleted == counters.callsStarted)
            #expect(await simulator.calls().isEmpty)
            // Stopped means stopped: no call is placed afterwards.
            try await Task.sleep(for: .milliseconds(100))
            #expect(await simulator.counters().callsStarted == counters.callsStarted)
        }
    }

    @Test func monitorMakeCallAndAnswerOverTCP() async throws {
        try await withSimulator { simulator, port in
            let client = try await SimClient.connect(port: port)
            guard case .monitorStartResponse(let caller) = try await client.request(.monitorStart(device: "1001"), invokeID: 1),
                case .monitorStartResponse(let callee) = try await client.request(.monitorStart(device: "1002"), invokeID: 2)
            else {
                Issue.record("MonitorStart was refused")
                return
            }
            #expect(await simulator.monitoredDevices() == ["1001", "1002"])

            let response = try await client.request(.makeCall(callingDevice: "1001", calledDirectoryNumber: "1002"), invokeID: 3)
            #expect(response == .makeCallResponse(callingDevice: ConnectionID(callID: "1", deviceID: "1001")))
            try await client.waitForEvents(callee, count: 1)
            try await simulator.answer(device: "1002")
            let calleeEvents = try await client.waitForEvents(callee, count: 2)
            #expect(calleeEvents == ["Delivered 1@1002 alerting newCall", "Established 1@1002 connected newCall"])
            let callerEvents = try await client.waitForEvents(caller, count: 4)
            #expect(
                callerEvents == [
                    "ServiceInitiated 1@1001 initiated makeCall", "Originated 1@1001 connected makeCall", "Delivered 1@1002 connected newCall",
                    "Established 1@1002 connected newCall",
                ]
            )
            // Events travel with invoke id 9999, responses with their request's.
            for case .message(let invokeID, let message) in client.inbox.items {
                #expect((invokeID == 9999) == (message.monitorCrossRefID != nil))
            }
            #expect(try await client.request(.systemStatus(.normal), invokeID: 4) == .systemStatusResponse)
            #expect(
                try await client.request(.snapshotDevice(device: "1002"), invokeID: 5)
                    == .snapshotDeviceResponse([CSTASnapshotCall(connection: ConnectionID(callID: "1", deviceID: "1002"), localCallState: .connected)]
                    )
            )
            await client.close()
        }
    }

    @Test func closingTheConnectionDropsItsMonitors() async throws {
        try await withSimulator { simulator, port in
            let client = try await SimClient.connect(port: port)
            _ = try await client.request(.monitorStart(device: "1001"), invokeID: 1)
            #expect(await simulator.monitoredDevices() == ["1001"])
            await client.close()
            try await simulator.pbxSwitch.waitForSessions(0, timeout: .seconds(10))
            #expect(await simulator.monitoredDevices().isEmpty)
        }
    }

    @Test func everyConnectionGetsTheEventsOfItsOwnMonitors() async throws {
        try await withSimulator { simulator, port in
            let first = try await SimClient.connect(port: port)
            let second = try await SimClient.connect(port: port)
            guard case .monitorStartResponse(let firstID) = try await first.request(.monitorStart(device: "1002"), invokeID: 1),
                case .monitorStartResponse(let secondID) = try await second.request(.monitorStart(device: "1002"), invokeID: 1)
            else {
                Issue.record("MonitorStart was refused")
                return
            }
            #expect(firstID != secondID)
            try await simulator.placeCall(from: "0612345678", to: "1002")
            #expect(try await first.waitForEvents(firstID, count: 1) == ["Delivered 1@1002 alerting newCall"])
            #expect(try await second.waitForEvents(secondID, count: 1) == ["Delivered 1@1002 alerting newCall"])
            await first.close()
            await second.close()
        }
    }

    @Test func keepAliveIsSentAndItsAnswerCounted() async throws {
        var configuration = PBXSimulator.Configuration(keepAliveInterval: .milliseconds(20))
        configuration.port = 0
        try await withSimulator(configuration) { simulator, port in
            let client = try await SimClient.connect(port: port)
            let inputs = try await client.inbox.wait("a SystemStatus keep-alive") { inputs in
                inputs.contains { $0.message == .systemStatus("normal") }
            }
            guard case .message(let invokeID, _) = inputs.first(where: { $0.message == .systemStatus("normal") }) else {
                Issue.record("no keep-alive")
                return
            }
            #expect(invokeID != 9999)
            client.send(CSTAFrame(invokeID: invokeID, xml: CSTAResponse.systemStatus.xml()))
            // Frames of one connection are served in order: once this is answered, the keep-alive answer was counted.
            _ = try await client.request(.systemStatus(.normal), invokeID: 5000)
            #expect(await simulator.pbxSwitch.keepAlivesAnswered() >= 1)
            await client.close()
        }
    }

    @Test func requestsBeforeTheApplicationSessionAreRefused() async throws {
        var configuration = PBXSimulator.Configuration(keepAliveInterval: nil)
        configuration.requiresApplicationSession = true
        try await withSimulator(configuration) { _, port in
            let client = try await SimClient.connect(port: port)
            #expect(try await client.request(.monitorStart(device: "1001"), invokeID: 1) == .error(PBXErrorCode.noApplicationSession))
            let session = try await client.request(
                .startApplicationSession(applicationID: "tws", userName: "gw", password: "pw", protocolVersion: .ed4, sessionDurationSeconds: 300),
                invokeID: 2
            )
            #expect(session == .applicationSessionStarted(sessionID: "sim-session-1"))
            #expect(try await client.request(.monitorStart(device: "1001"), invokeID: 3) == .monitorStartResponse(monitorCrossRefID: "1"))
            await client.close()
        }
    }

    @Test(arguments: CSTAEdition.allCases)
    func outgoingXMLUsesTheConfiguredEdition(edition: CSTAEdition) async throws {
        try await withSimulator(PBXSimulator.Configuration(edition: edition, keepAliveInterval: nil)) { _, port in
            let client = try await SimClient.connect(port: port)
            #expect(try await client.request(.monitorStart(device: "1001"), invokeID: 9) == .monitorStartResponse(monitorCrossRefID: "1"))
            await client.close()
        }
    }

    @Test func scenarioPlayedOnTheSimulatorReachesTheGateway() async throws {
        try await withSimulator { simulator, port in
            let client = try await SimClient.connect(port: port)
            guard case .monitorStartResponse(let id) = try await client.request(.monitorStart(device: "1002"), invokeID: 1) else {
                Issue.record("MonitorStart was refused")
                return
            }
            try await simulator.run(.basicCall(caller: "1001", callee: "1002"))
            #expect(try await client.waitForEvents(id, count: 4).last == "ConnectionCleared 1@1002 null normalClearing")
            #expect(await simulator.calls().isEmpty)
            await client.close()
        }
    }

    // MARK: Faults

    @Test func notXMLGarbageIsAFrameTheGatewayCannotDecodeButTheLinkSurvives() async throws {
        try await withSimulator { simulator, port in
            let client = try await SimClient.connect(port: port)
            _ = try await client.request(.systemStatus(.normal), invokeID: 1)
            await simulator.sendGarbage(.notXML)
            let inputs = try await client.inbox.wait("the garbage frame") { inputs in
                inputs.contains { if case .undecodable = $0 { true } else { false } }
            }
            for case .undecodable(let error) in inputs {
                guard case .invalidXML = error else {
                    Issue.record("expected invalidXML, got \(error)")
                    return
                }
            }
            #expect(try await client.request(.systemStatus(.normal), invokeID: 2) == .systemStatusResponse)
            await client.close()
        }
    }

    @Test func lyingLengthBreaksTheStreamAtTheGateway() async throws {
        try await withSimulator { simulator, port in
            let client = try await SimClient.connect(port: port)
            _ = try await client.request(.systemStatus(.normal), invokeID: 1)
            await simulator.sendGarbage(.lyingLength)
            let reason = try await client.waitForClose()
            #expect(reason?.contains("length 4") == true, "\(reason ?? "closed cleanly")")
            await client.close()
        }
    }

    @Test func truncatedFrameThenCloseIsSeenAsATruncatedFrame() async throws {
        try await withSimulator { simulator, port in
            let client = try await SimClient.connect(port: port)
            _ = try await client.request(.systemStatus(.normal), invokeID: 1)
            await simulator.sendGarbage(.truncated)
            let reason = try await client.waitForClose()
            #expect(reason?.contains("truncated") == true, "\(reason ?? "closed cleanly")")
            await client.close()
        }
    }

    @Test func stalledFrameLeavesTheLinkOpenAndSwallowsWhatFollows() async throws {
        try await withSimulator { simulator, port in
            let client = try await SimClient.connect(port: port)
            _ = try await client.request(.systemStatus(.normal), invokeID: 1)
            await simulator.sendGarbage(.stalled)
            client.send(.systemStatus(.normal), invokeID: 2)
            try await simulator.pbxSwitch.waitUntil(timeout: .seconds(10)) { $0.requestsHandled >= 2 }
            // The response went out, but into the frame the header announced: nothing more can be read.
            await #expect(throws: SimTimeout.self) {
                try await client.inbox.wait(timeout: .milliseconds(300), "anything after the stall") { $0.count > 1 }
            }
            #expect(await simulator.connectionCount() == 1)
            await client.close()
        }
    }

    @Test func stalledGarbageAnnouncesMoreThanItSendsAndTheDecoderWaits() throws {
        let bytes = SimulatorGarbage.stalled.bytes
        #expect(bytes.prefix(4) == [0, 0, 0, 200])
        #expect(Array(bytes[4..<8]) == Array("9999".utf8))
        #expect(bytes.count > CSTAFrame.headerLength && bytes.count < 200)
        let channel = FrameChannel()
        try channel.feed(bytes)
        #expect(try channel.frames().isEmpty, "the frame is never finished, and nothing is wrong with it yet")
    }

    @Test(arguments: [
        ("stall", SimulatorFault.garbageEvery(.seconds(10), .stalled)), ("stall=2.5", .garbageEvery(.milliseconds(2500), .stalled)),
    ])
    func stallFaultArgumentsParse(argument: String, fault: SimulatorFault) {
        #expect(SimulatorFault(argument: argument) == fault)
        #expect(SimulatorFault(argument: fault.description) == fault, "the spelling it prints parses back")
    }

    @Test func stallFaultNeedsANumber() {
        #expect(SimulatorFault(argument: "stall=soon") == nil)
        #expect(SimulatorGarbage(rawValue: "stall") == .stalled)
    }

    @Test func dropClosesEveryConnectionAndTheGatewayCanReconnect() async throws {
        try await withSimulator { simulator, port in
            let client = try await SimClient.connect(port: port)
            _ = try await client.request(.monitorStart(device: "1001"), invokeID: 1)
            await simulator.dropAllConnections()
            _ = try await client.waitForClose()
            #expect(await simulator.monitoredDevices().isEmpty)
            await client.close()

            let again = try await SimClient.connect(port: port)
            #expect(try await again.request(.monitorStart(device: "1001"), invokeID: 1) == .monitorStartResponse(monitorCrossRefID: "2"))
            await again.close()
        }
    }

    @Test func silentSimulatorIgnoresRequestsUntilItAnswersAgain() async throws {
        try await withSimulator { simulator, port in
            let client = try await SimClient.connect(port: port)
            await simulator.setAnswering(false)
            client.send(.monitorStart(device: "1001"), invokeID: 1)
            try await simulator.pbxSwitch.waitUntil(timeout: .seconds(10)) { $0.requestsIgnored == 1 }
            await simulator.setAnswering(true)
            #expect(try await client.request(.monitorStart(device: "1002"), invokeID: 2) == .monitorStartResponse(monitorCrossRefID: "1"))
            #expect(!client.inbox.items.contains { $0.response(to: 1) != nil })
            #expect(await simulator.monitoredDevices() == ["1002"])
            await client.close()
        }
    }

    @Test func delayedResponsesStillArriveInOrder() async throws {
        try await withSimulator(PBXSimulator.Configuration(keepAliveInterval: nil, faults: [.responseDelay(.milliseconds(5))])) { _, port in
            let client = try await SimClient.connect(port: port)
            client.send(.monitorStart(device: "1001"), invokeID: 1)
            #expect(try await client.request(.monitorStart(device: "1002"), invokeID: 2) == .monitorStartResponse(monitorCrossRefID: "2"))
            #expect(client.inbox.items.first?.message == .monitorStartResponse(monitorCrossRefID: "1"))
            await client.close()
        }
    }

    @Test(arguments: [
        ("drop-every=30", SimulatorFault.dropEvery(.seconds(30))), ("garbage", .garbageEvery(.seconds(10), .notXML)),
        ("bad-length=2.5", .garbageEvery(.milliseconds(2500), .lyingLength)), ("delay=250", .responseDelay(.milliseconds(250))),
        ("silent", .silent),
    ])
    func faultArgumentsParse(argument: String, fault: SimulatorFault) {
        #expect(SimulatorFault(argument: argument) == fault)
    }

    @Test(arguments: ["drop-every", "delay=x", "silent=3", "explode", "drop-every=0"])
    func badFaultArgumentsAreRefused(argument: String) {
        #expect(SimulatorFault(argument: argument) == nil)
    }

    @Test func deviceListsParseIntoANumberingPlan() throws {
        let plan = try #require(SimulatorNumbering(devices: "1000-1049, 2000 ,30001"))
        #expect(plan.kind(of: "1049") == .extension)
        #expect(plan.kind(of: "2000") == .extension)
        #expect(plan.kind(of: "30001") == .extension)
        #expect(plan.kind(of: "1050") == .unassigned)
        #expect(plan.kind(of: "0612345678") == .external)
        #expect(plan.kind(of: "+33612345678") == .external)
        #expect(plan.kind(of: "12a") == .invalid)
        #expect(plan.sampleExtensions(3) == ["2000", "30001", "1000"])
        #expect(SimulatorNumbering(devices: "1999-1000") == nil)
        #expect(SimulatorNumbering(devices: "abc") == nil)
    }
}

/// Polls `condition` every 10 ms for up to 30 s (a bound for failing only: on 2 cores shared with a build, the load
/// tests' calls took over 10 s to come round).
func waitUntil(_ what: String, _ condition: () async -> Bool) async throws {
    let deadline = ContinuousClock.now.advanced(by: .seconds(30))
    while ContinuousClock.now < deadline {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("timed out waiting until \(what)")
}
