import XML

/// Turns frames into `CSTAMessage`s and requests into frames.
///
/// Decoding uses the XML module's hardened libxml2 reader (no DTD, no entities, no network, size and depth limits) and
/// matches elements on their local names only, so ECMA-323 ed2–ed6 namespaces and un-namespaced XML are all accepted.
/// Encoding writes `edition`'s namespace (ed4 unless configured otherwise).
public struct CSTACodec: Sendable, Hashable {
    /// The parser limits for CSTA payloads: a frame is at most 65,535 bytes, and ECMA-323 messages nest about 8 deep.
    public static let limits = XMLLimits(maxBytes: CSTAFrame.maximumLength, maxDepth: 32)

    /// The edition outgoing requests are written in.
    public var edition: CSTAEdition

    /// Creates a codec that writes `edition` (ed4 by default).
    public init(edition: CSTAEdition = .ed4) {
        self.edition = edition
    }

    /// Frames `request` under `invokeID` in this codec's edition.
    public func frame(_ request: CSTARequest, invokeID: Int) -> CSTAFrame {
        CSTAFrame(invokeID: invokeID, request: request, edition: edition)
    }

    /// Frames `response` (to a PBX-initiated request) under the request's `invokeID` in this codec's edition.
    public func frame(_ response: CSTAResponse, invokeID: Int) -> CSTAFrame {
        CSTAFrame(invokeID: invokeID, xml: response.xml(edition: edition))
    }

    /// Parses a frame's XML and interprets it.
    ///
    /// XML that does not parse, is empty, too deep or has a DOCTYPE throws `invalidXML`; a known message that lacks what
    /// the call model needs throws `malformedMessage`; an unknown root element is `.unknown(name)`, not an error.
    public static func decode(_ frame: CSTAFrame) throws(CSTAProtocolError) -> (invokeID: Int, message: CSTAMessage) {
        (frame.invokeID, try message(from: try root(of: frame)))
    }

    /// The frame's XML parsed with the codec's limits (both sides of the link read frames this way; the link keeps the
    /// root to answer a PBX request in the namespace it came in).
    static func root(of frame: CSTAFrame) throws(CSTAProtocolError) -> XElement {
        do {
            return try XElement(xml: frame.xml, limits: limits)
        } catch {
            throw .invalidXML("\(error.code): \(error.message)")
        }
    }

    /// Interprets an already parsed root element.
    public static func message(from root: XElement) throws(CSTAProtocolError) -> CSTAMessage {
        let reader = MessageReader(root: root)
        switch root.name {
        case "CSTAErrorCode":
            return .error(reader.error())
        case "MakeCallResponse":
            return .makeCallResponse(callingDevice: try reader.connection("callingDevice"))
        case "ConsultationCallResponse":
            return .consultationCallResponse(initiatedCall: try reader.connection("initiatedCall"))
        case "MonitorStartResponse":
            return .monitorStartResponse(monitorCrossRefID: try reader.text("monitorCrossRefID"))
        case "SnapshotDeviceResponse":
            return .snapshotDeviceResponse(try reader.snapshotCalls())
        case "GetForwardingResponse":
            return .getForwardingResponse(reader.forwardingSettings())
        case "SystemStatusResponse":
            return .systemStatusResponse
        case "GetMessageWaitingIndicatorResponse":
            return .getMessageWaitingIndicatorResponse(messageWaitingOn: try reader.bool("messageWaitingOn"))
        case "StartApplicationSessionPosResponse":
            return .applicationSessionStarted(sessionID: try reader.text("sessionID"))
        case "StartApplicationSessionNegResponse":
            // ECMA-354 reports the refusal as an errorCode choice; keep its value like a CSTA error's.
            let code = root.child("errorCode")
            let value = code?.children.first.map { $0.text.isEmpty ? $0.name : $0.text } ?? code?.text ?? "unspecified"
            return .error(CSTAError(category: "applicationSession", value: value.isEmpty ? "unspecified" : value))
        case "SystemStatus":
            // OpenScape's keep-alive is an empty <SystemStatus/>: still a request that wants its answer.
            return .systemStatus(root.nonEmptyString("systemStatus"))
        case "ServiceInitiatedEvent":
            return .serviceInitiated(try reader.callEvent(connection: "initiatedConnection"))
        case "OriginatedEvent":
            return .originated(try reader.callEvent(connection: "originatedConnection"))
        case "DeliveredEvent":
            return .delivered(try reader.callEvent(connection: "connection"))
        case "EstablishedEvent":
            return .established(try reader.callEvent(connection: "establishedConnection"))
        case "ConnectionClearedEvent":
            return .connectionCleared(try reader.callEvent(connection: "droppedConnection"))
        case "HeldEvent":
            return .held(try reader.callEvent(connection: "heldConnection"))
        case "RetrievedEvent":
            return .retrieved(try reader.callEvent(connection: "retrievedConnection"))
        case "TransferedEvent", "TransferredEvent":
            // ECMA-323 spells the event "Transfered"; some PBXs correct it.
            return .transferred(try reader.callEvent(connection: "primaryOldCall"))
        case "DivertedEvent":
            return .diverted(try reader.callEvent(connection: "connection"))
        case "FailedEvent":
            return .failed(try reader.callEvent(connection: "failedConnection"))
        case "QueuedEvent":
            return .queued(try reader.callEvent(connection: "queuedConnection"))
        case "ForwardingEvent":
            return .forwarding(try reader.forwardingEvent())
        case "DoNotDisturbEvent":
            return .doNotDisturb(try reader.doNotDisturbEvent())
        case "MessageWaitingEvent":
            return .messageWaiting(try reader.messageWaitingEvent())
        case let name where name.hasSuffix("Response"):
            return .positiveResponse(name)
        default:
            return .unknown(root.name)
        }
    }
}

