/// A user's call figures over some time (an hour, a day, a range): counts and sums, so that figures of several hours,
/// days or users add up exactly and averages are computed only when shown.
public struct CallFigures: Sendable, Equatable, Codable {
    /// Incoming calls offered to the user's devices, answered or not.
    public var incoming: Int
    /// Calls the user's devices made.
    public var outgoing: Int
    /// Incoming calls never answered at the user's devices.
    public var missed: Int
    /// Incoming calls the user answered.
    public var answered: Int
    /// Outgoing calls the called party answered.
    public var outgoingConnected: Int
    /// Seconds spent talking, answered incoming and connected outgoing calls together.
    public var talkSeconds: Int
    /// Seconds answered incoming calls rang before the user answered, summed.
    public var answerWaitSeconds: Int

    public init(
        incoming: Int = 0,
        outgoing: Int = 0,
        missed: Int = 0,
        answered: Int = 0,
        outgoingConnected: Int = 0,
        talkSeconds: Int = 0,
        answerWaitSeconds: Int = 0
    ) {
        self.incoming = incoming
        self.outgoing = outgoing
        self.missed = missed
        self.answered = answered
        self.outgoingConnected = outgoingConnected
        self.talkSeconds = talkSeconds
        self.answerWaitSeconds = answerWaitSeconds
    }

    public static let zero = CallFigures()

    /// Incoming and outgoing calls.
    public var calls: Int { incoming + outgoing }
    /// Calls with a conversation: answered incoming and connected outgoing ones.
    public var talked: Int { answered + outgoingConnected }
    /// Mean talk time of the calls with a conversation; nil when there was none.
    public var averageTalkSeconds: Double? { talked == 0 ? nil : Double(talkSeconds) / Double(talked) }
    /// Mean time the answered incoming calls rang before the user answered; nil when none was answered.
    public var averageAnswerSeconds: Double? { answered == 0 ? nil : Double(answerWaitSeconds) / Double(answered) }

    public static func + (a: CallFigures, b: CallFigures) -> CallFigures {
        CallFigures(
            incoming: a.incoming + b.incoming,
            outgoing: a.outgoing + b.outgoing,
            missed: a.missed + b.missed,
            answered: a.answered + b.answered,
            outgoingConnected: a.outgoingConnected + b.outgoingConnected,
            talkSeconds: a.talkSeconds + b.talkSeconds,
            answerWaitSeconds: a.answerWaitSeconds + b.answerWaitSeconds
        )
    }

    public static func += (a: inout CallFigures, b: CallFigures) { a = a + b }

    /// What one call-log line adds: the call counts in the hour it started.
    public init(_ line: CallLogEntry) {
        self.init()
        switch line.kind {
        case .incoming:
            incoming = 1
            answered = 1
            talkSeconds = line.durationSeconds
            if let answeredAt = line.answeredAt { answerWaitSeconds = max(0, Int(answeredAt.timeIntervalSince(line.startedAt).rounded())) }
        case .missed:
            incoming = 1
            missed = 1
        case .outgoing:
            outgoing = 1
            if line.answeredAt != nil {
                outgoingConnected = 1
                talkSeconds = line.durationSeconds
            }
        }
    }
}
