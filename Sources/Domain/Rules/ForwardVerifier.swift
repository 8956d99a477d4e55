import Foundation

/// TRANSFERVERIFICATION (admin guide 9.6.2): checks that calls forwarded by rules (and by PBX forwards) are answered,
/// and falls back to EMERGENCYNUMBER, tried EMERGENCYNUMBERCALLTIMES times, when they are not.
// SKELETON (issue 18 foundation): the verification branch writes it (and makes it a CallEventObserver and a Service).
public final class ForwardVerifier: Sendable {
    public init() {}

    /// Where the rule engine deflects a call that a rule of `userId` forwards to `destination` (a dialled number): a
    /// resource device when verification needs one, `destination` otherwise.
    public func deflectTarget(domainId: Int64, userId: Int64, destination: String) async -> String { destination }

    /// The rule engine deflected `callId` from `device` to `target` (for `destination`) by `rule` of `userId`.
    public func forwarded(
        domainId: Int64,
        userId: Int64,
        rule: ForwardingRule,
        callId: String,
        from device: String,
        destination: String,
        target: String
    ) async {}
}
