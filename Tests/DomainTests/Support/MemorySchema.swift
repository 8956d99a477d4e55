import Domain

// The tables of `Sources/Storage/Migrations.swift` (v1 to v7): their unique keys, with the NOCASE collation where a
// column has it, and their foreign keys with their ON DELETE action. Columns without a constraint are not listed.

extension Company: MemoryRecord {
    static let schema = TableSchema<Company>(name: "company", unique: [UniqueKey(["name"]) { [.noCase($0.name)] }])
}

extension CompanyDomain: MemoryRecord {
    static let schema = TableSchema<CompanyDomain>(
        name: "domain",
        unique: [UniqueKey(["companyId", "name"]) { [.integer($0.companyId), .noCase($0.name)] }],
        references: [.cascade("companyId", to: "company") { $0.companyId }]
    )
}

extension AdminAccount: MemoryRecord {
    static let schema = TableSchema<AdminAccount>(name: "admin_account", unique: [UniqueKey(["username"]) { [.noCase($0.username)] }])
}

extension AuditEntry: MemoryRecord {
    // v3: no foreign keys, the trail outlives the users and companies it mentions.
    static let schema = TableSchema<AuditEntry>(name: "audit_log")

    var storedForm: AuditEntry {
        var entry = self
        entry.time = time.storedInSQLite
        return entry
    }
}

extension Session: MemoryRecord {
    // No foreign key to the user: a user's sessions outlive the user row unless Domain deletes them.
    static let schema = TableSchema<Session>(
        name: "session",
        unique: [UniqueKey(["tokenId"]) { [.binary($0.tokenId)] }],
        references: [.cascade("companyId", to: "company") { $0.companyId }]
    )

    var storedForm: Session {
        var session = self
        session.createdAt = createdAt.storedInSQLite
        session.expiresAt = expiresAt.storedInSQLite
        session.revokedAt = revokedAt?.storedInSQLite
        return session
    }
}

extension User: MemoryRecord {
    static let schema = TableSchema<User>(
        name: "user",
        unique: [UniqueKey(["domainId", "username"]) { [.integer($0.domainId), .noCase($0.username)] }],
        references: [
            .cascade("companyId", to: "company") { $0.companyId },
            .cascade("domainId", to: "domain") { $0.domainId },
            // v5: deleting an import keeps its users, which then count as created by hand.
            .setNull("importId", to: "user_import", { $0.importId }, clear: { $0.importId = nil }),
        ]
    )
}

extension Device: MemoryRecord {
    static let schema = TableSchema<Device>(
        name: "device",
        unique: [UniqueKey(["domainId", "number"]) { [.integer($0.domainId), .binary($0.number)] }],
        references: [
            .cascade("companyId", to: "company") { $0.companyId },
            .cascade("domainId", to: "domain") { $0.domainId },
            .cascade("userId", to: "user") { $0.userId },
        ]
    )
}

extension UserGroup: MemoryRecord {
    static let schema = TableSchema<UserGroup>(
        name: "user_group",
        unique: [UniqueKey(["domainId", "name"]) { [.integer($0.domainId), .noCase($0.name)] }],
        references: [.cascade("companyId", to: "company") { $0.companyId }, .cascade("domainId", to: "domain") { $0.domainId }]
    )
}

extension GroupMembership: MemoryRecord {
    static let schema = TableSchema<GroupMembership>(
        name: "group_membership",
        unique: [UniqueKey(["groupId", "userId"]) { [.integer($0.groupId), .integer($0.userId)] }],
        references: [
            .cascade("companyId", to: "company") { $0.companyId },
            .cascade("groupId", to: "user_group") { $0.groupId },
            .cascade("userId", to: "user") { $0.userId },
        ]
    )
}

extension Licence: MemoryRecord {
    static let schema = TableSchema<Licence>(
        name: "licence",
        unique: [UniqueKey(["companyId", "application"]) { [.integer($0.companyId), .binary($0.application.rawValue)] }],
        references: [.cascade("companyId", to: "company") { $0.companyId }]
    )
}

extension Authorization: MemoryRecord {
    // Grantees and objects are not foreign keys: Domain prunes dangling rights itself (`pruneDangling`).
    static let schema = TableSchema<Authorization>(
        name: "authorization",
        references: [.cascade("companyId", to: "company") { $0.companyId }]
    )
}

extension ParameterValue: MemoryRecord {
    static let schema = TableSchema<ParameterValue>(
        name: "parameter_value",
        unique: [
            UniqueKey(["scope", "scopeId", "application", "name"]) {
                [.binary($0.scope.rawValue), .integer($0.scopeId), .binary($0.application.rawValue), .binary($0.name)]
            }
        ],
        references: [.cascade("companyId", to: "company") { $0.companyId }]
    )
}

extension PbxLink: MemoryRecord {
    static let schema = TableSchema<PbxLink>(
        name: "pbx_link",
        references: [.cascade("companyId", to: "company") { $0.companyId }, .cascade("domainId", to: "domain") { $0.domainId }]
    )
}

extension IntercomGroup: MemoryRecord {
    static let schema = TableSchema<IntercomGroup>(
        name: "intercom_group",
        unique: [UniqueKey(["domainId", "name"]) { [.integer($0.domainId), .noCase($0.name)] }],
        references: [.cascade("companyId", to: "company") { $0.companyId }, .cascade("domainId", to: "domain") { $0.domainId }]
    )
}

extension PhoneQueue: MemoryRecord {
    static let schema = TableSchema<PhoneQueue>(
        name: "phone_queue",
        unique: [UniqueKey(["domainId", "name"]) { [.integer($0.domainId), .noCase($0.name)] }],
        references: [.cascade("companyId", to: "company") { $0.companyId }, .cascade("domainId", to: "domain") { $0.domainId }]
    )
}

