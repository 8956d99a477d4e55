/// What a user may see and do with other people's devices (admin guide 9.1.2 intercom groups, 9.1.7 boss/secretary).
public struct TelephonyVisibility: Sendable, Equatable {
    /// The user's own device numbers.
    public var own: Set<String>
    /// Devices whose presence and call events the user receives (own ones included).
    public var visible: Set<String>
    /// Devices of the intercom groups the user is authorised to: the only ones a call may be picked up from.
    public var intercom: Set<String>
    /// `AuthorizeInterception`: whether the user may pick up calls ringing at intercom devices.
    public var mayIntercept: Bool
    /// The bosses' devices the user sees as their secretary only (`AuthorizeSupervisionInformation`, not their own nor
    /// revealed otherwise): their call events reach the user as the secretaries' copy (`PushAudience.secretaries`),
    /// whose callers are named through `SupervisionInformationGroup`.
    public var bosses: Set<String>

    public init(own: Set<String>, visible: Set<String>, intercom: Set<String>, mayIntercept: Bool, bosses: Set<String> = []) {
        self.own = own
        self.visible = visible
        self.intercom = intercom
        self.mayIntercept = mayIntercept
        self.bosses = bosses
    }

    /// Reads the user's rights and parameters in one transaction.
    ///
    /// - Intercom groups and phone queues authorised to the user or one of their groups reveal their devices
    ///   (unless `AuthorizedPhoneSupervisionPresences` is off for the user).
    /// - `AuthorizeSupervisionInformation` names a user group of the company (the bosses): its members' devices become
    ///   visible too, so the secretary sees their calls, presence and forwarding (admin guide 9.1.7).
    ///   `AuthorizeShareRulesGroup` reveals no device: its holders see only the bosses' first active rule, through the
    ///   shared-rules endpoint.
    public static func of(userId: Int64, _ tx: any StoreTransaction) throws -> TelephonyVisibility {
        guard let user = try tx.user(id: userId) else { throw DomainError.unauthenticated }
        let own = try ownDevices(userId: userId, tx)
        let groupIds = Set(try tx.groupIds(ofUser: userId))
        let parameters = try ParameterResolver().resolve(ParameterCatalogue.all.filter { $0.application == .caller }, for: user, in: tx)
        func parameter(_ name: String) -> String { parameters.first { $0.name == name }?.value ?? "" }

        let grants = try tx.authorizations(companyId: user.companyId, objectTypes: [.intercomGroup, .phoneQueue]).filter { ($0.granteeType == .user && $0.granteeId == userId) || ($0.granteeType == .group && groupIds.contains($0.granteeId)) }
        let intercomIds = grants.filter { $0.objectType == .intercomGroup }.compactMap(\.objectId)
        let queueIds = grants.filter { $0.objectType == .phoneQueue }.compactMap(\.objectId)
        var intercom = Set<String>()
        for group in try tx.intercomGroups(companyId: user.companyId) where intercomIds.contains(group.id ?? -1) {
            for range in group.devices { intercom.formUnion(range.numbers) }
        }
        var queues = Set<String>()
        for queue in try tx.phoneQueues(companyId: user.companyId) where queueIds.contains(queue.id ?? -1) {
            queues.formUnion(queue.device.numbers)
        }
        var bosses = Set<String>()
        let bossGroup = parameter("AuthorizeSupervisionInformation")
        if !bossGroup.isEmpty && bossGroup != "false" {
            let groups = try tx.groups(companyId: user.companyId, named: bossGroup)
            let members = try tx.memberIds(ofGroups: groups.compactMap(\.id))
            bosses.formUnion(try tx.devices(userIds: members).map(\.number))
        }
        let seesColleagues = parameter("AuthorizedPhoneSupervisionPresences") != "false"
        let revealed = own.union(seesColleagues ? intercom.union(queues) : [])
        let visible = revealed.union(bosses)
        return TelephonyVisibility(
            own: own,
            visible: visible,
            intercom: intercom,
            mayIntercept: parameter("AuthorizeInterception") == "true",
            bosses: bosses.subtracting(revealed)
        )
    }

    /// The user's own device numbers: all call control needs, without the rights and parameters `of` reads.
    public static func ownDevices(userId: Int64, _ tx: any StoreTransaction) throws -> Set<String> {
        Set(try tx.devices(userId: userId).map(\.number))
    }
}
