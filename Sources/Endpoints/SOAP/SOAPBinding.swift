import Auth
import Domain
import Foundation
import Logging
import SOAP

/// The SOAP endpoint: parses an envelope safely (libxml2, no DTD, no entities, no network),
/// validates it against the WSDL's schema, and calls the same Domain services as REST.
/// Faults carry the same codes and HTTP statuses as REST problems.
public struct SOAPBinding: Sendable {
    let parser: SOAPEnvelopeParser
    let namespace: String
    let wsdl: [UInt8]
    let admin: AdminService
    let sessions: SessionService
    let profiles: UserProfileService
    let calls: CallControl
    let presence: PresenceService
    let callHistory: CallHistory
    /// Windows single sign-on for Login; nil when not configured.
    let negotiate: NegotiateAcceptor?
    let directories: DirectoryService
    let alerter: AlerterService
    let queues: PhoneQueueService
    let rules: RuleService
    let logger: Logger
    /// Companies' API keys: what a key does for a user (`onBehalfOf`, issue 19).
    let apiKeys: ApiKeyService
    /// Callback requests from portal keys (issue 20), with the REST endpoint's limits.
    let callbacks: CallbackService
    let callbackThrottle: CallbackThrottle
    /// Users' call statistics (issue 21).
    let statistics: StatisticsService
    /// Colleagues' calendar presence (issue 21); nil answers GetCalendarPresence as not configured.
    let calendar: CalendarPresenceService?

    /// A SOAP answer: status, content type and body.
    public struct Answer: Sendable {
        public var status: Int
        public var contentType: String
        public var body: [UInt8]
        /// `WWW-Authenticate` for a Login signed in with HTTP Negotiate that needs another leg.
        public var wwwAuthenticate: String?
        /// `Retry-After` (seconds) for a fault such as `login_locked`.
        public var retryAfter: Int?
    }

    /// A Login by HTTP Negotiate that needs the client's next token (NTLM's second leg).
    struct NegotiateChallenge: Error {
        let output: [UInt8]
    }

    public init(
        wsdl: [UInt8],
        admin: AdminService,
        sessions: SessionService,
        profiles: UserProfileService,
        calls: CallControl,
        presence: PresenceService,
        callHistory: CallHistory,
        directories: DirectoryService,
        alerter: AlerterService,
        queues: PhoneQueueService,
        rules: RuleService,
        negotiate: NegotiateAcceptor? = nil,
        logger: Logger,
        apiKeys: ApiKeyService,
        callbacks: CallbackService,
        callbackThrottle: CallbackThrottle,
        statistics: StatisticsService? = nil,
        calendar: CalendarPresenceService? = nil
    ) throws {
        self.statistics = statistics ?? StatisticsService(store: admin.store)
        self.calendar = calendar
        self.apiKeys = apiKeys
        self.callbacks = callbacks
        self.callbackThrottle = callbackThrottle
        self.negotiate = negotiate
        self.directories = directories
        self.alerter = alerter
        self.queues = queues
        self.rules = rules
        let schema = try SOAPSchema(wsdl: wsdl)
        self.parser = SOAPEnvelopeParser(schema: schema)
        self.namespace = schema.targetNamespace
        self.wsdl = wsdl
        self.admin = admin
        self.sessions = sessions
        self.profiles = profiles
        self.calls = calls
        self.presence = presence
        self.callHistory = callHistory
        self.logger = logger
    }

    /// The WSDL with its service address pointing at this server.
    public func wsdlDocument(baseURL: String) -> [UInt8] {
        Array(WSDLDocument.replacingLocation(in: String(decoding: wsdl, as: UTF8.self), with: baseURL + "/soap").utf8)
    }

