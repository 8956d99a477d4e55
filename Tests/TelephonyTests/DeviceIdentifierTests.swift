import NIOCore
import NIOEmbedded
import Telephony
import Testing
import XML

/// A device identifier as a switch sends it and what the gateway must read from it.
struct IdentifierCase: Sendable, CustomTestStringConvertible {
    let raw: String
    let number: String
    let display: String?
    var testDescription: String { raw }
}

/// Device identifiers in the forms real switches send them, and the link-level habits of those switches: wrapped
/// identifiers inside events written with prefixes and private data, empty keep-alives, frames that stall.
@Suite struct DeviceIdentifierTests {
    static let identifiers: [IdentifierCase] = [
        IdentifierCase(raw: "4002", number: "4002", display: nil),
        IdentifierCase(raw: " 4002 ", number: "4002", display: nil),
        IdentifierCase(raw: "+33155171889", number: "+33155171889", display: nil),
        IdentifierCase(raw: "N<4002>;noa=nk", number: "4002", display: nil),
        IdentifierCase(raw: "N<4002>;displayNumber=4002;noa=nk", number: "4002", display: "4002"),
        IdentifierCase(raw: "N<+33155171889>", number: "+33155171889", display: nil),
        IdentifierCase(raw: "N<7868772298>Line71001;displayNumber=7868772298", number: "7868772298", display: "7868772298"),
        IdentifierCase(raw: "N<+33 1 55 17 18 89>;DisplayNumber=0155171889", number: "+33155171889", display: "0155171889"),
        IdentifierCase(raw: "4002;displayNumber=Reception", number: "4002", display: "Reception"),
        IdentifierCase(raw: "tel:+33155171889;phone-context=example.org", number: "+33155171889", display: nil),
        IdentifierCase(raw: "sip:4002@pbx.example.org;user=phone", number: "4002", display: nil),
        IdentifierCase(raw: "4002:CM1:192.0.2.10:0", number: "4002", display: nil),
        IdentifierCase(raw: "*21*4003#", number: "*21*4003#", display: nil),
    ]

    @Test(arguments: identifiers)
    func identifierGivesItsNumberDisplayAndRawForm(_ sample: IdentifierCase) {
        let identifier = CSTADeviceID(parsing: sample.raw)
        #expect(identifier.number == sample.number)
        #expect(identifier.displayNumber == sample.display)
        #expect(identifier.raw == sample.raw)
    }

