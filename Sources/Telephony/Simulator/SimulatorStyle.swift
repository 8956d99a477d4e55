/// How the simulated switch speaks: the simulator's own tidy ECMA-323, or the manners of real switches.
///
/// The `plain` style writes exactly what the gateway writes and expects: bare numbers, unprefixed XML on one line, one
/// ConnectionClearedEvent per connection when a call ends. A simulator that shares the gateway's assumptions cannot
/// find the gateway's mistakes, so the `real` style imitates what Unify OpenScape Voice, OpenScape 4000 and HiPath
/// switches send on a CSTA link:
///
/// - device identifiers wrapped in their numbering-plan form: `N<1001>;displayNumber=1001;noa=nk` or `N<1001>;noa=nk`
///   for an extension, `N<+33155171889>` for an international number, `N<0612345678>;noa=unknown` for another trunk
///   number, sometimes with a `typeOfNumber` attribute; connections of extensions stay bare (`1001`) while a trunk
///   party's connection names its line (`N<0612345678>Line71001;displayNumber=0612345678`);
/// - the switch's keep-alive is an empty `<SystemStatus/>` in ECMA-323 ed3's namespace (OpenScape's edition), answered
///   only by a `SystemStatusResponse` in that same namespace;
/// - when one party leaves a two-party call, the other party hears one ConnectionClearedEvent about the leaver's
///   connection and its own connection disappears without an event;
///
/// plus habits many vendors share: pretty-printed XML with every element prefixed and an `xsi:schemaLocation`,
/// private data in each event's `extensions`, the event spelled `TransferredEvent`, and events the gateway does not
/// model (ECMA-269 CallInformationEvent, a vendor-namespace CallDetailEvent).
public enum SimulatorStyle: String, Sendable, Hashable, CaseIterable {
    /// The simulator's own ECMA-323, as the gateway writes it.
    case plain
    /// The manners of OpenScape Voice / OpenScape 4000 / HiPath and other real switches (see the type).
    case real

    /// The edition a simulator of this style writes when none is chosen: ed4 for `plain`, ed3 (OpenScape Voice's) for
    /// `real`.
    public var defaultEdition: CSTAEdition {
        switch self {
        case .plain: .ed4
        case .real: .ed3
        }
    }
}
