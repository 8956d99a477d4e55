import XML

/// What a PBX reads from a gateway: a CSTA request, a response to one of the PBX's own requests, or something else.
public enum PBXInbound: Sendable, Hashable {
    /// One of the requests the gateway sends (the 16 ECMA-269 services and ECMA-354 StartApplicationSession).
    case request(CSTARequest)
    /// A response to a request the PBX sent (in practice `SystemStatusResponse` to the keep-alive), by root name; the
    /// namespace it came in goes to `PBXSwitch.receive(_:namespace:invokeID:session:)` beside it.
    case response(String)
    /// A root element the simulator does not serve: its local name. The switch answers it with a CSTAErrorCode.
    case unknown(String)
}

/// The PBX side of the ECMA-323 XML codec: reads the gateway's requests, writes the responses and events a switch sends.
///
/// It is the mirror of `CSTACodec`: for every `CSTAMessage` value `m` the simulator emits,
/// `CSTACodec.decode(PBXCodec().frame(m, invokeID: n))` gives back `(n, m)`. Requests are matched on their local name in
/// any edition's namespace (or none), like `CSTACodec` matches responses; the output is written in `edition`'s namespace.
///
/// In the `real` style (see `SimulatorStyle`) the same messages are written the way real switches write them: device
/// identifiers in their numbering-plan form (which needs `numbering` to tell extensions from trunk numbers), pretty-
/// printed prefixed XML with a schema location, private data in events, `TransferredEvent`, and the keep-alive as an
/// empty ed3 `<SystemStatus/>`. The gateway's codec then gives back the same messages up to the identifiers' raw form.
public struct PBXCodec: Sendable, Hashable {
    /// The edition outgoing responses and events are written in.
    public var edition: CSTAEdition
    /// How the output is written.
    public var style: SimulatorStyle
    /// The switch's numbering plan: in the `real` style it decides how each number is written.
    public var numbering: SimulatorNumbering

    /// Creates a codec that writes `edition` (ed4 by default) in `style` (plain by default), classifying numbers with
    /// `numbering` (the default plan: extensions 1000–9999).
    public init(edition: CSTAEdition = .ed4, style: SimulatorStyle = .plain, numbering: SimulatorNumbering = SimulatorNumbering()) {
        self.edition = edition
        self.style = style
        self.numbering = numbering
    }

    /// Frames `message` under `invokeID` (the request's id for a response, 9999 for an event).
    public func frame(_ message: CSTAMessage, invokeID: Int) -> CSTAFrame {
        CSTAFrame(invokeID: invokeID, xml: xml(message))
    }

    /// Frames a vendor event under `invokeID` (9999 unless told otherwise).
    public func frame(_ event: SimulatorVendorEvent, invokeID: Int = CSTAFrame.unsolicitedInvokeID) -> CSTAFrame {
        CSTAFrame(invokeID: invokeID, xml: xml(event))
    }

    /// `message` as a UTF-8 document: ECMA-354 messages in the application-session namespace, the rest in `edition`'s.
    ///
    /// Call events are written with the parameters ECMA-323 declares for their event, in schema order; a field of
    /// `CSTACallEvent` that the event does not declare (e.g. `holdingDevice` on a DeliveredEvent) is not written.
    public func xml(_ message: CSTAMessage) -> [UInt8] {
        let root = element(message)
        let namespace: String
        switch message {
        case .applicationSessionStarted:
            namespace = CSTARequest.applicationSessionNamespace
        case .error(let error) where error.category == Self.applicationSessionCategory:
            namespace = CSTARequest.applicationSessionNamespace
        case .systemStatus(nil) where style == .real:
            // OpenScape's keep-alive: an empty <SystemStatus/> in ed3's default namespace, whatever the link's edition.
            return CSTAXMLWriter.document(root, namespace: Self.keepAliveEdition.namespace)
        default:
            namespace = edition.namespace
        }
        return document(root, namespace: namespace)
    }

    /// `root` as a document in `namespace`, written as the style writes it.
    func document(_ root: XElement, namespace: String) -> [UInt8] {
        switch style {
        case .plain: CSTAXMLWriter.document(root, namespace: namespace)
        case .real: SimulatorXMLWriter.document(root, namespace: namespace)
        }
    }

