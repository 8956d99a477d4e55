import NIOCore
import Telephony
import Testing
import XML

/// The simulator's two ways of writing: what the `real` style writes (identifiers, layout, private data, vendor events,
/// the keep-alive, the stalled frame) and that the gateway's `CSTACodec` reads it back to what the switch meant.
@Suite struct SimulatorStyleCodecTests {
    static let ed3 = CSTAEdition.ed3.namespace
    /// The simulated vendor's namespace (`PBXCodec.vendorNamespace`, internal to the module), as it must be on the wire.
    static let vendorNamespace = "http://pbx-sim.invalid/csta/private"
    static let trunkCall = ConnectionID(callID: "7", deviceID: "0612345678")
    static let extensionCall = ConnectionID(callID: "7", deviceID: "1002")

    /// A DeliveredEvent at 1002 from a trunk caller, forwarded by 1005.
    static let delivered = CSTAMessage.delivered(
        CSTACallEvent(
            monitorCrossRefID: "2",
            connection: extensionCall,
            callingDevice: "0612345678",
            calledDevice: "1005",
            alertingDevice: "1002",
            lastRedirectionDevice: "1005",
            localConnectionInfo: .alerting,
            cause: "callForwardImmediate"
        )
    )

    @Test(arguments: SimulatorCodecTests.messages, SimulatorStyle.allCases)
    func everyMessageDecodesToWhatTheSwitchMeantUpToIdentifiers(_ messageCase: SimMessageCase, style: SimulatorStyle) throws {
        for edition in [CSTAEdition.ed3, .ed4] {
            let frame = PBXCodec(edition: edition, style: style).frame(messageCase.message, invokeID: 77)
            let channel = FrameChannel()
            try channel.feed(Array(try frame.encode().readableBytesView))
            let decoded = try CSTACodec.decode(try #require(try channel.frames().first))
            #expect(decoded.invokeID == 77)
            #expect(decoded.message.byNumbers == messageCase.message.byNumbers)
            let xml = String(decoding: frame.xml, as: UTF8.self)
            switch style {
            case .plain:
                #expect(decoded.message == messageCase.message, "the plain style keeps identifiers as they are")
                #expect(!xml.contains("\n") && !xml.contains("xsi:schemaLocation"))
            case .real:
                #expect(xml.contains(#"xsi:schemaLocation=""#) && xml.contains(">\n"), "\(xml)")
                #expect(xml.split(separator: "\n").dropFirst().allSatisfy { Self.tagName(of: $0).contains(":") }, "every element is prefixed")
                let isEvent = messageCase.message.monitorCrossRefID != nil
                #expect(xml.contains("<csta:privateData>") == isEvent, "events, and only events, carry private data")
            }
        }
    }

    /// The qualified name of the element a line of pretty-printed XML opens or closes (`csta:callID`).
    static func tagName(of line: Substring) -> Substring {
        line.drop { $0 == " " }.dropFirst().drop { $0 == "/" }.prefix { $0 != " " && $0 != ">" && $0 != "/" }
    }

    @Test func plainStyleWritesOneLineOfUnprefixedXMLAsBefore() {
        let xml = String(decoding: PBXCodec(style: .plain).xml(Self.delivered), as: UTF8.self)
        #expect(
            xml == #"<?xml version="1.0" encoding="UTF-8"?><DeliveredEvent xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed4">"#
                + "<monitorCrossRefID>2</monitorCrossRefID><connection><callID>7</callID><deviceID>1002</deviceID></connection>"
                + "<alertingDevice><deviceIdentifier>1002</deviceIdentifier></alertingDevice>"
                + "<callingDevice><deviceIdentifier>0612345678</deviceIdentifier></callingDevice>"
                + "<calledDevice><deviceIdentifier>1005</deviceIdentifier></calledDevice>"
                + "<lastRedirectionDevice><deviceIdentifier>1005</deviceIdentifier></lastRedirectionDevice>"
                + "<localConnectionInfo>alerting</localConnectionInfo><cause>callForwardImmediate</cause></DeliveredEvent>"
        )
    }

