/// A configuration record owned by one domain (PBX links, intercom groups, phone queues), managed
/// through the same generic list/create/replace/delete operations.
public protocol DomainConfigRecord: CompanyScoped {
    static var displayName: String { get }
    var id: Int64? { get set }
    var companyId: Int64 { get set }
    var domainId: Int64 { get set }
    /// Checks and normalises the fields a client sent.
    func validated() throws(DomainError) -> Self
    /// Keeps write-only secrets the client did not resend on replace.
    mutating func keepSecrets(from stored: Self)
    /// The stored record with this id, if any.
    static func stored(id: Int64, in records: any PbxRecords) throws -> Self?
    /// A page of a domain's records, narrowed by the request's search text.
    static func page(domainId: Int64, _ request: PageRequest, in records: any PbxRecords) throws -> Page<Self>
    func inserted(into records: any PbxRecords) throws -> Self
    func update(in records: any PbxRecords) throws
    static func delete(id: Int64, from records: any PbxRecords) throws
}

extension DomainConfigRecord {
    public mutating func keepSecrets(from stored: Self) {}
}

extension SupervisedDeviceRange {
    func validated(field: String) throws(DomainError) -> SupervisedDeviceRange {
        var range = self
        range.number = try Check.number(number, field: "\(field).number")
        try Check.range(lines, 1...64, field: "\(field).lines")
        try Check.range(duplicateX, 1...1000, field: "\(field).duplicateX")
        // Contract: duplicateX above 1 needs a number of 1 to 18 digits (one that counts up without overflowing).
        if duplicateX > 1 && !(range.number.unicodeScalars.count <= 18 && range.number.unicodeScalars.allSatisfy(\.isASCIIDigit)) {
            throw .invalid(field: "\(field).duplicateX", "Only a plain number of up to 18 digits can be duplicated")
        }
        if let password { range.password = password.isEmpty ? nil : try Check.text(password, field: "\(field).password", max: 64) }
        return range
    }
}

extension PbxLink: DomainConfigRecord {
    public static let displayName = "PBX link"
    public static func stored(id: Int64, in records: any PbxRecords) throws -> PbxLink? { try records.pbxLink(id: id) }
    public static func page(domainId: Int64, _ request: PageRequest, in records: any PbxRecords) throws -> Page<PbxLink> {
        try records.pbxLinks(domainId: domainId, request)
    }
    public func inserted(into records: any PbxRecords) throws -> PbxLink { try records.insert(self) }
    public func update(in records: any PbxRecords) throws { try records.update(self) }
    public static func delete(id: Int64, from records: any PbxRecords) throws { try records.deletePbxLink(id: id) }
    public func validated() throws(DomainError) -> PbxLink {
        var link = self
        _ = try Check.name(host, field: "host", max: 255)
        link.host = try NetworkHost.check(host, field: "host")
        try Check.range(port, 1...65535, field: "port")
        try Check.range(capacity, 1...100_000, field: "capacity")
        link.pbxType = try Check.name(pbxType, field: "pbxType", max: 64)
        link.pbxDomain = try Check.text(pbxDomain, field: "pbxDomain")
        link.username = try Check.text(username, field: "username", max: 128)
        if let password { link.password = password.isEmpty ? nil : try Check.text(password, field: "password", max: 128) }
        return link
    }
    public mutating func keepSecrets(from stored: PbxLink) { if password == nil { password = stored.password } }
}

extension IntercomGroup: DomainConfigRecord {
    public static let displayName = "Intercom group"
    public static func stored(id: Int64, in records: any PbxRecords) throws -> IntercomGroup? { try records.intercomGroup(id: id) }
    public static func page(domainId: Int64, _ request: PageRequest, in records: any PbxRecords) throws -> Page<IntercomGroup> {
        try records.intercomGroups(domainId: domainId, request)
    }
    public func inserted(into records: any PbxRecords) throws -> IntercomGroup { try records.insert(self) }
    public func update(in records: any PbxRecords) throws { try records.update(self) }
    public static func delete(id: Int64, from records: any PbxRecords) throws { try records.deleteIntercomGroup(id: id) }
    public func validated() throws(DomainError) -> IntercomGroup {
        var group = self
        group.name = try Check.name(name, field: "name")
        guard devices.count <= 200 else { throw .invalid(field: "devices", "At most 200 device ranges") }
        group.devices = try devices.enumerated().map { index, range throws(DomainError) in try range.validated(field: "devices[\(index)]") }
        return group
    }
    public mutating func keepSecrets(from stored: IntercomGroup) {
        for index in devices.indices where devices[index].password == nil {
            devices[index].password = stored.devices.first { $0.number == devices[index].number }?.password
        }
    }
}

