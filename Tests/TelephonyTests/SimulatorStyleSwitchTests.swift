import Telephony
import Testing

/// The switch in both styles: every scenario over TCP, the real style's clearing, its keep-alive and vendor events, and
/// the stalled frame. Trace lines read `Event subject-connection own-state cause` (see `CSTAMessage.trace`).
@Suite struct SimulatorStyleSwitchTests {
    /// A switch of `style` with extensions 1000–9999, hunt group 3000 (agents 1002, 1003) and a short no-answer timeout.
    static func makeSwitch(_ style: SimulatorStyle, _ configure: (inout PBXSwitch.Configuration) -> Void = { _ in }) -> PBXSwitch {
        var configuration = PBXSwitch.Configuration(
            numbering: SimulatorNumbering(queues: ["3000": ["1002", "1003"]]),
            noAnswerTimeout: .milliseconds(30),
            style: style
        )
        configure(&configuration)
        return PBXSwitch(configuration: configuration)
    }

    @Test(arguments: SimulatorStyle.allCases)
    func everyScenarioReachesAGatewayOverTCPAsTheSwitchMeantIt(style: SimulatorStyle) async throws {
        var configuration = PBXSimulator.Configuration(edition: style.defaultEdition, style: style, keepAliveInterval: nil)
        configuration.switchConfiguration.numbering = SimulatorNumbering(queues: ["3000": ["1004", "1005"]])
        configuration.switchConfiguration.noAnswerTimeout = .milliseconds(20)
        try await withSimulator(configuration) { simulator, port in
            #expect(simulator.pbxSwitch.configuration.style == style)
            // The same events reach a link opened on the switch itself (the switch's meaning) and the TCP client
            // (what the gateway's codec reads from the style's XML).
            let witness = await SimLink.open(on: simulator.pbxSwitch)
            let witnessIDs = try await witness.monitor("1001", "1002", "1003", "1004", "1005", "3000")
            let client = try await SimClient.connect(port: port)
            var clientIDs: [String: String] = [:]
            for (index, device) in witnessIDs.keys.sorted().enumerated() {
                guard case .monitorStartResponse(let id) = try await client.request(.monitorStart(device: device), invokeID: index + 1) else {
                    Issue.record("MonitorStart \(device) was refused")
                    return
                }
                clientIDs[device] = id
            }
            for name in SimulatorScenario.names {
                let scenario = try #require(SimulatorScenario(name: name, devices: ["1001", "1002", "1003"], queue: "3000"))
                try await simulator.run(scenario)
            }
            #expect(await simulator.calls().isEmpty)

            for (device, witnessID) in witnessIDs.sorted(by: { $0.key < $1.key }) {
                let expected = witness.messages.filter { $0.monitorCrossRefID == witnessID }.map(\.trace)
                #expect(!expected.isEmpty)
                let received = try await client.waitForEvents(clientIDs[device], count: expected.count)
                #expect(received.count == expected.count, "\(device)")
                let lines = client.inbox.items.compactMap(\.message).filter { $0.monitorCrossRefID == clientIDs[device] }.map(\.byNumbers.trace)
                #expect(lines == expected, "\(device)")
            }
            let inputs = client.inbox.items
            #expect(!inputs.contains { if case .undecodable = $0 { true } else { false } })
            let unknown = Set(inputs.compactMap { if case .unknown(let name) = $0.message { name } else { nil } })
            let identifiers = inputs.compactMap(\.message?.callEvent).compactMap(\.callingDevice?.raw)
            switch style {
            case .plain:
                #expect(unknown.isEmpty)
                #expect(identifiers.allSatisfy { !$0.hasPrefix("N<") })
            case .real:
                #expect(unknown == ["CallInformationEvent", "CallDetailEvent"])
                #expect(identifiers.contains("N<1001>;displayNumber=1001;noa=nk") && identifiers.contains("N<0612345678>;noa=unknown"))
            }
            await client.close()
        }
    }

    // MARK: Clearing

