/// What the Alerter needs stored: each domain's card templates by name (ASCII case-insensitive, unique per domain).
/// Storage implements it; Domain tests use an in-memory one.
public protocol AlerterRecords {
    func alerterTemplate(domainId: Int64, name: String) throws -> AlerterTemplateRecord?
    /// A domain's templates by name.
    func alerterTemplates(domainId: Int64) throws -> [AlerterTemplateRecord]
    func insert(_ record: AlerterTemplateRecord) throws -> AlerterTemplateRecord
    func update(_ record: AlerterTemplateRecord) throws
    @discardableResult func deleteAlerterTemplate(id: Int64) throws -> Bool
}
