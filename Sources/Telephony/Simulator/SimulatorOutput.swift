/// What the switch sends down one link (a gateway connection), in order.
public enum SimulatorOutput: Sendable, Hashable {
    /// A CSTA message framed under `invokeID`: the request's id for a response, 9999 for an event, the switch's own id
    /// for a PBX-initiated request (the SystemStatus keep-alive).
    case message(invokeID: Int, CSTAMessage)
    /// An event the gateway does not model, framed under the unsolicited invoke id (9999); `real` style only.
    case vendorEvent(SimulatorVendorEvent)
    /// Bytes written as they are, for fault injection (a lying frame header, a frame whose payload is not XML).
    case raw([UInt8])
    /// The switch closes the link after what came before (fault injection, missed keep-alives, shutdown).
    case close

    /// The message, when this output is one.
    public var message: CSTAMessage? {
        if case .message(_, let message) = self {
            return message
        }
        return nil
    }
}

/// Identifies one link (gateway connection) open on a `PBXSwitch`.
public struct PBXSessionID: Sendable, Hashable, CustomStringConvertible {
    /// A number unique within the switch.
    public let rawValue: Int

    /// Wraps a number.
    public init(rawValue: Int) {
        self.rawValue = rawValue
    }

    /// `link-3`.
    public var description: String {
        "link-\(rawValue)"
    }
}