    @Test(arguments: SimulatorStyle.allCases)
    func remainingPartyOfAnEndedTwoPartyCallHearsOnlyTheLeaverInTheRealStyle(style: SimulatorStyle) async throws {
        let pbx = Self.makeSwitch(style)
        let link = await SimLink.open(on: pbx)
        let ids = try await link.monitor("1001", "1002")
        try await SimulatorScenario.basicCall(caller: "1001", callee: "1002").run(on: pbx)

        let start = [
            "Delivered 1@1002 alerting newCall", "Established 1@1002 connected newCall", "ConnectionCleared 1@1001 connected normalClearing",
        ]
        switch style {
        case .plain:
            #expect(link.trace(ids["1002"]) == start + ["ConnectionCleared 1@1002 null normalClearing"])
        case .real:
            #expect(link.trace(ids["1002"]) == start)
            let ownClearing = link.messages.filter {
                if case .connectionCleared(let event) = $0 { event.connection.deviceID == "1002" } else { false }
            }
            #expect(ownClearing.isEmpty, "no monitor hears of the remaining party's own connection")
        }
        #expect(link.trace(ids["1001"]).last == "ConnectionCleared 1@1001 null normalClearing")
        #expect(await pbx.calls().isEmpty)
        #expect(await pbx.state(of: "1002").isEmpty)
        #expect(await pbx.currentCounters().callsCompleted == 1)
    }

    @Test func remainingPartyHearsTheLeaverWithItsOwnStateAtThatMoment() async throws {
        let pbx = Self.makeSwitch(.real)
        let link = await SimLink.open(on: pbx)
        let ids = try await link.monitor("1001", "1002", "1003")
        // The remaining party holds the call when the other leaves.
        try await pbx.placeCall(from: "1001", to: "1002")
        try await pbx.answer(device: "1002")
        try await pbx.hold(device: "1002")
        try await pbx.hangUp(device: "1001")
        #expect(link.trace(ids["1002"]).suffix(2) == ["Held 1@1002 hold normal", "ConnectionCleared 1@1001 hold normalClearing"])
        // The caller gives up while the callee still rings.
        try await SimulatorScenario.callerHangsUpWhileRinging(caller: "1001", callee: "1003").run(on: pbx)
        #expect(link.trace(ids["1003"]) == ["Delivered 2@1003 alerting newCall", "ConnectionCleared 2@1001 alerting normalClearing"])
        // A trunk caller hangs up on an extension.
        try await SimulatorScenario.inboundExternal(external: "0612345678", callee: "1002").run(on: pbx)
        #expect(link.trace(ids["1002"]).suffix(1) == ["ConnectionCleared 3@0612345678 connected normalClearing"])
        #expect(await pbx.calls().isEmpty)
    }

    @Test func huntGroupAgentsStillOfferedTheCallAreClearedOneByOneInBothStyles() async throws {
        var traces: [SimulatorStyle: [String]] = [:]
        for style in SimulatorStyle.allCases {
            let pbx = Self.makeSwitch(style)
            let link = await SimLink.open(on: pbx)
            let ids = try await link.monitor("1001", "1002", "1003", "3000")
            try await pbx.placeCall(from: "1001", to: "3000")
            try await pbx.hangUp(device: "1001")
            #expect(await pbx.calls().isEmpty)
            traces[style] = ["1002", "1003", "3000"].flatMap { link.trace(ids[$0]) }
        }
        #expect(traces[.real] == traces[.plain])
        #expect(traces[.plain]?.contains("ConnectionCleared 1@1002 null normalClearing") == true)
    }

    // MARK: Keep-alive

    @Test(arguments: SimulatorStyle.allCases)
    func keepAliveCountsOnlyWhenAnsweredInItsOwnNamespaceInTheRealStyle(style: SimulatorStyle) async throws {
        let pbx = Self.makeSwitch(style) { $0.maximumMissedKeepAlives = 2 }
        let link = await SimLink.open(on: pbx)
        await pbx.sendKeepAlive()
        #expect(link.recorder.items == [.message(invokeID: 1, .systemStatus(style == .real ? nil : "normal"))])
        let answer = { (namespace: String?) in
            await pbx.receive(CSTAFrame(invokeID: 1, xml: CSTAResponse.systemStatus.xml(namespace: namespace)), session: link.session)
        }
        await answer(CSTAEdition.ed5.namespace)
        await answer(nil)
        await pbx.receive(.response("SystemStatusResponse"), invokeID: 1, session: link.session)
        #expect(await pbx.keepAlivesAnswered() == (style == .plain ? 3 : 0), "another namespace, none, or not said")
        await answer(CSTAEdition.ed3.namespace)
        #expect(await pbx.keepAlivesAnswered() == (style == .plain ? 4 : 1), "its own namespace")

        // Answered in another namespace, keep-alives go on counting as missed until the link is dropped.
        await pbx.sendKeepAlive()
        await answer(CSTAEdition.ed4.namespace)
        await pbx.sendKeepAlive()
        await pbx.sendKeepAlive()
        #expect(await pbx.sessionCount() == (style == .plain ? 1 : 0))
        #expect((link.recorder.items.last == .close) == (style == .real))
    }

