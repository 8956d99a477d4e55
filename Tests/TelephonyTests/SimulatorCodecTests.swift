import Telephony
import Testing
import XML

/// A request the gateway sends, for the PBX-side decoding table.
struct SimRequestCase: Sendable, CustomTestStringConvertible {
    let request: CSTARequest
    var testDescription: String { request.operationName }
}

/// A message the simulator sends, for the round-trip table.
struct SimMessageCase: Sendable, CustomTestStringConvertible {
    let label: String
    let message: CSTAMessage
    var testDescription: String { label }
}

/// The PBX-side codec: the gateway's requests decode on the simulator, and what the simulator writes decodes, with the
/// gateway's own `CSTACodec`, to exactly the message it meant.
@Suite struct SimulatorCodecTests {
    static let connection = ConnectionID(callID: "501", deviceID: "1001")
    static let other = ConnectionID(callID: "502", deviceID: "1001")

    static let requests: [SimRequestCase] = [
        .makeCall(callingDevice: "1001", calledDirectoryNumber: "0612345678"),
        .answerCall(connection),
        .clearConnection(connection),
        .holdCall(connection),
        .retrieveCall(connection),
        .singleStepTransferCall(activeCall: connection, transferredTo: "1003"),
        .consultationCall(existingCall: connection, consultedDevice: "1004"),
        .transferCall(heldCall: connection, activeCall: other),
        .deflectCall(callToBeDiverted: connection, newDestination: "2000"),
        .setForwarding(device: "1001", forwardingType: .immediate, forwardDN: "2000", activate: true),
        .setForwarding(device: "1001", forwardingType: .noAnswer, forwardDN: nil, activate: false),
        .getForwarding(device: "1001"),
        .getMessageWaitingIndicator(device: "1001"),
        .setDoNotDisturb(device: "1001", doNotDisturbOn: true),
        .snapshotDevice(device: "1001"),
        .monitorStart(device: "1001"),
        .monitorStop(crossRefIdentifier: "17"),
        .systemStatus(.normal),
        .startApplicationSession(
            applicationID: "tws",
            userName: "gw",
            password: "s3cret & <more>",
            protocolVersion: .ed5,
            sessionDurationSeconds: 180
        ),
        .startApplicationSession(applicationID: "tws", userName: nil, password: nil, protocolVersion: .ed3, sessionDurationSeconds: 60),
    ].map(SimRequestCase.init)

    @Test(arguments: requests, CSTAEdition.allCases)
    func gatewayRequestDecodesOnThePBXSideInEveryEdition(_ requestCase: SimRequestCase, edition: CSTAEdition) throws {
        let frame = CSTAFrame(invokeID: 42, request: requestCase.request, edition: edition)
        let decoded = try PBXCodec.decode(frame)
        #expect(decoded.invokeID == 42)
        #expect(decoded.inbound == .request(requestCase.request))
    }