    /// Parses a frame from the gateway and interprets it.
    ///
    /// XML that does not parse throws `invalidXML`; a known request lacking a mandatory parameter throws
    /// `malformedMessage` naming it. Both leave the link usable: the simulator answers them with a CSTAErrorCode.
    public static func decode(_ frame: CSTAFrame) throws(CSTAProtocolError) -> (invokeID: Int, inbound: PBXInbound) {
        (frame.invokeID, try inbound(from: try CSTACodec.root(of: frame)))
    }

    /// Interprets an already parsed root element.
    public static func inbound(from root: XElement) throws(CSTAProtocolError) -> PBXInbound {
        let reader = RequestReader(root: root)
        switch root.name {
        case "MakeCall":
            return .request(
                .makeCall(callingDevice: try reader.device("callingDevice"), calledDirectoryNumber: try reader.device("calledDirectoryNumber"))
            )
        case "AnswerCall":
            return .request(.answerCall(try reader.connection("callToBeAnswered")))
        case "ClearConnection":
            return .request(.clearConnection(try reader.connection("connectionToBeCleared")))
        case "HoldCall":
            return .request(.holdCall(try reader.connection("callToBeHeld")))
        case "RetrieveCall":
            return .request(.retrieveCall(try reader.connection("callToBeRetrieved")))
        case "SingleStepTransferCall":
            return .request(
                .singleStepTransferCall(activeCall: try reader.connection("activeCall"), transferredTo: try reader.device("transferredTo"))
            )
        case "ConsultationCall":
            return .request(
                .consultationCall(existingCall: try reader.connection("existingCall"), consultedDevice: try reader.device("consultedDevice"))
            )
        case "TransferCall":
            return .request(.transferCall(heldCall: try reader.connection("heldCall"), activeCall: try reader.connection("activeCall")))
        case "DeflectCall":
            return .request(
                .deflectCall(callToBeDiverted: try reader.connection("callToBeDiverted"), newDestination: try reader.device("newDestination"))
            )
        case "SetForwarding":
            return .request(
                .setForwarding(
                    device: try reader.device("device"),
                    forwardingType: CSTAForwardingType(cstaValue: try reader.text("forwardingType")),
                    forwardDN: reader.optionalDevice("forwardDN"),
                    activate: try reader.bool("activateForward")
                )
            )
        case "GetForwarding":
            return .request(.getForwarding(device: try reader.device("device")))
        case "GetMessageWaitingIndicator":
            return .request(.getMessageWaitingIndicator(device: try reader.device("device")))
        case "SetDoNotDisturb":
            return .request(.setDoNotDisturb(device: try reader.device("device"), doNotDisturbOn: try reader.bool("doNotDisturbOn")))
        case "SnapshotDevice":
            return .request(.snapshotDevice(device: try reader.device("snapshotObject")))
        case "MonitorStart":
            return .request(.monitorStart(device: try reader.monitorObject()))
        case "MonitorStop":
            return .request(.monitorStop(crossRefIdentifier: try reader.text("monitorCrossRefID")))
        case "SystemStatus":
            guard let status = CSTASystemStatus(rawValue: try reader.text("systemStatus")) else {
                throw .malformedMessage(message: root.name, reason: "no usable <systemStatus>")
            }
            return .request(.systemStatus(status))
        case "StartApplicationSession":
            return .request(try reader.startApplicationSession())
        case let name where name.hasSuffix("Response"):
            return .response(name)
        default:
            return .unknown(root.name)
        }
    }
}

// MARK: - Writing

extension PBXCodec {
    /// The `CSTAError` category that stands for an ECMA-354 StartApplicationSessionNegResponse (as `CSTACodec` reads it).
    static let applicationSessionCategory = "applicationSession"

