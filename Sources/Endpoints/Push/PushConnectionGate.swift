import Domain
import Synchronization

/// Counts the push connections held open (WebSockets and waiting long-polls), per user (or administrator) and in total, and refuses
/// those over `PushLimits`.
final class PushConnectionGate: Sendable {
    private struct Counts {
        var perUser: [PushAdmission.Subscriber: Int] = [:]
        var total = 0
    }

    private let counts = Mutex(Counts())
    private let perUser: Int
    private let total: Int

    init(limits: PushLimits) {
        self.perUser = limits.connectionsPerUser
        self.total = limits.maxConnections
    }

    /// Takes a place for `subscriber`; every successful `enter` must be matched by one `leave`.
    func enter(_ subscriber: PushAdmission.Subscriber) throws(PushRefusal) {
        let refusal = counts.withLock { counts -> PushRefusal? in
            let mine = counts.perUser[subscriber, default: 0]
            if mine >= perUser {
                return PushRefusal(
                    Problem(
                        status: .tooManyRequests,
                        code: "too_many_connections",
                        detail: "At most \(perUser) push connections per user; close one first"
                    ),
                    headers: [.retryAfter: "5"]
                )
            }
            if counts.total >= total {
                return PushRefusal(
                    Problem(status: .serviceUnavailable, code: "server_busy", detail: "The push channel is at its connection limit"),
                    headers: [.retryAfter: "30"]
                )
            }
            counts.perUser[subscriber] = mine + 1
            counts.total += 1
            return nil
        }
        if let refusal { throw refusal }
    }

    func leave(_ subscriber: PushAdmission.Subscriber) {
        counts.withLock { counts in
            let mine = counts.perUser[subscriber, default: 0]
            counts.perUser[subscriber] = mine > 1 ? mine - 1 : nil
            counts.total -= 1
        }
    }

    /// Connections held open now.
    var open: Int { counts.withLock { $0.total } }
}
