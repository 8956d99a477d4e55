import Foundation

/// One line of a user's call log, written when the user's device leaves a call.
public struct CallLogEntry: CompanyScoped, Codable, Equatable {
    public var id: Int64?
    public var companyId: Int64
    public var domainId: Int64
    public var userId: Int64
    public var device: String
    public var callId: String
    public var kind: CallLogKind
    public var peerNumber: String?
    /// The caller's name from reverse lookup (incoming and missed calls), as it was when the call ended.
    public var peerName: String?
    public var startedAt: Date
    public var answeredAt: Date?
    /// Seconds between answer and end; 0 when never answered.
    public var durationSeconds: Int
    /// When the call ended at the device (nil for rows written before this was kept).
    public var endedAt: Date?
    /// Why the call ended, when something other than a hang-up says so: the PBX's failure cause of an unanswered call (`busy`,
    /// `doNotDisturb`, …), the CSTA error of a refused MakeCall, or the gateway's `link_lost`, `no_longer_reported`,
    /// `monitor_stopped`.
    public var cause: String?
    /// The rule that forwarded the call away from the device (admin guide 9.6), its name then, and where it sent it.
    public var ruleId: Int64?
    public var ruleName: String?
    public var ruleDestination: String?

    public init(
        id: Int64? = nil,
        companyId: Int64,
        domainId: Int64,
        userId: Int64,
        device: String,
        callId: String,
        kind: CallLogKind,
        peerNumber: String?,
        startedAt: Date,
        answeredAt: Date?,
        durationSeconds: Int,
        peerName: String? = nil,
        endedAt: Date? = nil,
        cause: String? = nil
    ) {
        self.id = id
        self.companyId = companyId
        self.domainId = domainId
        self.userId = userId
        self.device = device
        self.callId = callId
        self.kind = kind
        self.peerNumber = peerNumber
        self.startedAt = startedAt
        self.answeredAt = answeredAt
        self.durationSeconds = durationSeconds
        self.peerName = peerName
        self.endedAt = endedAt
        self.cause = cause
    }
}

extension CallLogEntry {
    /// The line of a finished call at `owner`'s device: its kind from the direction and answer, its duration from the
    /// answer to the end (0 when never answered).
    public init(_ call: FinishedCall, owner: Device, domainId: Int64, peerName: String?) {
        self.init(
            companyId: owner.companyId,
            domainId: domainId,
            userId: owner.userId,
            device: call.device,
            callId: call.callId,
            kind: call.kind,
            peerNumber: call.peerNumber,
            startedAt: call.startedAt,
            answeredAt: call.answeredAt,
            durationSeconds: call.answeredAt.map { max(0, Int(call.endedAt.timeIntervalSince($0).rounded())) } ?? 0,
            peerName: peerName,
            endedAt: call.endedAt,
            cause: call.cause
        )
    }
}
