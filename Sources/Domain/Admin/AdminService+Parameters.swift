// MARK: - Parameters (admin guide 6.1, 9.1.8, 10.2)

extension AdminService {
    /// The catalogue; expert parameters only when asked for (admin guide 10.2, "Expert mode").
    public func parameterDefinitions(_ admin: AdminPrincipal, application: Application?, expert: Bool) throws -> [ParameterDefinition] {
        try admin.requireReady()
        return ParameterCatalogue.all.filter { (application == nil || $0.application == application) && (expert || !$0.expert) }
    }

    public func parameterValues(_ admin: AdminPrincipal, scope: ParameterScope, scopeId: Int64) async throws -> [ParameterValue] {
        try admin.requireReady()
        return try await store.read { tx in
            _ = try Self.scopeCompany(scope, scopeId, admin, tx)
            return try tx.parameterValues(scope: scope, scopeId: scopeId).map(\.shown)
        }
    }

    /// Sets an override after checking the value against the parameter's type.
    public func setParameter(
        _ admin: AdminPrincipal,
        scope: ParameterScope,
        scopeId: Int64,
        application: Application,
        name: String,
        value: String
    ) async throws -> ParameterValue {
        try admin.requireReady()
        let definition = try ParameterCatalogue.definition(application, name)
        let value = try definition.normalise(value)
        // An alias (the guide's spelling) writes the canonical name, which is what resolution reads.
        let name = definition.name
        return try await store.write { tx in
            let companyId = try Self.scopeCompany(scope, scopeId, admin, tx)
            if var existing = try tx.parameterValue(scope: scope, scopeId: scopeId, application: application, name: name) {
                existing.value = value
                try tx.update(existing)
                return existing.shown
            }
            return try tx.insert(
                ParameterValue(companyId: companyId, scope: scope, scopeId: scopeId, application: application, name: name, value: value)
            ).shown
        }
    }

    public func clearParameter(_ admin: AdminPrincipal, scope: ParameterScope, scopeId: Int64, application: Application, name: String) async throws {
        try admin.requireReady()
        let name = try ParameterCatalogue.definition(application, name).name
        try await store.write { tx in
            _ = try Self.scopeCompany(scope, scopeId, admin, tx)
            guard let value = try tx.parameterValue(scope: scope, scopeId: scopeId, application: application, name: name), let id = value.id
            else { throw DomainError.notFound("Parameter override") }
            try tx.deleteParameterValue(id: id)
        }
    }

    /// What a user gets for every parameter, with where each value comes from.
    public func resolvedParameters(
        _ admin: AdminPrincipal,
        userId: Int64,
        application: Application?,
        expert: Bool
    ) async throws -> [ResolvedParameter] {
        let definitions = try parameterDefinitions(admin, application: application, expert: expert)
        return try await store.read { tx in
            let user = try admin.visible(tx.user(id: userId), "User")
            return try ParameterResolver().resolve(definitions, for: user, in: tx).map(\.shown)
        }
    }

    private static func scopeCompany(_ scope: ParameterScope, _ id: Int64, _ admin: AdminPrincipal, _ tx: any StoreTransaction) throws -> Int64 {
        switch scope {
        case .domain: try admin.visible(tx.domain(id: id), "Domain").companyId
        case .group: try admin.visible(tx.group(id: id), "Group").companyId
        case .user: try admin.visible(tx.user(id: id), "User").companyId
        }
    }
}
