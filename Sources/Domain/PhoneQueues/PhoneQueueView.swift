import Foundation

/// A shared phone queue as an agent's Alerter shows it (admin guide 9.2.2): who answers it, and the calls waiting.
public struct PhoneQueueView: Sendable, Equatable {
    /// A user holding the queue's right, with the telephony presence of their devices.
    public struct Agent: Sendable, Equatable {
        /// The best of an agent's devices, for a quick glance.
        public enum State: String, Sendable, Equatable, Comparable {
            case available, ringing, busy, outOfService

            /// What a device's presence says of the agent: dnd and forwarded agents take no queue calls.
            init(_ presence: TelephonyPresence) {
                switch presence {
                case .idle: self = .available
                case .ringing: self = .ringing
                case .busy, .held, .doNotDisturb, .forwarded: self = .busy
                case .outOfService: self = .outOfService
                }
            }

            private var rank: Int {
                switch self {
                case .available: 0
                case .ringing: 1
                case .busy: 2
                case .outOfService: 3
                }
            }

            public static func < (lhs: State, rhs: State) -> Bool { lhs.rank < rhs.rank }
        }

        public var userId: Int64
        public var name: String
        public var devices: [DevicePresencePayload]
        public var state: State
    }

    /// A call waiting in the queue.
    public struct WaitingCall: Sendable, Equatable {
        public var callId: String
        public var callerNumber: String
        public var callerName: String?
        public var waitingSince: Date
        /// Agents' devices the queue offers the call to right now.
        public var ringingAt: [String]
    }

    public var queue: PhoneQueue
    public var agents: [Agent]
    /// Oldest first.
    public var calls: [WaitingCall]
}
