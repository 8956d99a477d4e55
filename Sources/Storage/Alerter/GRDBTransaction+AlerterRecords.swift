import Domain
import GRDB

extension AlerterTemplateRecord: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "alerter_template"
    public enum Columns {
        static let id = Column("id")
        static let domainId = Column("domainId")
        static let name = Column("name")
    }
}

extension GRDBTransaction: AlerterRecords {
    public func alerterTemplate(domainId: Int64, name: String) throws -> AlerterTemplateRecord? {
        // The name column is NOCASE: "Default.xml" and "default.xml" are one template.
        try first(AlerterTemplateRecord.filter(AlerterTemplateRecord.Columns.domainId == domainId && AlerterTemplateRecord.Columns.name == name))
    }

    public func alerterTemplates(domainId: Int64) throws -> [AlerterTemplateRecord] {
        try all(AlerterTemplateRecord.filter(AlerterTemplateRecord.Columns.domainId == domainId).order(AlerterTemplateRecord.Columns.name))
    }

    public func insert(_ record: AlerterTemplateRecord) throws -> AlerterTemplateRecord { try inserted(record) }
    public func update(_ record: AlerterTemplateRecord) throws { try updated(record) }
    public func deleteAlerterTemplate(id: Int64) throws -> Bool { try deleted(AlerterTemplateRecord.self, id: id) }
}
