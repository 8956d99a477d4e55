import Telephony
import Testing
import XML

/// A request and what its XML must contain: the root's local name, its children in order, and leaf values by path.
struct RequestCase: Sendable, CustomTestStringConvertible {
    let request: CSTARequest
    let root: String
    let children: [String]
    let values: [[String]: String]
    var testDescription: String { root }
}

/// Every outgoing ECMA-323 request: element names, nesting, values, namespace and escaping.
@Suite struct CSTARequestTests {
    static let connection = ConnectionID(callID: "501", deviceID: "1001")
    static let other = ConnectionID(callID: "502", deviceID: "1001")

    static let cases: [RequestCase] = [
        RequestCase(
            request: .makeCall(callingDevice: "1001", calledDirectoryNumber: "0612345678"),
            root: "MakeCall",
            children: ["callingDevice", "calledDirectoryNumber"],
            values: [["callingDevice"]: "1001", ["calledDirectoryNumber"]: "0612345678"]
        ),
        RequestCase(
            request: .answerCall(connection),
            root: "AnswerCall",
            children: ["callToBeAnswered"],
            values: [["callToBeAnswered", "callID"]: "501", ["callToBeAnswered", "deviceID"]: "1001"]
        ),
        RequestCase(
            request: .clearConnection(connection),
            root: "ClearConnection",
            children: ["connectionToBeCleared"],
            values: [["connectionToBeCleared", "callID"]: "501", ["connectionToBeCleared", "deviceID"]: "1001"]
        ),
        RequestCase(
            request: .holdCall(connection),
            root: "HoldCall",
            children: ["callToBeHeld"],
            values: [["callToBeHeld", "callID"]: "501", ["callToBeHeld", "deviceID"]: "1001"]
        ),
        RequestCase(
            request: .retrieveCall(connection),
            root: "RetrieveCall",
            children: ["callToBeRetrieved"],
            values: [["callToBeRetrieved", "callID"]: "501", ["callToBeRetrieved", "deviceID"]: "1001"]
        ),
        RequestCase(
            request: .singleStepTransferCall(activeCall: connection, transferredTo: "1003"),
            root: "SingleStepTransferCall",
            children: ["activeCall", "transferredTo"],
            values: [["activeCall", "callID"]: "501", ["activeCall", "deviceID"]: "1001", ["transferredTo"]: "1003"]
        ),
        RequestCase(
            request: .consultationCall(existingCall: connection, consultedDevice: "1004"),
            root: "ConsultationCall",
            children: ["existingCall", "consultedDevice"],
            values: [["existingCall", "callID"]: "501", ["existingCall", "deviceID"]: "1001", ["consultedDevice"]: "1004"]
        ),
        RequestCase(
            request: .transferCall(heldCall: connection, activeCall: other),
            root: "TransferCall",
            children: ["heldCall", "activeCall"],
            values: [
                ["heldCall", "callID"]: "501", ["heldCall", "deviceID"]: "1001",
                ["activeCall", "callID"]: "502", ["activeCall", "deviceID"]: "1001",
            ]
        ),
        RequestCase(
            request: .deflectCall(callToBeDiverted: connection, newDestination: "2000"),
            root: "DeflectCall",
            children: ["callToBeDiverted", "newDestination"],
            values: [["callToBeDiverted", "callID"]: "501", ["callToBeDiverted", "deviceID"]: "1001", ["newDestination"]: "2000"]
        ),
        RequestCase(
            request: .setForwarding(device: "1001", forwardingType: .immediate, forwardDN: "2000", activate: true),
            root: "SetForwarding",
            children: ["device", "forwardingType", "activateForward", "forwardDN"],
            values: [["device"]: "1001", ["forwardingType"]: "forwardImmediate", ["activateForward"]: "true", ["forwardDN"]: "2000"]
        ),
        RequestCase(
            request: .setForwarding(device: "1001", forwardingType: .busy, forwardDN: "2001", activate: true),
            root: "SetForwarding",
            children: ["device", "forwardingType", "activateForward", "forwardDN"],
            values: [["forwardingType"]: "forwardBusy", ["forwardDN"]: "2001"]
        ),
        RequestCase(
            request: .setForwarding(device: "1001", forwardingType: .noAnswer, forwardDN: nil, activate: false),
            root: "SetForwarding",
            children: ["device", "forwardingType", "activateForward"],
            values: [["device"]: "1001", ["forwardingType"]: "forwardNoAns", ["activateForward"]: "false"]
        ),
        RequestCase(
            request: .getForwarding(device: "1001"),
            root: "GetForwarding",
            children: ["device"],
            values: [["device"]: "1001"]
        ),
        RequestCase(
            request: .getMessageWaitingIndicator(device: "1001"),
            root: "GetMessageWaitingIndicator",
            children: ["device"],
            values: [["device"]: "1001"]
        ),
        RequestCase(
            request: .setDoNotDisturb(device: "1001", doNotDisturbOn: true),
            root: "SetDoNotDisturb",
            children: ["device", "doNotDisturbOn"],
            values: [["device"]: "1001", ["doNotDisturbOn"]: "true"]
        ),
        RequestCase(
            request: .setDoNotDisturb(device: "1001", doNotDisturbOn: false),
            root: "SetDoNotDisturb",
            children: ["device", "doNotDisturbOn"],
            values: [["doNotDisturbOn"]: "false"]
        ),
        RequestCase(
            request: .snapshotDevice(device: "1001"),
            root: "SnapshotDevice",
            children: ["snapshotObject"],
            values: [["snapshotObject"]: "1001"]
        ),
        RequestCase(
            request: .monitorStart(device: "1001"),
            root: "MonitorStart",
            children: ["monitorObject"],
            values: [["monitorObject", "deviceObject"]: "1001"]
        ),
        RequestCase(
            request: .monitorStop(crossRefIdentifier: "17"),
            root: "MonitorStop",
            children: ["monitorCrossRefID"],
            values: [["monitorCrossRefID"]: "17"]
        ),
        RequestCase(
            request: .systemStatus(.normal),
            root: "SystemStatus",
            children: ["systemStatus"],
            values: [["systemStatus"]: "normal"]
        ),
    ]

