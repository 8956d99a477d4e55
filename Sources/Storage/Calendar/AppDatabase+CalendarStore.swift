import Domain
import Foundation
import GRDB

/// Domains' calendar connections (issue 21): table `calendar_connection`, one row per domain.
extension AppDatabase: CalendarStore {
    public func calendarConnection(domainId: Int64) async throws -> CalendarConnection? {
        try readDatabase { db in try CalendarConnectionRow.filter(CalendarConnectionRow.Columns.domainId == domainId).fetchOne(db)?.connection }
    }

    public func calendarConnections() async throws -> [CalendarConnection] {
        try readDatabase { db in try CalendarConnectionRow.order(CalendarConnectionRow.Columns.domainId).fetchAll(db).map(\.connection) }
    }

    public func saveCalendarConnection(_ connection: CalendarConnection) async throws -> CalendarConnection {
        try await writer.write { db in
            var row = CalendarConnectionRow(connection)
            // One per domain: the stored row of the domain is the one replaced, whatever id the caller had.
            row.id = try CalendarConnectionRow.filter(CalendarConnectionRow.Columns.domainId == connection.domainId).fetchOne(db)?.id
            try GRDBTransaction(db: db).translate {
                if row.id == nil { try row.insert(db) } else { try row.update(db) }
            }
            return row.connection
        }
    }

    public func deleteCalendarConnection(domainId: Int64) async throws -> Bool {
        try await writer.write { db in
            try CalendarConnectionRow.filter(CalendarConnectionRow.Columns.domainId == domainId).deleteAll(db) > 0
        }
    }
}

struct CalendarConnectionRow: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "calendar_connection"

    enum Columns {
        static let domainId = Column(CodingKeys.domainId)
    }

    var id: Int64?
    var companyId: Int64
    var domainId: Int64
    var serverURL: String
    var username: String
    var password: String
    var calendarURLTemplate: String
    var refreshSeconds: Int
    var timeZone: String
    var enabled: Bool
    var updatedAt: Date

    init(_ c: CalendarConnection) {
        (id, companyId, domainId, serverURL, username, password) = (c.id, c.companyId, c.domainId, c.serverURL, c.username, c.password)
        (calendarURLTemplate, refreshSeconds, timeZone, enabled, updatedAt) = (c.calendarURLTemplate, c.refreshSeconds, c.timeZone, c.enabled, c.updatedAt)
    }

    var connection: CalendarConnection {
        CalendarConnection(
            id: id,
            companyId: companyId,
            domainId: domainId,
            serverURL: serverURL,
            username: username,
            password: password,
            calendarURLTemplate: calendarURLTemplate,
            refreshSeconds: refreshSeconds,
            timeZone: timeZone,
            enabled: enabled,
            updatedAt: updatedAt
        )
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
