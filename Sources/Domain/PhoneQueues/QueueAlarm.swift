import Foundation

/// The supervision thresholds of one phone queue and which of them are crossed (admin guide 9.2.2): crossing one
/// raises an alert, coming back under it clears it, and nothing is said while the state stays the same.
public struct QueueAlarm: Sendable, Equatable {
    /// Metrics whose alert is raised.
    public private(set) var raised: Set<SupervisionAlertPayload.Metric> = []

    public init() {}

    /// The alerts `queue` gives for `waiting` calls, the oldest waiting `longestWait` seconds; updates `raised`.
    /// A metric whose threshold was removed while raised is forgotten without an alert (nobody watches it any more).
    public mutating func evaluate(_ queue: PhoneQueue, waiting: Int, longestWait: Int) -> [SupervisionAlertPayload] {
        var alerts: [SupervisionAlertPayload] = []
        let metrics: [(SupervisionAlertPayload.Metric, Int?, Int)] = [
            (.waitingCalls, queue.alertWaitingCalls, waiting),
            (.longestWait, queue.alertLongestWaitSeconds, longestWait),
        ]
        for (metric, threshold, value) in metrics {
            guard let threshold else {
                raised.remove(metric)
                continue
            }
            let crossed = value >= threshold
            guard crossed != raised.contains(metric) else { continue }
            if crossed { raised.insert(metric) } else { raised.remove(metric) }
            alerts.append(
                SupervisionAlertPayload(
                    queueId: queue.id ?? 0,
                    queueName: queue.name,
                    domainId: queue.domainId,
                    metric: metric,
                    state: crossed ? .raised : .cleared,
                    threshold: threshold,
                    value: value
                )
            )
        }
        return alerts
    }
}