    /// The element tree of `message`, children in ECMA-323 schema order.
    func element(_ message: CSTAMessage) -> XElement {
        switch message {
        case .makeCallResponse(let callingDevice):
            return XElement("MakeCallResponse", children: [connection(callingDevice, named: "callingDevice")])
        case .consultationCallResponse(let initiatedCall):
            return XElement("ConsultationCallResponse", children: [connection(initiatedCall, named: "initiatedCall")])
        case .monitorStartResponse(let monitorCrossRefID):
            return XElement("MonitorStartResponse", children: [.cstaLeaf("monitorCrossRefID", monitorCrossRefID)])
        case .snapshotDeviceResponse(let calls):
            // ECMA-323 ed3+: the snapshot travels inside crossRefIDorSnapshotData/snapshotData.
            let infos = calls.map(snapshotInfo)
            return XElement(
                "SnapshotDeviceResponse",
                children: [XElement("crossRefIDorSnapshotData", children: [XElement("snapshotData", children: infos)])]
            )
        case .getForwardingResponse(let settings):
            let items = settings.map { setting in
                XElement(
                    "forwardListItem",
                    children: [
                        .cstaLeaf("forwardingType", setting.forwardingType.cstaValue),
                        .cstaLeaf("forwardStatus", setting.forwardStatus ? "true" : "false"),
                        setting.forwardDN.map { .cstaLeaf("forwardDN", identifierText($0, field: "forwardDN")) },
                    ]
                )
            }
            return XElement("GetForwardingResponse", children: [XElement("forwardingList", children: items)])
        case .getMessageWaitingIndicatorResponse(let on):
            return XElement("GetMessageWaitingIndicatorResponse", children: [.cstaLeaf("messageWaitingOn", on ? "true" : "false")])
        case .systemStatusResponse:
            return XElement("SystemStatusResponse")
        case .applicationSessionStarted(let sessionID):
            return XElement("StartApplicationSessionPosResponse", children: [.cstaLeaf("sessionID", sessionID)])
        case .positiveResponse(let name):
            return XElement(name)
        case .error(let error) where error.category == Self.applicationSessionCategory:
            // ECMA-354: the refusal is an errorCode choice; definedError carries the reason.
            return XElement(
                "StartApplicationSessionNegResponse",
                children: [XElement("errorCode", children: [.cstaLeaf("definedError", error.value)])]
            )
        case .error(let error):
            return XElement("CSTAErrorCode", children: [.cstaLeaf(error.category, error.value)])
        case .systemStatus(let status):
            return XElement("SystemStatus", children: [status.map { .cstaLeaf("systemStatus", $0) }])
        case .serviceInitiated(let event):
            return callEvent(
                "ServiceInitiatedEvent",
                event,
                [connection(event.connection, named: "initiatedConnection"), optionalDevice("initiatingDevice", event.initiatingDevice)]
            )
        case .originated(let event):
            return callEvent(
                "OriginatedEvent",
                event,
                [
                    connection(event.connection, named: "originatedConnection"), device("callingDevice", event.callingDevice),
                    device("calledDevice", event.calledDevice),
                ]
            )
        case .delivered(let event):
            return callEvent(
                "DeliveredEvent",
                event,
                [
                    connection(event.connection, named: "connection"), device("alertingDevice", event.alertingDevice),
                    device("callingDevice", event.callingDevice), device("calledDevice", event.calledDevice),
                    redirectionDevice(event.lastRedirectionDevice),
                ]
            )
        case .established(let event):
            return callEvent(
                "EstablishedEvent",
                event,
                [
                    connection(event.connection, named: "establishedConnection"), device("answeringDevice", event.answeringDevice),
                    device("callingDevice", event.callingDevice), device("calledDevice", event.calledDevice),
                    redirectionDevice(event.lastRedirectionDevice),
                ]
            )
        case .connectionCleared(let event):
            return callEvent(
                "ConnectionClearedEvent",
                event,
                [connection(event.connection, named: "droppedConnection"), device("releasingDevice", event.releasingDevice)]
            )
        case .held(let event):
            return callEvent(
                "HeldEvent",
                event,
                [connection(event.connection, named: "heldConnection"), device("holdingDevice", event.holdingDevice)]
            )
        case .retrieved(let event):
            return callEvent(
                "RetrievedEvent",
                event,
                [connection(event.connection, named: "retrievedConnection"), device("retrievingDevice", event.retrievingDevice)]
            )
        case .transferred(let event):
            return callEvent(
                message.rootName(in: style),
                event,
                [
                    connection(event.connection, named: "primaryOldCall"), event.secondaryOldCall.map { connection($0, named: "secondaryOldCall") },
                    device("transferringDevice", event.transferringDevice), device("transferredToDevice", event.transferredToDevice),
                    XElement("transferredConnections", children: event.transferredConnections.map(connectionListItem)),
                ]
            )
        case .diverted(let event):
            return callEvent(
                "DivertedEvent",
                event,
                [
                    connection(event.connection, named: "connection"), device("divertingDevice", event.divertingDevice),
                    device("newDestination", event.newDestination), optionalDevice("callingDevice", event.callingDevice),
                    optionalDevice("calledDevice", event.calledDevice), redirectionDevice(event.lastRedirectionDevice),
                ]
            )
        case .failed(let event):
            return callEvent(
                "FailedEvent",
                event,
                [
                    connection(event.connection, named: "failedConnection"), device("failingDevice", event.failingDevice),
                    device("callingDevice", event.callingDevice), device("calledDevice", event.calledDevice),
                    redirectionDevice(event.lastRedirectionDevice),
                ]
            )
        case .queued(let event):
            return callEvent(
                "QueuedEvent",
                event,
                [
                    connection(event.connection, named: "queuedConnection"), device("queue", event.queue),
                    device("callingDevice", event.callingDevice), device("calledDevice", event.calledDevice),
                    redirectionDevice(event.lastRedirectionDevice),
                ]
            )
        case .forwarding(let event):
            return XElement(
                "ForwardingEvent",
                children: [
                    .cstaLeaf("monitorCrossRefID", event.monitorCrossRefID), device("device", event.device),
                    event.forwardingType.map { .cstaLeaf("forwardingType", $0.cstaValue) },
                    .cstaLeaf("forwardStatus", event.forwardStatus ? "true" : "false"),
                    event.forwardTo.map { .cstaLeaf("forwardTo", identifierText($0, field: "forwardTo")) },
                    privateData(device: event.device),
                ]
            )
        case .doNotDisturb(let event):
            return XElement(
                "DoNotDisturbEvent",
                children: [
                    .cstaLeaf("monitorCrossRefID", event.monitorCrossRefID), device("device", event.device),
                    .cstaLeaf("doNotDisturbOn", event.doNotDisturbOn ? "true" : "false"), privateData(device: event.device),
                ]
            )
        case .messageWaiting(let event):
            return XElement(
                "MessageWaitingEvent",
                children: [
                    .cstaLeaf("monitorCrossRefID", event.monitorCrossRefID), device("targetDevice", event.device),
                    event.deviceForMessage.map { device("deviceForMessage", $0) },
                    .cstaLeaf("messageWaitingOn", event.messageWaitingOn ? "true" : "false"), privateData(device: event.device),
                ]
            )
        case .unknown(let name):
            return XElement(name)
        }
    }

