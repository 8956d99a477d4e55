import Foundation

/// The forwards of a company as a graph of devices (CIRCULARLEVEL, admin guide 9.6.2): every active rule (users' own,
/// imposed on them or on their groups) and every PBX forward leads from a device to another. Used when a rule is saved
/// and by the explain endpoint.
// SKELETON (issue 18 foundation): the loop-check branch writes it.
public struct ForwardingGraph: Sendable {
    public init() {}

    /// The loop a forward from `device` to `destination` would close within `level` forwards, as the devices from
    /// `device` back to it (`["1001", "1002", "1001"]`); nil when there is none or `level` is 0.
    public func loop(from device: String, to destination: String, level: Int) -> [String]? { nil }
}
