import API
import Auth
import Domain
import Foundation

/// Converts between enums of the contract and of Domain, which share raw values by design.
func convert<From: RawRepresentable, To: RawRepresentable>(_ value: From, field: String) throws -> To
where From.RawValue == String, To.RawValue == String {
    guard let converted = To(rawValue: value.rawValue) else { throw DomainError.invalid(field: field, "Unsupported value \(value.rawValue)") }
    return converted
}

func convert<From: RawRepresentable, To: RawRepresentable>(_ value: From?, field: String) throws -> To?
where From.RawValue == String, To.RawValue == String {
    try value.map { try convert($0, field: field) }
}

/// A Domain page in the contract's page shape: `makePage` is the generated page type's initialiser.
func wirePage<Item, WireItem, WirePage>(
    _ page: Page<Item>,
    _ makePage: ([WireItem], Int32, Int32, Int32) -> WirePage,
    _ convert: (Item) throws -> WireItem
) rethrows -> WirePage {
    makePage(try page.items.map(convert), Int32(page.total), Int32(page.offset), Int32(page.limit))
}

extension PageRequest {
    init(offset: Int32?, limit: Int32?, q: String?) throws {
        try self.init(offset: offset.map(Int.init), limit: limit.map(Int.init), search: q)
    }
}

extension Components.Schemas.Company {
    init(_ c: Company) { self.init(id: c.id ?? 0, name: c.name) }
}

extension Components.Schemas.Domain {
    init(_ d: CompanyDomain) {
        self.init(id: d.id ?? 0, companyId: d.companyId, name: d.name, numberingPlanLength: Int32(d.numberingPlanLength), timeZone: d.timeZone)
    }
}

extension Components.Schemas.AdminAccount {
    init(_ a: AdminAccount) {
        self.init(id: a.id ?? 0, username: a.username, superUser: a.superUser, companyIds: a.companyIds, mustChangePassword: a.mustChangePassword)
    }
}

extension Components.Schemas.LoginResponse {
    init(_ result: LoginResult) {
        self.init(
            token: result.token,
            expiresAt: result.expiresAt,
            userId: result.userId,
            method: result.method.rawValue,
            methods: result.methods.map(\.rawValue)
        )
    }
}

extension Components.Schemas.AuditEntry {
    init(_ e: AuditEntry) throws {
        self.init(
            id: e.id ?? 0,
            time: e.time,
            kind: try convert(e.kind, field: "kind"),
            companyId: e.companyId,
            userId: e.userId,
            username: e.username,
            method: e.method,
            clientAddress: e.clientAddress,
            detail: e.detail
        )
    }
}

extension Components.Schemas.Device {
    init(_ d: Device) throws {
        self.init(
            id: d.id ?? 0,
            userId: d.userId,
            domainId: d.domainId,
            number: d.number,
            _protocol: try convert(d.pbxProtocol, field: "protocol"),
            lineCount: Int32(d.lineCount),
            video: d.video,
            hasPassword: d.password != nil
        )
    }
}

extension DeviceChanges {
    init(_ input: Components.Schemas.DeviceInput) throws {
        self.init(
            number: input.number,
            pbxProtocol: try convert(input._protocol, field: "protocol"),
            lineCount: input.lineCount.map(Int.init),
            video: input.video,
            password: input.password
        )
    }
}

extension Components.Schemas.User {
    init(_ u: User, devices: [Device]? = nil) throws {
        self.init(
            id: u.id ?? 0,
            companyId: u.companyId,
            domainId: u.domainId,
            username: u.username,
            firstName: u.firstName,
            lastName: u.lastName,
            email: u.email,
            mobile: u.mobile,
            enabled: u.enabled,
            culture: u.culture,
            hasPassword: u.passwordHash != nil,
            hasVoicemailPassword: u.voicemailPassword != nil,
            privateFields: u.privateFields,
            devices: try devices?.map(Components.Schemas.Device.init)
        )
    }
}

extension UserChanges {
    init(_ input: Components.Schemas.UserInput) {
        self.init(
            username: input.username,
            firstName: input.firstName,
            lastName: input.lastName,
            email: input.email,
            mobile: input.mobile,
            enabled: input.enabled,
            password: input.password,
            culture: input.culture,
            voicemailPassword: input.voicemailPassword,
            privateFields: input.privateFields
        )
    }
}

extension Components.Schemas.Group {
    init(_ g: UserGroup) { self.init(id: g.id ?? 0, companyId: g.companyId, domainId: g.domainId, name: g.name) }
}

extension Components.Schemas.Authorization {
    init(_ a: Authorization) throws {
        self.init(
            id: a.id ?? 0,
            companyId: a.companyId,
            objectType: try convert(a.objectType, field: "objectType"),
            application: try convert(a.application, field: "application"),
            objectId: a.objectId,
            objectKind: try convert(a.objectKind, field: "objectKind"),
            granteeType: try convert(a.granteeType, field: "granteeType"),
            granteeId: a.granteeId
        )
    }
}

extension Components.Schemas.Licence {
    init(_ l: LicenceUsage) throws {
        self.init(
            application: try convert(l.application, field: "application"),
            name: l.application.displayName,
            available: Int32(l.available),
            used: Int32(l.used),
            free: Int32(l.free)
        )
    }
}

