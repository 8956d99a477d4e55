import XML

/// A request the gateway sends to a PBX (ECMA-269 services, ECMA-323 XML).
///
/// `xml(edition:)` writes the element in the edition's namespace; `CSTAFrame(invokeID:request:edition:)` frames it.
/// Devices are written as plain DeviceID text (`<callingDevice>1001</callingDevice>`), connections as ConnectionID
/// elements named after the parameter they fill (`<callToBeAnswered><callID>…</callID><deviceID>…</deviceID>…`).
public enum CSTARequest: Sendable, Hashable {
    /// MakeCall: `callingDevice` calls `calledDirectoryNumber`.
    case makeCall(callingDevice: String, calledDirectoryNumber: String)
    /// AnswerCall: answers the alerting `callToBeAnswered`.
    case answerCall(ConnectionID)
    /// ClearConnection: releases `connectionToBeCleared`.
    case clearConnection(ConnectionID)
    /// HoldCall: puts `callToBeHeld` on hold.
    case holdCall(ConnectionID)
    /// RetrieveCall: retrieves the held `callToBeRetrieved`.
    case retrieveCall(ConnectionID)
    /// SingleStepTransferCall: blind-transfers `activeCall` to `transferredTo`.
    case singleStepTransferCall(activeCall: ConnectionID, transferredTo: String)
    /// ConsultationCall: holds `existingCall` and calls `consultedDevice`.
    case consultationCall(existingCall: ConnectionID, consultedDevice: String)
    /// TransferCall: joins `heldCall`'s and `activeCall`'s other parties and drops the transferrer.
    case transferCall(heldCall: ConnectionID, activeCall: ConnectionID)
    /// DeflectCall: sends the alerting `callToBeDiverted` to `newDestination`.
    case deflectCall(callToBeDiverted: ConnectionID, newDestination: String)
    /// SetForwarding: switches `forwardingType` to `forwardDN` on or off for `device`.
    case setForwarding(device: String, forwardingType: CSTAForwardingType, forwardDN: String?, activate: Bool)
    /// GetForwarding: asks for `device`'s forwarding settings.
    case getForwarding(device: String)
    /// GetMessageWaitingIndicator: asks whether messages wait for `device` (its voicemail lamp).
    case getMessageWaitingIndicator(device: String)
    /// SetDoNotDisturb: switches do-not-disturb on or off for `device`.
    case setDoNotDisturb(device: String, doNotDisturbOn: Bool)
    /// SnapshotDevice: asks for the calls at `device` and their states.
    case snapshotDevice(device: String)
    /// MonitorStart on a device object.
    case monitorStart(device: String)
    /// MonitorStop for the monitor the PBX identified by `crossRefIdentifier`.
    case monitorStop(crossRefIdentifier: String)
    /// SystemStatus: tells the PBX our status; `.normal` is the keep-alive.
    case systemStatus(CSTASystemStatus)
    /// ECMA-354 StartApplicationSession, for PBXs that want a session before any CSTA service. The credentials travel in
    /// `applicationSpecificInfo/SessionLoginInfo`, the form most such PBXs read; never log this request's XML.
    case startApplicationSession(
        applicationID: String,
        userName: String?,
        password: String?,
        protocolVersion: CSTAEdition,
        sessionDurationSeconds: Int
    )

    /// The ECMA-354 application-session namespace.
    public static let applicationSessionNamespace = "http://www.ecma-international.org/standards/ecma-354/appl_session"

    /// The root element's local name, e.g. `MakeCall`; the positive response is this name plus `Response`.
    public var operationName: String {
        switch self {
        case .makeCall: "MakeCall"
        case .answerCall: "AnswerCall"
        case .clearConnection: "ClearConnection"
        case .holdCall: "HoldCall"
        case .retrieveCall: "RetrieveCall"
        case .singleStepTransferCall: "SingleStepTransferCall"
        case .consultationCall: "ConsultationCall"
        case .transferCall: "TransferCall"
        case .deflectCall: "DeflectCall"
        case .setForwarding: "SetForwarding"
        case .getForwarding: "GetForwarding"
        case .getMessageWaitingIndicator: "GetMessageWaitingIndicator"
        case .setDoNotDisturb: "SetDoNotDisturb"
        case .snapshotDevice: "SnapshotDevice"
        case .monitorStart: "MonitorStart"
        case .monitorStop: "MonitorStop"
        case .systemStatus: "SystemStatus"
        case .startApplicationSession: "StartApplicationSession"
        }
    }