    @Test func requestWithWrappedDeviceIdentifiersDecodes() throws {
        let xml = Namespacing.prefixedEd2.document(
            root: "MakeCall",
            body: "<callingDevice><deviceIdentifier>1001</deviceIdentifier></callingDevice><calledDirectoryNumber>1002</calledDirectoryNumber>"
        )
        #expect(
            try PBXCodec.decode(CSTAFrame(invokeID: 1, xml: xml)).inbound == .request(.makeCall(callingDevice: "1001", calledDirectoryNumber: "1002"))
        )
    }

    @Test func responsesFromTheGatewayAndUnknownRootsAreNotRequests() throws {
        let response = Namespacing.ed3.document(root: "SystemStatusResponse", body: "")
        #expect(try PBXCodec.decode(CSTAFrame(invokeID: 3, xml: response)).inbound == .response("SystemStatusResponse"))
        let unknown = Namespacing.none.document(root: "ConferenceCall", body: "<heldCall/>")
        #expect(try PBXCodec.decode(CSTAFrame(invokeID: 4, xml: unknown)).inbound == .unknown("ConferenceCall"))
    }

    @Test func requestMissingAMandatoryParameterIsMalformed() {
        let xml = Namespacing.ed5.document(root: "AnswerCall", body: "<callToBeAnswered><callID/><deviceID/></callToBeAnswered>")
        #expect(throws: CSTAProtocolError.malformedMessage(message: "AnswerCall", reason: "no usable <callToBeAnswered>")) {
            try PBXCodec.decode(CSTAFrame(invokeID: 5, xml: xml))
        }
        #expect(throws: CSTAProtocolError.self) {
            try PBXCodec.decode(CSTAFrame(invokeID: 5, xml: Array("not xml".utf8)))
        }
    }

    static let a = ConnectionID(callID: "7", deviceID: "1001")
    static let b = ConnectionID(callID: "7", deviceID: "1002")

    static let messages: [SimMessageCase] = [
        SimMessageCase(label: "MakeCallResponse", message: .makeCallResponse(callingDevice: a)),
        SimMessageCase(label: "ConsultationCallResponse", message: .consultationCallResponse(initiatedCall: b)),
        SimMessageCase(label: "MonitorStartResponse", message: .monitorStartResponse(monitorCrossRefID: "12")),
        SimMessageCase(
            label: "SnapshotDeviceResponse",
            message: .snapshotDeviceResponse([
                CSTASnapshotCall(connection: a, localCallState: .connected), CSTASnapshotCall(connection: b, localCallState: .held),
                CSTASnapshotCall(connection: a, localCallState: .other("callDelivered")), CSTASnapshotCall(connection: b, localCallState: nil),
            ])
        ),
        SimMessageCase(label: "empty SnapshotDeviceResponse", message: .snapshotDeviceResponse([])),
        SimMessageCase(
            label: "GetForwardingResponse",
            message: .getForwardingResponse([
                CSTAForwardingSetting(forwardingType: .immediate, forwardStatus: true, forwardDN: "2000"),
                CSTAForwardingSetting(forwardingType: .busy, forwardStatus: false, forwardDN: nil),
                CSTAForwardingSetting(forwardingType: .noAnswer, forwardStatus: false, forwardDN: "0612345678"),
            ])
        ),
        SimMessageCase(label: "SystemStatusResponse", message: .systemStatusResponse),
        SimMessageCase(label: "StartApplicationSessionPosResponse", message: .applicationSessionStarted(sessionID: "sim-session-1")),
        SimMessageCase(
            label: "StartApplicationSessionNegResponse",
            message: .error(CSTAError(category: "applicationSession", value: "invalidApplicationInfo"))
        ),
        SimMessageCase(label: "plain response", message: .positiveResponse("AnswerCallResponse")),
        SimMessageCase(label: "CSTAErrorCode", message: .error(PBXErrorCode.invalidDeviceID)),
        SimMessageCase(label: "CSTAErrorCode state", message: .error(PBXErrorCode.invalidConnectionState)),
        SimMessageCase(label: "SystemStatus", message: .systemStatus("normal")),
        SimMessageCase(
            label: "ServiceInitiatedEvent",
            message: .serviceInitiated(
                CSTACallEvent(monitorCrossRefID: "1", connection: a, initiatingDevice: "1001", localConnectionInfo: .initiated, cause: "makeCall")
            )
        ),
        SimMessageCase(
            label: "OriginatedEvent",
            message: .originated(
                CSTACallEvent(
                    monitorCrossRefID: "1",
                    connection: a,
                    callingDevice: "1001",
                    calledDevice: "1002",
                    localConnectionInfo: .connected,
                    cause: "newCall"
                )
            )
        ),
        SimMessageCase(
            label: "DeliveredEvent",
            message: .delivered(
                CSTACallEvent(
                    monitorCrossRefID: "2",
                    connection: b,
                    callingDevice: "Zoé & <co>",
                    calledDevice: "1005",
                    alertingDevice: "1002",
                    lastRedirectionDevice: "1005",
                    localConnectionInfo: .alerting,
                    cause: "callForwardImmediate"
                )
            )
        ),
        SimMessageCase(
            label: "DeliveredEvent from an unknown caller",
            message: .delivered(CSTACallEvent(monitorCrossRefID: "2", connection: b, calledDevice: "1002", alertingDevice: "1002", cause: "newCall"))
        ),
        SimMessageCase(
            label: "EstablishedEvent",
            message: .established(
                CSTACallEvent(
                    monitorCrossRefID: "2",
                    connection: b,
                    callingDevice: "1001",
                    calledDevice: "1002",
                    answeringDevice: "1002",
                    localConnectionInfo: .connected,
                    cause: "newCall"
                )
            )
        ),
        SimMessageCase(
            label: "ConnectionClearedEvent",
            message: .connectionCleared(
                CSTACallEvent(
                    monitorCrossRefID: "1",
                    connection: b,
                    releasingDevice: "1002",
                    localConnectionInfo: .connected,
                    cause: "normalClearing"
                )
            )
        ),
        SimMessageCase(
            label: "HeldEvent",
            message: .held(CSTACallEvent(monitorCrossRefID: "1", connection: a, holdingDevice: "1001", localConnectionInfo: .held, cause: "normal"))
        ),
        SimMessageCase(
            label: "RetrievedEvent",
            message: .retrieved(
                CSTACallEvent(monitorCrossRefID: "1", connection: a, retrievingDevice: "1001", localConnectionInfo: .connected, cause: "normal")
            )
        ),
        SimMessageCase(label: "TransferedEvent", message: .transferred(Samples.transferEvent)),
        SimMessageCase(
            label: "DivertedEvent",
            message: .diverted(
                CSTACallEvent(
                    monitorCrossRefID: "2",
                    connection: b,
                    callingDevice: "1001",
                    calledDevice: "1002",
                    divertingDevice: "1002",
                    newDestination: "1003",
                    lastRedirectionDevice: "1002",
                    localConnectionInfo: .null,
                    cause: "redirected"
                )
            )
        ),
        SimMessageCase(
            label: "FailedEvent",
            message: .failed(
                CSTACallEvent(
                    monitorCrossRefID: "1",
                    connection: a,
                    callingDevice: "1001",
                    calledDevice: "1002",
                    failingDevice: "1002",
                    localConnectionInfo: .fail,
                    cause: "busy"
                )
            )
        ),
        SimMessageCase(
            label: "QueuedEvent",
            message: .queued(
                CSTACallEvent(
                    monitorCrossRefID: "9",
                    connection: ConnectionID(callID: "7", deviceID: "3000"),
                    callingDevice: "0612345678",
                    calledDevice: "3000",
                    queue: "3000",
                    localConnectionInfo: .queued,
                    cause: "enteringDistribution"
                )
            )
        ),
        SimMessageCase(
            label: "ForwardingEvent",
            message: .forwarding(
                CSTAForwardingEvent(monitorCrossRefID: "1", device: "1001", forwardingType: .busy, forwardStatus: true, forwardTo: "1003")
            )
        ),
        SimMessageCase(
            label: "ForwardingEvent off",
            message: .forwarding(
                CSTAForwardingEvent(monitorCrossRefID: "1", device: "1001", forwardingType: nil, forwardStatus: false, forwardTo: nil)
            )
        ),
        SimMessageCase(
            label: "DoNotDisturbEvent",
            message: .doNotDisturb(CSTADoNotDisturbEvent(monitorCrossRefID: "1", device: "1001", doNotDisturbOn: true))
        ),
        SimMessageCase(
            label: "MessageWaitingEvent",
            message: .messageWaiting(CSTAMessageWaitingEvent(monitorCrossRefID: "1", device: "1001", deviceForMessage: "8888", messageWaitingOn: true))
        ),
        SimMessageCase(label: "GetMessageWaitingIndicatorResponse", message: .getMessageWaitingIndicatorResponse(messageWaitingOn: false)),
    ]

    @Test(arguments: messages, CSTAEdition.allCases)
    func simulatorMessageRoundTripsThroughTheGatewayCodec(_ messageCase: SimMessageCase, edition: CSTAEdition) throws {
        let frame = PBXCodec(edition: edition).frame(messageCase.message, invokeID: 77)
        let bytes = Array(try frame.encode().readableBytesView)
        let channel = FrameChannel()
        try channel.feed(bytes)
        let received = try #require(try channel.frames().first)
        let decoded = try CSTACodec.decode(received)
        #expect(decoded.invokeID == 77)
        #expect(decoded.message == messageCase.message)
    }

    @Test func outputIsWrittenInTheConfiguredEditionAndSessionsInECMA354() throws {
        let event = PBXCodec(edition: .ed6).xml(.doNotDisturb(CSTADoNotDisturbEvent(monitorCrossRefID: "1", device: "1001", doNotDisturbOn: false)))
        #expect(String(decoding: event, as: UTF8.self).contains(CSTAEdition.ed6.namespace))
        let session = PBXCodec(edition: .ed6).xml(.applicationSessionStarted(sessionID: "s"))
        #expect(String(decoding: session, as: UTF8.self).contains(CSTARequest.applicationSessionNamespace))
        let root = try XElement(xml: PBXCodec().xml(.transferred(Samples.transferEvent)))
        #expect(root.name == "TransferedEvent")
        #expect(root.namespace == CSTAEdition.ed4.namespace)
    }

    @Test func everyMessageTheSwitchEmitsInEveryScenarioRoundTrips() async throws {
        let pbx = PBXSwitch(
            configuration: PBXSwitch.Configuration(
                numbering: SimulatorNumbering(queues: ["3000": ["1004", "1005"]]),
                noAnswerTimeout: .milliseconds(20)
            )
        )
        let link = await SimLink.open(on: pbx)
        _ = try await link.monitor("1001", "1002", "1003", "1004", "1005", "3000")
        let scenarios: [SimulatorScenario] = SimulatorScenario.names.compactMap {
            SimulatorScenario(name: $0, devices: ["1001", "1002", "1003"], queue: "3000")
        }
        #expect(scenarios.count == SimulatorScenario.names.count)
        for scenario in scenarios {
            try await scenario.run(on: pbx)
        }
        await link.send(.snapshotDevice(device: "1001"))
        await link.send(.getForwarding(device: "1002"))
        await link.send(.answerCall(ConnectionID(callID: "999", deviceID: "1001")))
        let outputs = link.recorder.items
        #expect(outputs.count > 100)
        for case .message(let invokeID, let message) in outputs {
            let decoded = try CSTACodec.decode(PBXCodec().frame(message, invokeID: invokeID))
            #expect(decoded.invokeID == invokeID)
            #expect(decoded.message == message, "\(message.trace)")
        }
    }
}
