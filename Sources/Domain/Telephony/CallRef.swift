import Foundation

/// A device's connection to one call, as commands name it (the PBX's call id and the device).
public struct CallRef: Sendable, Hashable, Codable {
    public var callId: String
    /// The device's number: what the gateway monitors and routes commands by.
    public var device: String
    /// The device as the PBX wrote it in this connection (`N<1001>;noa=nk`, `1001:CM1:…`), when known: requests that
    /// name the connection echo it, since a switch may not recognise its connection by the bare number.
    public var connectionDevice: String?

    public init(callId: String, device: String, connectionDevice: String? = nil) {
        self.callId = callId
        self.device = device
        self.connectionDevice = connectionDevice
    }
}