    /// The request as a UTF-8 XML document in `edition`'s namespace (ed4 unless told otherwise); text is escaped.
    public func xml(edition: CSTAEdition = .ed4) -> [UInt8] {
        if case .startApplicationSession = self {
            return CSTAXMLWriter.document(element, namespace: Self.applicationSessionNamespace)
        }
        return CSTAXMLWriter.document(element, namespace: edition.namespace)
    }

    /// The request's element tree, parameters in ECMA-323 schema order.
    var element: XElement {
        XElement(operationName, children: parameters)
    }

    /// The root's children, in the order the ECMA-323 schema declares them.
    private var parameters: [XElement] {
        switch self {
        case .makeCall(let callingDevice, let calledDirectoryNumber):
            [.cstaLeaf("callingDevice", callingDevice), .cstaLeaf("calledDirectoryNumber", calledDirectoryNumber)]
        case .answerCall(let connection):
            [connection.element(named: "callToBeAnswered")]
        case .clearConnection(let connection):
            [connection.element(named: "connectionToBeCleared")]
        case .holdCall(let connection):
            [connection.element(named: "callToBeHeld")]
        case .retrieveCall(let connection):
            [connection.element(named: "callToBeRetrieved")]
        case .singleStepTransferCall(let activeCall, let transferredTo):
            [activeCall.element(named: "activeCall"), .cstaLeaf("transferredTo", transferredTo)]
        case .consultationCall(let existingCall, let consultedDevice):
            [existingCall.element(named: "existingCall"), .cstaLeaf("consultedDevice", consultedDevice)]
        case .transferCall(let heldCall, let activeCall):
            [heldCall.element(named: "heldCall"), activeCall.element(named: "activeCall")]
        case .deflectCall(let callToBeDiverted, let newDestination):
            [callToBeDiverted.element(named: "callToBeDiverted"), .cstaLeaf("newDestination", newDestination)]
        case .setForwarding(let device, let forwardingType, let forwardDN, let activate):
            [
                .cstaLeaf("device", device),
                .cstaLeaf("forwardingType", forwardingType.cstaValue),
                .cstaLeaf("activateForward", activate ? "true" : "false"),
            ] + (forwardDN.map { [.cstaLeaf("forwardDN", $0)] } ?? [])
        case .getForwarding(let device), .getMessageWaitingIndicator(let device):
            [.cstaLeaf("device", device)]
        case .setDoNotDisturb(let device, let doNotDisturbOn):
            [.cstaLeaf("device", device), .cstaLeaf("doNotDisturbOn", doNotDisturbOn ? "true" : "false")]
        case .snapshotDevice(let device):
            [.cstaLeaf("snapshotObject", device)]
        case .monitorStart(let device):
            [XElement("monitorObject", children: [.cstaLeaf("deviceObject", device)])]
        case .monitorStop(let crossRefIdentifier):
            [.cstaLeaf("monitorCrossRefID", crossRefIdentifier)]
        case .systemStatus(let status):
            [.cstaLeaf("systemStatus", status.rawValue)]
        case .startApplicationSession(let applicationID, let userName, let password, let protocolVersion, let duration):
            [
                XElement(
                    "applicationInfo",
                    children: [.cstaLeaf("applicationID", applicationID)]
                        + (userName.map { user in
                            [
                                XElement(
                                    "applicationSpecificInfo",
                                    children: [
                                        XElement(
                                            "SessionLoginInfo",
                                            children: [.cstaLeaf("userName", user), .cstaLeaf("password", password ?? "")]
                                        )
                                    ]
                                )
                            ]
                        } ?? [])
                ),
                XElement("requestedProtocolVersions", children: [.cstaLeaf("protocolVersion", protocolVersion.namespace)]),
                .cstaLeaf("requestedSessionDuration", String(duration)),
            ]
        }
    }
}

/// A response the gateway sends to a request that came from the PBX (the frame repeats the request's invoke id).
public enum CSTAResponse: Sendable, Hashable {
    /// SystemStatusResponse: the answer PBXs expect to their SystemStatus keep-alive, or they drop the link.
    case systemStatus

    /// The response as a UTF-8 XML document in `edition`'s namespace.
    public func xml(edition: CSTAEdition = .ed4) -> [UInt8] {
        xml(namespace: edition.namespace)
    }

    /// The response as a UTF-8 XML document in `namespace` (the request's own, so a PBX of any edition, or one that
    /// writes no namespace at all, recognises its answer); no namespace when nil.
    public func xml(namespace: String?) -> [UInt8] {
        switch self {
        case .systemStatus:
            CSTAXMLWriter.document(XElement("SystemStatusResponse"), namespace: namespace)
        }
    }
}