    /// The element at `path` below `root`, following the first child of each name.
    static func element(_ root: XElement, at path: [String]) -> XElement? {
        var current: XElement? = root
        for name in path {
            current = current?.child(name)
        }
        return current
    }

    /// Every element of the tree, root included.
    static func allElements(_ root: XElement) -> [XElement] {
        [root] + root.children.flatMap(allElements)
    }

    @Test(arguments: cases)
    func requestXMLParsesBackWithTheRightNamesOrderAndValues(_ testCase: RequestCase) throws {
        let root = try XElement(xml: testCase.request.xml())
        #expect(root.name == testCase.root)
        #expect(testCase.request.operationName == testCase.root)
        #expect(root.children.map(\.name) == testCase.children)
        for (path, value) in testCase.values {
            #expect(Self.element(root, at: path)?.text == value, "value at \(path.joined(separator: "/"))")
        }
    }

    @Test(arguments: cases)
    func requestIsWrittenInTheEd4NamespaceByDefault(_ testCase: RequestCase) throws {
        let root = try XElement(xml: testCase.request.xml())
        for element in Self.allElements(root) {
            #expect(element.namespace == "http://www.ecma-international.org/standards/ecma-323/csta/ed4", "\(element.name)")
        }
    }

    @Test(arguments: cases)
    func requestIsWrittenInTheEd6NamespaceWhenAsked(_ testCase: RequestCase) throws {
        let root = try XElement(xml: testCase.request.xml(edition: .ed6))
        for element in Self.allElements(root) {
            #expect(element.namespace == "http://www.ecma-international.org/standards/ecma-323/csta/ed6", "\(element.name)")
        }
    }

