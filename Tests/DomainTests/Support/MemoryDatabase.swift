import Domain

/// Every table of the schema, as values: a transaction works on a copy and the store keeps it only when the
/// transaction commits.
struct MemoryDatabase: Sendable {
    private var tables: [String: any ErasedTable] = [:]

    init() {
        // The record types, one per table of `Sources/Storage/Migrations.swift`.
        var recordTypes: [any MemoryRecord.Type] = [
            Company.self, CompanyDomain.self, AdminAccount.self, AuditEntry.self, Session.self, User.self, Device.self, UserGroup.self,
            GroupMembership.self, Authorization.self, Licence.self, ParameterValue.self, PbxLink.self, DialingPlanSettings.self,
            IntercomGroup.self, PhoneQueue.self, Directory.self, Contact.self, ContactList.self, UserImport.self, CallLogEntry.self,
            UserPresence.self, AlerterTemplateRecord.self, ForwardingRule.self, RuleExecution.self,
            ApiKey.self,
        ]
        recordTypes.append(CorsOrigin.self)
        recordTypes += [CallbackGroup.self, CallbackRequestRow.self] as [any MemoryRecord.Type]
        recordTypes.append(StatisticsHourRow.self)
        func empty<R: MemoryRecord>(_ type: R.Type) -> any ErasedTable { MemoryTable<R>() }
        for type in recordTypes {
            let table = empty(type)
            tables[table.name] = table
        }
    }

    func table<R: MemoryRecord>(_ type: R.Type) -> MemoryTable<R> {
        tables[R.schema.name] as! MemoryTable<R>
    }

    /// Runs `body` on the table of `R`, taken out of the dictionary meanwhile so that its rows are not copied.
    mutating func modify<R: MemoryRecord, T>(_ type: R.Type, _ body: (inout MemoryTable<R>) throws -> T) rethrows -> T {
        var table = tables.removeValue(forKey: R.schema.name) as! MemoryTable<R>
        defer { tables[R.schema.name] = table }
        return try body(&table)
    }

    func contains(table: String, id: Int64) -> Bool {
        tables[table]?.contains(id: id) ?? false
    }

    /// What deleting `ids` of table `parent` does through the foreign keys that name it, row after row down the
    /// references (a company's domains, then their users, then the users' devices…); adds the tables changed to
    /// `touched`.
    mutating func cascade(from parent: String, ids: Set<Int64>, touched: inout Set<String>) {
        guard !ids.isEmpty else { return }
        for name in tables.keys.sorted() {
            guard var table = tables.removeValue(forKey: name) else { continue }
            let (deleted, changed) = table.applyDeletion(of: parent, ids: ids)
            tables[name] = table
            if changed { touched.insert(name) }
            cascade(from: name, ids: deleted, touched: &touched)
        }
    }
}