    /// A call event: monitorCrossRefID, the event's own parameters, then localConnectionInfo and cause (ECMA-323 order),
    /// and in the real style the vendor's private data last, in `extensions`.
    private func callEvent(_ name: String, _ event: CSTACallEvent, _ parameters: [XElement?]) -> XElement {
        XElement(
            name,
            children: [.cstaLeaf("monitorCrossRefID", event.monitorCrossRefID)] + parameters + [
                event.localConnectionInfo.map { .cstaLeaf("localConnectionInfo", $0.cstaValue) },
                event.cause.map { .cstaLeaf("cause", $0) },
                privateData(call: event.connection.callID),
            ]
        )
    }

    /// A mandatory ExtendedDeviceID: `<name><deviceIdentifier>1001</deviceIdentifier></name>`, or `<notKnown/>` inside.
    func device(_ name: String, _ identifier: CSTADeviceID?) -> XElement {
        guard let identifier else {
            return XElement(name, children: [.cstaLeaf("notKnown", "")])
        }
        return XElement(name, children: [deviceIdentifier(identifier, field: name)])
    }

    /// An optional ExtendedDeviceID: omitted when unknown.
    private func optionalDevice(_ name: String, _ identifier: CSTADeviceID?) -> XElement? {
        identifier.map { device(name, $0) }
    }

    /// lastRedirectionDevice: the device, or `<notRequired/>` when the call was never redirected (ECMA-323 RedirectionDeviceID).
    private func redirectionDevice(_ identifier: CSTADeviceID?) -> XElement {
        guard let identifier else {
            return XElement("lastRedirectionDevice", children: [.cstaLeaf("notRequired", "")])
        }
        return device("lastRedirectionDevice", identifier)
    }

