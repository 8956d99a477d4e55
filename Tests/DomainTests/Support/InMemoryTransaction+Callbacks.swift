import Domain
import Foundation

// Filters and orders as in Storage's GRDBTransaction+CallbackRecords.swift.

extension CallbackGroup: MemoryRecord {
    static let schema = TableSchema<CallbackGroup>(
        name: "callback_group",
        unique: [UniqueKey(["companyId", "name"]) { [.integer($0.companyId), .noCase($0.name)] }],
        references: [.cascade("companyId", to: "company") { $0.companyId }, .cascade("domainId", to: "domain") { $0.domainId }]
    )
}

/// A callback request as a row: the table's key is the request's text id, kept here beside the row id the in-memory
/// tables need.
struct CallbackRequestRow: MemoryRecord {
    var id: Int64?
    var request: CallbackRequest
    static let schema = TableSchema<CallbackRequestRow>(name: "callback_request", unique: [UniqueKey(["id"]) { [.binary($0.request.id)] }])
}

extension InMemoryTransaction: CallbackRecords {
    func callbackGroup(id: Int64) throws -> CallbackGroup? { row(id: id) }

    func callbackGroup(companyId: Int64, name: String) throws -> CallbackGroup? {
        rows(CallbackGroup.self).first { $0.companyId == companyId && SQLiteText.equalNoCase($0.name, name) }
    }

    func callbackGroups(domainId: Int64) throws -> [CallbackGroup] { rows(CallbackGroup.self).filter { $0.domainId == domainId } }
    func callbackGroups(companyId: Int64) throws -> [CallbackGroup] { rows(CallbackGroup.self).filter { $0.companyId == companyId } }

    func callbackGroups(domainId: Int64, _ page: PageRequest) throws -> Page<CallbackGroup> {
        self.page(try callbackGroups(domainId: domainId), page, searching: [{ $0.name }])
    }

    func insert(_ group: CallbackGroup) throws -> CallbackGroup { try inserted(group) }
    func update(_ group: CallbackGroup) throws { try updated(group) }
    func deleteCallbackGroup(id: Int64) throws { _ = try deleted(CallbackGroup.self, id: id) }

    private var requestRows: [CallbackRequestRow] { rows(CallbackRequestRow.self) }

    func callbackRequest(id: String) throws -> CallbackRequest? { requestRows.first { $0.request.id == id }?.request }

    func pendingCallbackRequest(groupId: Int64, number: String, memberId: Int64?) throws -> CallbackRequest? {
        requestRows.map(\.request).filter { $0.groupId == groupId && $0.number == number && $0.memberId == memberId && $0.status.isPending }
            .min { $0.createdAt < $1.createdAt }
    }

    func pendingCallbackRequestCount(groupId: Int64) throws -> Int {
        requestRows.filter { $0.request.groupId == groupId && $0.request.status.isPending }.count
    }

    func pendingCallbackRequests() throws -> [CallbackRequest] {
        requestRows.map(\.request).filter(\.status.isPending).sorted { ($0.dueAt, $0.createdAt) < ($1.dueAt, $1.createdAt) }
    }

    func dueCallbackRequests(at time: Date, limit: Int) throws -> [CallbackRequest] {
        Array(requestRows.map(\.request).filter { $0.status == .scheduled && $0.dueAt <= time }.sorted { $0.dueAt < $1.dueAt }.prefix(limit))
    }

    func nextCallbackDue() throws -> Date? {
        requestRows.map(\.request).filter { $0.status == .scheduled }.map(\.dueAt).min()
    }

    func connectedCallbackRequests() throws -> [CallbackRequest] {
        requestRows.map(\.request).filter { $0.status == .connected }.sorted { $0.createdAt < $1.createdAt }
    }

    func callbackRequests(groupId: Int64, status: CallbackStatus?, _ page: PageRequest) throws -> Page<CallbackRequest> {
        let matching = requestRows.map(\.request).filter { $0.groupId == groupId && (status == nil || $0.status == status) }
            .sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
        return Page(items: Array(matching.dropFirst(page.offset).prefix(page.limit)), total: matching.count, offset: page.offset, limit: page.limit)
    }

    func insert(_ request: CallbackRequest) throws { _ = try inserted(CallbackRequestRow(request: request)) }

    func update(_ request: CallbackRequest) throws {
        guard var row = requestRows.first(where: { $0.request.id == request.id }) else { throw DomainError.notFound("Callback") }
        row.request = request
        try updated(row)
    }

    func deleteFinishedCallbackRequests(before cutoff: Date) throws -> Int {
        let old = requestRows.filter { $0.request.status.isFinished && $0.request.updatedAt < cutoff }
        for row in old { _ = try deleted(CallbackRequestRow.self, id: row.id ?? 0) }
        return old.count
    }
}