extension PhoneQueue: DomainConfigRecord {
    public static let displayName = "Phone queue"
    public static func stored(id: Int64, in records: any PbxRecords) throws -> PhoneQueue? { try records.phoneQueue(id: id) }
    public static func page(domainId: Int64, _ request: PageRequest, in records: any PbxRecords) throws -> Page<PhoneQueue> {
        try records.phoneQueues(domainId: domainId, request)
    }
    public func inserted(into records: any PbxRecords) throws -> PhoneQueue { try records.insert(self) }
    public func update(in records: any PbxRecords) throws { try records.update(self) }
    public static func delete(id: Int64, from records: any PbxRecords) throws { try records.deletePhoneQueue(id: id) }
    public func validated() throws(DomainError) -> PhoneQueue {
        var queue = self
        queue.name = try Check.name(name, field: "name")
        queue.device = try device.validated(field: "device")
        // The contract's bounds: a threshold of 0 would raise an alert on an empty queue.
        if let calls = alertWaitingCalls { try Check.range(calls, 1...10_000, field: "alertWaitingCalls") }
        if let seconds = alertLongestWaitSeconds { try Check.range(seconds, 1...86_400, field: "alertLongestWaitSeconds") }
        return queue
    }
    public mutating func keepSecrets(from stored: PhoneQueue) { if device.password == nil { device.password = stored.device.password } }
}

// MARK: - Generic operations

extension AdminService {
    public func list<R: DomainConfigRecord>(_ admin: AdminPrincipal, _ type: R.Type, domainId: Int64, _ page: PageRequest) async throws -> Page<R> {
        try admin.requireReady()
        return try await store.read { tx in
            _ = try admin.visible(tx.domain(id: domainId), "Domain")
            return try R.page(domainId: domainId, page, in: tx)
        }
    }

    public func get<R: DomainConfigRecord>(_ admin: AdminPrincipal, _ type: R.Type, id: Int64) async throws -> R {
        try admin.requireReady()
        return try await store.read { tx in try admin.visible(R.stored(id: id, in: tx), R.displayName) }
    }

    /// Creates a record in a domain; the company and domain come from the path, never from the body.
    public func create<R: DomainConfigRecord>(_ admin: AdminPrincipal, domainId: Int64, _ record: R) async throws -> R {
        try admin.requireReady()
        let validated = try record.validated()
        return try await store.write { tx in
            var record = validated
            let domain = try admin.visible(tx.domain(id: domainId), "Domain")
            record.id = nil
            record.companyId = domain.companyId
            record.domainId = domainId
            return try record.inserted(into: tx)
        }
    }

    /// Replaces a record's fields, keeping its identity, domain and unsent secrets.
    public func replace<R: DomainConfigRecord>(_ admin: AdminPrincipal, id: Int64, _ record: R) async throws -> R {
        try admin.requireReady()
        let validated = try record.validated()
        return try await store.write { tx in
            var record = validated
            let stored = try admin.visible(R.stored(id: id, in: tx), R.displayName)
            record.id = id
            record.companyId = stored.companyId
            record.domainId = stored.domainId
            record.keepSecrets(from: stored)
            try record.update(in: tx)
            return record
        }
    }

    public func delete<R: DomainConfigRecord>(_ admin: AdminPrincipal, _ type: R.Type, id: Int64) async throws {
        try admin.requireReady()
        try await store.write { tx in
            let stored = try admin.visible(R.stored(id: id, in: tx), R.displayName)
            try R.delete(id: id, from: tx)
            try tx.pruneDangling(companyId: stored.companyId)
        }
    }

    // MARK: Dialing plan (admin guide 5)

    /// The domain's plan with the rules in force: the standard rules (admin guide 5.1) while none were stored, so an
    /// administrator reads what dialling uses and can send it back with a rule added.
    public func dialingPlan(_ admin: AdminPrincipal, domainId: Int64) async throws -> DialingPlanSettings {
        try admin.requireReady()
        var settings = try await store.read { tx in
            let domain = try admin.visible(tx.domain(id: domainId), "Domain")
            return try tx.dialingPlanSettings(domainId: domainId)
                ?? DialingPlanSettings(companyId: domain.companyId, domainId: domainId)
        }
        settings.rules = settings.rules ?? DialingRule.standardRules()
        return settings
    }

