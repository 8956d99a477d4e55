import Foundation
import SOAP
import Testing

/// The telephony operations of wsdl/tws.wsdl: declared in both bindings, and their requests held to the same bounds as
/// the REST bodies of openapi/tws.yaml before any business code runs.
@Suite struct TelephonySchemaTests {
    static let operations = [
        "GetDeviceLines", "SetDoNotDisturb", "GetForwarding", "SetForwarding", "GetPresence", "SetPresence", "MakeCall", "CallVoicemail", "PickUpCall",
        "AnswerCall", "HangUpCall", "HoldCall", "RetrieveCall", "TransferCall", "ConsultCall", "CompleteTransfer", "CancelTransfer",
        "DeflectCall", "GetCallLogs", "GetCalendarPresence",
    ]

    static let number64 = String(repeating: "1", count: 64)

    @Test func everyTelephonyOperationIsInTheSchemaAndBothBindings() throws {
        let schema = try Fixtures.schema()
        let wsdl = try String(contentsOf: Fixtures.wsdlURL, encoding: .utf8)
        for operation in Self.operations {
            #expect(schema.operations.contains(operation), "\(operation) request element")
            #expect(schema.operations.contains("\(operation)Response"), "\(operation) response element")
            let action = "soapAction=\"urn:opentws:soap:v1#\(operation)\""
            #expect(wsdl.components(separatedBy: action).count - 1 == 2, "\(operation) must have a soapAction in both bindings")
            #expect(wsdl.contains("<wsdl:operation name=\"\(operation)\">"))
            #expect(wsdl.contains("<wsdl:input message=\"tws:\(operation)Request\"/>"))
            #expect(wsdl.contains("<wsdl:output message=\"tws:\(operation)Response\"/>"))
        }
    }

    /// One valid request per operation, with every optional element a client may send.
    static let validRequests: [String] = [
        "<tws:GetDeviceLines/>",
        "<tws:SetDoNotDisturb><tws:device>2001</tws:device><tws:enabled>true</tws:enabled></tws:SetDoNotDisturb>",
        "<tws:SetDoNotDisturb><tws:enabled>0</tws:enabled></tws:SetDoNotDisturb>",
        "<tws:GetForwarding><tws:device>2001</tws:device></tws:GetForwarding>",
        "<tws:GetForwarding/>",
        """
        <tws:SetForwarding><tws:device>2001</tws:device><tws:kind>no_answer</tws:kind><tws:enabled>true</tws:enabled>\
        <tws:destination>+33 1 55 17 18 89</tws:destination></tws:SetForwarding>
        """,
        "<tws:SetForwarding><tws:kind>immediate</tws:kind><tws:enabled>false</tws:enabled></tws:SetForwarding>",
        "<tws:GetPresence/>",
        "<tws:GetCalendarPresence/>",
        "<tws:SetPresence><tws:status>do_not_disturb</tws:status><tws:message>In a meeting</tws:message></tws:SetPresence>",
        "<tws:MakeCall><tws:number>+33 1 55 17 18 89</tws:number><tws:device>2001</tws:device></tws:MakeCall>",
        "<tws:MakeCall><tws:number>\(number64)</tws:number></tws:MakeCall>",
        "<tws:PickUpCall><tws:ringingDevice>2002</tws:ringingDevice><tws:callId>C1</tws:callId><tws:device>2001</tws:device></tws:PickUpCall>",
        "<tws:PickUpCall><tws:ringingDevice>2002</tws:ringingDevice></tws:PickUpCall>",
        "<tws:AnswerCall><tws:callId>C1</tws:callId></tws:AnswerCall>",
        "<tws:HangUpCall><tws:callId>C1</tws:callId><tws:device>2001</tws:device></tws:HangUpCall>",
        "<tws:HoldCall><tws:callId>C1</tws:callId></tws:HoldCall>",
        "<tws:RetrieveCall><tws:callId>C1</tws:callId></tws:RetrieveCall>",
        "<tws:TransferCall><tws:callId>C1</tws:callId><tws:to>2003</tws:to><tws:device>2001</tws:device></tws:TransferCall>",
        "<tws:ConsultCall><tws:callId>C1</tws:callId><tws:to>2003</tws:to></tws:ConsultCall>",
        "<tws:CompleteTransfer><tws:callId>C1</tws:callId><tws:consultationCallId>C2</tws:consultationCallId></tws:CompleteTransfer>",
        "<tws:CancelTransfer><tws:callId>C1</tws:callId><tws:consultationCallId>C2</tws:consultationCallId><tws:device>2001</tws:device></tws:CancelTransfer>",
        "<tws:DeflectCall><tws:callId>C1</tws:callId><tws:to>0612345678</tws:to></tws:DeflectCall>",
        "<tws:GetCallLogs/>",
        """
        <tws:GetCallLogs><tws:userId>7</tws:userId><tws:kind>missed</tws:kind><tws:query>06</tws:query><tws:offset>0</tws:offset>\
        <tws:limit>500</tws:limit></tws:GetCallLogs>
        """,
    ]

    @Test(arguments: validRequests)
    func validTelephonyRequestIsAccepted(_ body: String) throws {
        let request = try Fixtures.parser().parse(Fixtures.envelope(.soap12, body: body))
        #expect(Self.operations.contains(request.operation))
    }

