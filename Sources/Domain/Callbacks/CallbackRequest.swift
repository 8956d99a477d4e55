import Foundation

/// Where a callback request stands.
public enum CallbackStatus: String, Codable, Sendable, CaseIterable {
    case scheduled
    case callingAgent = "calling-agent"
    case callingVisitor = "calling-visitor"
    case connected
    case completed
    case failed
    case cancelled

    /// Not finished: counts against the group's pending limit and the one-per-number rule.
    public var isPending: Bool { [.scheduled, .callingAgent, .callingVisitor].contains(self) }
    public var isFinished: Bool { [.completed, .failed, .cancelled].contains(self) }
}

/// Why an attempt or a request failed, in the words the widget and the group's members read.
public enum CallbackReason: String, Codable, Sendable {
    case agentNoAnswer = "agent_no_answer"
    case agentBusy = "agent_busy"
    case noAgent = "no_agent"
    case visitorNoAnswer = "visitor_no_answer"
    case visitorBusy = "visitor_busy"
    case agentHungUp = "agent_hung_up"
    case windowPassed = "window_passed"
    case pbxRefused = "pbx_refused"
    case cancelledByVisitor = "cancelled_by_visitor"
    case groupDeleted = "group_deleted"
    case serverRestarted = "server_restarted"

    /// Worth another attempt (nobody answered, a line was busy, the PBX was away); the others end the request.
    var retried: Bool { ![.cancelledByVisitor, .groupDeleted, .windowPassed].contains(self) }
}

/// One visitor's request to be called back, kept until retention removes it; its `id` is its only public handle.
public struct CallbackRequest: CompanyScoped, Codable, Sendable, Equatable {
    public var id: String
    public var companyId: Int64
    public var domainId: Int64
    public var groupId: Int64
    /// A member asked for by name (`target.user`): only they are called.
    public var memberId: Int64?
    /// The visitor's number in international form (what the one-pending-request rule compares).
    public var number: String
    /// What the PBX is sent for it.
    public var dialled: String
    public var name: String?
    public var status: CallbackStatus
    public var reason: CallbackReason?
    public var dueAt: Date
    public var notAfter: Date?
    public var attempts: Int
    public var maxAttempts: Int
    public var createdAt: Date
    public var updatedAt: Date
    public var connectedAt: Date?
    public var completedAt: Date?
    /// The key that asked, for its audit and limits; nil once the key is deleted.
    public var apiKeyId: Int64?
    /// The agent's device called or answering, while an attempt runs and after it connected.
    public var agentDevice: String?
    /// The call the agent is in (after the transfer: the agent's call with the visitor), to learn when it ends.
    public var agentCallId: String?

    public init(
        id: String,
        companyId: Int64,
        domainId: Int64,
        groupId: Int64,
        memberId: Int64? = nil,
        number: String,
        dialled: String,
        name: String? = nil,
        status: CallbackStatus = .scheduled,
        reason: CallbackReason? = nil,
        dueAt: Date,
        notAfter: Date? = nil,
        attempts: Int = 0,
        maxAttempts: Int,
        createdAt: Date,
        updatedAt: Date,
        connectedAt: Date? = nil,
        completedAt: Date? = nil,
        apiKeyId: Int64? = nil,
        agentDevice: String? = nil,
        agentCallId: String? = nil
    ) {
        self.id = id
        self.companyId = companyId
        self.domainId = domainId
        self.groupId = groupId
        self.memberId = memberId
        self.number = number
        self.dialled = dialled
        self.name = name
        self.status = status
        self.reason = reason
        self.dueAt = dueAt
        self.notAfter = notAfter
        self.attempts = attempts
        self.maxAttempts = maxAttempts
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.connectedAt = connectedAt
        self.completedAt = completedAt
        self.apiKeyId = apiKeyId
        self.agentDevice = agentDevice
        self.agentCallId = agentCallId
    }

    /// A new unguessable id: `cb_` and 26 base-32 characters (130 random bits).
    static func newId() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")
        var generator = SystemRandomNumberGenerator()
        return "cb_" + String((0..<26).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] })
    }
}

/// A request as its group is named to the visitor.
public struct CallbackView: Sendable, Equatable {
    public var request: CallbackRequest
    public var groupName: String
}

/// What callbacks need stored. Storage implements it; Domain tests use an in-memory one.
public protocol CallbackRecords {
    func callbackGroup(id: Int64) throws -> CallbackGroup?
    /// The company's group of that name (ignoring ASCII case).
    func callbackGroup(companyId: Int64, name: String) throws -> CallbackGroup?
    func callbackGroups(domainId: Int64) throws -> [CallbackGroup]
    func callbackGroups(companyId: Int64) throws -> [CallbackGroup]
    func callbackGroups(domainId: Int64, _ page: PageRequest) throws -> Page<CallbackGroup>
    func insert(_ group: CallbackGroup) throws -> CallbackGroup
    func update(_ group: CallbackGroup) throws
    func deleteCallbackGroup(id: Int64) throws

    func callbackRequest(id: String) throws -> CallbackRequest?
    /// The pending request of a group for this number and member (nil: any member), if any.
    func pendingCallbackRequest(groupId: Int64, number: String, memberId: Int64?) throws -> CallbackRequest?
    func pendingCallbackRequestCount(groupId: Int64) throws -> Int
    /// Every request not finished, oldest due first (a restart looks at them all).
    func pendingCallbackRequests() throws -> [CallbackRequest]
    /// Scheduled requests due at `time`, oldest due first, at most `limit`: what the engine starts.
    func dueCallbackRequests(at time: Date, limit: Int) throws -> [CallbackRequest]
    /// When the next scheduled request is due, if any.
    func nextCallbackDue() throws -> Date?
    /// Requests connected and not yet completed.
    func connectedCallbackRequests() throws -> [CallbackRequest]
    func callbackRequests(groupId: Int64, status: CallbackStatus?, _ page: PageRequest) throws -> Page<CallbackRequest>
    func insert(_ request: CallbackRequest) throws
    func update(_ request: CallbackRequest) throws
    /// Removes finished requests last changed before `cutoff`.
    func deleteFinishedCallbackRequests(before cutoff: Date) throws -> Int
}
