/// An event real switches send that the gateway does not model, sent in the `real` style only.
///
/// A gateway must read past them: its codec turns an unknown root into `CSTAMessage.unknown(name)` and the link drops
/// it. They go to the monitors of an event they follow, under the unsolicited invoke id (9999), are not counted in
/// `SimulatorCounters.eventsSent` and are not traced (the gateway counts and reports only the events it models, so
/// benchmarks would take them for lost events).
public enum SimulatorVendorEvent: Sendable, Hashable {
    /// ECMA-269 CallInformationEvent (ECMA-323 `CallInformationEvent`): call information such as an account code, which
    /// OpenScape sends after a DeliveredEvent.
    case callInformation(monitorCrossRefID: String, connection: ConnectionID, device: CSTADeviceID, callingDevice: CSTADeviceID?, accountInfo: String)
    /// A private event whose root is in the vendor's own namespace (`<osc:CallDetailEvent xmlns:osc="…">`), sent after
    /// an EstablishedEvent.
    case callDetail(monitorCrossRefID: String, connection: ConnectionID, answeringDevice: CSTADeviceID?)

    /// The monitor the event is reported on.
    public var monitorCrossRefID: String {
        switch self {
        case .callInformation(let monitorCrossRefID, _, _, _, _), .callDetail(let monitorCrossRefID, _, _): monitorCrossRefID
        }
    }

    /// The root element's local name, e.g. `CallInformationEvent`.
    public var rootName: String {
        switch self {
        case .callInformation: "CallInformationEvent"
        case .callDetail: "CallDetailEvent"
        }
    }
}
