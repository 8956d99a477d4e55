import Foundation
import Synchronization

/// Forwarding commands the server itself sent to the PBX lately (simple rules applied by `SimpleRuleSync`), so that
/// the PBX's echo of them (a ForwardingEvent) is not taken for a forward set on the telephone.
public final class IssuedForwarding: Sendable {
    private struct Key: Hashable {
        var domainId: Int64
        var device: String
        var kind: ForwardingKind
    }

    private struct Issued {
        var enabled: Bool
        var destination: String?
        var time: Date
    }

    /// How long an echo is waited for: the PBX answers within its request timeout, and its event comes first.
    private let window: TimeInterval
    private let issued = Mutex<[Key: [Issued]]>([:])

    public init(window: TimeInterval = 10) {
        self.window = window
    }

    /// Notes a command about to be sent.
    public func expect(domainId: Int64, device: String, setting: ForwardingSetting, at time: Date = Date()) {
        let key = Key(domainId: domainId, device: device, kind: setting.kind)
        issued.withLock { issued in
            var list = (issued[key] ?? []).filter { time.timeIntervalSince($0.time) < window }
            list.append(Issued(enabled: setting.enabled, destination: setting.destination, time: time))
            issued[key] = list
        }
    }

    /// Whether `setting`, reported by the PBX for `device`, is the echo of a command the server sent (forgotten once
    /// matched). A destination matches exactly or as the dialing plan shows it back (`shown`).
    public func consume(domainId: Int64, device: String, setting: ForwardingSetting, shown: String? = nil, at time: Date = Date()) -> Bool {
        let key = Key(domainId: domainId, device: device, kind: setting.kind)
        return issued.withLock { issued in
            var list = (issued[key] ?? []).filter { time.timeIntervalSince($0.time) < window }
            defer { issued[key] = list.isEmpty ? nil : list }
            let index = list.firstIndex { sent in
                guard sent.enabled == setting.enabled else { return false }
                guard sent.enabled else { return true }
                return sent.destination == setting.destination || (shown != nil && sent.destination == shown)
            }
            guard let index else { return false }
            list.remove(at: index)
            return true
        }
    }
}
