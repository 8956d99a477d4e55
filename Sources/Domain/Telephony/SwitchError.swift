import Foundation

/// Why a command did not reach or was refused by the PBX.
public enum SwitchError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No PBX link serves this device, or its link is down.
    case notConnected(String)
    /// The PBX did not answer in time.
    case timeout
    /// The PBX refused the request (CSTA error category and value, e.g. `operation` / `invalidCallID`).
    case rejected(category: String, value: String)

    public var description: String {
        switch self {
        case .notConnected(let device): "no connected PBX link for device \(device)"
        case .timeout: "the PBX did not answer in time"
        case .rejected(let category, let value): "the PBX refused: \(category) \(value)"
        }
    }
}
