import Foundation

/// The forwards of a company as a graph of devices (CIRCULARLEVEL, admin guide 9.6.2): every active rule (users' own,
/// imposed on them or on their groups) and every PBX forward leads from a device to another. Used when a rule is saved
/// and by the explain endpoint.
///
/// Every active rule counts, whatever its conditions: a rule that fires only for some callers or at some hours can
/// still close a loop for the call that meets them all.
public struct ForwardingGraph: Sendable {
    /// One forward from a device to another device of the company.
    public struct Edge: Sendable, Hashable {
        public enum Via: String, Sendable, Hashable {
            /// A stored rule (run by the server, or a simple rule applied in the PBX).
            case rule
            /// A forward the call model saw in the PBX.
            case pbx
        }

        public var from: String
        public var to: String
        public var kind: ForwardingKind
        public var via: Via
        /// The rule behind the forward (nil for a PBX forward no rule explains).
        public var ruleId: Int64?

        public init(from: String, to: String, kind: ForwardingKind, via: Via, ruleId: Int64? = nil) {
            self.from = from
            self.to = to
            self.kind = kind
            self.via = via
            self.ruleId = ruleId
        }
    }

    /// Edges by the device they leave.
    private var outgoing: [String: [Edge]] = [:]

    public init() {}

    public init(_ edges: some Sequence<Edge>) {
        for edge in edges { add(edge) }
    }

    /// Every edge, by device left then in the order added.
    public var edges: [Edge] { outgoing.keys.sorted().flatMap { outgoing[$0] ?? [] } }

    /// The forwards leaving `device`.
    public func edges(from device: String) -> [Edge] { outgoing[device] ?? [] }

    public mutating func add(_ edge: Edge) {
        guard !(outgoing[edge.from]?.contains(edge) ?? false) else { return }
        outgoing[edge.from, default: []].append(edge)
    }

    /// Takes out the edges of a stored rule: a rule being saved replaces its stored version.
    public mutating func remove(ruleId: Int64) {
        for (device, edges) in outgoing {
            let kept = edges.filter { $0.ruleId != ruleId }
            outgoing[device] = kept.isEmpty ? nil : kept
        }
    }

    /// The loop a forward from `device` to `destination` would close within `level` forwards, as the devices from
    /// `device` back to it (`["1001", "1002", "1001"]`); nil when there is none or `level` is 0.
    ///
    /// Level 1 refuses only a forward to itself; level N refuses any path back from `destination` to `device` of at
    /// most N−1 further forwards, so that the whole chain has at most N forwards. The shortest such chain is answered.
    public func loop(from device: String, to destination: String, level: Int) -> [String]? {
        Self.loop(from: device, to: destination, level: level, edges: edges(from:))
    }

    /// The same search over forwards read as it goes (`edges` is asked only for the devices it reaches, at most
    /// `level - 1` forwards from `destination`), so a save in a large company reads a handful of rows.
    static func loop(from device: String, to destination: String, level: Int, edges: (String) throws -> [Edge]) rethrows -> [String]? {
        guard level > 0 else { return nil }
        if destination == device { return [device, device] }
        // Breadth first from the destination: the first time `device` is reached is by a shortest path.
        var parent: [String: String] = [destination: destination]
        var frontier = [destination]
        for _ in 0..<(level - 1) {
            var next: [String] = []
            for node in frontier {
                for edge in try edges(node) {
                    if edge.to == device {
                        // Back from `node` to the destination through the parents, then turned round.
                        var path = [node]
                        var current = node
                        while current != destination, let previous = parent[current] {
                            path.append(previous)
                            current = previous
                        }
                        return [device] + Array(path.reversed()) + [device]
                    }
                    guard parent[edge.to] == nil else { continue }
                    parent[edge.to] = node
                    next.append(edge.to)
                }
            }
            if next.isEmpty { break }
            frontier = next
        }
        return nil
    }
}

