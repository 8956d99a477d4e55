/// What a domain's telephony is configured with: PBX links, dialing plan settings, intercom groups and phone queues. Storage implements it; a Domain test may use an in-memory one.
public protocol PbxRecords {
    func pbxLink(id: Int64) throws -> PbxLink?
    /// Inserts and answers the record with its new id.
    func insert(_ record: PbxLink) throws -> PbxLink
    func update(_ record: PbxLink) throws
    /// False when there was nothing to delete.
    @discardableResult func deletePbxLink(id: Int64) throws -> Bool

    func dialingPlanSettings(id: Int64) throws -> DialingPlanSettings?
    /// Inserts and answers the record with its new id.
    func insert(_ record: DialingPlanSettings) throws -> DialingPlanSettings
    func update(_ record: DialingPlanSettings) throws
    /// False when there was nothing to delete.
    @discardableResult func deleteDialingPlanSettings(id: Int64) throws -> Bool

    func intercomGroup(id: Int64) throws -> IntercomGroup?
    /// Inserts and answers the record with its new id.
    func insert(_ record: IntercomGroup) throws -> IntercomGroup
    func update(_ record: IntercomGroup) throws
    /// False when there was nothing to delete.
    @discardableResult func deleteIntercomGroup(id: Int64) throws -> Bool

    func phoneQueue(id: Int64) throws -> PhoneQueue?
    /// Inserts and answers the record with its new id.
    func insert(_ record: PhoneQueue) throws -> PhoneQueue
    func update(_ record: PhoneQueue) throws
    /// False when there was nothing to delete.
    @discardableResult func deletePhoneQueue(id: Int64) throws -> Bool

    /// Every PBX link, in id order (the supervision plan).
    func allPbxLinks() throws -> [PbxLink]
    func hasPbxLink(domainId: Int64) throws -> Bool
    /// A page of a domain's links, searched by host, PBX type and PBX domain.
    func pbxLinks(domainId: Int64, _ page: PageRequest) throws -> Page<PbxLink>
    /// The domain's stored dialing plan settings; nil while none were saved.
    func dialingPlanSettings(domainId: Int64) throws -> DialingPlanSettings?
    /// A domain's intercom groups, in id order.
    func intercomGroups(domainId: Int64) throws -> [IntercomGroup]
    func intercomGroups(companyId: Int64) throws -> [IntercomGroup]
    /// A page of a domain's intercom groups, searched by name.
    func intercomGroups(domainId: Int64, _ page: PageRequest) throws -> Page<IntercomGroup>
    /// A domain's phone queues, in id order.
    func phoneQueues(domainId: Int64) throws -> [PhoneQueue]
    func phoneQueues(companyId: Int64) throws -> [PhoneQueue]
    /// A page of a domain's phone queues, searched by name.
    func phoneQueues(domainId: Int64, _ page: PageRequest) throws -> Page<PhoneQueue>
}
