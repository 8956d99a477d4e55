import Domain
import Foundation
import GRDB

extension CallbackGroup: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "callback_group"
    public enum Columns {
        static let id = Column("id")
        static let companyId = Column("companyId")
        static let domainId = Column("domainId")
        static let name = Column("name")
    }
}

extension CallbackRequest: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "callback_request"
    public enum Columns {
        static let id = Column("id")
        static let groupId = Column("groupId")
        static let memberId = Column("memberId")
        static let number = Column("number")
        static let status = Column("status")
        static let dueAt = Column("dueAt")
        static let createdAt = Column("createdAt")
        static let updatedAt = Column("updatedAt")
    }

    /// The statuses of a request not finished, as stored.
    static let pendingStatuses = CallbackStatus.allCases.filter(\.isPending).map(\.rawValue)
}

extension GRDBTransaction: CallbackRecords {
    public func callbackGroup(id: Int64) throws -> CallbackGroup? { try record(id: id) }

    public func callbackGroup(companyId: Int64, name: String) throws -> CallbackGroup? {
        // name is COLLATE NOCASE in the schema.
        try CallbackGroup.filter(CallbackGroup.Columns.companyId == companyId && CallbackGroup.Columns.name == name).fetchOne(db)
    }

    public func callbackGroups(domainId: Int64) throws -> [CallbackGroup] {
        try all(CallbackGroup.filter(CallbackGroup.Columns.domainId == domainId).order(CallbackGroup.Columns.id))
    }

    public func callbackGroups(companyId: Int64) throws -> [CallbackGroup] {
        try all(CallbackGroup.filter(CallbackGroup.Columns.companyId == companyId).order(CallbackGroup.Columns.id))
    }

    public func callbackGroups(domainId: Int64, _ request: PageRequest) throws -> Page<CallbackGroup> {
        try page(
            CallbackGroup.filter(CallbackGroup.Columns.domainId == domainId).order(CallbackGroup.Columns.name, CallbackGroup.Columns.id),
            request,
            searching: [CallbackGroup.Columns.name]
        )
    }

    public func insert(_ group: CallbackGroup) throws -> CallbackGroup { try inserted(group) }
    public func update(_ group: CallbackGroup) throws { try updated(group) }
    public func deleteCallbackGroup(id: Int64) throws { _ = try deleted(CallbackGroup.self, id: id) }

    public func callbackRequest(id: String) throws -> CallbackRequest? {
        try CallbackRequest.filter(CallbackRequest.Columns.id == id).fetchOne(db)
    }

    public func pendingCallbackRequest(groupId: Int64, number: String, memberId: Int64?) throws -> CallbackRequest? {
        typealias Columns = CallbackRequest.Columns
        return try CallbackRequest.filter(
            Columns.groupId == groupId && Columns.number == number && Columns.memberId == memberId
                && CallbackRequest.pendingStatuses.contains(Columns.status)
        ).order(Columns.createdAt).fetchOne(db)
    }

    public func pendingCallbackRequestCount(groupId: Int64) throws -> Int {
        typealias Columns = CallbackRequest.Columns
        return try CallbackRequest.filter(Columns.groupId == groupId && CallbackRequest.pendingStatuses.contains(Columns.status)).fetchCount(db)
    }

    public func pendingCallbackRequests() throws -> [CallbackRequest] {
        typealias Columns = CallbackRequest.Columns
        return try CallbackRequest.filter(CallbackRequest.pendingStatuses.contains(Columns.status)).order(Columns.dueAt, Columns.createdAt).fetchAll(db)
    }

    public func dueCallbackRequests(at time: Date, limit: Int) throws -> [CallbackRequest] {
        typealias Columns = CallbackRequest.Columns
        // Through callback_request_status (status, dueAt).
        return try CallbackRequest.filter(Columns.status == CallbackStatus.scheduled.rawValue && Columns.dueAt <= time)
            .order(Columns.dueAt).limit(limit).fetchAll(db)
    }

    public func nextCallbackDue() throws -> Date? {
        typealias Columns = CallbackRequest.Columns
        return try Date.fetchOne(db, CallbackRequest.filter(Columns.status == CallbackStatus.scheduled.rawValue).select(min(Columns.dueAt)))
    }

    public func connectedCallbackRequests() throws -> [CallbackRequest] {
        typealias Columns = CallbackRequest.Columns
        return try CallbackRequest.filter(Columns.status == CallbackStatus.connected.rawValue).order(Columns.createdAt).fetchAll(db)
    }

    public func callbackRequests(groupId: Int64, status: CallbackStatus?, _ request: PageRequest) throws -> Page<CallbackRequest> {
        typealias Columns = CallbackRequest.Columns
        var query = CallbackRequest.filter(Columns.groupId == groupId)
        if let status { query = query.filter(Columns.status == status.rawValue) }
        let total = try query.fetchCount(db)
        let items = try query.order(Columns.createdAt.desc, Columns.id.desc).limit(request.limit, offset: request.offset).fetchAll(db)
        return Page(items: items, total: total, offset: request.offset, limit: request.limit)
    }

    public func insert(_ request: CallbackRequest) throws { try translate { try request.insert(db) } }
    public func update(_ request: CallbackRequest) throws { try translate { try request.update(db) } }

    public func deleteFinishedCallbackRequests(before cutoff: Date) throws -> Int {
        typealias Columns = CallbackRequest.Columns
        let finished = CallbackStatus.allCases.filter(\.isFinished).map(\.rawValue)
        return try CallbackRequest.filter(finished.contains(Columns.status) && Columns.updatedAt < cutoff).deleteAll(db)
    }
}