    /// Handles one POST /soap body, with its `Content-Type` and `SOAPAction` headers.
    ///
    /// The media type must be a SOAP version's (415 otherwise) and agree with the envelope (VersionMismatch otherwise);
    /// a SOAPAction (SOAP 1.1) or `action` parameter (SOAP 1.2) that names another operation than the Body is refused.
    /// Either way nothing runs.
    public func handle(_ body: [UInt8], contentType: String?, soapAction: String? = nil) async -> Answer {
        guard let announced = SOAPVersion(contentType: contentType ?? "") else {
            let fault = SOAPFault(
                sender: SOAPFaultCode.unsupportedMediaType,
                "Content-Type must be text/xml (SOAP 1.1) or application/soap+xml (SOAP 1.2), not \(contentType ?? "none")",
                httpStatus: 415
            )
            return answer(fault, version: .soap11)
        }
        let version = announced
        do {
            let request = try parser.parse(body)
            guard request.version == announced else {
                var fault = SOAPFault(
                    sender: SOAPFaultCode.versionMismatch,
                    "a \(request.version == .soap11 ? "SOAP 1.1" : "SOAP 1.2") envelope was sent as \(announced.mediaType)"
                )
                fault.envelopeCode = .versionMismatch
                return answer(fault, version: announced)
            }
            let action = announced == .soap11 ? soapAction : Self.actionParameter(contentType ?? "")
            if let action = action.map(Self.unquoted), !action.isEmpty, !Self.action(action, names: request.operation) {
                throw SOAPFault(sender: SOAPFaultCode.actionMismatch, "the SOAP action \(action) does not name the operation \(request.operation)")
            }
            let response = try await dispatch(request)
            return Answer(
                status: 200,
                contentType: SOAPWriter.contentType(for: version),
                body: SOAPWriter.response(version: version, namespace: namespace, body: response)
            )
        } catch let challenge as NegotiateChallenge {
            var answer = answer(
                SOAPFault(code: "negotiate_continue", message: "Send the next Negotiate token", isSenderFault: true, httpStatus: 401),
                version: version
            )
            answer.wwwAuthenticate = "Negotiate " + Data(challenge.output).base64EncodedString()
            return answer
        } catch let fault as SOAPFault {
            return answer(Self.withRESTCode(fault), version: fault.version ?? version)
        } catch let error as DomainError {
            var answer = answer(Self.fault(error), version: version)
            answer.retryAfter = error.retryAfter
            return answer
        } catch let error as DialingPlanError {
            // Call control lets the dialing plan's own error through; it carries its Domain twin for this mapping.
            return answer(Self.fault(error.domainError), version: version)
        } catch {
            logger.error("SOAP operation failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            return answer(SOAPFault(receiver: "internal_error", "The server could not complete the request"), version: version)
        }
    }

    /// A Domain error as a fault with the code and HTTP status of its REST problem: the client's errors are sender faults,
    /// a PBX that is down (503) or too slow (504) is a receiver fault, as the failure is on our side of the request.
    static func fault(_ error: DomainError) -> SOAPFault {
        let status = error.kind.httpStatus.code
        var fault = SOAPFault(code: error.code, message: error.message, isSenderFault: status < 500, httpStatus: status)
        if let parameter = error.parameter { fault.details.append(.init(name: "parameter", text: parameter)) }
        for device in error.chain ?? [] { fault.details.append(.init(name: "chain", text: device)) }
        return fault
    }

    /// A parser fault, with a request that does not match the schema under REST's code for a body that does not match
    /// the contract (`invalid_request`: a missing, unknown or malformed field); libxml2's message still names the element.
    static func withRESTCode(_ fault: SOAPFault) -> SOAPFault {
        guard fault.code == SOAPFaultCode.schemaViolation else { return fault }
        var renamed = fault
        renamed.code = "invalid_request"
        return renamed
    }

    /// Login signed in with HTTP Negotiate (Windows single sign-on) instead of a password: the authenticated principal
    /// must be the user the request names.
    private func negotiatedLogin(token: String, username: String) async throws -> LoginResult {
        let facts = RequestFacts.current
        let connection = facts.connection ?? facts.clientAddress ?? "-"
        switch try await sessions.signIn(
            negotiate: negotiate,
            token: token,
            connection: connection,
            clientAddress: facts.clientAddress,
            expectedUser: username
        ) {
        case .continueNeeded(let output): throw NegotiateChallenge(output: output)
        case .signedIn(let result, _): return result
        }
    }

    private func answer(_ fault: SOAPFault, version: SOAPVersion) -> Answer {
        Answer(
            status: fault.httpStatus(in: version),
            contentType: SOAPWriter.contentType(for: version),
            body: SOAPWriter.fault(version: version, fault: fault, namespace: namespace)
        )
    }

    /// The `action` parameter of a SOAP 1.2 Content-Type (RFC 3902), if any.
    static func actionParameter(_ contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let parts = parameter.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces).lowercased() == "action" {
                return String(parts[1]).trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    /// A header or parameter value without its surrounding quotes and blanks.
    static func unquoted(_ value: String) -> String {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard trimmed.count >= 2, trimmed.hasPrefix("\""), trimmed.hasSuffix("\"") else { return trimmed }
        return String(trimmed.dropFirst().dropLast())
    }

    /// Whether an action URI names `operation`: the WSDL's `urn:opentws:soap:v1#Login`, or any URI whose last part
    /// (after `#` or `/`) is the operation's name, as clients generated from other conventions write it.
    static func action(_ action: String, names operation: String) -> Bool {
        guard let last = action.split(whereSeparator: { $0 == "#" || $0 == "/" || $0 == ":" }).last else { return false }
        return last == operation
    }

    private func dispatch(_ request: SOAPRequest) async throws -> SOAPElement {
        guard let operation = SOAPOperation(rawValue: request.operation) else {
            throw SOAPFault(sender: SOAPFaultCode.unknownOperation, "Unknown operation \(request.operation)", version: request.version)
        }
        let payload = request.payload
        switch operation {
        case .login:
            let result: LoginResult
            if let token = RequestFacts.current.negotiateToken {
                result = try await negotiatedLogin(token: token, username: payload.string("username") ?? "")
            } else {
                result = try await sessions.loginUser(
                    LoginAttempt(
                        company: payload.string("company"),
                        domain: payload.string("domain"),
                        username: payload.string("username") ?? "",
                        password: payload.string("password"),
                        clientAddress: RequestFacts.current.clientAddress
                    )
                )
            }
            await presence.announcePresence(userId: result.userId)
            return SOAPElement(
                "LoginResponse",
                children: [
                    .leaf("token", result.token), .leaf("expiresAt", result.expiresAt), .leaf("userId", result.userId),
                    .leaf("methods", result.methods.map(\.rawValue).joined(separator: "|")),
                ]
            )
        case .logout:
            let user = try Caller.current.user()
            try await sessions.logout(tokenId: user.sessionTokenId, clientAddress: RequestFacts.current.clientAddress)
            await presence.announcePresence(userId: user.userId)
            return SOAPElement("LogoutResponse")
        case .getMe:
            let profile = try await profiles.profile(try Caller.current.user())
            return SOAPElement(
                "GetMeResponse",
                children: [
                    Self.user("user", profile.user, withDomain: false), Self.named("domain", profile.domain.id, profile.domain.name),
                    Self.named("company", profile.company.id, profile.company.name),
                ]
                    + profile.devices.map { device in
                        SOAPElement(
                            "device",
                            children: [
                                .leaf("id", device.id), .leaf("number", device.number), .leaf("protocol", device.pbxProtocol.rawValue),
                                .leaf("lines", device.lineCount), .leaf("video", device.video),
                            ]
                        )
                    }
                    + profile.applications.map { SOAPElement("application", children: [.leaf("code", $0.rawValue), .leaf("name", $0.displayName)]) }
                    + profile.parameters.map {
                        SOAPElement(
                            "parameter",
                            children: [.leaf("application", $0.application.rawValue), .leaf("name", $0.name), .leaf("value", $0.value)]
                        )
                    }
            )
        case .adminLogin:
            let result = try await sessions.loginAdmin(
                username: payload.string("username") ?? "",
                password: payload.string("password") ?? "",
                clientAddress: RequestFacts.current.clientAddress
            )
            return SOAPElement(
                "AdminLoginResponse",
                children: [
                    .leaf("token", result.token), .leaf("expiresAt", result.expiresAt),
                    .leaf("passwordChangeRequired", result.passwordChangeRequired),
                ]
            )
        case .changeAdminPassword:
            try await admin.changeOwnPassword(
                try Caller.current.admin(),
                current: payload.string("currentPassword") ?? "",
                new: payload.string("newPassword") ?? ""
            )
            return SOAPElement("ChangeAdminPasswordResponse")
        case .listUsers:
            guard let domainId = payload.string("domainId").flatMap(Int64.init) else {
                throw DomainError.invalid(field: "domainId", "domainId is required")
            }
            let page = try await admin.listUsers(
                try Caller.current.admin(),
                domainId: domainId,
                try PageRequest(offset: payload.int("offset"), limit: payload.int("limit"), search: payload.string("query"))
            )
            return SOAPElement(
                "ListUsersResponse",
                children: [.leaf("total", page.total)] + page.items.map { Self.user("user", $0, withDomain: true) }
            )
        case .getLicences:
            guard let companyId = payload.string("companyId").flatMap(Int64.init) else {
                throw DomainError.invalid(field: "companyId", "companyId is required")
            }
            let licences = try await admin.licences(try Caller.current.admin(), companyId: companyId)
            return SOAPElement(
                "GetLicencesResponse",
                children: licences.map {
                    SOAPElement(
                        "licence",
                        children: [
                            .leaf("application", $0.application.rawValue), .leaf("name", $0.application.displayName),
                            .leaf("available", $0.available),
                            .leaf("used", $0.used), .leaf("free", $0.free),
                        ]
                    )
                }
            )
        case .getResolvedParameters:
            guard let userId = payload.string("userId").flatMap(Int64.init) else { throw DomainError.invalid(field: "userId", "userId is required") }
            let application = try payload.string("application").map { code throws(DomainError) in
                guard let application = Application(rawValue: code) else {
                    throw DomainError.invalid(field: "application", "Unknown application \(code)")
                }
                return application
            }
            let resolved = try await admin.resolvedParameters(try Caller.current.admin(), userId: userId, application: application, expert: true)
            return SOAPElement(
                "GetResolvedParametersResponse",
                children: resolved.map {
                    SOAPElement(
                        "parameter",
                        children: [
                            .leaf("application", $0.application.rawValue), .leaf("name", $0.name), .leaf("value", $0.value),
                            .leaf("source", $0.source.rawValue),
                        ]
                    )
                }
            )
        case .getDeviceLines: return try await getDeviceLines()
        case .setDoNotDisturb: return try await setDoNotDisturb(payload)
        case .getForwarding: return try await getForwarding(payload)
        case .setForwarding: return try await setForwarding(payload)
        case .getPresence: return try await getPresence(payload)
        case .setPresence: return try await setPresence(payload)
        case .getCalendarPresence: return try await getCalendarPresence()
        case .makeCall: return try await makeCall(payload)
        case .callVoicemail: return try await callVoicemail(payload)
        case .pickUpCall: return try await pickUpCall(payload)
        case .answerCall: return try await callAction(operation, payload) { try await $0.answer($1, callId: $2, device: $3) }
        case .hangUpCall: return try await callAction(operation, payload) { try await $0.hangUp($1, callId: $2, device: $3) }
        case .holdCall: return try await callAction(operation, payload) { try await $0.hold($1, callId: $2, device: $3) }
        case .retrieveCall: return try await callAction(operation, payload) { try await $0.retrieve($1, callId: $2, device: $3) }
        case .transferCall: return try await redirectCall(operation, payload) { try await $0.transfer($1, callId: $2, device: $3, to: $4) }
        case .deflectCall: return try await redirectCall(operation, payload) { try await $0.deflect($1, callId: $2, device: $3, to: $4) }
        case .consultCall: return try await consultCall(payload)
        case .completeTransfer:
            return try await consultationAction(operation, payload) {
                try await $0.completeTransfer($1, heldCallId: $2, consultationCallId: $3, device: $4)
            }
        case .cancelTransfer:
            return try await consultationAction(operation, payload) {
                try await $0.cancelTransfer($1, heldCallId: $2, consultationCallId: $3, device: $4)
            }
        case .getCallLogs: return try await getCallLogs(payload)
        case .searchDirectory: return try await searchDirectory(payload)
        case .lookupNumber: return try await lookupNumber(payload)
        case .getAlerterCard: return try await getAlerterCard(payload)
        case .getPhoneQueues: return try await getPhoneQueues()
        case .takeQueueCall: return try await takeQueueCall(payload)
        case .divertQueueCall: return try await divertQueueCall(payload)
        case .getRules: return try await getRules()
        case .getRule: return try await getRule(payload)
        case .createRule: return try await createRule(payload)
        case .updateRule: return try await updateRule(payload)
        case .deleteRule: return try await deleteRule(payload)
        case .setRuleOrder: return try await setRuleOrder(payload)
        case .getSharedRules: return try await getSharedRules()
        case .testRules: return try await testRules(payload)
        case .requestCallback: return try await requestCallback(payload)
        case .getCallback: return try await getCallback(payload)
        case .cancelCallback: return try await cancelCallback(payload)
        case .getStatistics: return try await getStatistics(payload)
        }
    }


    private static func user(_ name: String, _ user: User, withDomain: Bool) -> SOAPElement {
        SOAPElement(
            name,
            children: [
                .leaf("id", user.id), .leaf("username", user.username), .leaf("firstName", user.firstName), .leaf("lastName", user.lastName),
                .leaf("email", user.email), .leaf("mobile", user.mobile), .leaf("culture", user.culture),
            ] + (withDomain ? [.leaf("domainId", user.domainId), .leaf("enabled", user.enabled)] : [])
        )
    }

    private static func named(_ name: String, _ id: Int64?, _ value: String) -> SOAPElement {
        SOAPElement(name, children: [.leaf("id", id), .leaf("name", value)])
    }
}
