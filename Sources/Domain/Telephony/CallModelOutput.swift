import Foundation

/// What applying one PBX event produced: push events to publish, calls that ended, devices to ask the PBX about.
public struct CallModelOutput: Sendable {
    public var events: [(audience: PushAudience, event: PushEvent)] = []
    public var finished: [FinishedCall] = []
    /// Devices with a call the PBX has been silent about for too long: the caller asks the PBX for their snapshot.
    public var devicesToCheck: [String] = []

    public init() {}
}