    /// One ConnectionList item of a Transfered event: newConnection, oldConnection, endpoint.
    private func connectionListItem(_ item: CSTAConnectionListItem) -> XElement {
        XElement(
            "connectionListItem",
            children: [
                item.newConnection.map { connection($0, named: "newConnection") }, item.oldConnection.map { connection($0, named: "oldConnection") },
                item.endpoint.map { XElement("endpoint", children: [.cstaLeaf("deviceID", identifierText($0, field: "endpoint"))]) },
            ]
        )
    }

    /// One snapshotDeviceResponseInfo: the connection and its state as a compoundCallState (or a simpleCallState when the
    /// state is not a LocalConnectionState).
    private func snapshotInfo(_ call: CSTASnapshotCall) -> XElement {
        let state: XElement? = call.localCallState.map { state in
            if case .other(let simple) = state {
                return XElement("localCallState", children: [.cstaLeaf("simpleCallState", simple)])
            }
            return XElement(
                "localCallState",
                children: [XElement("compoundCallState", children: [.cstaLeaf("localConnectionState", state.cstaValue)])]
            )
        }
        return XElement("snapshotDeviceResponseInfo", children: [connection(call.connection, named: "connectionIdentifier"), state])
    }
}

// MARK: - Reading

/// Reads the parameters of one request, throwing `malformedMessage` with the root's name when one is missing.
private struct RequestReader: CSTAElementReader {
    /// The request's root element.
    let root: XElement

    /// The ExtendedDeviceID / DeviceID choices that carry an identifier.
    private static let identifierChoices = [
        "deviceIdentifier", "implicitPublic", "explicitPublic", "implicitPrivate", "explicitPrivate", "other", "staticID", "dynamicID",
    ]

    /// The mandatory device child `name`: bare text (`<callingDevice>1001</callingDevice>`, as the gateway writes it) or
    /// wrapped in an identifier choice.
    func device(_ name: String) throws(CSTAProtocolError) -> String {
        guard let device = optionalDevice(name) else {
            throw missing(name)
        }
        return device
    }

    /// The optional device child `name`; nil when absent or empty.
    func optionalDevice(_ name: String) -> String? {
        Self.identifier(in: root.child(name))
    }

    /// The identifier inside a device element, or nil.
    private static func identifier(in element: XElement?) -> String? {
        guard let element else {
            return nil
        }
        let text = element.children.isEmpty ? element.text : (element.child(anyOf: identifierChoices)?.text ?? "")
        // Devices are known by their number, however the gateway wrote them (`N<1001>;noa=nk` is 1001).
        let number = CSTADeviceID(parsing: text).number
        return number.isEmpty ? nil : number
    }

    /// MonitorStart's monitorObject: `<monitorObject><deviceObject>1001</deviceObject></monitorObject>` (or bare text).
    func monitorObject() throws(CSTAProtocolError) -> String {
        guard let object = root.child("monitorObject") else {
            throw missing("monitorObject")
        }
        let device = object.children.isEmpty ? object.text : Self.identifier(in: object.child("deviceObject")) ?? ""
        guard !device.isEmpty else {
            throw missing("deviceObject")
        }
        return device
    }

    /// ECMA-354 StartApplicationSession: the application id is mandatory; the newest edition among the requested
    /// protocol versions is taken; the credentials are read from applicationSpecificInfo/SessionLoginInfo.
    func startApplicationSession() throws(CSTAProtocolError) -> CSTARequest {
        guard let applicationID = root.child("applicationInfo")?.nonEmptyString("applicationID") else {
            throw missing("applicationID")
        }
        let versions =
            root.child("requestedProtocolVersions")?.children(named: "protocolVersion").compactMap { CSTAEdition(namespace: $0.text) } ?? []
        guard let edition = versions.max(by: { $0.rawValue < $1.rawValue }) else {
            throw missing("protocolVersion")
        }
        let login = root.child("applicationInfo")?.child("applicationSpecificInfo")?.child("SessionLoginInfo")
        return .startApplicationSession(
            applicationID: applicationID,
            userName: login?.string("userName"),
            password: login?.string("password"),
            protocolVersion: edition,
            sessionDurationSeconds: root.int("requestedSessionDuration") ?? 0
        )
    }
}
