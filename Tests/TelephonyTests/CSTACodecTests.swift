import Telephony
import Testing
import XML

/// A payload the hardened parser must refuse, with a word its reason must mention.
struct HostileXMLCase: Sendable, CustomTestStringConvertible {
    let label: String
    let xml: String
    let reasonMentions: String
    var testDescription: String { label }
}

/// A known message lacking something the call model needs, and the element the error must name.
struct MalformedCase: Sendable, CustomTestStringConvertible {
    let root: String
    let body: String
    let missing: String
    var testDescription: String { "\(root) without a usable \(missing)" }
}

/// Decoding of responses, events, negative responses and hostile payloads with `CSTACodec.decode`.
@Suite struct CSTACodecTests {
    @Test(arguments: Samples.responses, Namespacing.allCases)
    func responseDecodesInEveryEditionAndWithoutNamespace(_ sample: Sample, namespacing: Namespacing) throws {
        let frame = CSTAFrame(invokeID: 12, xml: namespacing.document(root: sample.root, body: sample.body))
        let decoded = try CSTACodec.decode(frame)
        #expect(decoded.invokeID == 12)
        #expect(decoded.message == sample.expected)
    }

    @Test(arguments: Samples.events, Namespacing.allCases)
    func eventDecodesInEveryEditionAndWithoutNamespace(_ sample: Sample, namespacing: Namespacing) throws {
        let frame = CSTAFrame(invokeID: 9999, xml: namespacing.document(root: sample.root, body: sample.body))
        let decoded = try CSTACodec.decode(frame)
        #expect(decoded.invokeID == 9999)
        #expect(decoded.message == sample.expected)
    }

    @Test func callEventsExposeTheirMonitorAndConnectionUniformly() throws {
        for sample in Samples.events {
            let message = try CSTACodec.decode(CSTAFrame(invokeID: 9999, xml: Namespacing.ed3.document(root: sample.root, body: sample.body))).message
            #expect(message.monitorCrossRefID != nil, "\(sample.root)")
            if sample.root.hasPrefix("Forwarding") || sample.root.hasPrefix("DoNotDisturb") || sample.root.hasPrefix("MessageWaiting") {
                #expect(message.callEvent == nil, "\(sample.root)")
            } else {
                #expect(message.callEvent?.connection.callID.isEmpty == false, "\(sample.root)")
            }
        }
        #expect(CSTAMessage.monitorStartResponse(monitorCrossRefID: "17").monitorCrossRefID == nil)
    }

    @Test(arguments: [
        "operation", "security", "stateIncompatibility", "systemResourceAvailability", "subscribedResourceAvailability",
        "performanceManagement", "privateData", "unspecified",
    ])
    func negativeResponseYieldsTheTypedErrorOfEachCategory(category: String) throws {
        let xml = Namespacing.ed5.document(root: "CSTAErrorCode", body: "<\(category)>someValue</\(category)>")
        let decoded = try CSTACodec.decode(CSTAFrame(invokeID: 33, xml: xml))
        #expect(decoded.invokeID == 33)
        #expect(decoded.message == .error(CSTAError(category: category, value: "someValue")))
        #expect(CSTAError.categories.contains(category))
    }

    @Test(arguments: Namespacing.allCases)
    func invalidDeviceIDNegativeResponseDecodes(namespacing: Namespacing) throws {
        let xml = namespacing.document(root: "CSTAErrorCode", body: "\n  <operation>invalidDeviceID</operation>\n")
        let message = try CSTACodec.decode(CSTAFrame(invokeID: 4, xml: xml)).message
        guard case .error(let error) = message else {
            Issue.record("expected a CSTA error, got \(message)")
            return
        }
        #expect(error.category == "operation")
        #expect(error.value == "invalidDeviceID")
        #expect(error.description == "operation: invalidDeviceID")
    }

    @Test(arguments: Namespacing.allCases)
    func unknownRootElementYieldsUnknownNotAnError(namespacing: Namespacing) throws {
        let xml = namespacing.document(root: "VendorPresenceEvent", body: "<monitorCrossRefID>1</monitorCrossRefID><state>away</state>")
        #expect(try CSTACodec.decode(CSTAFrame(invokeID: 9999, xml: xml)).message == .unknown("VendorPresenceEvent"))
    }

    static let hostile: [HostileXMLCase] = [
        HostileXMLCase(
            label: "DOCTYPE with an internal entity",
            xml: #"<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e "boom">]><DeliveredEvent>&e;</DeliveredEvent>"#,
            reasonMentions: "DOCTYPE"
        ),
        HostileXMLCase(
            label: "DOCTYPE with an external entity",
            xml: #"<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><DeliveredEvent><cause>&x;</cause></DeliveredEvent>"#,
            reasonMentions: "DOCTYPE"
        ),
        HostileXMLCase(
            label: "billion laughs",
            xml: #"<!DOCTYPE l [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><SystemStatus>&b;</SystemStatus>"#,
            reasonMentions: "DOCTYPE"
        ),
        HostileXMLCase(label: "undeclared entity", xml: "<DeliveredEvent><cause>&xxe;</cause></DeliveredEvent>", reasonMentions: "invalid_xml"),
        HostileXMLCase(label: "not XML", xml: "hello PBX", reasonMentions: "invalid_xml"),
        HostileXMLCase(label: "unclosed root", xml: "<DeliveredEvent><monitorCrossRefID>1</monitorCrossRefID>", reasonMentions: "invalid_xml"),
        HostileXMLCase(label: "empty payload", xml: "", reasonMentions: "empty"),
        HostileXMLCase(label: "undeclared prefix", xml: "<csta:DeliveredEvent/>", reasonMentions: "invalid_xml"),
        HostileXMLCase(
            label: "nesting deeper than 32",
            xml: String(repeating: "<a>", count: 40) + String(repeating: "</a>", count: 40),
            reasonMentions: "deeper"
        ),
    ]

