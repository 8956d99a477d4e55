import Foundation

/// When a failed delivery is tried again: exponential backoff from `base` doubling up to `cap`, each delay drawn at
/// random between half and all of it ("equal jitter"), so receivers coming back are not hit by every sender at once.
/// After `window` from the delivery's start it is dead.
public struct WebhookBackoff: Sendable, Equatable {
    public var base: TimeInterval
    public var cap: TimeInterval
    public var window: TimeInterval

    public init(base: TimeInterval = 1, cap: TimeInterval = 3600, window: TimeInterval = 86_400) {
        self.base = max(0.001, base)
        self.cap = max(self.base, cap)
        self.window = max(0, window)
    }

    /// The delay before the attempt that follows `failures` failed ones, without jitter: base·2^(failures−1), capped.
    public func ceiling(afterFailures failures: Int) -> TimeInterval {
        let exponent = min(max(failures - 1, 0), 62)
        return min(cap, base * pow(2, Double(exponent)))
    }

    /// The jittered delay: between half and all of `ceiling`.
    public func delay(afterFailures failures: Int, random: Double) -> TimeInterval {
        let ceiling = ceiling(afterFailures: failures)
        return ceiling / 2 + ceiling / 2 * min(max(random, 0), 1)
    }

    /// When to try again after a failure at `now`, or nil when the window that started at `windowStart` has ended
    /// (or would end before then): the delivery is dead.
    public func nextAttempt(afterFailures failures: Int, windowStart: Date, now: Date, random: Double) -> Date? {
        let next = now.addingTimeInterval(delay(afterFailures: failures, random: random))
        return next.timeIntervalSince(windowStart) > window ? nil : next
    }
}
