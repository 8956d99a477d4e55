import API
import Auth
import Domain
import Foundation

/// The REST handlers generated from openapi/tws.yaml: decode → authenticate → Domain call → encode.
/// Rights are checked by the Domain services, not here.
package struct TWSAPI: APIProtocol {
    let admin: AdminService
    let sessions: SessionService
    let profiles: UserProfileService
    let calls: CallControl
    let presence: PresenceService
    let callHistory: CallHistory
    let supervision: Supervision
    /// Windows single sign-on (HTTP Negotiate); nil when not configured.
    let negotiate: NegotiateAcceptor?
    let directories: DirectoryService
    let directoryAdmin: DirectoryAdminService
    let userImports: UserImportService
    let alerter: AlerterService
    /// Shared phone queues for agents (Alerter, admin guide 9.2.2).
    let queues: PhoneQueueService
    /// Forwarding rules (admin guide 9.1.8, 9.6).
    let rules: RuleService
    /// Companies' API keys and what they do for users (issue 19).
    let apiKeys: ApiKeyService
    /// Browser origins allowed per company (issue 19, CORS).
    let cors: CorsPolicy
    /// Callback groups and visitors' requests (issue 20).
    let callbacks: CallbackService
    /// The public callback endpoint's limits per address and per visitor number.
    let callbackThrottle: CallbackThrottle
    /// Webhook subscriptions (issue 19).
    let webhooks: WebhookService
    /// Missed-call e-mail settings and call-back links (issue 20).
    let notifications: NotificationService
    /// Users' call statistics (issue 21).
    let statistics: StatisticsService
    /// Calendar connections and calendar presence (issue 21).
    let calendar: CalendarPresenceService

    package init(
        admin: AdminService,
        sessions: SessionService,
        profiles: UserProfileService,
        calls: CallControl,
        presence: PresenceService,
        callHistory: CallHistory,
        supervision: Supervision,
        negotiate: NegotiateAcceptor? = nil,
        directories: DirectoryService,
        directoryAdmin: DirectoryAdminService,
        userImports: UserImportService,
        alerter: AlerterService,
        queues: PhoneQueueService,
        rules: RuleService,
        apiKeys: ApiKeyService,
        webhooks: WebhookService,
        callbacks: CallbackService,
        notifications: NotificationService,
        calendar: CalendarPresenceService,
        cors: CorsPolicy? = nil,
        callbackThrottle: CallbackThrottle = CallbackThrottle(),
        statistics: StatisticsService? = nil
    ) {
        self.statistics = statistics ?? StatisticsService(store: admin.store)
        self.callbacks = callbacks
        self.callbackThrottle = callbackThrottle
        self.apiKeys = apiKeys
        self.webhooks = webhooks
        self.notifications = notifications
        self.calendar = calendar
        self.userImports = userImports
        self.alerter = alerter
        self.queues = queues
        self.rules = rules
        self.negotiate = negotiate
        self.directories = directories
        self.directoryAdmin = directoryAdmin
        self.admin = admin
        self.sessions = sessions
        self.profiles = profiles
        self.calls = calls
        self.presence = presence
        self.callHistory = callHistory
        self.supervision = supervision
        self.cors = cors ?? CorsPolicy(store: admin.store)
    }

    // MARK: System and sessions

    package func getHealth(_ input: Operations.GetHealth.Input) async throws -> Operations.GetHealth.Output {
        .ok(.init(body: .json(.init(status: "ok"))))
    }

    package func login(_ input: Operations.Login.Input) async throws -> Operations.Login.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let result = try await sessions.loginUser(
            LoginAttempt(
                company: body.company,
                domain: body.domain,
                username: body.username,
                password: body.password,
                clientAddress: RequestFacts.current.clientAddress
            )
        )
        await presence.announcePresence(userId: result.userId)
        return .ok(
            .init(
                body: .json(
                    Components.Schemas.LoginResponse(result)
                )
            )
        )
    }

    package func logout(_ input: Operations.Logout.Input) async throws -> Operations.Logout.Output {
        let user = try Caller.current.user()
        try await sessions.logout(tokenId: user.sessionTokenId, clientAddress: RequestFacts.current.clientAddress)
        await presence.announcePresence(userId: user.userId)
        return .noContent(.init())
    }

    package func negotiateLogin(_ input: Operations.NegotiateLogin.Input) async throws -> Operations.NegotiateLogin.Output {
        func challenge(_ output: [UInt8], _ problem: Components.Schemas.Problem) -> Operations.NegotiateLogin.Output {
            let header = output.isEmpty ? "Negotiate" : "Negotiate " + Data(output).base64EncodedString()
            return .unauthorized(.init(headers: .init(wwwAuthenticate: header), body: .applicationProblemJson(problem)))
        }
        let facts = RequestFacts.current
        guard let token = facts.negotiateToken else {
            // Not configured answers 404 before any challenge.
            guard negotiate != nil else {
                throw DomainError(.notFound, code: "negotiate_unavailable", "Windows sign-in is not configured on this server")
            }
            return challenge(
                [],
                .init(title: "Unauthorized", status: 401, detail: "Send Authorization: Negotiate <token>", code: "negotiate_required")
            )
        }
        do {
            let connection = facts.connection ?? facts.clientAddress ?? "-"
            switch try await sessions.signIn(negotiate: negotiate, token: token, connection: connection, clientAddress: facts.clientAddress) {
            case .continueNeeded(let output):
                return challenge(
                    output,
                    .init(title: "Unauthorized", status: 401, detail: "Send the next Negotiate token", code: "negotiate_continue")
                )
            case .signedIn(let result, let output):
                return .ok(
                    .init(
                        headers: .init(wwwAuthenticate: output.isEmpty ? nil : "Negotiate " + Data(output).base64EncodedString()),
                        body: .json(Components.Schemas.LoginResponse(result))
                    )
                )
            }
        } catch let error as DomainError where error == .invalidCredentials {
            return challenge([], .init(title: "Unauthorized", status: 401, detail: error.message, code: error.code))
        }
    }

    package func refreshSession(_ input: Operations.RefreshSession.Input) async throws -> Operations.RefreshSession.Output {
        let user = try Caller.current.user()
        let result = try await sessions.refresh(tokenId: user.sessionTokenId, clientAddress: RequestFacts.current.clientAddress)
        return .ok(
            .init(
                body: .json(
                    Components.Schemas.LoginResponse(result)
                )
            )
        )
    }

    package func getMe(_ input: Operations.GetMe.Input) async throws -> Operations.GetMe.Output {
        let profile = try await profiles.profile(try Caller.current.user())
        return .ok(.init(body: .json(try .init(profile))))
    }

    package func adminLogin(_ input: Operations.AdminLogin.Input) async throws -> Operations.AdminLogin.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let result = try await sessions.loginAdmin(
            username: body.username,
            password: body.password,
            clientAddress: RequestFacts.current.clientAddress
        )
        return .ok(.init(body: .json(.init(token: result.token, expiresAt: result.expiresAt, passwordChangeRequired: result.passwordChangeRequired))))
    }

    package func adminLogout(_ input: Operations.AdminLogout.Input) async throws -> Operations.AdminLogout.Output {
        let principal = try Caller.current.admin()
        try await sessions.logout(tokenId: principal.sessionTokenId)
        return .noContent(.init())
    }

    package func changeAdminPassword(_ input: Operations.ChangeAdminPassword.Input) async throws -> Operations.ChangeAdminPassword.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        try await admin.changeOwnPassword(try Caller.current.admin(), current: body.currentPassword, new: body.newPassword)
        return .noContent(.init())
    }

    // MARK: Companies and domains

    package func listCompanies(_ input: Operations.ListCompanies.Input) async throws -> Operations.ListCompanies.Output {
        let page = try await admin.listCompanies(
            try Caller.current.admin(),
            PageRequest(offset: input.query.offset, limit: input.query.limit, q: input.query.q)
        )
        return .ok(.init(body: .json(wirePage(page, Components.Schemas.CompanyPage.init, Components.Schemas.Company.init))))
    }

    package func createCompany(_ input: Operations.CreateCompany.Input) async throws -> Operations.CreateCompany.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        return .created(.init(body: .json(.init(try await admin.createCompany(try Caller.current.admin(), name: body.name)))))
    }

    package func getCompany(_ input: Operations.GetCompany.Input) async throws -> Operations.GetCompany.Output {
        .ok(.init(body: .json(.init(try await admin.company(try Caller.current.admin(), id: input.path.companyId)))))
    }

    package func updateCompany(_ input: Operations.UpdateCompany.Input) async throws -> Operations.UpdateCompany.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        return .ok(.init(body: .json(.init(try await admin.renameCompany(try Caller.current.admin(), id: input.path.companyId, name: body.name)))))
    }

    package func deleteCompany(_ input: Operations.DeleteCompany.Input) async throws -> Operations.DeleteCompany.Output {
        try await admin.deleteCompany(try Caller.current.admin(), id: input.path.companyId)
        return .noContent(.init())
    }

    package func listDomains(_ input: Operations.ListDomains.Input) async throws -> Operations.ListDomains.Output {
        let page = try await admin.listDomains(
            try Caller.current.admin(),
            companyId: input.query.companyId,
            PageRequest(offset: input.query.offset, limit: input.query.limit, q: input.query.q)
        )
        return .ok(.init(body: .json(wirePage(page, Components.Schemas.DomainPage.init, Components.Schemas.Domain.init))))
    }

    package func createDomain(_ input: Operations.CreateDomain.Input) async throws -> Operations.CreateDomain.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let domain = try await admin.createDomain(
            try Caller.current.admin(),
            companyId: body.companyId,
            name: body.name,
            numberingPlanLength: Int(body.numberingPlanLength),
            timeZone: body.timeZone
        )
        return .created(.init(body: .json(.init(domain))))
    }

    package func getDomain(_ input: Operations.GetDomain.Input) async throws -> Operations.GetDomain.Output {
        .ok(.init(body: .json(.init(try await admin.domain(try Caller.current.admin(), id: input.path.domainId)))))
    }

    package func updateDomain(_ input: Operations.UpdateDomain.Input) async throws -> Operations.UpdateDomain.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let domain = try await admin.updateDomain(
            try Caller.current.admin(),
            id: input.path.domainId,
            name: body.name,
            numberingPlanLength: body.numberingPlanLength.map(Int.init),
            timeZone: body.timeZone
        )
        return .ok(.init(body: .json(.init(domain))))
    }

    package func deleteDomain(_ input: Operations.DeleteDomain.Input) async throws -> Operations.DeleteDomain.Output {
        try await admin.deleteDomain(try Caller.current.admin(), id: input.path.domainId)
        return .noContent(.init())
    }

    package func listDirectories(_ input: Operations.ListDirectories.Input) async throws -> Operations.ListDirectories.Output {
        let directories = try await admin.listDirectories(try Caller.current.admin(), domainId: input.path.domainId)
        return .ok(.init(body: .json(.init(items: try directories.map(Components.Schemas.Directory.init)))))
    }

    // MARK: Administrator accounts

    package func listAdmins(_ input: Operations.ListAdmins.Input) async throws -> Operations.ListAdmins.Output {
        let page = try await admin.listAdmins(
            try Caller.current.admin(),
            PageRequest(offset: input.query.offset, limit: input.query.limit, q: input.query.q)
        )
        return .ok(.init(body: .json(wirePage(page, Components.Schemas.AdminPage.init, Components.Schemas.AdminAccount.init))))
    }

    package func listAuditLog(_ input: Operations.ListAuditLog.Input) async throws -> Operations.ListAuditLog.Output {
        let page = try await admin.auditLog(
            try Caller.current.admin(),
            companyId: input.query.companyId,
            kind: try input.query.kind.map { try convert($0, field: "kind") },
            PageRequest(offset: input.query.offset, limit: input.query.limit, q: input.query.q)
        )
        return .ok(.init(body: .json(try wirePage(page, Components.Schemas.AuditPage.init, Components.Schemas.AuditEntry.init))))
    }

    package func createAdmin(_ input: Operations.CreateAdmin.Input) async throws -> Operations.CreateAdmin.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let account = try await admin.createAdmin(
            try Caller.current.admin(),
            username: body.username,
            password: body.password,
            superUser: body.superUser,
            companyIds: body.companyIds
        )
        return .created(.init(body: .json(.init(account))))
    }

    package func getAdmin(_ input: Operations.GetAdmin.Input) async throws -> Operations.GetAdmin.Output {
        .ok(.init(body: .json(.init(try await admin.adminAccount(try Caller.current.admin(), id: input.path.adminId)))))
    }

    package func updateAdmin(_ input: Operations.UpdateAdmin.Input) async throws -> Operations.UpdateAdmin.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let account = try await admin.updateAdmin(
            try Caller.current.admin(),
            id: input.path.adminId,
            password: body.password,
            superUser: body.superUser,
            companyIds: body.companyIds
        )
        return .ok(.init(body: .json(.init(account))))
    }

    package func deleteAdmin(_ input: Operations.DeleteAdmin.Input) async throws -> Operations.DeleteAdmin.Output {
        try await admin.deleteAdmin(try Caller.current.admin(), id: input.path.adminId)
        return .noContent(.init())
    }

    // MARK: Users and devices

    package func listUsers(_ input: Operations.ListUsers.Input) async throws -> Operations.ListUsers.Output {
        let page = try await admin.listUsers(
            try Caller.current.admin(),
            domainId: input.path.domainId,
            PageRequest(offset: input.query.offset, limit: input.query.limit, q: input.query.q)
        )
        return .ok(.init(body: .json(try Self.userPage(page))))
    }

    package func createUser(_ input: Operations.CreateUser.Input) async throws -> Operations.CreateUser.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let user = try await admin.createUser(try Caller.current.admin(), domainId: input.path.domainId, UserChanges(body))
        return .created(.init(body: .json(try .init(user, devices: []))))
    }

    package func getUser(_ input: Operations.GetUser.Input) async throws -> Operations.GetUser.Output {
        let principal = try Caller.current.admin()
        let user = try await admin.user(principal, id: input.path.userId)
        return .ok(.init(body: .json(try .init(user, devices: try await admin.devices(principal, userId: input.path.userId)))))
    }

    package func updateUser(_ input: Operations.UpdateUser.Input) async throws -> Operations.UpdateUser.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let principal = try Caller.current.admin()
        let user = try await admin.updateUser(principal, id: input.path.userId, UserChanges(body))
        return .ok(.init(body: .json(try .init(user, devices: try await admin.devices(principal, userId: input.path.userId)))))
    }

    package func deleteUser(_ input: Operations.DeleteUser.Input) async throws -> Operations.DeleteUser.Output {
        try await admin.deleteUser(try Caller.current.admin(), id: input.path.userId)
        return .noContent(.init())
    }

    package func listDevices(_ input: Operations.ListDevices.Input) async throws -> Operations.ListDevices.Output {
        let devices = try await admin.devices(try Caller.current.admin(), userId: input.path.userId)
        return .ok(.init(body: .json(.init(items: try devices.map(Components.Schemas.Device.init)))))
    }

    package func createDevice(_ input: Operations.CreateDevice.Input) async throws -> Operations.CreateDevice.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        return .created(
            .init(body: .json(try .init(try await admin.createDevice(try Caller.current.admin(), userId: input.path.userId, DeviceChanges(body)))))
        )
    }

    package func getDevice(_ input: Operations.GetDevice.Input) async throws -> Operations.GetDevice.Output {
        .ok(.init(body: .json(try .init(try await admin.device(try Caller.current.admin(), id: input.path.deviceId)))))
    }

    package func updateDevice(_ input: Operations.UpdateDevice.Input) async throws -> Operations.UpdateDevice.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        return .ok(
            .init(body: .json(try .init(try await admin.updateDevice(try Caller.current.admin(), id: input.path.deviceId, DeviceChanges(body)))))
        )
    }

    package func deleteDevice(_ input: Operations.DeleteDevice.Input) async throws -> Operations.DeleteDevice.Output {
        try await admin.deleteDevice(try Caller.current.admin(), id: input.path.deviceId)
        return .noContent(.init())
    }

    package func getResolvedParameters(_ input: Operations.GetResolvedParameters.Input) async throws -> Operations.GetResolvedParameters.Output {
        let resolved = try await admin.resolvedParameters(
            try Caller.current.admin(),
            userId: input.path.userId,
            application: try convert(input.query.application, field: "application"),
            expert: input.query.expert ?? false
        )
        return .ok(.init(body: .json(.init(items: try resolved.map(Components.Schemas.ResolvedParameter.init)))))
    }

    // MARK: Groups

    package func listGroups(_ input: Operations.ListGroups.Input) async throws -> Operations.ListGroups.Output {
        let page = try await admin.listGroups(
            try Caller.current.admin(),
            domainId: input.path.domainId,
            PageRequest(offset: input.query.offset, limit: input.query.limit, q: input.query.q)
        )
        return .ok(.init(body: .json(wirePage(page, Components.Schemas.GroupPage.init, Components.Schemas.Group.init))))
    }

    package func createGroup(_ input: Operations.CreateGroup.Input) async throws -> Operations.CreateGroup.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        return .created(
            .init(body: .json(.init(try await admin.createGroup(try Caller.current.admin(), domainId: input.path.domainId, name: body.name))))
        )
    }

    package func getGroup(_ input: Operations.GetGroup.Input) async throws -> Operations.GetGroup.Output {
        .ok(.init(body: .json(.init(try await admin.group(try Caller.current.admin(), id: input.path.groupId)))))
    }

    package func updateGroup(_ input: Operations.UpdateGroup.Input) async throws -> Operations.UpdateGroup.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        return .ok(.init(body: .json(.init(try await admin.renameGroup(try Caller.current.admin(), id: input.path.groupId, name: body.name)))))
    }

    package func deleteGroup(_ input: Operations.DeleteGroup.Input) async throws -> Operations.DeleteGroup.Output {
        try await admin.deleteGroup(try Caller.current.admin(), id: input.path.groupId)
        return .noContent(.init())
    }

    package func listGroupMembers(_ input: Operations.ListGroupMembers.Input) async throws -> Operations.ListGroupMembers.Output {
        let page = try await admin.members(
            try Caller.current.admin(),
            groupId: input.path.groupId,
            PageRequest(offset: input.query.offset, limit: input.query.limit, q: input.query.q)
        )
        return .ok(.init(body: .json(try Self.userPage(page))))
    }

    package func addGroupMember(_ input: Operations.AddGroupMember.Input) async throws -> Operations.AddGroupMember.Output {
        try await admin.addMember(try Caller.current.admin(), groupId: input.path.groupId, userId: input.path.userId)
        return .noContent(.init())
    }

    package func removeGroupMember(_ input: Operations.RemoveGroupMember.Input) async throws -> Operations.RemoveGroupMember.Output {
        try await admin.removeMember(try Caller.current.admin(), groupId: input.path.groupId, userId: input.path.userId)
        return .noContent(.init())
    }

    // MARK: Rights and licences

    package func listAuthorizations(_ input: Operations.ListAuthorizations.Input) async throws -> Operations.ListAuthorizations.Output {
        let query = input.query
        let page = try await admin.listAuthorizations(
            try Caller.current.admin(),
            companyId: query.companyId,
            objectType: try convert(query.objectType, field: "objectType"),
            granteeType: try convert(query.granteeType, field: "granteeType"),
            granteeId: query.granteeId,
            PageRequest(offset: query.offset, limit: query.limit, q: nil)
        )
        return .ok(.init(body: .json(try wirePage(page, Components.Schemas.AuthorizationPage.init, Components.Schemas.Authorization.init))))
    }

    package func createAuthorization(_ input: Operations.CreateAuthorization.Input) async throws -> Operations.CreateAuthorization.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let request = AuthorizationRequest(
            objectType: try convert(body.objectType, field: "objectType"),
            application: try convert(body.application, field: "application"),
            objectId: body.objectId,
            objectKind: try convert(body.objectKind, field: "objectKind"),
            granteeType: try convert(body.granteeType, field: "granteeType"),
            granteeId: body.granteeId
        )
        return .created(.init(body: .json(try .init(try await admin.grant(try Caller.current.admin(), request)))))
    }

    package func getAuthorization(_ input: Operations.GetAuthorization.Input) async throws -> Operations.GetAuthorization.Output {
        .ok(.init(body: .json(try .init(try await admin.authorization(try Caller.current.admin(), id: input.path.authorizationId)))))
    }

    package func deleteAuthorization(_ input: Operations.DeleteAuthorization.Input) async throws -> Operations.DeleteAuthorization.Output {
        try await admin.revoke(try Caller.current.admin(), id: input.path.authorizationId)
        return .noContent(.init())
    }

    package func listLicences(_ input: Operations.ListLicences.Input) async throws -> Operations.ListLicences.Output {
        let licences = try await admin.licences(try Caller.current.admin(), companyId: input.query.companyId)
        return .ok(.init(body: .json(.init(items: try licences.map(Components.Schemas.Licence.init)))))
    }

    package func setLicence(_ input: Operations.SetLicence.Input) async throws -> Operations.SetLicence.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let usage = try await admin.setLicences(
            try Caller.current.admin(),
            companyId: input.query.companyId,
            application: try convert(input.path.application, field: "application"),
            available: Int(body.available)
        )
        return .ok(.init(body: .json(try .init(usage))))
    }

    // MARK: Parameters

    package func listParameterDefinitions(
        _ input: Operations.ListParameterDefinitions.Input
    ) async throws -> Operations.ListParameterDefinitions.Output {
        let definitions = try admin.parameterDefinitions(
            try Caller.current.admin(),
            application: try convert(input.query.application, field: "application"),
            expert: input.query.expert ?? false
        )
        return .ok(.init(body: .json(.init(items: try definitions.map(Components.Schemas.ParameterDefinition.init)))))
    }

    package func listParameterValues(_ input: Operations.ListParameterValues.Input) async throws -> Operations.ListParameterValues.Output {
        let values = try await admin.parameterValues(
            try Caller.current.admin(),
            scope: try convert(input.query.scope, field: "scope"),
            scopeId: input.query.scopeId
        )
        return .ok(.init(body: .json(.init(items: try values.map(Components.Schemas.ParameterValue.init)))))
    }

    package func setParameterValue(_ input: Operations.SetParameterValue.Input) async throws -> Operations.SetParameterValue.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let path = input.path
        let value = try await admin.setParameter(
            try Caller.current.admin(),
            scope: try convert(path.scope, field: "scope"),
            scopeId: path.scopeId,
            application: try convert(path.application, field: "application"),
            name: path.name,
            value: body.value
        )
        return .ok(.init(body: .json(try .init(value))))
    }

    package func clearParameterValue(_ input: Operations.ClearParameterValue.Input) async throws -> Operations.ClearParameterValue.Output {
        let path = input.path
        try await admin.clearParameter(
            try Caller.current.admin(),
            scope: try convert(path.scope, field: "scope"),
            scopeId: path.scopeId,
            application: try convert(path.application, field: "application"),
            name: path.name
        )
        return .noContent(.init())
    }

    // MARK: PBX links, intercom groups, phone queues, dialing plan

    package func listPbxLinks(_ input: Operations.ListPbxLinks.Input) async throws -> Operations.ListPbxLinks.Output {
        let page = try await admin.list(
            try Caller.current.admin(),
            PbxLink.self,
            domainId: input.path.domainId,
            PageRequest(offset: input.query.offset, limit: input.query.limit, q: input.query.q)
        )
        return .ok(.init(body: .json(wirePage(page, Components.Schemas.PbxLinkPage.init, Components.Schemas.PbxLink.init))))
    }

    package func createPbxLink(_ input: Operations.CreatePbxLink.Input) async throws -> Operations.CreatePbxLink.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let link = try await admin.create(try Caller.current.admin(), domainId: input.path.domainId, PbxLink(body))
        await replanSupervision()
        return .created(.init(body: .json(.init(link))))
    }

    package func getPbxLink(_ input: Operations.GetPbxLink.Input) async throws -> Operations.GetPbxLink.Output {
        .ok(.init(body: .json(.init(try await admin.get(try Caller.current.admin(), PbxLink.self, id: input.path.pbxLinkId)))))
    }

    package func replacePbxLink(_ input: Operations.ReplacePbxLink.Input) async throws -> Operations.ReplacePbxLink.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let link = try await admin.replace(try Caller.current.admin(), id: input.path.pbxLinkId, PbxLink(body))
        await replanSupervision()
        return .ok(.init(body: .json(.init(link))))
    }

    package func deletePbxLink(_ input: Operations.DeletePbxLink.Input) async throws -> Operations.DeletePbxLink.Output {
        try await admin.delete(try Caller.current.admin(), PbxLink.self, id: input.path.pbxLinkId)
        await replanSupervision()
        return .noContent(.init())
    }

    /// Makes the running PBX links match the stored configuration before the admin's answer goes out: a deleted link
    /// is stopped and its devices released, a changed one reconnects, a new one starts, and the admin pages show it.
    func replanSupervision() async {
        // Failing to read the plan leaves the links as they are; the next periodic re-plan tries again.
        try? await supervision.replan()
    }

    package func listIntercomGroups(_ input: Operations.ListIntercomGroups.Input) async throws -> Operations.ListIntercomGroups.Output {
        let page = try await admin.list(
            try Caller.current.admin(),
            IntercomGroup.self,
            domainId: input.path.domainId,
            PageRequest(offset: input.query.offset, limit: input.query.limit, q: input.query.q)
        )
        return .ok(.init(body: .json(try wirePage(page, Components.Schemas.IntercomGroupPage.init, Components.Schemas.IntercomGroup.init))))
    }

    package func createIntercomGroup(_ input: Operations.CreateIntercomGroup.Input) async throws -> Operations.CreateIntercomGroup.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let group = try await admin.create(try Caller.current.admin(), domainId: input.path.domainId, try IntercomGroup(body))
        await replanSupervision()
        return .created(.init(body: .json(try .init(group))))
    }

    package func getIntercomGroup(_ input: Operations.GetIntercomGroup.Input) async throws -> Operations.GetIntercomGroup.Output {
        .ok(.init(body: .json(try .init(try await admin.get(try Caller.current.admin(), IntercomGroup.self, id: input.path.intercomGroupId)))))
    }

    package func replaceIntercomGroup(_ input: Operations.ReplaceIntercomGroup.Input) async throws -> Operations.ReplaceIntercomGroup.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let group = try await admin.replace(try Caller.current.admin(), id: input.path.intercomGroupId, try IntercomGroup(body))
        await replanSupervision()
        return .ok(.init(body: .json(try .init(group))))
    }

    package func deleteIntercomGroup(_ input: Operations.DeleteIntercomGroup.Input) async throws -> Operations.DeleteIntercomGroup.Output {
        try await admin.delete(try Caller.current.admin(), IntercomGroup.self, id: input.path.intercomGroupId)
        await replanSupervision()
        return .noContent(.init())
    }

    package func listPhoneQueues(_ input: Operations.ListPhoneQueues.Input) async throws -> Operations.ListPhoneQueues.Output {
        let page = try await admin.list(
            try Caller.current.admin(),
            PhoneQueue.self,
            domainId: input.path.domainId,
            PageRequest(offset: input.query.offset, limit: input.query.limit, q: input.query.q)
        )
        return .ok(.init(body: .json(try wirePage(page, Components.Schemas.PhoneQueuePage.init, Components.Schemas.PhoneQueue.init))))
    }

    package func createPhoneQueue(_ input: Operations.CreatePhoneQueue.Input) async throws -> Operations.CreatePhoneQueue.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let queue = try await admin.create(try Caller.current.admin(), domainId: input.path.domainId, try PhoneQueue(body))
        await replanSupervision()
        return .created(.init(body: .json(try .init(queue))))
    }

    package func getPhoneQueue(_ input: Operations.GetPhoneQueue.Input) async throws -> Operations.GetPhoneQueue.Output {
        .ok(.init(body: .json(try .init(try await admin.get(try Caller.current.admin(), PhoneQueue.self, id: input.path.phoneQueueId)))))
    }

    package func replacePhoneQueue(_ input: Operations.ReplacePhoneQueue.Input) async throws -> Operations.ReplacePhoneQueue.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let queue = try await admin.replace(try Caller.current.admin(), id: input.path.phoneQueueId, try PhoneQueue(body))
        await replanSupervision()
        return .ok(.init(body: .json(try .init(queue))))
    }

    package func deletePhoneQueue(_ input: Operations.DeletePhoneQueue.Input) async throws -> Operations.DeletePhoneQueue.Output {
        try await admin.delete(try Caller.current.admin(), PhoneQueue.self, id: input.path.phoneQueueId)
        await replanSupervision()
        return .noContent(.init())
    }

    package func getDialingPlan(_ input: Operations.GetDialingPlan.Input) async throws -> Operations.GetDialingPlan.Output {
        .ok(.init(body: .json(.init(try await admin.dialingPlan(try Caller.current.admin(), domainId: input.path.domainId)))))
    }

    package func setDialingPlan(_ input: Operations.SetDialingPlan.Input) async throws -> Operations.SetDialingPlan.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let settings = try await admin.setDialingPlan(try Caller.current.admin(), domainId: input.path.domainId, DialingPlanSettings(body))
        return .ok(.init(body: .json(.init(settings))))
    }

    private static func userPage(_ page: Page<User>) throws -> Components.Schemas.UserPage {
        try wirePage(page, Components.Schemas.UserPage.init, { try Components.Schemas.User($0) })
    }
}

extension Components.Schemas.Me {
    init(_ profile: UserProfile) throws {
        self.init(
            user: try .init(profile.user),
            domain: .init(profile.domain),
            company: .init(profile.company),
            devices: try profile.devices.map(Components.Schemas.Device.init),
            applications: try profile.applications.map { .init(code: try convert($0, field: "application"), name: $0.displayName) },
            parameters: try profile.parameters.map(Components.Schemas.ResolvedParameter.init)
        )
    }
}
