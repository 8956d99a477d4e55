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

extension Column {
    /// `column IN (values)` with the list bound as one JSON array: one statement text whatever the list's length, so
    /// the connection's statement cache compiles it once, and no limit on bound variables. The comparison uses the
    /// column's collation, as `IN` does.
    func among<V: Encodable>(_ values: [V]) -> SQLExpression {
        let json = (try? JSONEncoder().encode(values)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        return SQL("\(self) IN (SELECT value FROM json_each(\(json)))").sqlExpression
    }
}
