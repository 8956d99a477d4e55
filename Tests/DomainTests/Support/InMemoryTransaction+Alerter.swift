import Domain

// Filters and orders as in Storage's GRDBTransaction+AlerterRecords.swift.

extension InMemoryTransaction: AlerterRecords {
    func alerterTemplate(domainId: Int64, name: String) throws -> AlerterTemplateRecord? {
        rows(AlerterTemplateRecord.self).first { $0.domainId == domainId && SQLiteText.equalNoCase($0.name, name) }
    }

    func alerterTemplates(domainId: Int64) throws -> [AlerterTemplateRecord] {
        rows(AlerterTemplateRecord.self).filter { $0.domainId == domainId }.sorted { SQLiteText.noCase($0.name).lexicographicallyPrecedes(SQLiteText.noCase($1.name)) }
    }

    func insert(_ record: AlerterTemplateRecord) throws -> AlerterTemplateRecord { try inserted(record) }
    func update(_ record: AlerterTemplateRecord) throws { try updated(record) }
    func deleteAlerterTemplate(id: Int64) throws -> Bool { try deleted(AlerterTemplateRecord.self, id: id) }
}
