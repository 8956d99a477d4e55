import Domain
import Foundation
import GRDB

/// Wraps any Domain record so GRDB can fetch and persist it through its Codable support;
/// Domain stays free of GRDB types.
struct RecordBox<R: StoredRecord>: FetchableRecord, MutablePersistableRecord, Codable {
    var value: R

    static var databaseTableName: String { R.table }

    init(_ value: R) { self.value = value }
    init(from decoder: any Decoder) throws { value = try R(from: decoder) }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }

    mutating func didInsert(_ inserted: InsertionSuccess) { value.id = inserted.rowID }
}

extension StoreValue: SQLExpressible {
    public var sqlExpression: SQLExpression {
        switch self {
        case .int(let value): value.sqlExpression
        case .text(let value): value.sqlExpression
        case .bool(let value): value.sqlExpression
        case .null: DatabaseValue.null.sqlExpression
        }
    }
}

extension RecordQuery {
    /// The GRDB request for this query, with LIKE patterns escaped so user text matches literally.
    func request<R: StoredRecord>(_ type: R.Type) -> QueryInterfaceRequest<RecordBox<R>> {
        var request = RecordBox<R>.all()
        for filter in filters {
            switch filter {
            case .equals(let column, .null): request = request.filter(Column(column) == nil)
            case .equals(let column, let value): request = request.filter(Column(column) == value)
            case .within(let column, let values): request = request.filter(values.contains(Column(column)))
            case .contains(let columns, let text):
                let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                    .replacingOccurrences(of: "_", with: "\\_")
                let pattern = "%\(escaped)%"
                let any = columns.map { Column($0).like(pattern, escape: "\\") }.joined(operator: .or)
                request = request.filter(any)
            }
        }
        return request.order(orderBy.map { Column($0).collating(.nocase) })
    }
}