    public func setDialingPlan(_ admin: AdminPrincipal, domainId: Int64, _ settings: DialingPlanSettings) async throws -> DialingPlanSettings {
        try admin.requireReady()
        var settings = settings
        settings.internationalPrefix = try Check.digits(settings.internationalPrefix, field: "internationalPrefix")
        settings.localCountryPrefix = try Check.digits(settings.localCountryPrefix, field: "localCountryPrefix")
        settings.externalPrefix = try Check.digits(settings.externalPrefix, field: "externalPrefix")
        settings.add = try Check.digits(settings.add, field: "add", max: 16)
        try Check.range(settings.remove, 0...16, field: "remove")
        try Check.range(settings.internalLength, 1...16, field: "internalLength")
        try Check.range(settings.internalReverseLength, 1...16, field: "internalReverseLength")
        if let rules = settings.rules {
            guard rules.count <= 200 else { throw DomainError.invalid(field: "rules", "At most 200 rules") }
            // The contract's bounds of a rule, the same for every client.
            for (index, rule) in rules.enumerated() {
                try Check.range(rule.priority, 0...100_000, field: "rules[\(index)].priority")
                guard rule.name.count <= 128 else { throw DomainError.invalid(field: "rules[\(index)].name", "A rule name has at most 128 characters") }
                guard (1...256).contains(rule.pattern.count) else {
                    throw DomainError.invalid(field: "rules[\(index)].pattern", "A rule pattern has 1 to 256 characters")
                }
                guard rule.value.count <= 256 else { throw DomainError.invalid(field: "rules[\(index)].value", "A rule value has at most 256 characters") }
            }
            // Every rule must compile now, so dialling never meets a broken plan.
            do { _ = try DialingPlan(settings: settings, rules: rules) } catch { throw error.domainError }
        }
        return try await store.write { [settings] tx in
            var settings = settings
            let domain = try admin.visible(tx.domain(id: domainId), "Domain")
            settings.companyId = domain.companyId
            settings.domainId = domainId
            if let existing = try tx.dialingPlanSettings(domainId: domainId) {
                settings.id = existing.id
                try tx.update(settings)
            } else {
                settings.id = nil
                settings = try tx.insert(settings)
            }
            // The answer shows the rules in force, as a GET does.
            settings.rules = settings.rules ?? DialingRule.standardRules()
            return settings
        }
    }

    /// Runs a number through a domain's plan as `POST /api/v1/admin/dialing-plan/test` does (admin guide 5.3 "Dialing plan test").
    public func testDialingPlan(
        _ admin: AdminPrincipal,
        domainId: Int64,
        number: String,
        incoming: Bool
    ) async throws -> (DialingResult?, ReverseResult?) {
        try admin.requireReady()
        let plan = try await store.read { tx in
            _ = try admin.visible(tx.domain(id: domainId), "Domain")
            return try DialingPlanStore.plan(domainId: domainId, tx)
        }
        if incoming { return (nil, plan.reverse(number)) }
        do { return (try plan.transform(number), nil) } catch { throw error.domainError }
    }

    // MARK: Telephony states (admin guide 10.4, 10.5)

    /// The links of the companies the admin sees.
    public func linkStates(_ admin: AdminPrincipal, _ supervisor: any SwitchSupervisor) async throws -> [PbxLinkState] {
        try admin.requireReady()
        let states = supervisor.linkStates()
        let domains = try await store.read { tx in
            try tx.domains(ids: Set(states.map(\.domainId)).sorted())
        }
        let visible = Set(domains.filter { admin.canSee(companyId: $0.companyId) }.compactMap(\.id))
        return states.filter { visible.contains($0.domainId) }
    }

    /// A domain's devices as its links supervise them, between `first` and `last` when given (numeric order when both are numbers).
    public func deviceStates(
        _ admin: AdminPrincipal,
        domainId: Int64,
        first: String?,
        last: String?,
        _ supervisor: any SwitchSupervisor
    ) async throws -> [DeviceSupervisionState] {
        try admin.requireReady()
        for (field, bound) in [("first", first), ("last", last)] {
            if let bound, bound.isEmpty || bound.unicodeScalars.count > 32 {
                throw DomainError.invalid(field: field, "\(field) is a device number of 1 to 32 characters")
            }
        }
        let (wanted, hasLinks) = try await store.read { tx in
            _ = try admin.visible(tx.domain(id: domainId), "Domain")
            return (
                try SupervisedDevices.of(domainId: domainId, tx),
                try tx.hasPbxLink(domainId: domainId)
            )
        }
        func inRange(_ device: String) -> Bool {
            func below(_ a: String, _ b: String) -> Bool {
                if let x = Int(a), let y = Int(b) { return x < y }
                return a < b
            }
            if let first, below(device, first) { return false }
            if let last, below(last, device) { return false }
            return true
        }
        var states = supervisor.deviceStates(domainId: domainId)
        // Devices no link took (over every link's capacity, or no link at all) are listed too: they are the ones an
        // administrator looks for on this page.
        let assigned = Set(states.map(\.device))
        let reason = hasLinks ? "over capacity: no PBX link of the domain has room for it" : "no PBX link in the domain"
        states += wanted.filter { !assigned.contains($0) }.map {
            DeviceSupervisionState(device: $0, linkId: nil, provider: nil, connected: false, reason: reason)
        }
        return states.filter { inRange($0.device) }.sorted { a, b in
            if let x = Int(a.device), let y = Int(b.device), x != y { return x < y }
            return a.device < b.device
        }
    }
}
