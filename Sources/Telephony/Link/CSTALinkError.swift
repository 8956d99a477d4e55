import Domain
import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// Why a request over the link failed.
public enum CSTALinkError: Error, Sendable, Hashable, CustomStringConvertible {
    case notConnected
    case timeout
    /// The PBX answered with a CSTAErrorCode (or an application-session refusal).
    case rejected(CSTAError)
    /// 9,998 requests are already waiting for an answer.
    case tooManyPendingRequests

    public var description: String {
        switch self {
        case .notConnected: "the link is not connected"
        case .timeout: "no answer from the PBX in time"
        case .rejected(let error): "refused by the PBX: \(error)"
        case .tooManyPendingRequests: "too many requests waiting for the PBX"
        }
    }

    var switchError: SwitchError {
        switch self {
        case .notConnected, .tooManyPendingRequests: .notConnected("")
        case .timeout: .timeout
        case .rejected(let error): .rejected(category: error.category, value: error.value)
        }
    }
}