/// Reads the parameters of one message, throwing `malformedMessage` with the root's name when one is missing.
private struct MessageReader: CSTAElementReader {
    /// The message's root element.
    let root: XElement

    /// The ExtendedDeviceID choices that carry an identifier (ECMA-323), plus the `deviceID` a ConnectionList endpoint
    /// wraps; notKnown, restricted and notRequired carry none.
    private static let identifierChoices = [
        "deviceIdentifier", "implicitPublic", "explicitPublic", "implicitPrivate", "explicitPrivate", "other", "deviceID",
    ]

    /// The optional ConnectionID child `name`.
    func optionalConnection(_ name: String) -> ConnectionID? {
        root.child(name).flatMap(ConnectionID.init(element:))
    }

    /// The optional device child `name` of `parent` (the root by default).
    func device(_ name: String, in parent: XElement? = nil) -> CSTADeviceID? {
        Self.deviceIdentifier((parent ?? root).child(name))
    }

    /// The identifier inside a device element: bare text, or the text of its ExtendedDeviceID choice, parsed into its
    /// number (`N<1001>;noa=nk` is 1001), with the DeviceID's `typeOfNumber` attribute when sent.
    static func deviceIdentifier(_ element: XElement?) -> CSTADeviceID? {
        guard let element else {
            return nil
        }
        if element.children.isEmpty {
            return identifier(element)
        }
        // ECMA-323: <callingDevice><deviceIdentifier>1001</deviceIdentifier></callingDevice>.
        return element.child(anyOf: identifierChoices).flatMap(identifier)
    }

    /// The identifier whose text is `element`'s, nil when that is empty or names no number.
    private static func identifier(_ element: XElement) -> CSTADeviceID? {
        guard !element.text.isEmpty else {
            return nil
        }
        let identifier = CSTADeviceID(parsing: element.text, typeOfNumber: element.attributes["typeOfNumber"])
        return identifier.number.isEmpty ? nil : identifier
    }

    /// A CSTAErrorCode's category (its child's local name) and value; a bare-text body counts as `unspecified`.
    func error() -> CSTAError {
        guard let category = root.children.first else {
            return CSTAError(category: "unspecified", value: root.text)
        }
        return CSTAError(category: category.name, value: category.text)
    }

    /// A call event whose subject connection is the child `connectionName` (or, failing that, `connection`).
    func callEvent(connection connectionName: String) throws(CSTAProtocolError) -> CSTACallEvent {
        let monitorCrossRefID = try text("monitorCrossRefID")
        guard let element = root.child(anyOf: [connectionName, "connection"]), let connection = ConnectionID(element: element) else {
            throw missing(connectionName)
        }
        return CSTACallEvent(
            monitorCrossRefID: monitorCrossRefID,
            connection: connection,
            initiatingDevice: device("initiatingDevice"),
            callingDevice: device("callingDevice"),
            calledDevice: device("calledDevice"),
            alertingDevice: device("alertingDevice"),
            answeringDevice: device("answeringDevice"),
            releasingDevice: device("releasingDevice"),
            holdingDevice: device("holdingDevice"),
            retrievingDevice: device("retrievingDevice"),
            transferringDevice: device("transferringDevice"),
            transferredToDevice: device("transferredToDevice"),
            divertingDevice: device("divertingDevice"),
            newDestination: device("newDestination"),
            failingDevice: device("failingDevice"),
            queue: device("queue"),
            lastRedirectionDevice: device("lastRedirectionDevice"),
            secondaryOldCall: optionalConnection("secondaryOldCall"),
            transferredConnections: connectionList("transferredConnections"),
            localConnectionInfo: root.nonEmptyString("localConnectionInfo").map(CSTAConnectionState.init(cstaValue:)),
            cause: root.nonEmptyString("cause")
        )
    }

    /// The items of the ConnectionList child `name`; an item that is itself a ConnectionID counts as its new connection.
    private func connectionList(_ name: String) -> [CSTAConnectionListItem] {
        guard let list = root.child(name) else {
            return []
        }
        return list.children.compactMap { item in
            let newConnection = item.child("newConnection").flatMap(ConnectionID.init(element:))
            let oldConnection = item.child("oldConnection").flatMap(ConnectionID.init(element:))
            let endpoint = device("endpoint", in: item)
            if newConnection == nil, oldConnection == nil, endpoint == nil {
                return ConnectionID(element: item).map { CSTAConnectionListItem(newConnection: $0) }
            }
            return CSTAConnectionListItem(newConnection: newConnection, oldConnection: oldConnection, endpoint: endpoint)
        }
    }

