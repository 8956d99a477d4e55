import Domain
import Foundation
import GRDB

extension CorsOrigin: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "cors_origin"
    public enum Columns {
        static let id = Column("id")
        static let companyId = Column("companyId")
        static let origin = Column("origin")
    }
}

extension GRDBTransaction: CorsOriginRecords {
    public func corsOrigins(companyId: Int64) throws -> [CorsOrigin] {
        try all(CorsOrigin.filter(CorsOrigin.Columns.companyId == companyId).order(CorsOrigin.Columns.origin, CorsOrigin.Columns.id))
    }

    public func allCorsOrigins() throws -> [CorsOrigin] {
        try all(CorsOrigin.order(CorsOrigin.Columns.id))
    }

    public func replaceCorsOrigins(companyId: Int64, with origins: [String]) throws {
        _ = try translate { try CorsOrigin.filter(CorsOrigin.Columns.companyId == companyId).deleteAll(db) }
        for origin in origins { _ = try inserted(CorsOrigin(companyId: companyId, origin: origin)) }
    }
}
