import Foundation
import Telephony
import Testing

/// How a sample document spells its namespace: as a default namespace of some edition, with a prefix, or not at all.
enum Namespacing: Sendable, CaseIterable, CustomTestStringConvertible {
    /// `xmlns="…/csta/ed3"` on the root.
    case ed3
    /// `xmlns="…/csta/ed5"` on the root.
    case ed5
    /// No namespace at all, as some PBXs send.
    case none
    /// `xmlns:csta="…/csta/ed2"` with every element prefixed.
    case prefixedEd2

    var testDescription: String {
        switch self {
        case .ed3: "ed3"
        case .ed5: "ed5"
        case .none: "no namespace"
        case .prefixedEd2: "prefixed ed2"
        }
    }

    /// A complete document with root `root` and inner XML `body`, namespaced as this case says.
    func document(root: String, body: String) -> [UInt8] {
        let declaration = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        let xml: String
        switch self {
        case .ed3:
            xml = #"<\#(root) xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3">\#(body)</\#(root)>"#
        case .ed5:
            xml = #"<\#(root) xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed5">\#(body)</\#(root)>"#
        case .none:
            xml = "<\(root)>\(body)</\(root)>"
        case .prefixedEd2:
            let prefixedBody = body.replacingOccurrences(of: "</", with: "\u{1}")
                .replacingOccurrences(of: "<", with: "<csta:")
                .replacingOccurrences(of: "\u{1}", with: "</csta:")
            xml = #"<csta:\#(root) xmlns:csta="http://www.ecma-international.org/standards/ecma-323/csta/ed2">\#(prefixedBody)</csta:\#(root)>"#
        }
        return Array((declaration + xml).utf8)
    }
}

/// A realistic PBX message body (pretty-printed as PBXs do) and the message it must decode to.
struct Sample: Sendable, CustomTestStringConvertible {
    let root: String
    let body: String
    let expected: CSTAMessage
    var testDescription: String { root }
}