extension ForwardingGraph {
    /// The forwards of a company as the store and the call model hold them, read device by device and kept for the
    /// transaction: the active rules (own, imposed on the user, on their groups; a group's rule for each member) of
    /// the device's owner, and the PBX forwards the call model saw on it. Numbers are turned into company devices with
    /// the reverse dialing plan; a number outside the company ends a chain (a loop cannot pass through it).
    final class StoredForwards {
        let tx: any StoreTransaction
        /// The company's domains, the rule's own first when a number is looked up.
        let domainIds: [Int64]
        let plans: [Int64: DialingPlan]
        let lines: (Int64, String) -> DeviceLine?
        private var leaving: [String: [Edge]] = [:]
        private var devices: [String: Device?] = [:]

        init(domainIds: [Int64], plans: [Int64: DialingPlan], lines: @escaping (Int64, String) -> DeviceLine?, _ tx: any StoreTransaction) {
            self.domainIds = domainIds
            self.plans = plans
            self.lines = lines
            self.tx = tx
        }

        /// The company's device numbered `number` (the first domain holding it).
        func companyDevice(_ number: String) throws -> Device? {
            if let known = devices[number] { return known }
            var found: Device?
            for domainId in domainIds where found == nil { found = try tx.device(domainId: domainId, number: number) }
            devices[number] = found
            return found
        }

        /// The device `number` (dialled in `domainId`) reaches: the number itself when it is a device of the company,
        /// else what the reverse dialing plan shows for it; nil for a number outside the company.
        func device(number: String, domainId: Int64) throws -> String? {
            if try companyDevice(number) != nil { return number }
            if let shown = plans[domainId]?.reverse(number).number, !shown.isEmpty, try companyDevice(shown) != nil { return shown }
            return nil
        }

        /// The forwards leaving `device`: its owner's active rules, then the PBX's forwards on it.
        func edges(from device: String) throws -> [Edge] {
            if let known = leaving[device] { return known }
            var edges: [Edge] = []
            if let owned = try companyDevice(device) {
                for rule in try EffectiveRules.of(userId: owned.userId, tx) where rule.active {
                    guard let target = try destination(of: rule, userId: owned.userId) else { continue }
                    edges.append(Edge(from: device, to: target, kind: rule.action.type, via: .rule, ruleId: rule.id))
                }
                if let line = lines(owned.domainId, device) {
                    for kind in ForwardingKind.allCases {
                        guard let number = line.forwarding[kind], let target = try self.device(number: number, domainId: owned.domainId) else { continue }
                        edges.append(Edge(from: device, to: target, kind: kind, via: .pbx))
                    }
                }
            }
            leaving[device] = edges
            return edges
        }

        /// The users `rule` applies to.
        func users(of rule: ForwardingRule) throws -> [Int64] {
            if let groupId = rule.groupId { return try tx.memberIds(ofGroups: [groupId]).sorted() }
            return rule.userId.map { [$0] } ?? []
        }

        /// The edges `rule` adds for `userId`: from each of their devices to the destination's device.
        func edges(of rule: ForwardingRule, userId: Int64) throws -> [Edge] {
            guard let target = try destination(of: rule, userId: userId) else { return [] }
            return try tx.devices(userId: userId).map(\.number).sorted().map {
                Edge(from: $0, to: target, kind: rule.action.type, via: .rule, ruleId: rule.id)
            }
        }

        /// The device `rule` sends `userId`'s calls to; nil for an outside number.
        func destination(of rule: ForwardingRule, userId: Int64) throws -> String? {
            switch rule.action.destination.kind {
            case .colleague:
                guard let colleague = rule.action.destination.userId else { return nil }
                return try tx.devices(userId: colleague).map(\.number).sorted().first
            case .number:
                guard let number = rule.action.destination.number else { return nil }
                return try device(number: number, domainId: rule.domainId)
            case .voicemail:
                guard let user = try tx.user(id: userId) else { return nil }
                let number = try RuleParameters.value("vmNumber", of: .caller, for: user, tx)
                guard !number.isEmpty else { return nil }
                return try device(number: number, domainId: user.domainId)
            }
        }
    }
}
