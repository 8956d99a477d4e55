/// Resolves parameters for a user: user > group > domain > default.
///
/// When several of the user's groups override the same parameter, the group with the lowest id
/// (the one created first) wins. That rule is stable across restarts and independent of names,
/// and the contract documents it.
public struct ParameterResolver: Sendable {
    public init() {}

    /// Resolves `definitions` for `user`, given the overrides that touch the user, their groups and domain.
    public func resolve(
        _ definitions: [ParameterDefinition],
        user: User,
        groupIds: [Int64],
        overrides: [ParameterValue]
    ) -> [ResolvedParameter] {
        let sortedGroups = groupIds.sorted()
        return definitions.map { definition in
            let matching = overrides.filter { $0.application == definition.application && $0.name == definition.name }
            if let value = matching.first(where: { $0.scope == .user && $0.scopeId == user.id }) {
                return ResolvedParameter(definition, value.value, .user)
            }
            for groupId in sortedGroups {
                if let value = matching.first(where: { $0.scope == .group && $0.scopeId == groupId }) {
                    return ResolvedParameter(definition, value.value, .group, groupId: groupId)
                }
            }
            if let value = matching.first(where: { $0.scope == .domain && $0.scopeId == user.domainId }) {
                return ResolvedParameter(definition, value.value, .domain)
            }
            return ResolvedParameter(definition, definition.defaultValue, .default)
        }
    }

    /// Reads what resolution needs for one user inside a transaction and resolves.
    public func resolve(_ definitions: [ParameterDefinition], for user: User, in tx: any StoreTransaction) throws -> [ResolvedParameter] {
        guard let userId = user.id else { return resolve(definitions, user: user, groupIds: [], overrides: []) }
        let groupIds = try tx.groupIds(ofUser: userId)
        let overrides = try tx.parameterValues(companyId: user.companyId, applications: Set(definitions.map(\.application))).filter { value in
            switch value.scope {
            case .user: value.scopeId == userId
            case .group: groupIds.contains(value.scopeId)
            case .domain: value.scopeId == user.domainId
            }
        }
        return resolve(definitions, user: user, groupIds: groupIds, overrides: overrides)
    }
}

extension ResolvedParameter {
    init(_ definition: ParameterDefinition, _ value: String, _ source: Source, groupId: Int64? = nil) {
        self.init(
            application: definition.application,
            name: definition.name,
            value: value,
            source: source,
            groupId: groupId,
            expert: definition.expert
        )
    }
}