extension Components.Schemas.ParameterDefinition {
    init(_ d: ParameterDefinition) throws {
        self.init(
            application: try convert(d.application, field: "application"),
            name: d.name,
            defaultValue: d.defaultValue,
            _type: try convert(KindName(rawValue: d.kind.name), field: "type"),
            choices: d.kind.choices,
            expert: d.expert,
            description: d.summary
        )
    }
}

/// The `type` names of parameter kinds, as a raw-representable for `convert`.
struct KindName: RawRepresentable { var rawValue: String }

extension Components.Schemas.ParameterValue {
    init(_ v: ParameterValue) throws {
        self.init(
            id: v.id ?? 0,
            scope: try convert(v.scope, field: "scope"),
            scopeId: v.scopeId,
            application: try convert(v.application, field: "application"),
            name: v.name,
            value: v.value
        )
    }
}

extension Components.Schemas.ResolvedParameter {
    init(_ p: ResolvedParameter) throws {
        self.init(
            application: try convert(p.application, field: "application"),
            name: p.name,
            value: p.value,
            source: try convert(p.source, field: "source"),
            groupId: p.groupId,
            expert: p.expert
        )
    }
}

extension Components.Schemas.PbxLink {
    init(_ l: PbxLink) {
        self.init(
            id: l.id ?? 0,
            domainId: l.domainId,
            host: l.host,
            port: Int32(l.port),
            capacity: Int32(l.capacity),
            pbxType: l.pbxType,
            pbxDomain: l.pbxDomain,
            username: l.username,
            hasPassword: l.password != nil
        )
    }
}

extension PbxLink {
    /// A link from the request body; company and domain are set by Domain from the path.
    init(_ input: Components.Schemas.PbxLinkInput) {
        self.init(
            companyId: 0,
            domainId: 0,
            host: input.host,
            port: Int(input.port),
            capacity: Int(input.capacity),
            pbxType: input.pbxType,
            pbxDomain: input.pbxDomain ?? "",
            username: input.username ?? "",
            password: input.password
        )
    }
}

extension Components.Schemas.DeviceRange {
    init(_ r: SupervisedDeviceRange) throws {
        self.init(
            number: r.number,
            lines: Int32(r.lines),
            _protocol: try convert(r.pbxProtocol, field: "protocol"),
            mediaProtocol: try convert(r.mediaProtocol, field: "mediaProtocol"),
            duplicateX: Int32(r.duplicateX),
            numbers: r.numbers,
            hasPassword: r.password != nil
        )
    }
}

extension SupervisedDeviceRange {
    init(_ input: Components.Schemas.DeviceRangeInput) throws {
        self.init(
            number: input.number,
            lines: Int(input.lines ?? 1),
            pbxProtocol: try convert(input._protocol, field: "protocol") ?? .csta,
            mediaProtocol: try convert(input.mediaProtocol, field: "mediaProtocol") ?? MediaProtocol.none,
            duplicateX: Int(input.duplicateX ?? 1),
            password: input.password
        )
    }
}

extension Components.Schemas.IntercomGroup {
    init(_ g: IntercomGroup) throws {
        self.init(id: g.id ?? 0, domainId: g.domainId, name: g.name, devices: try g.devices.map(Components.Schemas.DeviceRange.init))
    }
}

extension IntercomGroup {
    init(_ input: Components.Schemas.IntercomGroupInput) throws {
        self.init(companyId: 0, domainId: 0, name: input.name, devices: try input.devices.map(SupervisedDeviceRange.init))
    }
}

extension Components.Schemas.PhoneQueue {
    init(_ q: PhoneQueue) throws {
        self.init(
            id: q.id ?? 0,
            domainId: q.domainId,
            name: q.name,
            device: try .init(q.device),
            alertWaitingCalls: q.alertWaitingCalls.map { Int32(clamping: $0) },
            alertLongestWaitSeconds: q.alertLongestWaitSeconds.map { Int32(clamping: $0) }
        )
    }
}

extension PhoneQueue {
    init(_ input: Components.Schemas.PhoneQueueInput) throws {
        self.init(
            companyId: 0,
            domainId: 0,
            name: input.name,
            device: try SupervisedDeviceRange(input.device),
            alertWaitingCalls: input.alertWaitingCalls.map(Int.init),
            alertLongestWaitSeconds: input.alertLongestWaitSeconds.map(Int.init)
        )
    }
}

extension Components.Schemas.DialingPlanSettings {
    init(_ s: DialingPlanSettings) {
        self.init(
            internationalPrefix: s.internationalPrefix,
            localCountryPrefix: s.localCountryPrefix,
            externalPrefix: s.externalPrefix,
            add: s.add,
            remove: Int32(s.remove),
            internalLength: Int32(s.internalLength),
            internalReverseLength: Int32(s.internalReverseLength),
            rules: s.rules?.map(Components.Schemas.DialingRule.init)
        )
    }
}

extension DialingPlanSettings {
    init(_ s: Components.Schemas.DialingPlanSettings) {
        self.init(
            companyId: 0,
            domainId: 0,
            internationalPrefix: s.internationalPrefix,
            localCountryPrefix: s.localCountryPrefix,
            externalPrefix: s.externalPrefix,
            add: s.add,
            remove: Int(s.remove),
            internalLength: Int(s.internalLength),
            internalReverseLength: Int(s.internalReverseLength),
            rules: s.rules?.map(DialingRule.init)
        )
    }
}
