import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// What each user operation of openapi/tws.yaml needs (issue 19): one of these applications, or 403
/// `application_not_authorized`. The contract's `x-tws-application` must say the same, and the Domain services enforce
/// these very needs (`ApplicationRightsTests` in DomainTests runs each one).
enum ApplicationTable {
    static let needs: [String: ApplicationNeed] = {
        var needs: [String: ApplicationNeed] = [:]
        for id in [
            "listMyDevices", "getDeviceLine", "setDoNotDisturb", "getForwarding", "setForwarding", "getPresence", "setMyPresence", "makeCall", "callVoicemail",
            "pickUpCall", "answerCall", "hangUpCall", "holdCall", "retrieveCall", "transferCall", "consultCall", "completeTransfer",
            "cancelTransfer", "deflectCall", "listCallLogs", "searchDirectory", "lookupNumber", "getContact", "listPrivateContacts",
            "createPrivateContact", "updatePrivateContact", "deletePrivateContact", "listContactLists", "createContactList",
            "updateContactList", "deleteContactList", "getMyNotifications", "setMyNotifications", "useCallBackLink",
            "listCalendarPresence", "getCalendarPresence",
        ] {
            needs[id] = .telephony
        }
        for id in ["listQueues", "takeQueueCall", "divertQueueCall", "getAlerterCard"] { needs[id] = .alerter }
        // Issue 21: one's own statistics with TWS Stats or TWS Stats Admin (others' need Stats Admin and a right).
        needs["getStatistics"] = .statistics
        // Advanced rules need Rules besides (checked when such a rule is saved).
        for id in ["listRules", "createRule", "setRuleOrder", "testRules", "listSharedRules", "getRule", "updateRule", "deleteRule"] {
            needs[id] = .simpleRules
        }
        return needs
    }()

    /// Each operation's `x-tws-application`, and whether it is a user operation (bearer security, not an
    /// administrator's, not a sign-in or session one): read line by line from openapi/tws.yaml.
    static func contract() throws -> [(operationId: String, isUserOperation: Bool, applications: [String]?)] {
        let text = try String(contentsOf: ContractDocuments.openAPIURL, encoding: .utf8)
        var result: [(String, Bool, [String]?)] = []
        var path = ""
        var current: (id: String, path: String, open: Bool, session: Bool, applications: [String]?)?
        var inTags = false
        func flush() {
            if let c = current { result.append((c.id, !c.path.hasPrefix("/api/v1/admin") && !c.open && !c.session, c.applications)) }
            current = nil
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("components:") { break }
            if line.hasPrefix("  /") {
                flush()
                path = String(line.dropFirst(2).dropLast())
                continue
            }
            if line.hasPrefix("    ") && !line.hasPrefix("     ") && line.hasSuffix(":") {
                flush()
                current = ("", path, false, false, nil)
                continue
            }
            guard current != nil else { continue }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("      ") && !line.hasPrefix("       ") && !trimmed.hasPrefix("- ") {
                inTags = trimmed == "tags:"
            }
            if trimmed.hasPrefix("operationId:") { current?.id = trimmed.dropFirst("operationId:".count).trimmingCharacters(in: .whitespaces) }
            if trimmed == "security: []" { current?.open = true }
            // Sign-in and session operations, and the public callback ones (a portal key, issue 20), are not a user's.
            if inTags && (trimmed == "- session" || trimmed == "- callbacks") { current?.session = true }
            if trimmed.hasPrefix("x-tws-application:") {
                let list = trimmed.dropFirst("x-tws-application:".count).trimmingCharacters(in: CharacterSet(charactersIn: " []"))
                current?.applications = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            }
        }
        flush()
        return result.filter { !$0.0.isEmpty }
    }
}