    /// A request the REST contract refuses too, and the element the fault must name.
    struct BadRequest: Sendable, CustomTestStringConvertible {
        var label: String
        var body: String
        var element: String
        var testDescription: String { label }
    }

    static let badRequests: [BadRequest] = [
        BadRequest(label: "MakeCall without number", body: "<tws:MakeCall><tws:device>2001</tws:device></tws:MakeCall>", element: "number"),
        BadRequest(label: "MakeCall with an empty number", body: "<tws:MakeCall><tws:number></tws:number></tws:MakeCall>", element: "number"),
        BadRequest(
            label: "MakeCall with a 65-character number",
            body: "<tws:MakeCall><tws:number>\(number64)1</tws:number></tws:MakeCall>",
            element: "number"
        ),
        BadRequest(
            label: "MakeCall with an unknown element",
            body: "<tws:MakeCall><tws:number>2002</tws:number><tws:priority>high</tws:priority></tws:MakeCall>",
            element: "priority"
        ),
        BadRequest(
            label: "MakeCall with a 33-character device",
            body: "<tws:MakeCall><tws:number>2002</tws:number><tws:device>\(String(repeating: "2", count: 33))</tws:device></tws:MakeCall>",
            element: "device"
        ),
        BadRequest(label: "AnswerCall without callId", body: "<tws:AnswerCall/>", element: "callId"),
        BadRequest(
            label: "HangUpCall with a 65-character callId",
            body: "<tws:HangUpCall><tws:callId>\(String(repeating: "c", count: 65))</tws:callId></tws:HangUpCall>",
            element: "callId"
        ),
        BadRequest(
            label: "TransferCall without to",
            body: "<tws:TransferCall><tws:callId>C1</tws:callId></tws:TransferCall>",
            element: "TransferCall"
        ),
        BadRequest(
            label: "DeflectCall with a 65-character target",
            body: "<tws:DeflectCall><tws:callId>C1</tws:callId><tws:to>\(number64)9</tws:to></tws:DeflectCall>",
            element: "to"
        ),
        BadRequest(
            label: "CompleteTransfer without consultationCallId",
            body: "<tws:CompleteTransfer><tws:callId>C1</tws:callId></tws:CompleteTransfer>",
            element: "consultationCallId"
        ),
        BadRequest(
            label: "PickUpCall with an empty ringingDevice",
            body: "<tws:PickUpCall><tws:ringingDevice/></tws:PickUpCall>",
            element: "ringingDevice"
        ),
        BadRequest(
            label: "SetDoNotDisturb with a non-boolean",
            body: "<tws:SetDoNotDisturb><tws:enabled>maybe</tws:enabled></tws:SetDoNotDisturb>",
            element: "enabled"
        ),
        BadRequest(
            label: "SetForwarding with an unknown kind",
            body: "<tws:SetForwarding><tws:kind>always</tws:kind><tws:enabled>true</tws:enabled></tws:SetForwarding>",
            element: "kind"
        ),
        BadRequest(
            label: "SetForwarding with a 65-character destination",
            body:
                "<tws:SetForwarding><tws:kind>busy</tws:kind><tws:enabled>true</tws:enabled><tws:destination>\(number64)0</tws:destination></tws:SetForwarding>",
            element: "destination"
        ),
        BadRequest(
            label: "SetPresence with an unknown status",
            body: "<tws:SetPresence><tws:status>asleep</tws:status></tws:SetPresence>",
            element: "status"
        ),
        BadRequest(
            label: "SetPresence with a 256-character message",
            body: "<tws:SetPresence><tws:status>away</tws:status><tws:message>\(String(repeating: "m", count: 256))</tws:message></tws:SetPresence>",
            element: "message"
        ),
        BadRequest(label: "GetCallLogs with limit 501", body: "<tws:GetCallLogs><tws:limit>501</tws:limit></tws:GetCallLogs>", element: "limit"),
        BadRequest(label: "GetCallLogs with an unknown kind", body: "<tws:GetCallLogs><tws:kind>all</tws:kind></tws:GetCallLogs>", element: "kind"),
        BadRequest(
            label: "GetCallLogs with a 129-character query",
            body: "<tws:GetCallLogs><tws:query>\(String(repeating: "q", count: 129))</tws:query></tws:GetCallLogs>",
            element: "query"
        ),
        BadRequest(
            label: "GetDeviceLines with a child",
            body: "<tws:GetDeviceLines><tws:device>2001</tws:device></tws:GetDeviceLines>",
            element: "GetDeviceLines"
        ),
    ]

    @Test(arguments: badRequests)
    func requestOutsideTheContractIsASenderFaultNamingTheElement(_ bad: BadRequest) throws {
        let fault = try #require(Fixtures.fault(try Fixtures.parser(), Fixtures.envelope(.soap11, body: bad.body)), "accepted: \(bad.body)")
        #expect(fault.code == "schema_violation")
        #expect(fault.isSenderFault)
        #expect(fault.httpStatus == 400)
        #expect(fault.message.contains(bad.element), "\(fault.message)")
        #expect(fault.version == .soap11)
    }
}