    /// The snapshotDeviceResponseInfo entries, wherever the edition nests them (ed3+: inside crossRefIDorSnapshotData /
    /// snapshotData). A response that only carries a serviceCrossRefID (data to follow in events) yields no entries.
    func snapshotCalls() throws(CSTAProtocolError) -> [CSTASnapshotCall] {
        var calls: [CSTASnapshotCall] = []
        for info in root.descendants(named: "snapshotDeviceResponseInfo") {
            guard let element = info.child(anyOf: ["connectionIdentifier", "connectionID", "connection"]),
                let connection = ConnectionID(element: element)
            else {
                throw missing("connectionIdentifier")
            }
            calls.append(CSTASnapshotCall(connection: connection, localCallState: Self.localCallState(info.child("localCallState"))))
        }
        return calls
    }

    /// A CallState: compoundCallState's first localConnectionState, simpleCallState verbatim, or plain text.
    private static func localCallState(_ element: XElement?) -> CSTAConnectionState? {
        guard let element else {
            return nil
        }
        if element.children.isEmpty {
            return element.text.isEmpty ? nil : CSTAConnectionState(cstaValue: element.text)
        }
        let state = element.firstDescendant(named: "localConnectionState") ?? element.firstDescendant(named: "simpleCallState")
        guard let text = state?.text, !text.isEmpty else {
            return nil
        }
        return CSTAConnectionState(cstaValue: text)
    }

    /// The forwardListItem entries of a GetForwardingResponse (inside forwardingList); items without a type are skipped.
    func forwardingSettings() -> [CSTAForwardingSetting] {
        root.descendants(named: "forwardListItem").compactMap { item in
            guard let type = item.nonEmptyString("forwardingType") else {
                return nil
            }
            return CSTAForwardingSetting(
                forwardingType: CSTAForwardingType(cstaValue: type),
                forwardStatus: item.bool("forwardStatus") ?? false,
                forwardDN: device("forwardDN", in: item)
            )
        }
    }

    /// A ForwardingEvent: monitorCrossRefID, device and forwardStatus are mandatory.
    func forwardingEvent() throws(CSTAProtocolError) -> CSTAForwardingEvent {
        let monitorCrossRefID = try text("monitorCrossRefID")
        guard let device = device("device") else {
            throw missing("device")
        }
        return CSTAForwardingEvent(
            monitorCrossRefID: monitorCrossRefID,
            device: device,
            forwardingType: root.nonEmptyString("forwardingType").map(CSTAForwardingType.init(cstaValue:)),
            forwardStatus: try bool("forwardStatus"),
            forwardTo: self.device("forwardTo")
        )
    }

    /// A DoNotDisturbEvent: all three fields are mandatory.
    func doNotDisturbEvent() throws(CSTAProtocolError) -> CSTADoNotDisturbEvent {
        let monitorCrossRefID = try text("monitorCrossRefID")
        guard let device = device("device") else {
            throw missing("device")
        }
        return CSTADoNotDisturbEvent(monitorCrossRefID: monitorCrossRefID, device: device, doNotDisturbOn: try bool("doNotDisturbOn"))
    }

    /// A MessageWaitingEvent: the indicator's device is `targetDevice` (ECMA-323); `device` is read too, as some
    /// switches name it like the other device events.
    func messageWaitingEvent() throws(CSTAProtocolError) -> CSTAMessageWaitingEvent {
        let monitorCrossRefID = try text("monitorCrossRefID")
        guard let device = device("targetDevice") ?? device("device") else {
            throw missing("targetDevice")
        }
        return CSTAMessageWaitingEvent(
            monitorCrossRefID: monitorCrossRefID,
            device: device,
            deviceForMessage: self.device("deviceForMessage"),
            messageWaitingOn: try bool("messageWaitingOn")
        )
    }
}

/// What the gateway's and the simulator's readers share: mandatory parameters of one message's root element, each
/// missing one thrown as `malformedMessage` naming the root.
protocol CSTAElementReader {
    var root: XElement { get }
}

extension CSTAElementReader {
    /// The error thrown when `element` is missing or unusable.
    func missing(_ element: String) -> CSTAProtocolError {
        .malformedMessage(message: root.name, reason: "no usable <\(element)>")
    }

    /// The non-empty text of the mandatory child `name`.
    func text(_ name: String) throws(CSTAProtocolError) -> String {
        guard let text = root.nonEmptyString(name) else {
            throw missing(name)
        }
        return text
    }

    /// The mandatory boolean child `name` (`true`/`false`/`1`/`0`).
    func bool(_ name: String) throws(CSTAProtocolError) -> Bool {
        guard let value = root.bool(name) else {
            throw missing(name)
        }
        return value
    }

    /// The mandatory ConnectionID child `name`.
    func connection(_ name: String) throws(CSTAProtocolError) -> ConnectionID {
        guard let element = root.child(name), let connection = ConnectionID(element: element) else {
            throw missing(name)
        }
        return connection
    }
}