@Suite("Application rights")
struct ApplicationRightsAPITests {
    @Test
    func everyUserOperationOfTheContractNamesTheApplicationsDomainEnforces() throws {
        let operations = try ApplicationTable.contract()
        #expect(operations.count == 182)
        let user = operations.filter(\.isUserOperation)
        #expect(Set(user.map(\.operationId)) == Set(ApplicationTable.needs.keys), "user operations and the table differ")
        for operation in operations {
            if operation.isUserOperation {
                let need = ApplicationTable.needs[operation.operationId]
                let stated = Set((operation.applications ?? []).compactMap(Application.init(rawValue:)))
                #expect(operation.applications != nil, "\(operation.operationId) has no x-tws-application")
                #expect(stated.count == operation.applications?.count, "\(operation.operationId): unknown application")
                #expect(stated == need?.applications, "\(operation.operationId): contract \(stated) ≠ Domain \(String(describing: need))")
            } else {
                #expect(operation.applications == nil, "\(operation.operationId) is not a user operation but names applications")
            }
        }
        // Signing in and the profile need no application.
        for id in ["login", "logout", "refreshSession", "getMe", "negotiateLogin"] {
            #expect(operations.first { $0.operationId == id }?.applications == nil)
        }
    }

    /// A request of each class of user operation, as a user with a device makes it.
    enum Probe: String, CaseIterable, Sendable {
        case listMyDevices, getPresence, setMyPresence, setDoNotDisturb, makeCall, answerCall, listCallLogs, searchDirectory, lookupNumber
        case listPrivateContacts, listRules, listSharedRules

        var need: ApplicationNeed { ApplicationTable.needs[rawValue]! }