    @Test func realStyleIsPrettyPrintedPrefixedWithSchemaLocationAndPrivateData() throws {
        let xml = String(decoding: PBXCodec(edition: .ed3, style: .real).xml(Self.delivered), as: UTF8.self)
        let lines = xml.split(separator: "\n")
        #expect(lines.first == #"<?xml version="1.0" encoding="UTF-8"?>"#)
        #expect(
            lines.dropFirst().first.map(String.init)
                == #"<csta:DeliveredEvent xmlns:csta="\#(Self.ed3)" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance""#
                + #" xsi:schemaLocation="\#(Self.ed3) csta-ed3.xsd">"#
        )
        #expect(lines.contains("  <csta:monitorCrossRefID>2</csta:monitorCrossRefID>"))
        #expect(lines.contains("    <csta:callID>7</csta:callID>"), "nested elements are indented")
        for line in lines.dropFirst() {
            let tag = Self.tagName(of: line)
            #expect(tag.hasPrefix("csta:") || tag.hasPrefix("osc:"), "\(line)")
        }
        #expect(xml.contains(#"<osc:CallData xmlns:osc="http://pbx-sim.invalid/csta/private">"#))
        #expect(xml.contains("<osc:globalCallID>PBXSIM-7</osc:globalCallID>"))

