/// A request to grant a right (admin guide 7.4).
public struct AuthorizationRequest: Sendable {
    public var objectType: AuthorizationObjectType
    public var application: Application?
    public var objectId: Int64?
    public var objectKind: PeopleKind?
    public var granteeType: GranteeType
    public var granteeId: Int64

    public init(
        objectType: AuthorizationObjectType,
        application: Application? = nil,
        objectId: Int64? = nil,
        objectKind: PeopleKind? = nil,
        granteeType: GranteeType,
        granteeId: Int64
    ) {
        self.objectType = objectType
        self.application = application
        self.objectId = objectId
        self.objectKind = objectKind
        self.granteeType = granteeType
        self.granteeId = granteeId
    }
}

// MARK: - Authorizations and licences

extension AdminService {
    public func listAuthorizations(
        _ admin: AdminPrincipal,
        companyId: Int64,
        objectType: AuthorizationObjectType?,
        granteeType: GranteeType?,
        granteeId: Int64?,
        _ page: PageRequest
    ) async throws -> Page<Authorization> {
        try admin.requireReady()
        return try await store.read { tx in
            _ = try tx.visibleCompany(companyId, admin)
            return try tx.authorizations(companyId: companyId, objectType: objectType, granteeType: granteeType, granteeId: granteeId, page)
        }
    }

    public func authorization(_ admin: AdminPrincipal, id: Int64) async throws -> Authorization {
        try admin.requireReady()
        return try await store.read { tx in try admin.visible(tx.authorization(id: id), "Authorization") }
    }

    /// Grants a right. Object and grantee must exist in one company the admin sees (domains may
    /// differ); an application grant consumes licences and is refused when they run out.
    public func grant(_ admin: AdminPrincipal, _ request: AuthorizationRequest) async throws -> Authorization {
        try admin.requireReady()
        try Self.checkShape(request)
        return try await store.write { tx in
            let granteeCompany = try Self.companyOfGrantee(request.granteeType, request.granteeId, admin, tx)
            if let objectCompany = try Self.companyOfObject(request, admin, tx), objectCompany != granteeCompany {
                // Rights never cross companies (admin guide 3.1); the object is as unknown as if it did not exist.
                throw DomainError.notFound("Object")
            }
            try Self.checkQueueDomain(request, tx)
            try Self.checkCallLogDomain(request, tx)
            let authorization = Authorization(
                companyId: granteeCompany,
                objectType: request.objectType,
                application: request.application,
                objectId: request.objectId,
                objectKind: request.objectKind,
                granteeType: request.granteeType,
                granteeId: request.granteeId
            )
            let duplicate = try tx.authorizations(granteeType: request.granteeType, granteeId: request.granteeId).first {
                $0.objectType == authorization.objectType && $0.application == authorization.application && $0.objectId == authorization.objectId
                    && $0.objectKind == authorization.objectKind
            }
            if let duplicate { return duplicate }
            if let application = request.application {
                let holders = try LicenceLedger.holders(
                    of: application,
                    companyId: granteeCompany,
                    tx,
                    adding: request.granteeType == .user ? [request.granteeId] : [],
                    extraGroups: request.granteeType == .group ? [request.granteeId] : []
                )
                try LicenceLedger.check(application, companyId: granteeCompany, holders: holders, tx)
            }
            return try tx.insert(authorization)
        }
    }

    public func revoke(_ admin: AdminPrincipal, id: Int64) async throws {
        try admin.requireReady()
        try await store.write { tx in
            _ = try admin.visible(tx.authorization(id: id), "Authorization")
            try tx.deleteAuthorization(id: id)
        }
    }

    public func licences(_ admin: AdminPrincipal, companyId: Int64) async throws -> [LicenceUsage] {
        try admin.requireReady()
        return try await store.read { tx in
            _ = try tx.visibleCompany(companyId, admin)
            return try LicenceLedger.usage(companyId: companyId, tx)
        }
    }

    /// Sets how many licences of an application a company has; only a super-user may, and never below what is in use.
    public func setLicences(_ admin: AdminPrincipal, companyId: Int64, application: Application, available: Int) async throws -> LicenceUsage {
        try admin.requireSuperUser()
        guard application.isLicensed else {
            throw DomainError(.notFound, code: "not_licensed", "\(application.rawValue) is not licensed: it has no licence to set", field: "application")
        }
        try Check.range(available, 0...1_000_000, field: "available")
        return try await store.write { tx in
            guard try tx.company(id: companyId) != nil else { throw DomainError.notFound("Company") }
            let used = try LicenceLedger.holders(of: application, companyId: companyId, tx).count
            guard available >= used else {
                throw DomainError.conflict(
                    code: "licences_in_use",
                    "\(used) users hold \(application.displayName); revoke rights before lowering to \(available)"
                )
            }
            if var licence = try tx.licence(companyId: companyId, application: application) {
                licence.available = available
                try tx.update(licence)
            } else {
                _ = try tx.insert(Licence(companyId: companyId, application: application, available: available))
            }
            return LicenceUsage(application: application, available: available, used: used)
        }
    }

