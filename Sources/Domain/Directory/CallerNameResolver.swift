import Foundation
import Synchronization

/// Names the callers of incoming calls for the telephony events and call logs.
public protocol CallerNameResolver: Sendable {
    /// The name of `number` calling `device`, from the directories of the device's owner (or of the phone queue or
    /// intercom group the device belongs to); nil when nobody has the number.
    func callerName(domainId: Int64, device: String, number: String) async -> String?
}