/// Sample responses and events in ECMA-323 shape, as typical PBXs send them.
enum Samples {
    static let responses: [Sample] = [
        Sample(
            root: "MakeCallResponse",
            body: """

                  <callingDevice>
                    <callID>501</callID>
                    <deviceID>1001</deviceID>
                  </callingDevice>
                  <calledDevice>0612345678</calledDevice>

                """,
            expected: .makeCallResponse(callingDevice: ConnectionID(callID: "501", deviceID: "1001"))
        ),
        Sample(
            root: "ConsultationCallResponse",
            body: "<initiatedCall><callID>502</callID><deviceID>1001</deviceID></initiatedCall>",
            expected: .consultationCallResponse(initiatedCall: ConnectionID(callID: "502", deviceID: "1001"))
        ),
        Sample(
            root: "MonitorStartResponse",
            body: """
                <monitorCrossRefID>17</monitorCrossRefID>
                <actualMonitorMediaClass><voice>true</voice></actualMonitorMediaClass>
                """,
            expected: .monitorStartResponse(monitorCrossRefID: "17")
        ),
        Sample(
            root: "SnapshotDeviceResponse",
            body: """
                <crossRefIDorSnapshotData>
                  <snapshotData>
                    <snapshotDeviceResponseInfo>
                      <connectionIdentifier><callID>501</callID><deviceID>1001</deviceID></connectionIdentifier>
                      <localCallState><compoundCallState><localConnectionState>connected</localConnectionState></compoundCallState></localCallState>
                    </snapshotDeviceResponseInfo>
                    <snapshotDeviceResponseInfo>
                      <connectionIdentifier><callID>502</callID><deviceID>1001</deviceID></connectionIdentifier>
                      <localCallState><compoundCallState><localConnectionState>hold</localConnectionState></compoundCallState></localCallState>
                    </snapshotDeviceResponseInfo>
                    <snapshotDeviceResponseInfo>
                      <connectionIdentifier><callID>503</callID><deviceID>1001</deviceID></connectionIdentifier>
                      <localCallState><simpleCallState>callDelivered</simpleCallState></localCallState>
                    </snapshotDeviceResponseInfo>
                  </snapshotData>
                </crossRefIDorSnapshotData>
                """,
            expected: .snapshotDeviceResponse([
                CSTASnapshotCall(connection: ConnectionID(callID: "501", deviceID: "1001"), localCallState: .connected),
                CSTASnapshotCall(connection: ConnectionID(callID: "502", deviceID: "1001"), localCallState: .held),
                CSTASnapshotCall(connection: ConnectionID(callID: "503", deviceID: "1001"), localCallState: .other("callDelivered")),
            ])
        ),
        Sample(
            root: "SnapshotDeviceResponse",
            body: "<crossRefIDorSnapshotData><snapshotData/></crossRefIDorSnapshotData>",
            expected: .snapshotDeviceResponse([])
        ),
        Sample(
            root: "GetMessageWaitingIndicatorResponse",
            body: "<messageWaitingOn>true</messageWaitingOn>",
            expected: .getMessageWaitingIndicatorResponse(messageWaitingOn: true)
        ),
        Sample(
            root: "GetForwardingResponse",
            body: """
                <forwardingList>
                  <forwardListItem>
                    <forwardingType>forwardImmediate</forwardingType>
                    <forwardStatus>true</forwardStatus>
                    <forwardDN>2000</forwardDN>
                  </forwardListItem>
                  <forwardListItem>
                    <forwardingType>forwardBusy</forwardingType>
                    <forwardStatus>false</forwardStatus>
                  </forwardListItem>
                  <forwardListItem>
                    <forwardingType>forwardNoAns</forwardingType>
                    <forwardStatus>1</forwardStatus>
                    <forwardDN>Zoé</forwardDN>
                  </forwardListItem>
                </forwardingList>
                """,
            expected: .getForwardingResponse([
                CSTAForwardingSetting(forwardingType: .immediate, forwardStatus: true, forwardDN: "2000"),
                CSTAForwardingSetting(forwardingType: .busy, forwardStatus: false, forwardDN: nil),
                CSTAForwardingSetting(forwardingType: .noAnswer, forwardStatus: true, forwardDN: "Zoé"),
            ])
        ),
        Sample(root: "SystemStatusResponse", body: "", expected: .systemStatusResponse),
        Sample(root: "AnswerCallResponse", body: "", expected: .positiveResponse("AnswerCallResponse")),
        Sample(root: "ClearConnectionResponse", body: "", expected: .positiveResponse("ClearConnectionResponse")),
        Sample(
            root: "MonitorStopResponse",
            body: "<extensions><privateData><private/></privateData></extensions>",
            expected: .positiveResponse("MonitorStopResponse")
        ),
        Sample(root: "SystemStatus", body: "<systemStatus>normal</systemStatus>", expected: .systemStatus("normal")),
    ]

    static let connection501At1001 = ConnectionID(callID: "501", deviceID: "1001")
    static let connection501At1002 = ConnectionID(callID: "501", deviceID: "1002")

