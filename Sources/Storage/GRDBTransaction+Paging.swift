import Domain
import Foundation
import GRDB

extension GRDBTransaction {
    /// One page of `request` (an ordered query) and the total it matches, narrowed by the page's search text: any of
    /// `searching` contains it, case-insensitively (LIKE with `%` and `_` escaped).
    func page<R: StorageRecord>(_ request: QueryInterfaceRequest<R>, _ page: PageRequest, searching columns: [Column]) throws -> Page<R> {
        try translate {
            var request = request
            if let text = page.search, !columns.isEmpty {
                let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                    .replacingOccurrences(of: "_", with: "\\_")
                request = request.filter(columns.map { $0.like("%\(escaped)%", escape: "\\") }.joined(operator: .or))
            }
            let total = try request.fetchCount(db)
            let items = try request.limit(page.limit, offset: page.offset).fetchAll(db)
            return Page(items: items, total: total, offset: page.offset, limit: page.limit)
        }
    }

    /// The records a request selects.
    func all<R: StorageRecord>(_ request: QueryInterfaceRequest<R>) throws -> [R] {
        try translate { try request.fetchAll(db) }
    }

    /// The first record a request selects.
    func first<R: StorageRecord>(_ request: QueryInterfaceRequest<R>) throws -> R? {
        try translate { try request.fetchOne(db) }
    }
}

extension Column {
    /// Sorts as the admin lists always have: letters without regard to case.
    var caseless: SQLOrdering { collating(.nocase).asc }
}

extension GRDBTransaction {
    /// The records an SQL query finds, through the connection's statement cache. GRDB compiles a query-interface
    /// request anew on every call (tens of microseconds of `sqlite3_prepare` for a read of a few); the queries on a
    /// request's or an event's path are written this way instead, their text the same whatever the values.
    func cachedAll<R: FetchableRecord>(_ sql: SQL, as type: R.Type = R.self) throws -> [R] {
        try translate { try R.fetchAll(db, SQLRequest<R>(literal: sql, cached: true)) }
    }

    func cachedOne<R: FetchableRecord>(_ sql: SQL, as type: R.Type = R.self) throws -> R? {
        try translate { try R.fetchOne(db, SQLRequest<R>(literal: sql, cached: true)) }
    }

    /// The values of one column an SQL query selects, through the statement cache.
    func cachedValues<V: DatabaseValueConvertible & StatementColumnConvertible>(_ sql: SQL, as type: V.Type = V.self) throws -> [V] {
        try translate { try V.fetchAll(db, SQLRequest<V>(literal: sql, cached: true)) }
    }
}

/// A list bound as one JSON array, for `IN (SELECT value FROM json_each(?))`: one statement text whatever the list's
/// length, so the connection's statement cache compiles it once, and no limit on bound variables.
enum JSONList {
    static func text(_ values: [Int64]) -> String { "[" + values.map(String.init).joined(separator: ",") + "]" }

    /// Written into one string: a synchronisation writes each contact's field list and a batch's IDs this way.
    static func text(_ values: [String]) -> String {
        guard !values.isEmpty else { return "[]" }
        var out = "["
        for (index, value) in values.enumerated() {
            if index > 0 { out += "," }
            JSONText.appendQuoted(value, to: &out)
        }
        out += "]"
        return out
    }
}

extension Column {
    /// `column IN (values)`, the list bound as one JSON array (`JSONList`). The comparison uses the column's
    /// collation, as `IN` does.
    func among(_ values: [Int64]) -> SQLExpression {
        SQL("\(self) IN (SELECT value FROM json_each(\(JSONList.text(values))))").sqlExpression
    }

    func among(_ values: [String]) -> SQLExpression {
        SQL("\(self) IN (SELECT value FROM json_each(\(JSONList.text(values))))").sqlExpression
    }
}