extension AlerterTemplateRecord: MemoryRecord {
    static let schema = TableSchema<AlerterTemplateRecord>(
        name: "alerter_template",
        unique: [UniqueKey(["domainId", "name"]) { [.integer($0.domainId), .noCase($0.name)] }],
        references: [.cascade("companyId", to: "company") { $0.companyId }, .cascade("domainId", to: "domain") { $0.domainId }]
    )
}

extension ForwardingRule: MemoryRecord {
    // v10: a rule belongs to a user or to a group, and goes with either.
    static let schema = TableSchema<ForwardingRule>(
        name: "forwarding_rule",
        references: [
            .cascade("companyId", to: "company") { $0.companyId },
            .cascade("domainId", to: "domain") { $0.domainId },
            .cascade("userId", to: "user") { $0.userId },
            .cascade("groupId", to: "user_group") { $0.groupId },
        ]
    )

    var storedForm: ForwardingRule {
        var rule = self
        rule.updatedAt = updatedAt.storedInSQLite
        return rule
    }
}

extension RuleExecution: MemoryRecord {
    // v11: one decision per call and device; goes with its domain and its user.
    static let schema = TableSchema<RuleExecution>(
        name: "rule_execution",
        unique: [UniqueKey(["domainId", "callId", "device"]) { [.integer($0.domainId), .binary($0.callId), .binary($0.device)] }],
        references: [.cascade("domainId", to: "domain") { $0.domainId }, .cascade("userId", to: "user") { $0.userId }]
    )

    var storedForm: RuleExecution {
        var execution = self
        execution.createdAt = createdAt.storedInSQLite
        execution.deadline = deadline?.storedInSQLite
        return execution
    }
}

extension DialingPlanSettings: MemoryRecord {
    static let schema = TableSchema<DialingPlanSettings>(
        name: "dialing_plan",
        unique: [UniqueKey(["domainId"]) { [.integer($0.domainId)] }],
        references: [.cascade("companyId", to: "company") { $0.companyId }, .cascade("domainId", to: "domain") { $0.domainId }]
    )
}

extension Directory: MemoryRecord {
    static let schema = TableSchema<Directory>(
        name: "directory",
        references: [.cascade("companyId", to: "company") { $0.companyId }, .cascade("domainId", to: "domain") { $0.domainId }]
    )
}

extension Contact: MemoryRecord {
    static let schema = TableSchema<Contact>(
        name: "contact",
        unique: [UniqueKey(["directoryId", "externalId"]) { [.integer($0.directoryId), .binary($0.externalId)] }],
        references: [
            .cascade("companyId", to: "company") { $0.companyId },
            .cascade("domainId", to: "domain") { $0.domainId },
            .cascade("directoryId", to: "directory") { $0.directoryId },
            .cascade("ownerUserId", to: "user") { $0.ownerUserId },
        ]
    )
}

extension ContactList: MemoryRecord {
    static let schema = TableSchema<ContactList>(
        name: "contact_list",
        references: [
            .cascade("companyId", to: "company") { $0.companyId },
            .cascade("domainId", to: "domain") { $0.domainId },
            .cascade("ownerUserId", to: "user") { $0.ownerUserId },
        ]
    )
}

extension UserImport: MemoryRecord {
    static let schema = TableSchema<UserImport>(
        name: "user_import",
        unique: [UniqueKey(["domainId", "name"]) { [.integer($0.domainId), .noCase($0.name)] }],
        references: [
            .cascade("companyId", to: "company") { $0.companyId },
            .cascade("domainId", to: "domain") { $0.domainId },
            // A deleted group stops being joined; the import itself stays.
            .setNull("addToGroupId", to: "user_group", { $0.addToGroupId }, clear: { $0.addToGroupId = nil }),
        ]
    )
}

extension CallLogEntry: MemoryRecord {
    static let schema = TableSchema<CallLogEntry>(
        name: "call_log",
        references: [
            .cascade("companyId", to: "company") { $0.companyId },
            .cascade("domainId", to: "domain") { $0.domainId },
            .cascade("userId", to: "user") { $0.userId },
        ]
    )

    var storedForm: CallLogEntry {
        var entry = self
        entry.startedAt = startedAt.storedInSQLite
        entry.answeredAt = answeredAt?.storedInSQLite
        entry.endedAt = endedAt?.storedInSQLite
        return entry
    }
}

extension UserPresence: MemoryRecord {
    static let schema = TableSchema<UserPresence>(
        name: "user_presence",
        unique: [UniqueKey(["userId"]) { [.integer($0.userId)] }],
        references: [
            .cascade("companyId", to: "company") { $0.companyId },
            .cascade("domainId", to: "domain") { $0.domainId },
            .cascade("userId", to: "user") { $0.userId },
        ]
    )

    var storedForm: UserPresence {
        var presence = self
        presence.updatedAt = updatedAt.storedInSQLite
        return presence
    }
}

extension ApiKey: MemoryRecord {
    // v12: a company's API keys; the secret's hash is unique.
    static let schema = TableSchema<ApiKey>(
        name: "api_key",
        unique: [UniqueKey(["secretHash"]) { [.binary($0.secretHash)] }],
        references: [.cascade("companyId", to: "company") { $0.companyId }]
    )

    var storedForm: ApiKey {
        var key = self
        key.createdAt = createdAt.storedInSQLite
        key.expiresAt = expiresAt?.storedInSQLite
        key.lastUsedAt = lastUsedAt?.storedInSQLite
        key.revokedAt = revokedAt?.storedInSQLite
        key.previousSecretUntil = previousSecretUntil?.storedInSQLite
        return key
    }
}