        func send(_ client: some TestClientProtocol, token: String) async throws -> TestResponse {
            switch self {
            case .listMyDevices: try await client.get("/api/v1/telephony/devices", token: token)
            case .getPresence: try await client.get("/api/v1/telephony/presence", token: token)
            case .setMyPresence: try await client.put("/api/v1/me/presence", token: token, json: #"{"status":"busy"}"#)
            case .setDoNotDisturb: try await client.put("/api/v1/telephony/devices/2001/dnd", token: token, json: #"{"enabled":true}"#)
            case .makeCall: try await client.post("/api/v1/calls", token: token, json: #"{"number":"2002"}"#)
            case .answerCall: try await client.post("/api/v1/calls/no-such-call/answer", token: token, json: "{}")
            case .listCallLogs: try await client.get("/api/v1/call-logs", token: token)
            case .searchDirectory: try await client.get("/api/v1/directory/search?q=someone", token: token)
            case .lookupNumber: try await client.get("/api/v1/directory/lookup?number=0155000000", token: token)
            case .listPrivateContacts: try await client.get("/api/v1/contacts/private", token: token)
            case .listRules: try await client.get("/api/v1/rules", token: token)
            case .listSharedRules: try await client.get("/api/v1/rules/shared", token: token)
            }
        }
    }

    struct World {
        var adminToken: String
        var domainId: Int64
        var userId: Int64
        var token: String
    }

    static func world(_ client: some TestClientProtocol) async throws -> World {
        let admin = try await client.superUserToken()
        let companyId = try await client.createCompany("Acme", token: admin)
        for application in ["Caller", "Toolkit", "Rules", "Alerter"] {
            _ = try await client.setLicence(application, companyId: companyId, available: 5, token: admin)
        }
        let domainId = try await client.createDomain(companyId: companyId, name: "Main", token: admin)
        let userId = try await client.createUser(domainId: domainId, username: "sam", password: "sam-password", token: admin)
        _ = try await client.create("/api/v1/admin/users/\(userId)/devices", token: admin, json: #"{"number":"2001"}"#)
        let token = try await client.userLogin(company: "Acme", domain: "Main", username: "sam", password: "sam-password")
        return World(adminToken: admin, domainId: domainId, userId: userId, token: token)
    }

    @Test(arguments: Probe.allCases)
    func aUserWithoutTheApplicationIsRefusedAndAGroupGrantLetsThemIn(_ probe: Probe) async throws {
        try await TWSTestApp.run { client in
            let w = try await Self.world(client)
            expectProblem(try await probe.send(client, token: w.token), .forbidden, "application_not_authorized", "\(probe) without a grant:")
            // Another application does not stand in.
            _ = try await client.grantApplication("Alerter", granteeType: "user", granteeId: w.userId, token: w.adminToken)
            expectProblem(try await probe.send(client, token: w.token), .forbidden, "application_not_authorized", "\(probe) with Alerter:")
            // Each application of the need, held through a group, lets the request through to its own checks.
            for (index, application) in probe.need.applications.map(\.rawValue).sorted().enumerated() {
                let group = try await client.createGroup(domainId: w.domainId, name: "\(application) users", token: w.adminToken)
                try await client.must(.put, "/api/v1/admin/groups/\(group)/members/\(w.userId)", token: w.adminToken, answer: .noContent)
                let grant = try await client.grantApplication(application, granteeType: "group", granteeId: group, token: w.adminToken)
                #expect(grant.status == .created, "\(grant.text)")
                let response = try await probe.send(client, token: w.token)
                #expect(response.problem?.code != "application_not_authorized", "\(probe) with \(application): \(response.text)")
                // No PBX link in this world: commands answer 503 pbx_unavailable, past every right.
                #expect(response.status != .internalServerError, "\(probe) with \(application): \(response.text)")
                // Only one group at a time: the next application is tried alone.
                try await client.must(.delete, "/api/v1/admin/groups/\(group)/members/\(w.userId)", token: w.adminToken, answer: .noContent)
                _ = index
            }
        }
    }

    @Test
    func phoneQueuesNeedAlerterAndTheProfileNeedsNothing() async throws {
        try await TWSTestApp.run { client in
            let w = try await Self.world(client)
            try await client.must(.get, "/api/v1/me", token: w.token)
            _ = try await client.grantApplication("Caller", granteeType: "user", granteeId: w.userId, token: w.adminToken)
            expectProblem(try await client.get("/api/v1/telephony/queues", token: w.token), .forbidden, "application_not_authorized")
            _ = try await client.grantApplication("Alerter", granteeType: "user", granteeId: w.userId, token: w.adminToken)
            try await client.must(.get, "/api/v1/telephony/queues", token: w.token)
        }
    }

    @Test(arguments: [SOAPTestVersion.soap11, .soap12])
    func soapFaultsWithTheSameCodeUntilTheUsersGroupHoldsCaller(_ version: SOAPTestVersion) async throws {
        try await TWSTestApp.run { client in
            let w = try await Self.world(client)
            let refused = try await client.soap("<tws:GetDeviceLines/>", version: version, token: w.token)
            #expect(refused.status == version.faultStatus(sender: true), "\(refused.status.code) \(refused.text)")
            #expect(refused.text.contains("<tws:code>application_not_authorized</tws:code>"), "\(refused.text)")

            let group = try await client.createGroup(domainId: w.domainId, name: "Callers", token: w.adminToken)
            try await client.must(.put, "/api/v1/admin/groups/\(group)/members/\(w.userId)", token: w.adminToken, answer: .noContent)
            #expect(try await client.grantApplication("Caller", granteeType: "group", granteeId: group, token: w.adminToken).status == .created)
            let lines = try await client.soap("<tws:GetDeviceLines/>", version: version, token: w.token)
            #expect(lines.status == .ok, "\(lines.text)")
            #expect(lines.text.contains("2001"), "\(lines.text)")
        }
    }

    /// Admin guide 7.4.6: a call-log right stays within the domain of the user or group whose calls it shows.
    @Test
    func aCallLogRightForAnotherDomainIsRefused() async throws {
        try await TWSTestApp.run { client in
            let w = try await Self.world(client)
            let company = try #require(try await client.must(.get, "/api/v1/admin/users/\(w.userId)", token: w.adminToken).json().int64("companyId"))
            let paris = try await client.createDomain(companyId: company, name: "Paris", token: w.adminToken)
            let eve = try await client.createUser(domainId: paris, username: "eve", token: w.adminToken)
            let commerce = try await client.createGroup(domainId: paris, name: "Commerce", token: w.adminToken)
            for (type, id) in [("user", eve), ("group", commerce)] {
                expectProblem(
                    try await client.post(
                        "/api/v1/admin/authorizations",
                        token: w.adminToken,
                        json: #"{"objectType":"callLog","objectId":\#(w.userId),"objectKind":"user","granteeType":"\#(type)","granteeId":\#(id)}"#
                    ),
                    .badRequest,
                    "call_log_right_other_domain",
                    field: "granteeId"
                )
            }
            let colleague = try await client.createUser(domainId: w.domainId, username: "colleague", token: w.adminToken)
            try await client.grant("callLog", w.userId, objectKind: "user", to: "user", colleague, token: w.adminToken)
        }
    }
}