    @Test(arguments: CSTAEdition.allCases)
    func everyEditionNamespaceRoundTrips(_ edition: CSTAEdition) throws {
        let root = try XElement(xml: CSTARequest.snapshotDevice(device: "1001").xml(edition: edition))
        let namespace = try #require(root.namespace)
        #expect(namespace.hasSuffix("/csta/ed\(edition.rawValue)"))
        #expect(CSTAEdition(namespace: namespace) == edition)
    }

    @Test func codecWritesItsConfiguredEdition() throws {
        let frame = CSTACodec(edition: .ed3).frame(.monitorStart(device: "1001"), invokeID: 5)
        #expect(frame.invokeID == 5)
        #expect(try XElement(xml: frame.xml).namespace == CSTAEdition.ed3.namespace)
        #expect(try XElement(xml: CSTACodec().frame(.monitorStart(device: "1001"), invokeID: 5).xml).namespace == CSTAEdition.ed4.namespace)
    }

    @Test func documentStartsWithAnXMLDeclaration() {
        let xml = String(decoding: CSTARequest.systemStatus(.normal).xml(), as: UTF8.self)
        #expect(xml.hasPrefix(#"<?xml version="1.0" encoding="UTF-8"?><SystemStatus xmlns=""#))
    }

    @Test func markupCharactersInValuesAreEscapedAndSurviveTheRoundTrip() throws {
        let hostile = #"<b>&amp; "quoted" 'single'</b>"#
        let request = CSTARequest.makeCall(callingDevice: hostile, calledDirectoryNumber: "Zoé & Chloë")
        let xml = String(decoding: request.xml(), as: UTF8.self)
        #expect(!xml.contains("<b>"))
        #expect(xml.contains("&lt;b&gt;&amp;amp; &quot;quoted&quot; &apos;single&apos;&lt;/b&gt;"))
        let root = try XElement(xml: request.xml())
        #expect(root.string("callingDevice") == hostile)
        #expect(root.string("calledDirectoryNumber") == "Zoé & Chloë")
    }

    @Test func injectedElementsInAConnectionIDStayText() throws {
        let sneaky = ConnectionID(callID: "1</callID><deviceID>9999", deviceID: "1001")
        let root = try XElement(xml: CSTARequest.clearConnection(sneaky).xml())
        let connection = try #require(root.child("connectionToBeCleared"))
        #expect(connection.children.map(\.name) == ["callID", "deviceID"])
        #expect(connection.string("callID") == "1</callID><deviceID>9999")
    }

    @Test func controlCharactersThatXMLCannotCarryAreReplacedSoTheDocumentStillParses() throws {
        let root = try XElement(xml: CSTARequest.getForwarding(device: "10\u{01}01").xml())
        #expect(root.string("device") == "10\u{FFFD}01")
    }

    @Test func connectionIDEncodesCallIDThenDeviceIDUnderConnectionIDByDefault() {
        let element = ConnectionID(callID: "7", deviceID: "1002").element()
        #expect(element.name == "connectionID")
        #expect(element.children.map(\.name) == ["callID", "deviceID"])
        #expect(element.string("callID") == "7")
        #expect(element.string("deviceID") == "1002")
    }

    @Test func otherForwardingTypesAreWrittenVerbatim() throws {
        let request = CSTARequest.setForwarding(device: "1001", forwardingType: .other("forwardDND"), forwardDN: nil, activate: true)
        #expect(try XElement(xml: request.xml()).string("forwardingType") == "forwardDND")
    }

    @Test func systemStatusResponseIsAnEmptyElementInTheEditionNamespace() throws {
        let root = try XElement(xml: CSTAResponse.systemStatus.xml(edition: .ed5))
        #expect(root.name == "SystemStatusResponse")
        #expect(root.namespace == CSTAEdition.ed5.namespace)
        #expect(root.children.isEmpty)
        let frame = CSTACodec().frame(CSTAResponse.systemStatus, invokeID: 77)
        #expect(frame.invokeID == 77)
        #expect(try CSTACodec.decode(frame).message == .systemStatusResponse)
    }
}