        let root = try XElement(xml: Array(xml.utf8))
        #expect(root.namespace == Self.ed3)
        // ECMA-323 CSTACommonArguments: the extensions come after the event's standard parameters.
        #expect(root.children.map(\.name).suffix(3) == ["localConnectionInfo", "cause", "extensions"])
        let vendor = try #require(root.child("extensions")?.child("privateData")?.child("private")?.children.first)
        #expect(vendor.namespace == Self.vendorNamespace && vendor.name == "CallData")
    }

    @Test func realStyleWritesIdentifiersAsOpenScapeDoes() throws {
        let message = CSTAMessage.established(
            CSTACallEvent(
                monitorCrossRefID: "3",
                connection: Self.trunkCall,
                callingDevice: "+33155171889",
                calledDevice: "0612345678",
                answeringDevice: "0612345678",
                lastRedirectionDevice: "1005",
                localConnectionInfo: .connected,
                cause: "newCall"
            )
        )
        let root = try XElement(xml: PBXCodec(edition: .ed3, style: .real).xml(message))
        let identifier = { (field: String) in root.child(field)?.child("deviceIdentifier") }
        #expect(identifier("callingDevice")?.text == "N<+33155171889>")
        #expect(identifier("callingDevice")?.attributes == ["typeOfNumber": "dialingNumber"])
        #expect(identifier("calledDevice")?.text == "N<0612345678>;noa=unknown")
        #expect(identifier("answeringDevice")?.text == "N<0612345678>;noa=unknown")
        #expect(identifier("answeringDevice")?.attributes == [:])
        #expect(identifier("lastRedirectionDevice")?.text == "N<1005>;displayNumber=1005;noa=nk")
        // The trunk party's connection names its line; the call's number picks the line.
        #expect(root.child("establishedConnection")?.string("deviceID") == "N<0612345678>Line71007;displayNumber=0612345678")

        let held = CSTAMessage.held(CSTACallEvent(monitorCrossRefID: "3", connection: Self.extensionCall, holdingDevice: "1002", cause: "normal"))
        let heldRoot = try XElement(xml: PBXCodec(style: .real).xml(held))
        #expect(heldRoot.child("holdingDevice")?.string("deviceIdentifier") == "N<1002>;noa=nk")
        #expect(heldRoot.child("heldConnection")?.string("deviceID") == "1002", "an extension's connection stays bare")

        // What the gateway reads: the numbers, the display number, the raw form and the attribute.
        guard case .established(let event) = try CSTACodec.decode(PBXCodec(style: .real).frame(message, invokeID: 9999)).message else {
            Issue.record("not an EstablishedEvent")
            return
        }
        #expect(event.callingDevice?.number == "+33155171889" && event.callingDevice?.typeOfNumber == "dialingNumber")
        #expect(event.lastRedirectionDevice?.number == "1005")
        #expect(event.lastRedirectionDevice?.displayNumber == "1005")
        #expect(event.connection.device.number == "0612345678" && event.connection.device.displayNumber == "0612345678")
    }

    @Test func realStyleSpellsTheTransferEventTransferredAndWrapsItsConnectionList() throws {
        let plain = try XElement(xml: PBXCodec(style: .plain).xml(.transferred(Samples.transferEvent)))
        #expect(plain.name == "TransferedEvent")
        let transfer = CSTACallEvent(
            monitorCrossRefID: "4",
            connection: ConnectionID(callID: "7", deviceID: "1002"),
            transferringDevice: "1002",
            transferredToDevice: "1003",
            transferredConnections: [
                CSTAConnectionListItem(newConnection: Self.trunkCall, oldConnection: Self.trunkCall, endpoint: "0612345678"),
                CSTAConnectionListItem(newConnection: ConnectionID(callID: "7", deviceID: "1003"), endpoint: "1003"),
            ],
            cause: "singleStepTransfer"
        )
        let real = try XElement(xml: PBXCodec(style: .real).xml(.transferred(transfer)))
        #expect(real.name == "TransferredEvent")
        let items = try #require(real.child("transferredConnections")?.children)
        #expect(items.first?.child("endpoint")?.string("deviceID") == "N<0612345678>;noa=unknown")
        #expect(items.first?.child("newConnection")?.string("deviceID") == "N<0612345678>Line71007;displayNumber=0612345678")
        #expect(items.last?.child("endpoint")?.string("deviceID") == "N<1003>;displayNumber=1003;noa=nk")
        #expect(items.last?.child("newConnection")?.string("deviceID") == "1003")
    }

    @Test func realStyleWritesApplicationSessionMessagesPrefixedInECMA354() throws {
        let xml = String(decoding: PBXCodec(edition: .ed3, style: .real).xml(.applicationSessionStarted(sessionID: "s1")), as: UTF8.self)
        #expect(xml.contains(#"<acs:StartApplicationSessionPosResponse xmlns:acs="\#(CSTARequest.applicationSessionNamespace)""#))
        #expect(xml.contains("  <acs:sessionID>s1</acs:sessionID>"))
    }

    @Test(arguments: CSTAEdition.allCases)
    func realKeepAliveIsAnEmptyED3SystemStatusWhateverTheEdition(edition: CSTAEdition) throws {
        let xml = String(decoding: PBXCodec(edition: edition, style: .real).xml(.systemStatus(nil)), as: UTF8.self)
        #expect(xml == #"<?xml version="1.0" encoding="UTF-8"?><SystemStatus xmlns="\#(Self.ed3)"/>"#)
        #expect(try CSTACodec.decode(CSTAFrame(invokeID: 1, xml: Array(xml.utf8))).message == .systemStatus(nil))
        // A SystemStatus with a value is an ordinary message of the link's edition.
        let normal = try XElement(xml: PBXCodec(edition: edition, style: .real).xml(.systemStatus("normal")))
        #expect(normal.namespace == edition.namespace && normal.string("systemStatus") == "normal")
    }

    @Test(arguments: SimulatorStyle.allCases)
    func vendorEventsAreUnknownToTheGatewayAndHarmless(style: SimulatorStyle) throws {
        let information = SimulatorVendorEvent.callInformation(
            monitorCrossRefID: "5",
            connection: Self.trunkCall,
            device: "0612345678",
            callingDevice: "0612345678",
            accountInfo: "CC7"
        )
        let detail = SimulatorVendorEvent.callDetail(monitorCrossRefID: "5", connection: Self.extensionCall, answeringDevice: "1002")
        let codec = PBXCodec(edition: .ed3, style: style)
        let decodedInformation = try CSTACodec.decode(codec.frame(information))
        #expect(decodedInformation.invokeID == 9999 && decodedInformation.message == .unknown("CallInformationEvent"))
        let decodedDetail = try CSTACodec.decode(codec.frame(detail))
        #expect(decodedDetail.invokeID == 9999 && decodedDetail.message == .unknown("CallDetailEvent"))
        let informationRoot = try XElement(xml: codec.xml(information))
        #expect(informationRoot.namespace == Self.ed3)
        #expect(informationRoot.string("accountInfo") == "CC7" && informationRoot.string("monitorCrossRefID") == "5")
        let detailRoot = try XElement(xml: codec.xml(detail))
        #expect(detailRoot.namespace == Self.vendorNamespace && detailRoot.string("monitorCrossRefID") == "5")
        if style == .real {
            #expect(String(decoding: codec.xml(detail), as: UTF8.self).contains(#"<osc:CallDetailEvent xmlns:osc="\#(Self.vendorNamespace)""#))
        }
    }

    @Test(arguments: SimulatorStyle.allCases)
    func stylesAreNamedByTheirArgumentAndChooseTheirEdition(style: SimulatorStyle) {
        #expect(SimulatorStyle(rawValue: style.rawValue) == style)
        #expect(style.defaultEdition == (style == .real ? .ed3 : .ed4))
    }
}