    static let events: [Sample] = [
        Sample(
            root: "ServiceInitiatedEvent",
            body: """
                <monitorCrossRefID>17</monitorCrossRefID>
                <initiatedConnection><callID>501</callID><deviceID>1001</deviceID></initiatedConnection>
                <initiatingDevice><deviceIdentifier>1001</deviceIdentifier></initiatingDevice>
                <localConnectionInfo>initiated</localConnectionInfo>
                <cause>newCall</cause>
                """,
            expected: .serviceInitiated(
                CSTACallEvent(
                    monitorCrossRefID: "17",
                    connection: connection501At1001,
                    initiatingDevice: "1001",
                    localConnectionInfo: .initiated,
                    cause: "newCall"
                )
            )
        ),
        Sample(
            root: "OriginatedEvent",
            body: """
                <monitorCrossRefID>17</monitorCrossRefID>
                <originatedConnection><callID>501</callID><deviceID>1001</deviceID></originatedConnection>
                <callingDevice><deviceIdentifier>1001</deviceIdentifier></callingDevice>
                <calledDevice><deviceIdentifier>1002</deviceIdentifier></calledDevice>
                <localConnectionInfo>connected</localConnectionInfo>
                <cause>newCall</cause>
                """,
            expected: .originated(
                CSTACallEvent(
                    monitorCrossRefID: "17",
                    connection: connection501At1001,
                    callingDevice: "1001",
                    calledDevice: "1002",
                    localConnectionInfo: .connected,
                    cause: "newCall"
                )
            )
        ),
        Sample(
            root: "DeliveredEvent",
            body: """
                <monitorCrossRefID>18</monitorCrossRefID>
                <connection><callID>501</callID><deviceID>1002</deviceID></connection>
                <alertingDevice><deviceIdentifier>1002</deviceIdentifier></alertingDevice>
                <callingDevice><deviceIdentifier>Zoé</deviceIdentifier></callingDevice>
                <calledDevice><deviceIdentifier>1002</deviceIdentifier></calledDevice>
                <lastRedirectionDevice><notRequired/></lastRedirectionDevice>
                <localConnectionInfo>alerting</localConnectionInfo>
                <cause>newCall</cause>
                """,
            expected: .delivered(
                CSTACallEvent(
                    monitorCrossRefID: "18",
                    connection: connection501At1002,
                    callingDevice: "Zoé",
                    calledDevice: "1002",
                    alertingDevice: "1002",
                    localConnectionInfo: .alerting,
                    cause: "newCall"
                )
            )
        ),
        Sample(
            root: "EstablishedEvent",
            body: """
                <monitorCrossRefID>18</monitorCrossRefID>
                <establishedConnection><callID>501</callID><deviceID>1002</deviceID></establishedConnection>
                <answeringDevice><deviceIdentifier>1002</deviceIdentifier></answeringDevice>
                <callingDevice><deviceIdentifier>1001</deviceIdentifier></callingDevice>
                <calledDevice><deviceIdentifier>1002</deviceIdentifier></calledDevice>
                <lastRedirectionDevice><notRequired/></lastRedirectionDevice>
                <localConnectionInfo>connected</localConnectionInfo>
                <cause>newCall</cause>
                """,
            expected: .established(
                CSTACallEvent(
                    monitorCrossRefID: "18",
                    connection: connection501At1002,
                    callingDevice: "1001",
                    calledDevice: "1002",
                    answeringDevice: "1002",
                    localConnectionInfo: .connected,
                    cause: "newCall"
                )
            )
        ),
        Sample(
            root: "ConnectionClearedEvent",
            body: """
                <monitorCrossRefID>17</monitorCrossRefID>
                <droppedConnection><callID>501</callID><deviceID>1002</deviceID></droppedConnection>
                <releasingDevice><deviceIdentifier>1002</deviceIdentifier></releasingDevice>
                <localConnectionInfo>null</localConnectionInfo>
                <cause>normalClearing</cause>
                """,
            expected: .connectionCleared(
                CSTACallEvent(
                    monitorCrossRefID: "17",
                    connection: connection501At1002,
                    releasingDevice: "1002",
                    localConnectionInfo: .null,
                    cause: "normalClearing"
                )
            )
        ),
        Sample(
            root: "HeldEvent",
            body: """
                <monitorCrossRefID>17</monitorCrossRefID>
                <heldConnection><callID>501</callID><deviceID>1001</deviceID></heldConnection>
                <holdingDevice><deviceIdentifier>1001</deviceIdentifier></holdingDevice>
                <localConnectionInfo>hold</localConnectionInfo>
                <cause>normal</cause>
                """,
            expected: .held(
                CSTACallEvent(
                    monitorCrossRefID: "17",
                    connection: connection501At1001,
                    holdingDevice: "1001",
                    localConnectionInfo: .held,
                    cause: "normal"
                )
            )
        ),
        Sample(
            root: "RetrievedEvent",
            body: """
                <monitorCrossRefID>17</monitorCrossRefID>
                <retrievedConnection><callID>501</callID><deviceID>1001</deviceID></retrievedConnection>
                <retrievingDevice>1001</retrievingDevice>
                <localConnectionInfo>connected</localConnectionInfo>
                <cause>normal</cause>
                """,
            expected: .retrieved(
                CSTACallEvent(
                    monitorCrossRefID: "17",
                    connection: connection501At1001,
                    retrievingDevice: "1001",
                    localConnectionInfo: .connected,
                    cause: "normal"
                )
            )
        ),
        Sample(
            root: "TransferedEvent",
            body: transferBody,
            expected: .transferred(transferEvent)
        ),
        Sample(
            root: "TransferredEvent",
            body: transferBody,
            expected: .transferred(transferEvent)
        ),
        Sample(
            root: "DivertedEvent",
            body: """
                <monitorCrossRefID>18</monitorCrossRefID>
                <connection><callID>501</callID><deviceID>1002</deviceID></connection>
                <divertingDevice><deviceIdentifier>1002</deviceIdentifier></divertingDevice>
                <newDestination><deviceIdentifier>2000</deviceIdentifier></newDestination>
                <callingDevice><deviceIdentifier>1001</deviceIdentifier></callingDevice>
                <calledDevice><deviceIdentifier>1002</deviceIdentifier></calledDevice>
                <lastRedirectionDevice><deviceIdentifier>1002</deviceIdentifier></lastRedirectionDevice>
                <localConnectionInfo>null</localConnectionInfo>
                <cause>redirected</cause>
                """,
            expected: .diverted(
                CSTACallEvent(
                    monitorCrossRefID: "18",
                    connection: connection501At1002,
                    callingDevice: "1001",
                    calledDevice: "1002",
                    divertingDevice: "1002",
                    newDestination: "2000",
                    lastRedirectionDevice: "1002",
                    localConnectionInfo: .null,
                    cause: "redirected"
                )
            )
        ),
        Sample(
            root: "FailedEvent",
            body: """
                <monitorCrossRefID>17</monitorCrossRefID>
                <failedConnection><callID>504</callID><deviceID>1001</deviceID></failedConnection>
                <failingDevice><deviceIdentifier>1005</deviceIdentifier></failingDevice>
                <callingDevice>1001</callingDevice>
                <calledDevice><deviceIdentifier>1005</deviceIdentifier></calledDevice>
                <lastRedirectionDevice><notRequired/></lastRedirectionDevice>
                <localConnectionInfo>fail</localConnectionInfo>
                <cause>busy</cause>
                """,
            expected: .failed(
                CSTACallEvent(
                    monitorCrossRefID: "17",
                    connection: ConnectionID(callID: "504", deviceID: "1001"),
                    callingDevice: "1001",
                    calledDevice: "1005",
                    failingDevice: "1005",
                    localConnectionInfo: .fail,
                    cause: "busy"
                )
            )
        ),
        Sample(
            root: "QueuedEvent",
            body: """
                <monitorCrossRefID>30</monitorCrossRefID>
                <queuedConnection><callID>505</callID><deviceID>3000</deviceID></queuedConnection>
                <queue><deviceIdentifier>3000</deviceIdentifier></queue>
                <callingDevice><deviceIdentifier>0612345678</deviceIdentifier></callingDevice>
                <calledDevice><deviceIdentifier>3000</deviceIdentifier></calledDevice>
                <numberQueued>2</numberQueued>
                <lastRedirectionDevice><restricted/></lastRedirectionDevice>
                <localConnectionInfo>queued</localConnectionInfo>
                <cause>enteringDistribution</cause>
                """,
            expected: .queued(
                CSTACallEvent(
                    monitorCrossRefID: "30",
                    connection: ConnectionID(callID: "505", deviceID: "3000"),
                    callingDevice: "0612345678",
                    calledDevice: "3000",
                    queue: "3000",
                    localConnectionInfo: .queued,
                    cause: "enteringDistribution"
                )
            )
        ),
        Sample(
            root: "ForwardingEvent",
            body: """
                <monitorCrossRefID>17</monitorCrossRefID>
                <device><deviceIdentifier>1001</deviceIdentifier></device>
                <forwardingType>forwardImmediate</forwardingType>
                <forwardStatus>true</forwardStatus>
                <forwardTo>2000</forwardTo>
                """,
            expected: .forwarding(
                CSTAForwardingEvent(monitorCrossRefID: "17", device: "1001", forwardingType: .immediate, forwardStatus: true, forwardTo: "2000")
            )
        ),
        Sample(
            root: "ForwardingEvent",
            body: """
                <monitorCrossRefID>17</monitorCrossRefID>
                <device>1001</device>
                <forwardingType>forwardDND</forwardingType>
                <forwardStatus>false</forwardStatus>
                """,
            expected: .forwarding(
                CSTAForwardingEvent(
                    monitorCrossRefID: "17",
                    device: "1001",
                    forwardingType: .other("forwardDND"),
                    forwardStatus: false,
                    forwardTo: nil
                )
            )
        ),
        Sample(
            root: "DoNotDisturbEvent",
            body: """
                <monitorCrossRefID>17</monitorCrossRefID>
                <device><deviceIdentifier>1001</deviceIdentifier></device>
                <doNotDisturbOn>true</doNotDisturbOn>
                """,
            expected: .doNotDisturb(CSTADoNotDisturbEvent(monitorCrossRefID: "17", device: "1001", doNotDisturbOn: true))
        ),
        Sample(
            root: "MessageWaitingEvent",
            body: """
                <monitorCrossRefID>17</monitorCrossRefID>
                <targetDevice><deviceIdentifier>1002</deviceIdentifier></targetDevice>
                <deviceForMessage><deviceIdentifier>8888</deviceIdentifier></deviceForMessage>
                <messageWaitingOn>true</messageWaitingOn>
                """,
            expected: .messageWaiting(CSTAMessageWaitingEvent(monitorCrossRefID: "17", device: "1002", deviceForMessage: "8888", messageWaitingOn: true))
        ),
        // OpenScape's wrapped identifier, no voicemail device, private data after the flag; the lamp goes out.
        Sample(
            root: "MessageWaitingEvent",
            body: """
                <monitorCrossRefID>17</monitorCrossRefID>
                <targetDevice><deviceIdentifier>N&lt;1002&gt;;noa=nk</deviceIdentifier></targetDevice>
                <messageWaitingOn>false</messageWaitingOn>
                <extensions><privateData><private><mwi xmlns="urn:vendor">0</mwi></private></privateData></extensions>
                """,
            expected: .messageWaiting(CSTAMessageWaitingEvent(monitorCrossRefID: "17", device: CSTADeviceID(parsing: "N<1002>;noa=nk"), messageWaitingOn: false))
        ),
        // Some switches name the indicator's device `device`, like their other device events.
        Sample(
            root: "MessageWaitingEvent",
            body: """
                <monitorCrossRefID>17</monitorCrossRefID>
                <device>1002</device>
                <messageWaitingOn>true</messageWaitingOn>
                """,
            expected: .messageWaiting(CSTAMessageWaitingEvent(monitorCrossRefID: "17", device: "1002", messageWaitingOn: true))
        ),
    ]