    @Test func wrappedIdentifiersInAnEventAreReadAsNumbersWhateverTheElementForm() throws {
        // OpenScape-like: prefixes, schemaLocation, attributes, a plain connection deviceID beside wrapped device
        // fields, a trunk-line caller, private data after the standard parameters.
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <csta:DeliveredEvent xmlns:csta="http://www.ecma-international.org/standards/ecma-323/csta/ed3"
                xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                xsi:schemaLocation="http://www.ecma-international.org/standards/ecma-323/csta/ed3 csta.xsd">
              <csta:monitorCrossRefID>17</csta:monitorCrossRefID>
              <csta:connection>
                <csta:callID>FF0001</csta:callID>
                <csta:deviceID typeOfNumber="dialingNumber">4002</csta:deviceID>
              </csta:connection>
              <csta:alertingDevice>
                <csta:deviceIdentifier typeOfNumber="dialingNumber">N&lt;4002&gt;;displayNumber=4002;noa=nk</csta:deviceIdentifier>
              </csta:alertingDevice>
              <csta:callingDevice>
                <csta:deviceIdentifier>N&lt;7868772298&gt;Line71001;displayNumber=7868772298</csta:deviceIdentifier>
              </csta:callingDevice>
              <csta:calledDevice><csta:deviceIdentifier>N&lt;+33155174002&gt;</csta:deviceIdentifier></csta:calledDevice>
              <csta:lastRedirectionDevice><csta:notRequired/></csta:lastRedirectionDevice>
              <csta:localConnectionInfo>alerting</csta:localConnectionInfo>
              <csta:cause>newCall</csta:cause>
              <csta:extensions>
                <csta:privateData><csta:private><osc:callInfo xmlns:osc="urn:example:osc">trunk 7</osc:callInfo></csta:private></csta:privateData>
              </csta:extensions>
            </csta:DeliveredEvent>
            """
        let message = try CSTACodec.decode(CSTAFrame(invokeID: 9999, xml: Array(xml.utf8))).message
        guard case .delivered(let event) = message else {
            Issue.record("not a DeliveredEvent: \(message)")
            return
        }
        #expect(event.connection.deviceID == "4002" && event.connection.device.number == "4002")
        #expect(event.alertingDevice?.number == "4002")
        #expect(event.alertingDevice?.typeOfNumber == "dialingNumber")
        #expect(event.callingDevice?.number == "7868772298")
        #expect(event.callingDevice?.raw == "N<7868772298>Line71001;displayNumber=7868772298")
        #expect(event.calledDevice?.number == "+33155174002")
        #expect(event.lastRedirectionDevice == nil)
        #expect(event.localConnectionInfo == .alerting)
    }

    @Test func wrappedConnectionDeviceKeepsItsRawFormForRequestsAndItsNumberForMatching() throws {
        let xml = """
            <EstablishedEvent xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed4">
            <monitorCrossRefID>3</monitorCrossRefID>
            <establishedConnection><callID>9</callID><deviceID>N&lt;4002&gt;;noa=nk</deviceID></establishedConnection>
            <answeringDevice><deviceIdentifier>N&lt;4002&gt;;noa=nk</deviceIdentifier></answeringDevice>
            <callingDevice><deviceIdentifier>4001:CM1:192.0.2.10:0</deviceIdentifier></callingDevice>
            <calledDevice><deviceIdentifier>4002</deviceIdentifier></calledDevice>
            <lastRedirectionDevice><notRequired/></lastRedirectionDevice>
            <localConnectionInfo>connected</localConnectionInfo>
            </EstablishedEvent>
            """
        let message = try CSTACodec.decode(CSTAFrame(invokeID: 9999, xml: Array(xml.utf8))).message
        let event = try #require(message.callEvent)
        #expect(event.connection.deviceID == "N<4002>;noa=nk")
        #expect(event.connection.device.number == "4002")
        #expect(event.answeringDevice?.number == "4002")
        #expect(event.callingDevice?.number == "4001")
    }

    @Test(arguments: [
        (#"<SystemStatus xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3"/>"#, nil as String?),
        (#"<SystemStatus xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed5"><systemStatus>normal</systemStatus></SystemStatus>"#, "normal"),
        ("<SystemStatus/>", nil),
    ])
    func pbxKeepAliveIsASystemStatusWithOrWithoutItsChild(xml: String, status: String?) throws {
        #expect(try CSTACodec.decode(CSTAFrame(invokeID: 17, xml: Array(xml.utf8))).message == .systemStatus(status))
    }

    @Test(arguments: [
        "http://www.ecma-international.org/standards/ecma-323/csta/ed3", "http://www.ecma-international.org/standards/ecma-323/csta/ed6", nil,
    ])
    func keepAliveAnswerIsWrittenInTheRequestsNamespace(namespace: String?) throws {
        let answer = try XElement(xml: CSTAResponse.systemStatus.xml(namespace: namespace), limits: CSTACodec.limits)
        #expect(answer.name == "SystemStatusResponse")
        #expect(answer.namespace == namespace)
    }

    @Test func frameStallingMidWayFailsTheChannelAfterTheStallTimeout() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(CSTAFrameDecoder(stallTimeout: .seconds(3))))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5060)).wait()
        // A header announcing 200 bytes, and 21 of them.
        try channel.writeInbound(ByteBuffer(bytes: [0, 0, 0, 200] + Array("9999this is not X".utf8)))
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        // More bytes are progress: the clock starts again.
        try channel.writeInbound(ByteBuffer(bytes: Array("ML".utf8)))
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(throws: CSTAProtocolError.stalledFrame(expected: 200, received: 23, seconds: 3)) { try channel.throwIfErrorCaught() }
        #expect(!channel.isActive)
    }

    @Test func aPauseWhileReadsAreHeldBackIsNotAStallButReadingWithoutBytesIs() throws {
        let demand = CSTAReadDemand()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(CSTAReadDemandHandler(demand: demand))
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(CSTAFrameDecoder(stallTimeout: .seconds(3), demand: demand)))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5060)).wait()
        channel.read()
        try channel.writeInbound(ByteBuffer(bytes: [0, 0, 0, 200] + Array("9999this is not X".utf8)))
        // The gateway's consumer is busy and asks for nothing: however long, the PBX is not to blame.
        channel.embeddedEventLoop.advanceTime(by: .seconds(30))
        try channel.throwIfErrorCaught()
        #expect(channel.isActive)
        // Reads resume; the PBX now has 3 s of reading to send the rest.
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(500))
        channel.read()
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(throws: CSTAProtocolError.stalledFrame(expected: 200, received: 21, seconds: 3)) { try channel.throwIfErrorCaught() }
        #expect(!channel.isActive)
    }

    @Test func completeFramesNeverTripTheStallTimer() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(CSTAFrameDecoder(stallTimeout: .seconds(3))))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5060)).wait()
        let frame = RawFrame.bytes(invokeID: "9999", xml: "<SystemStatus/>")
        try channel.writeInbound(ByteBuffer(bytes: Array(frame[..<10])))
        try channel.writeInbound(ByteBuffer(bytes: Array(frame[10...])))
        channel.embeddedEventLoop.advanceTime(by: .seconds(10))
        try channel.throwIfErrorCaught()
        #expect(channel.isActive)
        #expect(try channel.readInbound(as: CSTAFrame.self)?.invokeID == 9999)
    }
}