    private static func checkShape(_ request: AuthorizationRequest) throws(DomainError) {
        switch request.objectType {
        case .application:
            guard let application = request.application else { throw .invalid(field: "application", "An application right names the application") }
            guard application.isLicensed else { throw .invalid(field: "application", "\(application.rawValue) cannot be granted") }
        case .directory, .intercomGroup, .phoneQueue, .calendar, .callLog, .statistics:
            guard request.objectId != nil else { throw .invalid(field: "objectId", "A \(request.objectType.rawValue) right names its object") }
        }
        if request.objectType.objectIsPeople && request.objectKind == nil {
            throw .invalid(field: "objectKind", "A \(request.objectType.rawValue) right says whether objectId is a user or a group")
        }
        if (request.granteeType == .intercomGroup || request.granteeType == .phoneQueue) && request.objectType != .directory {
            throw .invalid(field: "granteeType", "Intercom groups and phone queues may only hold directory rights")
        }
    }

    /// Admin guide 7.4.5: a phone queue is shown to users of its own domain only, so its right may not be given to a
    /// user or group of another domain of the company (which other objects allow).
    static func checkQueueDomain(_ request: AuthorizationRequest, _ tx: any StoreTransaction) throws {
        guard request.objectType == .phoneQueue, let queueId = request.objectId, let queue = try tx.phoneQueue(id: queueId) else { return }
        if let granteeDomain = try granteeDomain(request, tx), granteeDomain != queue.domainId {
            throw DomainError(
                .invalid,
                code: "queue_right_other_domain",
                "A phone queue right can only be given to users and groups of the queue's domain",
                field: "granteeId"
            )
        }
    }

    /// Admin guide 7.4.6: "the call logs can't be shared between domains", so the right to read a user's or group's
    /// call log may only be given to a user or group of that same domain.
    static func checkCallLogDomain(_ request: AuthorizationRequest, _ tx: any StoreTransaction) throws {
        guard request.objectType == .callLog, let objectId = request.objectId else { return }
        let objectDomain: Int64? =
            switch request.objectKind {
            case .user: try tx.user(id: objectId)?.domainId
            case .group: try tx.group(id: objectId)?.domainId
            case nil: nil
            }
        if let objectDomain, let granteeDomain = try granteeDomain(request, tx), granteeDomain != objectDomain {
            throw DomainError(
                .invalid,
                code: "call_log_right_other_domain",
                "A call-log right can only be given to users and groups of the domain of the user or group whose calls it shows",
                field: "granteeId"
            )
        }
    }

    /// The domain of a user or group grantee; nil for intercom groups and phone queues.
    private static func granteeDomain(_ request: AuthorizationRequest, _ tx: any StoreTransaction) throws -> Int64? {
        switch request.granteeType {
        case .user: try tx.user(id: request.granteeId)?.domainId
        case .group: try tx.group(id: request.granteeId)?.domainId
        case .intercomGroup, .phoneQueue: nil
        }
    }

    private static func companyOfGrantee(_ type: GranteeType, _ id: Int64, _ admin: AdminPrincipal, _ tx: any StoreTransaction) throws -> Int64 {
        switch type {
        case .user: try admin.visible(tx.user(id: id), "Grantee").companyId
        case .group: try admin.visible(tx.group(id: id), "Grantee").companyId
        case .intercomGroup: try admin.visible(tx.intercomGroup(id: id), "Grantee").companyId
        case .phoneQueue: try admin.visible(tx.phoneQueue(id: id), "Grantee").companyId
        }
    }

    private static func companyOfObject(_ request: AuthorizationRequest, _ admin: AdminPrincipal, _ tx: any StoreTransaction) throws -> Int64? {
        guard let id = request.objectId else { return nil }
        switch request.objectType {
        case .application: return nil
        case .directory: return try admin.visible(tx.directory(id: id), "Object").companyId
        case .intercomGroup: return try admin.visible(tx.intercomGroup(id: id), "Object").companyId
        case .phoneQueue: return try admin.visible(tx.phoneQueue(id: id), "Object").companyId
        case .calendar, .callLog, .statistics:
            return request.objectKind == .group
                ? try admin.visible(tx.group(id: id), "Object").companyId : try admin.visible(tx.user(id: id), "Object").companyId
        }
    }
}