    static let transferBody = """
        <monitorCrossRefID>17</monitorCrossRefID>
        <primaryOldCall><callID>501</callID><deviceID>1001</deviceID></primaryOldCall>
        <secondaryOldCall><callID>502</callID><deviceID>1001</deviceID></secondaryOldCall>
        <transferringDevice><deviceIdentifier>1001</deviceIdentifier></transferringDevice>
        <transferredToDevice><deviceIdentifier>1003</deviceIdentifier></transferredToDevice>
        <transferredConnections>
          <connectionListItem>
            <newConnection><callID>503</callID><deviceID>1002</deviceID></newConnection>
            <oldConnection><callID>501</callID><deviceID>1002</deviceID></oldConnection>
            <endpoint><deviceID>1002</deviceID></endpoint>
          </connectionListItem>
          <connectionListItem>
            <newConnection><callID>503</callID><deviceID>1003</deviceID></newConnection>
            <oldConnection><callID>502</callID><deviceID>1003</deviceID></oldConnection>
          </connectionListItem>
        </transferredConnections>
        <localConnectionInfo>null</localConnectionInfo>
        <cause>transfer</cause>
        """

    static let transferEvent = CSTACallEvent(
        monitorCrossRefID: "17",
        connection: connection501At1001,
        transferringDevice: "1001",
        transferredToDevice: "1003",
        secondaryOldCall: ConnectionID(callID: "502", deviceID: "1001"),
        transferredConnections: [
            CSTAConnectionListItem(
                newConnection: ConnectionID(callID: "503", deviceID: "1002"),
                oldConnection: ConnectionID(callID: "501", deviceID: "1002"),
                endpoint: "1002"
            ),
            CSTAConnectionListItem(
                newConnection: ConnectionID(callID: "503", deviceID: "1003"),
                oldConnection: ConnectionID(callID: "502", deviceID: "1003")
            ),
        ],
        localConnectionInfo: .null,
        cause: "transfer"
    )
}
