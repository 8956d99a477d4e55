import Foundation

/// Who calls web visitors back, from which device, when, and which numbers (issue 20, admin guide 1.3.3 "TWP
/// Internet": callback buttons). Either `members` are called in turn or `queue` is called and the PBX picks the agent.
public struct CallbackGroup: CompanyScoped, Codable, Sendable, Equatable {
    public var id: Int64?
    public var companyId: Int64
    public var domainId: Int64
    /// How a website names the group (`target.group`); unique in the company.
    public var name: String
    /// The callback device: an extension the server supervises and places each double call from.
    public var device: String
    public var members: [Int64]
    public var queue: String?
    public var hours: CallbackHours
    public var maxPending: Int
    public var noAnswerSeconds: Int
    public var retries: Int
    public var retrySpacingSeconds: Int
    public var numbers: CallbackNumberRules

    public static let defaultMaxPending = 100
    public static let defaultNoAnswerSeconds = 25
    public static let defaultRetries = 2
    public static let defaultRetrySpacingSeconds = 120

    public init(
        id: Int64? = nil,
        companyId: Int64,
        domainId: Int64,
        name: String,
        device: String,
        members: [Int64] = [],
        queue: String? = nil,
        hours: CallbackHours = .officeHours,
        maxPending: Int = CallbackGroup.defaultMaxPending,
        noAnswerSeconds: Int = CallbackGroup.defaultNoAnswerSeconds,
        retries: Int = CallbackGroup.defaultRetries,
        retrySpacingSeconds: Int = CallbackGroup.defaultRetrySpacingSeconds,
        numbers: CallbackNumberRules = CallbackNumberRules()
    ) {
        self.id = id
        self.companyId = companyId
        self.domainId = domainId
        self.name = name
        self.device = device
        self.members = members
        self.queue = queue
        self.hours = hours
        self.maxPending = maxPending
        self.noAnswerSeconds = noAnswerSeconds
        self.retries = retries
        self.retrySpacingSeconds = retrySpacingSeconds
        self.numbers = numbers
    }

    /// Checks what a client sent (the contract's bounds, members or a queue, the device's shape).
    func validated() throws(DomainError) -> CallbackGroup {
        var group = self
        group.name = try Check.name(name, field: "name")
        group.device = try Check.number(device, field: "device")
        if let queue { group.queue = try Check.number(queue, field: "queue") }
        guard members.count <= 200 else { throw .invalid(field: "members", "At most 200 members") }
        var seen = Set<Int64>()
        group.members = members.filter { seen.insert($0).inserted }
        guard group.queue == nil || group.members.isEmpty else {
            throw DomainError(.unprocessable, code: "callback_members_or_queue", "A callback group calls either its members or a queue, not both", field: "queue")
        }
        guard group.queue != nil || !group.members.isEmpty else {
            throw DomainError(.unprocessable, code: "callback_members_or_queue", "A callback group needs members or a queue to call", field: "members")
        }
        guard group.queue != group.device else {
            throw DomainError(.unprocessable, code: "callback_device_is_queue", "The callback device cannot be the queue it calls", field: "device")
        }
        try Check.range(maxPending, 1...10_000, field: "maxPending")
        try Check.range(noAnswerSeconds, 5...300, field: "noAnswerSeconds")
        try Check.range(retries, 0...10, field: "retries")
        try Check.range(retrySpacingSeconds, 5...86_400, field: "retrySpacingSeconds")
        group.hours = try hours.validated()
        group.numbers = try numbers.validated()
        return group
    }

    /// Attempts a request gets: the first and the retries.
    public var maxAttempts: Int { retries + 1 }
}
