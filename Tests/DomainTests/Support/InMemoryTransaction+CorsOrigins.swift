import Domain
import Foundation

// Filters and orders as in Storage's GRDBTransaction+CorsOriginRecords.swift.
extension InMemoryTransaction: CorsOriginRecords {
    func corsOrigins(companyId: Int64) throws -> [CorsOrigin] {
        rows(CorsOrigin.self).filter { $0.companyId == companyId }.sorted { ($0.origin, $0.id ?? 0) < ($1.origin, $1.id ?? 0) }
    }

    func allCorsOrigins() throws -> [CorsOrigin] {
        rows(CorsOrigin.self).sorted { ($0.id ?? 0) < ($1.id ?? 0) }
    }

    func replaceCorsOrigins(companyId: Int64, with origins: [String]) throws {
        _ = try deleteAll(CorsOrigin.self) { $0.companyId == companyId }
        for origin in origins { _ = try inserted(CorsOrigin(companyId: companyId, origin: origin)) }
    }
}

extension CorsOrigin: MemoryRecord {
    // v14: one row per company and origin; goes with its company.
    static let schema = TableSchema<CorsOrigin>(
        name: "cors_origin",
        unique: [UniqueKey(["companyId", "origin"]) { [.integer($0.companyId), .binary($0.origin)] }],
        references: [.cascade("companyId", to: "company") { $0.companyId }]
    )
}