    @Test(arguments: hostile)
    func hostileOrBrokenXMLIsRefusedAsInvalidXML(_ hostileCase: HostileXMLCase) {
        let error = #expect(throws: CSTAProtocolError.self) {
            try CSTACodec.decode(CSTAFrame(invokeID: 9999, xml: Array(hostileCase.xml.utf8)))
        }
        guard case .invalidXML(let reason) = error else {
            Issue.record("expected invalidXML, got \(String(describing: error))")
            return
        }
        #expect(reason.contains(hostileCase.reasonMentions), "\(reason)")
    }

    static let malformed: [MalformedCase] = [
        MalformedCase(root: "MakeCallResponse", body: "", missing: "callingDevice"),
        MalformedCase(root: "MakeCallResponse", body: "<callingDevice><callID/><deviceID/></callingDevice>", missing: "callingDevice"),
        MalformedCase(root: "MonitorStartResponse", body: "<monitorCrossRefID></monitorCrossRefID>", missing: "monitorCrossRefID"),
        MalformedCase(
            root: "DeliveredEvent",
            body: "<monitorCrossRefID>1</monitorCrossRefID><alertingDevice>1002</alertingDevice>",
            missing: "connection"
        ),
        MalformedCase(
            root: "EstablishedEvent",
            body: "<establishedConnection><callID>1</callID><deviceID>1002</deviceID></establishedConnection>",
            missing: "monitorCrossRefID"
        ),
        MalformedCase(
            root: "ForwardingEvent",
            body: "<monitorCrossRefID>1</monitorCrossRefID><device>1001</device><forwardStatus>maybe</forwardStatus>",
            missing: "forwardStatus"
        ),
        MalformedCase(
            root: "DoNotDisturbEvent",
            body: "<monitorCrossRefID>1</monitorCrossRefID><device><notKnown/></device><doNotDisturbOn>true</doNotDisturbOn>",
            missing: "device"
        ),
        MalformedCase(
            root: "MessageWaitingEvent",
            body: "<monitorCrossRefID>1</monitorCrossRefID><targetDevice>1002</targetDevice><messageWaitingOn>perhaps</messageWaitingOn>",
            missing: "messageWaitingOn"
        ),
        MalformedCase(
            root: "MessageWaitingEvent",
            body: "<monitorCrossRefID>1</monitorCrossRefID><messageWaitingOn>true</messageWaitingOn>",
            missing: "targetDevice"
        ),
        MalformedCase(
            root: "SnapshotDeviceResponse",
            body: "<crossRefIDorSnapshotData><snapshotData><snapshotDeviceResponseInfo/></snapshotData></crossRefIDorSnapshotData>",
            missing: "connectionIdentifier"
        ),
    ]

    @Test(arguments: malformed)
    func knownMessageMissingWhatTheCallModelNeedsIsMalformed(_ malformedCase: MalformedCase) throws {
        let frame = CSTAFrame(invokeID: 9999, xml: Namespacing.ed3.document(root: malformedCase.root, body: malformedCase.body))
        #expect(throws: CSTAProtocolError.malformedMessage(message: malformedCase.root, reason: "no usable <\(malformedCase.missing)>")) {
            try CSTACodec.decode(frame)
        }
    }

    @Test func connectionWithOnlyADeviceIsAcceptedWithAnEmptyCallID() throws {
        let body = "<monitorCrossRefID>1</monitorCrossRefID><connection><deviceID>1002</deviceID></connection>"
        let message = try CSTACodec.decode(CSTAFrame(invokeID: 9999, xml: Namespacing.none.document(root: "DeliveredEvent", body: body))).message
        #expect(message.callEvent?.connection == ConnectionID(callID: "", deviceID: "1002"))
    }

    @Test(arguments: ["<notKnown>true</notKnown>", "<restricted>1</restricted>", "<notRequired/>", ""])
    func deviceWithoutAnIdentifierChoiceYieldsNoNumber(device: String) throws {
        let body =
            "<monitorCrossRefID>1</monitorCrossRefID><connection><callID>5</callID><deviceID>1002</deviceID></connection>"
            + "<callingDevice>\(device)</callingDevice><alertingDevice><deviceIdentifier>1002</deviceIdentifier></alertingDevice>"
        let message = try CSTACodec.decode(CSTAFrame(invokeID: 9999, xml: Namespacing.ed3.document(root: "DeliveredEvent", body: body))).message
        let event = try #require(message.callEvent)
        #expect(event.callingDevice == nil)
        #expect(event.alertingDevice == "1002")
    }

    @Test func deviceIDWrappingStaticIDIsRead() throws {
        let body = "<callingDevice><callID>9</callID><deviceID><staticID>1001</staticID></deviceID></callingDevice>"
        let message = try CSTACodec.decode(CSTAFrame(invokeID: 3, xml: Namespacing.ed5.document(root: "MakeCallResponse", body: body))).message
        #expect(message == .makeCallResponse(callingDevice: ConnectionID(callID: "9", deviceID: "1001")))
    }

    @Test func requestRoundTripsThroughFrameBytesAndTheParser() throws {
        let connection = ConnectionID(callID: "Zoé-1", deviceID: "1001")
        let frame = CSTACodec(edition: .ed5).frame(.holdCall(connection), invokeID: 8)
        let bytes = Array(try frame.encode().readableBytesView)
        let channel = FrameChannel()
        try channel.feed(bytes)
        let received = try #require(try channel.frames().first)
        let root = try XElement(xml: received.xml)
        #expect(root.name == "HoldCall")
        #expect(root.child("callToBeHeld").map { $0.string("callID") } == "Zoé-1")
    }
}