    @Test(arguments: [(CSTAEdition.ed3, true), (.ed4, false)])
    func realKeepAliveOverTCPKeepsTheLinkOnlyWhenAnsweredInED3(answerEdition: CSTAEdition, survives: Bool) async throws {
        var configuration = PBXSimulator.Configuration(edition: .ed4, style: .real, keepAliveInterval: .milliseconds(50))
        // Room for a slow test machine: an answer may come ten keep-alives late before the link is dropped.
        configuration.switchConfiguration.maximumMissedKeepAlives = 10
        try await withSimulator(configuration) { simulator, port in
            let client = try await SimClient.connect(port: port)
            var answered = 0
            var closed = false
            while answered < 4, !closed {
                let seen = answered
                let inputs = try await client.inbox.wait("keep-alive \(seen + 1)") { inputs in
                    inputs.filter { $0.message == .systemStatus(nil) }.count > seen
                        || inputs.contains { if case .closed = $0 { true } else { false } }
                }
                let keepAlives = inputs.filter { $0.message == .systemStatus(nil) }
                closed = inputs.contains { if case .closed = $0 { true } else { false } }
                guard keepAlives.count > answered, case .message(let invokeID, _) = keepAlives[answered] else {
                    continue
                }
                client.send(CSTAFrame(invokeID: invokeID, xml: CSTAResponse.systemStatus.xml(edition: answerEdition)))
                answered += 1
            }
            if survives {
                #expect(!closed && answered == 4)
                // Frames are served in order: once this is answered, so are the keep-alives.
                _ = try await client.request(.systemStatus(.normal), invokeID: 9000)
                #expect(await simulator.pbxSwitch.keepAlivesAnswered() == 4)
            } else {
                _ = try await client.waitForClose()
                #expect(await simulator.pbxSwitch.keepAlivesAnswered() == 0)
            }
            await client.close()
        }
    }

    // MARK: Vendor events

    @Test(arguments: SimulatorStyle.allCases)
    func realSwitchAddsVendorEventsThatAreNeitherCountedNorTraced(style: SimulatorStyle) async throws {
        let pbx = Self.makeSwitch(style)
        let link = await SimLink.open(on: pbx)
        let ids = try await link.monitor("1001", "1002")
        await pbx.startTracing()
        try await SimulatorScenario.basicCall(caller: "1001", callee: "1002").run(on: pbx)

        let callee = try #require(ids["1002"])
        let sequence = link.recorder.items.compactMap { output -> String? in
            switch output {
            case .message(_, let message) where message.monitorCrossRefID == callee: message.trace.split(separator: " ").first.map(String.init)
            case .vendorEvent(let event) where event.monitorCrossRefID == callee: event.rootName
            default: nil
            }
        }
        switch style {
        case .plain:
            #expect(sequence == ["Delivered", "Established", "ConnectionCleared", "ConnectionCleared"])
        case .real:
            #expect(sequence == ["Delivered", "CallInformationEvent", "Established", "CallDetailEvent", "ConnectionCleared"])
            let information = link.recorder.items.compactMap { if case .vendorEvent(let event) = $0 { event } else { nil } }.first
            #expect(
                information
                    == .callInformation(
                        monitorCrossRefID: try #require(ids["1001"]),
                        connection: ConnectionID(callID: "1", deviceID: "1002"),
                        device: "1002",
                        callingDevice: "1001",
                        accountInfo: "CC1"
                    )
            )
        }
        let standard = link.messages.filter { $0.monitorCrossRefID != nil }
        #expect(await pbx.currentCounters().eventsSent == standard.count)
        let trace = await pbx.takeTrace()
        #expect(trace.count == standard.count)
        #expect(trace.allSatisfy { $0.event.hasSuffix("Event") && !$0.event.hasPrefix("Call") })
    }

    @Test func realSwitchTracesTheTransferEventByItsECMA323Name() async throws {
        let pbx = Self.makeSwitch(.real)
        let link = await SimLink.open(on: pbx)
        _ = try await link.monitor("1002")
        try await pbx.placeCall(from: "1001", to: "1002")
        try await pbx.answer(device: "1002")
        await pbx.startTracing()
        try await pbx.transfer(device: "1002", to: "1003")
        #expect(await pbx.takeTrace().map(\.event) == ["TransferedEvent"])
        #expect(String(decoding: PBXCodec(style: .real).xml(try #require(link.messages.last)), as: UTF8.self).contains("<csta:TransferredEvent "))
    }
}
