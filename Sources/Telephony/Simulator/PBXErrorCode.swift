/// The negative responses (ECMA-323 CSTAErrorCode) the simulated switch gives, named after their ECMA-323 values.
public enum PBXErrorCode {
    /// `operation: invalidDeviceID`: the device is not one of the switch's (or cannot be used that way).
    public static let invalidDeviceID = CSTAError(category: "operation", value: "invalidDeviceID")
    /// `operation: invalidCallingDevice`: MakeCall from something that is not an extension.
    public static let invalidCallingDevice = CSTAError(category: "operation", value: "invalidCallingDevice")
    /// `operation: invalidCalledDevice`: the number cannot be dialled (empty, not digits, the caller itself).
    public static let invalidCalledDevice = CSTAError(category: "operation", value: "invalidCalledDevice")
    /// `operation: invalidDestination`: a transfer or deflection target that cannot be used.
    public static let invalidDestination = CSTAError(category: "operation", value: "invalidDestination")
    /// `operation: invalidForwardingDestination`: SetForwarding without a usable destination.
    public static let invalidForwardingDestination = CSTAError(category: "operation", value: "invalidForwardingDestination")
    /// `operation: invalidCallID`: no call has that id.
    public static let invalidCallID = CSTAError(category: "operation", value: "invalidCallID")
    /// `operation: invalidConnectionID`: the call exists but the device is not in it (or the connection is ambiguous).
    public static let invalidConnectionID = CSTAError(category: "operation", value: "invalidConnectionID")
    /// `operation: invalidCrossRefID`: MonitorStop for a monitor this link does not own.
    public static let invalidCrossRefID = CSTAError(category: "operation", value: "invalidCrossRefID")
    /// `operation: valueOutOfRange`: a parameter value the switch does not support (e.g. forwardDND).
    public static let valueOutOfRange = CSTAError(category: "operation", value: "valueOutOfRange")
    /// `operation: requestIncompatibleWithObject`: a service the simulator does not provide.
    public static let unsupportedService = CSTAError(category: "operation", value: "requestIncompatibleWithObject")
    /// `operation: generic`: a request that could not be read (bad XML, a missing parameter).
    public static let unreadableRequest = CSTAError(category: "operation", value: "generic")
    /// `operation: securityViolation`: a service requested before StartApplicationSession on a switch that requires one.
    public static let noApplicationSession = CSTAError(category: "operation", value: "securityViolation")
    /// `stateIncompatibility: invalidConnectionState`: the connection is not in a state the service applies to.
    public static let invalidConnectionState = CSTAError(category: "stateIncompatibility", value: "invalidConnectionState")
    /// `stateIncompatibility: noCallToAnswer`: the device has no alerting connection.
    public static let noCallToAnswer = CSTAError(category: "stateIncompatibility", value: "noCallToAnswer")
    /// `stateIncompatibility: noConnectionToClear`: the device is in no call.
    public static let noConnectionToClear = CSTAError(category: "stateIncompatibility", value: "noConnectionToClear")
    /// `stateIncompatibility: noActiveCall`: the device has no connected call (to hold, transfer, consult from).
    public static let noActiveCall = CSTAError(category: "stateIncompatibility", value: "noActiveCall")
    /// `stateIncompatibility: noHeldCall`: the device has no held call (to retrieve, transfer).
    public static let noHeldCall = CSTAError(category: "stateIncompatibility", value: "noHeldCall")
}
