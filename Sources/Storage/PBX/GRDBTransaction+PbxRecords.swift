import Domain
import GRDB

extension PbxLink: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "pbx_link"
    public enum Columns {
        static let id = Column("id")
        static let domainId = Column("domainId")
        static let host = Column("host")
        static let pbxType = Column("pbxType")
        static let pbxDomain = Column("pbxDomain")
    }
}

extension DialingPlanSettings: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "dialing_plan"
    public enum Columns {
        static let domainId = Column("domainId")
    }
}

extension IntercomGroup: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "intercom_group"
    public enum Columns {
        static let id = Column("id")
        static let companyId = Column("companyId")
        static let domainId = Column("domainId")
        static let name = Column("name")
    }
}

extension PhoneQueue: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "phone_queue"
    public enum Columns {
        static let id = Column("id")
        static let companyId = Column("companyId")
        static let domainId = Column("domainId")
        static let name = Column("name")
    }
}

extension GRDBTransaction: PbxRecords {
    public func pbxLink(id: Int64) throws -> PbxLink? { try record(id: id) }
    public func insert(_ record: PbxLink) throws -> PbxLink { try inserted(record) }
    public func update(_ record: PbxLink) throws { try updated(record) }
    public func deletePbxLink(id: Int64) throws -> Bool { try deleted(PbxLink.self, id: id) }

    public func dialingPlanSettings(id: Int64) throws -> DialingPlanSettings? { try record(id: id) }
    public func insert(_ record: DialingPlanSettings) throws -> DialingPlanSettings { try inserted(record) }
    public func update(_ record: DialingPlanSettings) throws { try updated(record) }
    public func deleteDialingPlanSettings(id: Int64) throws -> Bool { try deleted(DialingPlanSettings.self, id: id) }

    public func intercomGroup(id: Int64) throws -> IntercomGroup? { try record(id: id) }
    public func insert(_ record: IntercomGroup) throws -> IntercomGroup { try inserted(record) }
    public func update(_ record: IntercomGroup) throws { try updated(record) }
    public func deleteIntercomGroup(id: Int64) throws -> Bool { try deleted(IntercomGroup.self, id: id) }

    public func phoneQueue(id: Int64) throws -> PhoneQueue? { try record(id: id) }
    public func insert(_ record: PhoneQueue) throws -> PhoneQueue { try inserted(record) }
    public func update(_ record: PhoneQueue) throws { try updated(record) }
    public func deletePhoneQueue(id: Int64) throws -> Bool { try deleted(PhoneQueue.self, id: id) }

    public func allPbxLinks() throws -> [PbxLink] { try all(PbxLink.order(PbxLink.Columns.id)) }

    public func hasPbxLink(domainId: Int64) throws -> Bool {
        try translate { try PbxLink.filter(PbxLink.Columns.domainId == domainId).isEmpty(db) == false }
    }

    public func pbxLinks(domainId: Int64, _ page: PageRequest) throws -> Page<PbxLink> {
        typealias Columns = PbxLink.Columns
        return try self.page(
            PbxLink.filter(Columns.domainId == domainId).order(Columns.id), page, searching: [Columns.host, Columns.pbxType, Columns.pbxDomain]
        )
    }

    public func dialingPlanSettings(domainId: Int64) throws -> DialingPlanSettings? {
        try first(DialingPlanSettings.filter(DialingPlanSettings.Columns.domainId == domainId))
    }

    public func intercomGroups(domainId: Int64) throws -> [IntercomGroup] {
        typealias Columns = IntercomGroup.Columns
        return try cachedAll("SELECT * FROM \(IntercomGroup.self) WHERE \(Columns.domainId) = \(domainId) ORDER BY \(Columns.id)")
    }

    public func intercomGroups(companyId: Int64) throws -> [IntercomGroup] {
        try all(IntercomGroup.filter(IntercomGroup.Columns.companyId == companyId).order(IntercomGroup.Columns.id))
    }

    public func intercomGroups(domainId: Int64, _ page: PageRequest) throws -> Page<IntercomGroup> {
        typealias Columns = IntercomGroup.Columns
        return try self.page(IntercomGroup.filter(Columns.domainId == domainId).order(Columns.id), page, searching: [Columns.name])
    }

    public func phoneQueues(domainId: Int64) throws -> [PhoneQueue] {
        typealias Columns = PhoneQueue.Columns
        return try cachedAll("SELECT * FROM \(PhoneQueue.self) WHERE \(Columns.domainId) = \(domainId) ORDER BY \(Columns.id)")
    }

    public func phoneQueues(companyId: Int64) throws -> [PhoneQueue] {
        try all(PhoneQueue.filter(PhoneQueue.Columns.companyId == companyId).order(PhoneQueue.Columns.id))
    }

    public func phoneQueues(domainId: Int64, _ page: PageRequest) throws -> Page<PhoneQueue> {
        typealias Columns = PhoneQueue.Columns
        return try self.page(PhoneQueue.filter(Columns.domainId == domainId).order(Columns.id), page, searching: [Columns.name])
    }
}
