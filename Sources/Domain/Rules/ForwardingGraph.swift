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
        guard level > 0 else { return nil }
        if destination == device { return [device, device] }
        // Breadth first from the destination: the first time `device` is reached is by a shortest path.
        var parent: [String: String] = [destination: destination]
        var frontier = [destination]
        for _ in 0..<(level - 1) {
            var next: [String] = []
            for node in frontier {
                for edge in edges(from: node) {
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
    /// The devices of a company, their owners and the numbers destinations are looked up by.
    struct Directory {
        /// Device number → owner user id, every domain of the company.
        var owners: [String: Int64] = [:]
        /// Domain id → its device numbers.
        var devicesByDomain: [Int64: [String]] = [:]
        /// User id → their device numbers by number (the first is where colleagues' forwards go).
        var devicesByUser: [Int64: [String]] = [:]
    }

    /// The company's forwards: every active rule (a group's rule for each member) from each device of its user to the
    /// destination's device, and every PBX forward `lines` knows for the devices of `domainIds`.
    ///
    /// `plans` turns a rule's or a PBX forward's number into a device number (the reverse dialing plan); `lines` is the
    /// call model's view of a device (`CallEventPipeline.line(domainId:device:)`).
    public static func build(
        companyId: Int64,
        domainIds: [Int64],
        plans: [Int64: DialingPlan],
        lines: (Int64, String) -> DeviceLine?,
        _ tx: any StoreTransaction
    ) throws -> ForwardingGraph {
        let resolver = DestinationResolver(directory: try Self.directory(domainIds: domainIds, tx), plans: plans, tx: tx)
        return try build(companyId: companyId, domainIds: domainIds, resolver: resolver, lines: lines)
    }

    static func build(
        companyId: Int64,
        domainIds: [Int64],
        resolver: DestinationResolver,
        lines: (Int64, String) -> DeviceLine?
    ) throws -> ForwardingGraph {
        var graph = ForwardingGraph()
        let directory = resolver.directory
        let tx = resolver.tx
        for rule in try tx.activeForwardingRules(companyId: companyId) {
            for edge in try resolver.edges(of: rule) { graph.add(edge) }
        }
        for domainId in domainIds {
            for device in directory.devicesByDomain[domainId] ?? [] {
                guard let line = lines(domainId, device) else { continue }
                for kind in ForwardingKind.allCases {
                    guard let number = line.forwarding[kind], let target = resolver.device(number: number, domainId: domainId) else { continue }
                    graph.add(Edge(from: device, to: target, kind: kind, via: .pbx))
                }
            }
        }
        return graph
    }

    static func directory(domainIds: [Int64], _ tx: any StoreTransaction) throws -> Directory {
        var directory = Directory()
        for domainId in domainIds {
            var numbers: [String] = []
            for pbxProtocol in Device.PBXProtocol.allCases {
                numbers += try tx.deviceNumbers(domainId: domainId, pbxProtocol: pbxProtocol)
            }
            let devices = try tx.devices(domainId: domainId, numbers: numbers)
            directory.devicesByDomain[domainId] = devices.map(\.number).sorted()
            for device in devices {
                directory.owners[device.number] = device.userId
                directory.devicesByUser[device.userId, default: []].append(device.number)
            }
        }
        for userId in directory.devicesByUser.keys { directory.devicesByUser[userId]?.sort() }
        return directory
    }

    /// Where rules and PBX forwards land, as device numbers.
    struct DestinationResolver {
        let directory: Directory
        let plans: [Int64: DialingPlan]
        let tx: any StoreTransaction

        /// The device `number` (dialled in `domainId`) reaches: the number itself when it is a device of the company,
        /// else what the reverse dialing plan shows for it; nil for a number outside the company.
        func device(number: String, domainId: Int64) -> String? {
            if directory.owners[number] != nil { return number }
            if let shown = plans[domainId]?.reverse(number).number, directory.owners[shown] != nil { return shown }
            return nil
        }

        /// The users `rule` applies to.
        func users(of rule: ForwardingRule) throws -> [Int64] {
            if let groupId = rule.groupId { return try tx.memberIds(ofGroups: [groupId]).sorted() }
            return rule.userId.map { [$0] } ?? []
        }

        /// The edges of an active `rule`, for every user it applies to.
        func edges(of rule: ForwardingRule) throws -> [Edge] {
            guard rule.active else { return [] }
            return try users(of: rule).flatMap { try edges(of: rule, userId: $0) }
        }

        /// The edges `rule` adds for `userId`: from each of their devices to the destination's device.
        func edges(of rule: ForwardingRule, userId: Int64) throws -> [Edge] {
            guard let target = try destination(of: rule, userId: userId) else { return [] }
            return (directory.devicesByUser[userId] ?? []).map { Edge(from: $0, to: target, kind: rule.action.type, via: .rule, ruleId: rule.id) }
        }

        /// The device `rule` sends `userId`'s calls to; nil for an outside number (a loop cannot pass through it).
        func destination(of rule: ForwardingRule, userId: Int64) throws -> String? {
            switch rule.action.destination.kind {
            case .colleague:
                guard let colleague = rule.action.destination.userId else { return nil }
                if let first = directory.devicesByUser[colleague]?.first { return first }
                return try tx.devices(userId: colleague).first?.number
            case .number:
                guard let number = rule.action.destination.number else { return nil }
                return device(number: number, domainId: rule.domainId)
            case .voicemail:
                guard let user = try tx.user(id: userId) else { return nil }
                let number = try RuleParameters.value("vmNumber", of: .caller, for: user, tx)
                guard !number.isEmpty else { return nil }
                return device(number: number, domainId: user.domainId)
            }
        }
    }
}
