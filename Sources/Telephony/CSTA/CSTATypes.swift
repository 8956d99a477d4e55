import XML

/// A connection: one device's participation in one call (ECMA-323 type ConnectionID).
///
/// On the wire it is `<NAME><callID>…</callID><deviceID>…</deviceID></NAME>`, where NAME is the parameter it fills
/// (`callToBeAnswered`, `connection`, `establishedConnection`, …; `connectionID` when there is no better name).
public struct ConnectionID: Sendable, Hashable, CustomStringConvertible {
    /// The PBX's call identifier; empty when the PBX sent a device-only connection.
    public var callID: String
    /// The device's identifier within the call (ECMA-323 LocalDeviceID, usually the extension number).
    public var deviceID: String

    /// Creates a connection identifier.
    public init(callID: String, deviceID: String) {
        self.callID = callID
        self.deviceID = deviceID
    }

    /// The device's identifier parsed into its number (`N<4002>;noa=nk` is 4002); `deviceID` stays as the PBX wrote it,
    /// because requests naming this connection must echo it.
    public var device: CSTADeviceID {
        CSTADeviceID(parsing: deviceID)
    }

    /// `callID@deviceID`, for logs.
    public var description: String {
        "\(callID)@\(deviceID)"
    }

    /// The connection as an element named `name`: callID, then deviceID (ECMA-323 ConnectionID sequence order).
    public func element(named name: String = "connectionID") -> XElement {
        XElement(name, children: [.cstaLeaf("callID", callID), .cstaLeaf("deviceID", deviceID)])
    }

    /// Reads a ConnectionID-typed element; nil when it carries neither a callID nor a deviceID.
    ///
    /// deviceID may be plain text or wrap ECMA-323's `staticID` / `dynamicID` choice.
    init?(element: XElement) {
        let callID = element.string("callID") ?? ""
        var deviceID = ""
        if let device = element.child("deviceID") {
            deviceID = device.children.isEmpty ? device.text : (device.child(anyOf: ["staticID", "dynamicID"])?.text ?? "")
        }
        guard !callID.isEmpty || !deviceID.isEmpty else {
            return nil
        }
        self.init(callID: callID, deviceID: deviceID)
    }
}

/// The kind of call forwarding (ECMA-323 type ForwardingType).
public enum CSTAForwardingType: Sendable, Hashable, CustomStringConvertible {
    /// Unconditional forwarding, `forwardImmediate`.
    case immediate
    /// Forwarding when busy, `forwardBusy`.
    case busy
    /// Forwarding on no answer, `forwardNoAns`.
    case noAnswer
    /// Any other ECMA-323 value (`forwardDND`, `forwardBusyInt`, `forwardImmExt`, …), kept verbatim.
    case other(String)

    /// The ECMA-323 enumeration value, e.g. `forwardNoAns`.
    public var cstaValue: String {
        switch self {
        case .immediate: "forwardImmediate"
        case .busy: "forwardBusy"
        case .noAnswer: "forwardNoAns"
        case .other(let value): value
        }
    }

    /// Interprets an ECMA-323 value; unknown values become `.other`.
    public init(cstaValue: String) {
        switch cstaValue {
        case "forwardImmediate": self = .immediate
        case "forwardBusy": self = .busy
        case "forwardNoAns": self = .noAnswer
        default: self = .other(cstaValue)
        }
    }

    /// The ECMA-323 value.
    public var description: String {
        cstaValue
    }
}

/// The state of one connection (ECMA-323 type LocalConnectionState).
public enum CSTAConnectionState: Sendable, Hashable, CustomStringConvertible {
    /// No relationship between the call and the device (`null`).
    case null
    /// The device is dialling (`initiated`).
    case initiated
    /// The device is ringing (`alerting`).
    case alerting
    /// The device is in the call (`connected`).
    case connected
    /// The device has put the call on hold (`hold`; `held` is accepted too).
    case held
    /// The call is queued at the device (`queued`).
    case queued
    /// The call attempt failed (`fail`).
    case fail
    /// A value this codec does not model (e.g. a snapshot's `simpleCallState` such as `callEstablished`), kept verbatim.
    case other(String)

    /// The ECMA-323 value, e.g. `hold` for `.held`.
    public var cstaValue: String {
        switch self {
        case .null: "null"
        case .initiated: "initiated"
        case .alerting: "alerting"
        case .connected: "connected"
        case .held: "hold"
        case .queued: "queued"
        case .fail: "fail"
        case .other(let value): value
        }
    }

    /// Interprets an ECMA-323 value; unknown values become `.other`.
    public init(cstaValue: String) {
        switch cstaValue {
        case "null": self = .null
        case "initiated": self = .initiated
        case "alerting": self = .alerting
        case "connected": self = .connected
        case "hold", "held": self = .held
        case "queued": self = .queued
        case "fail", "failed": self = .fail
        default: self = .other(cstaValue)
        }
    }

    /// The ECMA-323 value.
    public var description: String {
        cstaValue
    }
}

/// The values of a SystemStatus request (ECMA-323 type SystemStatus).
public enum CSTASystemStatus: String, Sendable, Hashable, CaseIterable {
    /// The system is starting.
    case initializing
    /// The system has been enabled.
    case enabled
    /// Normal operation: the usual keep-alive value.
    case normal
    /// Messages were lost.
    case messagesLost
    /// The system has been disabled.
    case disabled
    /// Part of the system has been disabled.
    case partiallyDisabled
    /// Overload is imminent.
    case overloadImminent
    /// Overload has been reached.
    case overloadReached
    /// Overload has been relieved.
    case overloadRelieved
}
