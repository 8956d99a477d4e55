import Domain

// Filters and orders as in Storage's GRDBTransaction+PbxRecords.swift, +TelephonyRecords.swift and
// +UserImportRecords.swift.

extension InMemoryTransaction: PbxRecords {
    func pbxLink(id: Int64) throws -> PbxLink? { row(id: id) }
    func insert(_ record: PbxLink) throws -> PbxLink { try inserted(record) }
    func update(_ record: PbxLink) throws { try updated(record) }
    func deletePbxLink(id: Int64) throws -> Bool { try deleted(PbxLink.self, id: id) }

    func dialingPlanSettings(id: Int64) throws -> DialingPlanSettings? { row(id: id) }
    func insert(_ record: DialingPlanSettings) throws -> DialingPlanSettings { try inserted(record) }
    func update(_ record: DialingPlanSettings) throws { try updated(record) }
    func deleteDialingPlanSettings(id: Int64) throws -> Bool { try deleted(DialingPlanSettings.self, id: id) }

    func intercomGroup(id: Int64) throws -> IntercomGroup? { row(id: id) }
    func insert(_ record: IntercomGroup) throws -> IntercomGroup { try inserted(record) }
    func update(_ record: IntercomGroup) throws { try updated(record) }
    func deleteIntercomGroup(id: Int64) throws -> Bool { try deleted(IntercomGroup.self, id: id) }

    func phoneQueue(id: Int64) throws -> PhoneQueue? { row(id: id) }
    func insert(_ record: PhoneQueue) throws -> PhoneQueue { try inserted(record) }
    func update(_ record: PhoneQueue) throws { try updated(record) }
    func deletePhoneQueue(id: Int64) throws -> Bool { try deleted(PhoneQueue.self, id: id) }

    func allPbxLinks() throws -> [PbxLink] { rows() }

    func hasPbxLink(domainId: Int64) throws -> Bool { rows(PbxLink.self).contains { $0.domainId == domainId } }

    func pbxLinks(domainId: Int64, _ page: PageRequest) throws -> Page<PbxLink> {
        self.page(rows(PbxLink.self).filter { $0.domainId == domainId }, page, searching: [{ $0.host }, { $0.pbxType }, { $0.pbxDomain }])
    }

    func dialingPlanSettings(domainId: Int64) throws -> DialingPlanSettings? {
        rows(DialingPlanSettings.self).first { $0.domainId == domainId }
    }

    func intercomGroups(domainId: Int64) throws -> [IntercomGroup] { rows(IntercomGroup.self).filter { $0.domainId == domainId } }

    func intercomGroups(companyId: Int64) throws -> [IntercomGroup] { rows(IntercomGroup.self).filter { $0.companyId == companyId } }

    func intercomGroups(domainId: Int64, _ page: PageRequest) throws -> Page<IntercomGroup> {
        self.page(try intercomGroups(domainId: domainId), page, searching: [{ $0.name }])
    }

    func phoneQueues(domainId: Int64) throws -> [PhoneQueue] { rows(PhoneQueue.self).filter { $0.domainId == domainId } }

    func phoneQueues(companyId: Int64) throws -> [PhoneQueue] { rows(PhoneQueue.self).filter { $0.companyId == companyId } }

    func phoneQueues(domainId: Int64, _ page: PageRequest) throws -> Page<PhoneQueue> {
        self.page(try phoneQueues(domainId: domainId), page, searching: [{ $0.name }])
    }
}

extension InMemoryTransaction: TelephonyRecords {
    func callLogEntry(id: Int64) throws -> CallLogEntry? { row(id: id) }
    func insert(_ record: CallLogEntry) throws -> CallLogEntry { try inserted(record) }
    func update(_ record: CallLogEntry) throws { try updated(record) }
    func deleteCallLogEntry(id: Int64) throws -> Bool { try deleted(CallLogEntry.self, id: id) }

    func userPresence(id: Int64) throws -> UserPresence? { row(id: id) }
    func insert(_ record: UserPresence) throws -> UserPresence { try inserted(record) }
    func update(_ record: UserPresence) throws { try updated(record) }
    func deleteUserPresence(id: Int64) throws -> Bool { try deleted(UserPresence.self, id: id) }

    func callLog(userId: Int64, kind: CallLogKind?, _ page: PageRequest) throws -> Page<CallLogEntry> {
        let lines = rows(CallLogEntry.self).filter { line in line.userId == userId && (kind.map { line.kind == $0 } ?? true) }
        return self.page(lines.ordered(by: [.newestFirst { $0.startedAt }, .idDescending]), page, searching: [{ $0.peerNumber }, { $0.device }])
    }

    func callLogEntries(domainId: Int64) throws -> [CallLogEntry] {
        rows(CallLogEntry.self).filter { $0.domainId == domainId }.ordered(by: [.newestFirst { $0.startedAt }, .idDescending])
    }

    func userPresence(userId: Int64) throws -> UserPresence? { rows(UserPresence.self).first { $0.userId == userId } }

    func userPresences(domainId: Int64) throws -> [UserPresence] { rows(UserPresence.self).filter { $0.domainId == domainId } }
}

extension InMemoryTransaction: UserImportRecords {
    func userImport(id: Int64) throws -> UserImport? { row(id: id) }
    func insert(_ record: UserImport) throws -> UserImport { try inserted(record) }
    func update(_ record: UserImport) throws { try updated(record) }
    func deleteUserImport(id: Int64) throws -> Bool { try deleted(UserImport.self, id: id) }

    func userImports(domainId: Int64) throws -> [UserImport] {
        rows(UserImport.self).filter { $0.domainId == domainId }.ordered(by: [.caseless { $0.name }, .id])
    }
}
