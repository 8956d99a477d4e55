import Domain
import Endpoints
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Storage
import Testing

@testable import Server

@Suite("SOAP telephony operations")
struct SOAPTelephonyTests {
    static let parisNumber = "+33 1 55 17 18 89"
    /// What the default dialing plan sends for `parisNumber`: admin guide 5.1, "+33" becomes the national form behind
    /// the external prefix.
    static let parisDialled = "00155171889"

    @Test(arguments: [SOAPTestVersion.soap11, .soap12])
    func makeCallSendsTheNumberTransformedByTheDialingPlan(_ version: SOAPTestVersion) async throws {
        try await Rig.run { client, rig in
            let world = try await World.make(client)
            let token = try await world.login(client, "sam")

            let response = try await client.soap(
                "<tws:MakeCall><tws:number>\(Self.parisNumber)</tws:number></tws:MakeCall>",
                version: version,
                token: token
            )

            #expect(response.status == .ok, "\(response.text)")
            #expect(await rig.pbx.commands == [.makeCall(device: "2001", number: Self.parisDialled)])
            #expect(
                response.text.contains("<tws:MakeCallResponse><tws:callId>\(RecordingSwitch.placedCallId)</tws:callId><tws:device>2001</tws:device>")
            )
            #expect(response.text.contains("<tws:dialled><tws:input>\(Self.parisNumber)</tws:input><tws:number>\(Self.parisDialled)</tws:number>"))
        }
    }

    /// A call-control request on sam's calls C7 (ringing) and C8 (answered), and the commands the PBX must receive.
    struct CallCommand: Sendable, CustomTestStringConvertible {
        var body: String
        var expected: [SwitchCommand]
        /// Text the response must contain.
        var answer: String
        var testDescription: String { String(body.dropFirst(5).prefix { $0 != ">" && $0 != "/" }) }
    }

    static let ringing = CallRef(callId: "C7", device: "2001")
    static let talking = CallRef(callId: "C8", device: "2001")

    static let callCommands: [CallCommand] = [
        CallCommand(
            body: "<tws:AnswerCall><tws:callId>C7</tws:callId></tws:AnswerCall>",
            expected: [.answer(ringing)],
            answer: "<tws:AnswerCallResponse/>"
        ),
        CallCommand(
            body: "<tws:HangUpCall><tws:callId>C8</tws:callId><tws:device>2001</tws:device></tws:HangUpCall>",
            expected: [.clear(talking)],
            answer: "<tws:HangUpCallResponse/>"
        ),
        CallCommand(body: "<tws:HoldCall><tws:callId>C8</tws:callId></tws:HoldCall>", expected: [.hold(talking)], answer: "<tws:HoldCallResponse/>"),
        CallCommand(
            body: "<tws:RetrieveCall><tws:callId>C8</tws:callId></tws:RetrieveCall>",
            expected: [.retrieve(talking)],
            answer: "<tws:RetrieveCallResponse/>"
        ),
        CallCommand(
            body: "<tws:TransferCall><tws:callId>C8</tws:callId><tws:to>\(parisNumber)</tws:to></tws:TransferCall>",
            expected: [.singleStepTransfer(talking, to: parisDialled)],
            answer: "<tws:number>\(parisDialled)</tws:number>"
        ),
        CallCommand(
            body: "<tws:DeflectCall><tws:callId>C7</tws:callId><tws:to>\(parisNumber)</tws:to></tws:DeflectCall>",
            expected: [.deflect(ringing, to: parisDialled)],
            answer: "<tws:externalPrefixAdded>"
        ),
        CallCommand(
            body: "<tws:ConsultCall><tws:callId>C8</tws:callId><tws:to>2003</tws:to></tws:ConsultCall>",
            expected: [.consult(talking, to: "2003")],
            answer:
                "<tws:callId>\(RecordingSwitch.consultationCallId)</tws:callId><tws:device>2001</tws:device><tws:dialled><tws:input>2003</tws:input>"
        ),
        CallCommand(
            body: "<tws:CompleteTransfer><tws:callId>C7</tws:callId><tws:consultationCallId>C8</tws:consultationCallId></tws:CompleteTransfer>",
            expected: [.transfer(held: ringing, active: talking)],
            answer: "<tws:CompleteTransferResponse/>"
        ),
        CallCommand(
            body: "<tws:CancelTransfer><tws:callId>C7</tws:callId><tws:consultationCallId>C8</tws:consultationCallId></tws:CancelTransfer>",
            expected: [.clear(talking), .retrieve(ringing)],
            answer: "<tws:CancelTransferResponse/>"
        ),
        CallCommand(
            body: "<tws:SetDoNotDisturb><tws:enabled>true</tws:enabled></tws:SetDoNotDisturb>",
            expected: [.setDoNotDisturb(device: "2001", enabled: true)],
            answer: "<tws:SetDoNotDisturbResponse/>"
        ),
        CallCommand(
            body: "<tws:GetForwarding><tws:device>2001</tws:device></tws:GetForwarding>",
            expected: [.getForwarding(device: "2001")],
            answer:
                "<tws:forwarding><tws:kind>immediate</tws:kind><tws:enabled>true</tws:enabled><tws:destination>2009</tws:destination></tws:forwarding>"
        ),
        CallCommand(
            body:
                "<tws:SetForwarding><tws:kind>no_answer</tws:kind><tws:enabled>true</tws:enabled><tws:destination>\(parisNumber)</tws:destination></tws:SetForwarding>",
            expected: [.setForwarding(device: "2001", setting: ForwardingSetting(kind: .noAnswer, enabled: true, destination: parisDialled))],
            answer:
                "<tws:SetForwardingResponse><tws:kind>no_answer</tws:kind><tws:enabled>true</tws:enabled><tws:destination>\(parisDialled)</tws:destination>"
        ),
    ]

    @Test(arguments: callCommands)
    func callControlSendsTheCommandForTheUsersOwnCall(_ command: CallCommand) async throws {
        try await Rig.run { client, rig in
            let world = try await World.make(client)
            let token = try await world.login(client, "sam")
            await rig.ring("C7", at: "2001", domainId: world.domainId)
            await rig.talk("C8", at: "2001", domainId: world.domainId)

            let response = try await client.soap(command.body, token: token)

            #expect(response.status == .ok, "\(response.text)")
            #expect(await rig.pbx.commands == command.expected)
            #expect(response.text.contains(command.answer), "\(response.text)")
        }
    }

    @Test
    func pickUpTakesARingingIntercomCallToTheUsersDevice() async throws {
        try await Rig.run { client, rig in
            let world = try await World.make(client)
            // lea gets device 2002 in an intercom group authorised to sam, who may intercept.
            let leaId = try #require(
                try await client.get("/api/v1/admin/domains/\(world.domainId)/users?q=lea", token: world.adminToken).items().first?.int64("id")
            )
            _ = try await client.create("/api/v1/admin/users/\(leaId)/devices", token: world.adminToken, json: #"{"number":"2002","protocol":"SIP"}"#)
            let groupId = try await client.create(
                "/api/v1/admin/domains/\(world.domainId)/intercom-groups",
                token: world.adminToken,
                json: #"{"name":"Desk","devices":[{"number":"2002","protocol":"SIP"}]}"#
            )
            try await client.grant("intercomGroup", groupId, to: "user", world.samId, token: world.adminToken)
            let interception = try await client.setParameter(
                scope: "user",
                scopeId: world.samId,
                application: "Caller",
                name: "AuthorizeInterception",
                value: "true",
                token: world.adminToken
            )
            try #require(interception.status == .ok, "\(interception.text)")
            await rig.ring("C9", at: "2002", domainId: world.domainId)

            let response = try await client.soap(
                "<tws:PickUpCall><tws:ringingDevice>2002</tws:ringingDevice></tws:PickUpCall>",
                token: try await world.login(client, "sam")
            )

            #expect(response.status == .ok, "\(response.text)")
            #expect(await rig.pbx.commands == [.deflect(CallRef(callId: "C9", device: "2002"), to: "2001")])
            #expect(
                response.text.contains("<tws:PickUpCallResponse><tws:callId>C9</tws:callId><tws:device>2001</tws:device></tws:PickUpCallResponse>")
            )
        }
    }

    @Test
    func linesPresenceAndCallLogsShowWhatThePBXReported() async throws {
        try await Rig.run { client, rig in
            let world = try await World.make(client)
            let token = try await world.login(client, "sam")
            await rig.ring("C7", at: "2001", domainId: world.domainId)

            let lines = try await client.soap("<tws:GetDeviceLines/>", token: token)
            #expect(lines.status == .ok, "\(lines.text)")
            #expect(
                lines.text.contains(
                    "<tws:line><tws:number>2001</tws:number><tws:presence>ringing</tws:presence><tws:doNotDisturb>false</tws:doNotDisturb>"
                )
            )
            #expect(lines.text.contains("<tws:call><tws:callId>C7</tws:callId><tws:device>2001</tws:device><tws:state>alerting</tws:state>"))
            #expect(lines.text.contains("<tws:direction>incoming</tws:direction><tws:peerNumber>0612345678</tws:peerNumber>"))

            let status = try await client.soap(
                "<tws:SetPresence><tws:status>away</tws:status><tws:message>Back at 2</tws:message></tws:SetPresence>",
                token: token
            )
            #expect(
                status.text.contains(
                    "<tws:SetPresenceResponse><tws:userId>\(world.samId)</tws:userId><tws:status>away</tws:status><tws:message>Back at 2</tws:message>"
                ),
                "\(status.text)"
            )
            let presence = try await client.soap("<tws:GetPresence/>", token: token)
            #expect(
                presence.text.contains("<tws:device><tws:device>2001</tws:device><tws:presence>ringing</tws:presence></tws:device>"),
                "\(presence.text)"
            )
            #expect(presence.text.contains("<tws:user><tws:userId>\(world.samId)</tws:userId><tws:status>away</tws:status>"), "\(presence.text)")

            // The caller gives up: a missed call in sam's log.
            await rig.events.handle(
                domainId: world.domainId,
                .call(
                    SwitchCallEvent(
                        kind: .connectionCleared,
                        device: "2001",
                        callId: "C7",
                        connectionDevice: "0612345678",
                        releasingDevice: "0612345678"
                    )
                )
            )
            await rig.callLogs.flush()
            let logs = try await client.soap("<tws:GetCallLogs><tws:kind>missed</tws:kind></tws:GetCallLogs>", token: token)
            #expect(logs.status == .ok, "\(logs.text)")
            #expect(logs.text.contains("<tws:total>1</tws:total><tws:offset>0</tws:offset><tws:limit>50</tws:limit><tws:entry>"), "\(logs.text)")
            #expect(logs.text.contains("<tws:callId>C7</tws:callId><tws:kind>missed</tws:kind><tws:peerNumber>0612345678</tws:peerNumber>"))
            #expect(await rig.pbx.commands == [])
        }
    }

    /// Input both contracts refuse, as SOAP and as REST.
    enum BadInput: String, CaseIterable, Sendable {
        case missingNumber, unknownElement, overlongNumber

        var soap: String {
            switch self {
            case .missingNumber: "<tws:MakeCall><tws:device>2001</tws:device></tws:MakeCall>"
            case .unknownElement: "<tws:MakeCall><tws:number>2002</tws:number><tws:video>true</tws:video></tws:MakeCall>"
            case .overlongNumber: "<tws:MakeCall><tws:number>\(String(repeating: "1", count: 65))</tws:number></tws:MakeCall>"
            }
        }

        var rest: String {
            switch self {
            case .missingNumber: #"{"device":"2001"}"#
            case .unknownElement: #"{"number":"2002","video":true}"#
            case .overlongNumber: jsonObject(["number": String(repeating: "1", count: 65)])
            }
        }
    }

    @Test(arguments: BadInput.allCases)
    func badInputIsASenderFaultWithTheRESTCodeAndReachesNoPBX(_ bad: BadInput) async throws {
        try await Rig.run { client, rig in
            let world = try await World.make(client)
            let token = try await world.login(client, "sam")
            for version in [SOAPTestVersion.soap11, .soap12] {
                let response = try await client.soap(bad.soap, version: version, token: token)
                Self.expectFault(response, .badRequest, "invalid_request", sender: true, version: version, "\(bad)")
            }
            if bad != .overlongNumber {
                // The REST twin refuses the same body with the same code.
                expectProblem(try await client.post("/api/v1/calls", token: token, json: bad.rest), .badRequest, "invalid_request", "REST \(bad):")
            }
            #expect(await rig.pbx.commands == [])
        }
    }

    @Test
    func nothingToDialIsTheDialingPlansSenderFault() async throws {
        try await Rig.run { client, rig in
            let world = try await World.make(client)
            let response = try await client.soap(
                "<tws:MakeCall><tws:number>( - )</tws:number></tws:MakeCall>",
                token: try await world.login(client, "sam")
            )
            // The WSDL's DialledNumber pattern (a digit, * or #) refuses it before the dialing plan runs, as the contract does.
            Self.expectFault(response, .badRequest, "invalid_request", sender: true)
            #expect(response.text.contains("number"), "\(response.text.prefix(400))")
            #expect(await rig.pbx.commands == [])
        }
    }

    @Test(arguments: [
        "<tws:MakeCall><tws:number>2002</tws:number></tws:MakeCall>",
        "<tws:SetDoNotDisturb><tws:enabled>true</tws:enabled></tws:SetDoNotDisturb>",
        "<tws:GetForwarding/>",
    ])
    func userWithoutADeviceGetsNoDevice(_ body: String) async throws {
        try await Rig.run { client, rig in
            let world = try await World.make(client)
            let response = try await client.soap(body, version: .soap11, token: try await world.login(client, "lea"))
            Self.expectFault(response, .conflict, "no_device", sender: true, version: .soap11)
            #expect(await rig.pbx.commands == [])
        }
    }

    @Test(arguments: [
        "<tws:AnswerCall><tws:callId>C7</tws:callId></tws:AnswerCall>",
        "<tws:HangUpCall><tws:callId>C404</tws:callId></tws:HangUpCall>",
        "<tws:TransferCall><tws:callId>C404</tws:callId><tws:to>2003</tws:to></tws:TransferCall>",
        "<tws:CompleteTransfer><tws:callId>C8</tws:callId><tws:consultationCallId>C7</tws:consultationCallId></tws:CompleteTransfer>",
        "<tws:HoldCall><tws:callId>C8</tws:callId><tws:device>2002</tws:device></tws:HoldCall>",
        "<tws:DeflectCall><tws:callId>C8</tws:callId><tws:to>2003</tws:to></tws:DeflectCall>",
    ])
    func callTheUserDoesNotHaveIsNotFound(_ body: String) async throws {
        try await Rig.run { client, rig in
            let world = try await World.make(client)
            // C7 rings at 2002, a device that is not sam's; C8 is sam's, answered, so it cannot be deflected.
            await rig.ring("C7", at: "2002", domainId: world.domainId)
            await rig.talk("C8", at: "2001", domainId: world.domainId)

            let response = try await client.soap(body, token: try await world.login(client, "sam"))

            Self.expectFault(response, .notFound, "not_found", sender: true)
            #expect(await rig.pbx.commands == [])
        }
    }

    /// One valid request of each telephony operation.
    static let everyOperation = [
        "<tws:GetDeviceLines/>", "<tws:SetDoNotDisturb><tws:enabled>false</tws:enabled></tws:SetDoNotDisturb>", "<tws:GetForwarding/>",
        "<tws:SetForwarding><tws:kind>busy</tws:kind><tws:enabled>false</tws:enabled></tws:SetForwarding>", "<tws:GetPresence/>",
        "<tws:SetPresence><tws:status>away</tws:status></tws:SetPresence>", "<tws:MakeCall><tws:number>2002</tws:number></tws:MakeCall>",
        "<tws:PickUpCall><tws:ringingDevice>2002</tws:ringingDevice></tws:PickUpCall>",
        "<tws:AnswerCall><tws:callId>C1</tws:callId></tws:AnswerCall>",
        "<tws:HangUpCall><tws:callId>C1</tws:callId></tws:HangUpCall>", "<tws:HoldCall><tws:callId>C1</tws:callId></tws:HoldCall>",
        "<tws:RetrieveCall><tws:callId>C1</tws:callId></tws:RetrieveCall>",
        "<tws:TransferCall><tws:callId>C1</tws:callId><tws:to>2003</tws:to></tws:TransferCall>",
        "<tws:ConsultCall><tws:callId>C1</tws:callId><tws:to>2003</tws:to></tws:ConsultCall>",
        "<tws:CompleteTransfer><tws:callId>C1</tws:callId><tws:consultationCallId>C2</tws:consultationCallId></tws:CompleteTransfer>",
        "<tws:CancelTransfer><tws:callId>C1</tws:callId><tws:consultationCallId>C2</tws:consultationCallId></tws:CancelTransfer>",
        "<tws:DeflectCall><tws:callId>C1</tws:callId><tws:to>2003</tws:to></tws:DeflectCall>", "<tws:GetCallLogs/>",
    ]

    /// What a server whose domain has no PBX link answers to each operation: commands the PBX must carry out fault
    /// `pbx_unavailable` (503, the server's fault), commands on a call fault `not_found` (no call is known), and what
    /// the server keeps itself (lines, presence, call logs) is answered.
    static func withoutAPBXSide(_ body: String) -> (status: Int, code: String?) {
        let needsThePBX = ["SetDoNotDisturb", "GetForwarding", "SetForwarding", "MakeCall"]
        let keptByTheServer = ["GetDeviceLines", "GetPresence", "SetPresence", "GetCallLogs"]
        if needsThePBX.contains(where: { body.hasPrefix("<tws:\($0)") }) { return (503, "pbx_unavailable") }
        if keptByTheServer.contains(where: { body.hasPrefix("<tws:\($0)") }) { return (200, nil) }
        return (404, "not_found")
    }

    @Test(arguments: everyOperation)
    func withoutAPBXLinkCommandsFault503AndWhatTheServerKeepsIsAnswered(_ body: String) async throws {
        try await Rig.run(wired: false) { client, _ in
            let world = try await World.make(client)
            let token = try await world.login(client, "sam")
            let (status, code) = Self.withoutAPBXSide(body)
            for version in [SOAPTestVersion.soap11, .soap12] {
                let response = try await client.soap(body, version: version, token: token)
                if let code {
                    Self.expectFault(response, .init(code: status), code, sender: status < 500, version: version)
                } else {
                    #expect(response.status == .ok, "\(body): \(response.status.code) \(response.text)")
                }
            }
            // Without a token the answer is about the token, not about the PBX side.
            Self.expectFault(try await client.soap(body), .unauthorized, "unauthenticated", sender: true)
        }
    }

    @Test(arguments: [
        (SwitchError.timeout, 504, "pbx_timeout", false),
        (SwitchError.notConnected("2001"), 503, "pbx_unavailable", false),
        (SwitchError.rejected(category: "operation", value: "invalidCallID"), 409, "pbx_refused", true),
    ])
    func pbxFailureHasTheRESTStatusAndIsOursOnlyWhenThePBXIsDownOrSilent(_ error: SwitchError, status: Int, code: String, sender: Bool) async throws {
        try await Rig.run { client, rig in
            let world = try await World.make(client)
            let token = try await world.login(client, "sam")
            await rig.pbx.failEverything(with: error)
            for version in [SOAPTestVersion.soap11, .soap12] {
                let response = try await client.soap("<tws:MakeCall><tws:number>2002</tws:number></tws:MakeCall>", version: version, token: token)
                Self.expectFault(response, .init(code: status), code, sender: sender, version: version, "\(error)")
                // REST answers the same status and code.
                expectProblem(try await client.post("/api/v1/calls", token: token, json: #"{"number":"2002"}"#), .init(code: status), code)
            }
        }
    }
}

// MARK: - A PBX side and a world for these tests

extension SOAPTelephonyTests {
    /// A PBX that records every command and accepts it (or fails them all as told), answering like the simulator:
    /// a new call id for MakeCall and ConsultationCall, one immediate forwarding for GetForwarding.
    actor RecordingSwitch: SwitchGateway {
        private(set) var commands: [SwitchCommand] = []
        private var failure: SwitchError?

        static let placedCallId = "C100"
        static let consultationCallId = "C200"

        func failEverything(with error: SwitchError?) { failure = error }

        func execute(_ command: SwitchCommand, domainId: Int64) async throws(SwitchError) -> SwitchReply {
            commands.append(command)
            if let failure { throw failure }
            switch command {
            case .makeCall(let device, _): return .call(CallRef(callId: Self.placedCallId, device: device))
            case .consult(let call, _): return .call(CallRef(callId: Self.consultationCallId, device: call.device))
            case .getForwarding: return .forwarding([ForwardingSetting(kind: .immediate, enabled: true, destination: "2009")])
            default: return .done
            }
        }
    }

    /// The application with a telephony service over its own database, the PBX side replaced by a `RecordingSwitch`.
    struct Rig: Sendable {
        let pbx: RecordingSwitch
        let events: CallEventPipeline
        let callLogs: CallLogWriter

        /// Runs `test` against the application built as `serve` builds it; `wired: false` leaves the recording PBX out,
        /// as a server without a PBX side runs.
        static func run(wired: Bool = true, _ test: @Sendable (any TestClientProtocol, Rig) async throws -> Void) async throws {
            let configuration = TWSTestApp.configuration()
            var logger = Logger(label: "soap-telephony-tests")
            logger.logLevel = .critical
            let database = try AppDatabase.inMemory()
            let pbx = RecordingSwitch()
            // Unwired, commands go to the server's own links, of which there are none, as in a server without a PBX.
            let server = try await buildServer(
                configuration: configuration,
                database: database,
                logger: logger,
                options: ServerOptions(gateway: wired ? pbx : nil, connectsLinks: false)
            )
            let rig = Rig(pbx: pbx, events: server.events, callLogs: server.callLogs)
            try await server.running(logger: logger) { try await server.api.test(.router) { client in try await test(client, rig) } }
        }

        /// The PBX reports a call from 0612345678 ringing at `device`.
        func ring(_ callId: String, at device: String, domainId: Int64) async {
            await events.handle(
                domainId: domainId,
                .call(
                    SwitchCallEvent(
                        kind: .delivered,
                        device: device,
                        callId: callId,
                        callingDevice: "0612345678",
                        calledDevice: device,
                        alertingDevice: device
                    )
                )
            )
        }

        /// The PBX reports `device` in an answered outgoing call to 2003.
        func talk(_ callId: String, at device: String, domainId: Int64) async {
            await events.handle(
                domainId: domainId,
                .call(
                    SwitchCallEvent(
                        kind: .established,
                        device: device,
                        callId: callId,
                        callingDevice: device,
                        calledDevice: "2003",
                        answeringDevice: "2003"
                    )
                )
            )
        }
    }

    /// Company "Acme", domain "Main"; "sam" owns device 2001, "lea" owns none.
    struct World: Sendable {
        var adminToken: String
        var domainId: Int64
        var samId: Int64
        static let password = "telephony-password"

        static func make(_ client: some TestClientProtocol) async throws -> World {
            let token = try await client.superUserToken()
            let companyId = try await client.createCompany("Acme", token: token)
            try await client.must(.put, "/api/v1/admin/licences/Caller?companyId=\(companyId)", token: token, json: #"{"available":5}"#)
            let domainId = try await client.createDomain(companyId: companyId, name: "Main", token: token)
            let samId = try await client.createUser(domainId: domainId, username: "sam", password: password, token: token)
            _ = try await client.create("/api/v1/admin/users/\(samId)/devices", token: token, json: #"{"number":"2001","protocol":"SIP"}"#)
            let leaId = try await client.createUser(domainId: domainId, username: "lea", password: password, token: token)
            for id in [samId, leaId] { try await client.grantUserApplication(userId: id, token: token) }
            return World(adminToken: token, domainId: domainId, samId: samId)
        }

        func login(_ client: some TestClientProtocol, _ username: String) async throws -> String {
            try await client.userLogin(company: "Acme", domain: "Main", username: username, password: Self.password)
        }
    }

    /// The `tws:code` of a SOAP fault, or nil when the answer holds none.
    static func faultCode(_ response: TestResponse) -> String? {
        let text = response.text
        guard let start = text.range(of: "<tws:code>"), let end = text.range(of: "</tws:code>", range: start.upperBound..<text.endIndex) else {
            return nil
        }
        return String(text[start.upperBound..<end.lowerBound])
    }

    /// Expects a SOAP fault of `version` with `code`, the sender (client) or receiver (server) fault code, and the HTTP
    /// status the SOAP specifications fix for it (`SOAPTestVersion.faultStatus`); `restStatus` is the status of the REST
    /// twin's problem with the same code, which the fault's detail carries over and SOAP does not use.
    static func expectFault(
        _ response: TestResponse,
        _ restStatus: HTTPResponse.Status,
        _ code: String,
        sender: Bool,
        version: SOAPTestVersion = .soap12,
        _ context: String = "",
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let status = version.faultStatus(sender: sender)
        #expect(
            response.status == status,
            "\(context) expected \(status.code) (REST: \(restStatus.code)), got \(response.status.code) \(response.text)",
            sourceLocation: sourceLocation
        )
        #expect(faultCode(response) == code, "\(context) expected \(code) in \(response.text)", sourceLocation: sourceLocation)
        let faultCode =
            switch version {
            case .soap11: sender ? "<faultcode>soap:Client</faultcode>" : "<faultcode>soap:Server</faultcode>"
            case .soap12: sender ? "<env:Value>env:Sender</env:Value>" : "<env:Value>env:Receiver</env:Value>"
            }
        #expect(response.text.contains(faultCode), "\(context) expected \(faultCode) in \(response.text)", sourceLocation: sourceLocation)
    }
}
