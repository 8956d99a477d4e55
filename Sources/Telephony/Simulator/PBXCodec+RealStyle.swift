import XML

/// What the codec writes differently in the `real` style: device identifiers and connections in the forms real switches
/// use, private data, and the vendor events. In the `plain` style every function here gives what the simulator always
/// wrote (bare identifiers, no private data).
extension PBXCodec {
    /// The edition of the real style's keep-alive: OpenScape Voice writes `<SystemStatus/>` in ECMA-323 ed3's namespace.
    static let keepAliveEdition = CSTAEdition.ed3
    /// The namespace of the simulated vendor's private data and events (`osc:`); `.invalid` (RFC 2606) so that it can
    /// never be mistaken for a real vendor's schema.
    static let vendorNamespace = "http://pbx-sim.invalid/csta/private"

    /// Event device fields written with a display number (`N<1001>;displayNumber=1001;noa=nk`): those naming a party of
    /// the call. The fields naming the device that acted (alerting, answering, releasing, …) carry `N<1001>;noa=nk`.
    private static let displayNumberFields: Set<String> = [
        "callingDevice", "calledDevice", "lastRedirectionDevice", "transferredToDevice", "newDestination", "endpoint", "forwardDN", "forwardTo",
    ]
    /// Fields whose deviceIdentifier carries ECMA-323's `typeOfNumber` attribute (OpenScape sets it on the parties only).
    private static let typedFields: Set<String> = ["callingDevice", "calledDevice"]

    /// The deviceIdentifier element of the device field `field`.
    func deviceIdentifier(_ identifier: CSTADeviceID, field: String) -> XElement {
        let text = identifierText(identifier, field: field)
        guard style == .real, Self.typedFields.contains(field) else {
            return .cstaLeaf("deviceIdentifier", text)
        }
        return XElement("deviceIdentifier", text: text, attributes: ["typeOfNumber": "dialingNumber"])
    }

    /// The text of a device identifier in the field `field`: as given in the plain style; in the real style the
    /// numbering-plan form OpenScape / HiPath write (`N<1001>;noa=nk`, `N<+33155171889>`, `N<0612345678>;noa=unknown`).
    /// Something that is not a number (a name) is written as given in both styles.
    func identifierText(_ identifier: CSTADeviceID, field: String) -> String {
        guard style == .real else {
            return identifier.raw
        }
        let number = identifier.number
        switch numbering.kind(of: number) {
        case .invalid:
            return identifier.raw
        case .external:
            // noa (nature of address): international numbers are complete as they stand; other trunk numbers are
            // written as dialled, their nature unknown to the switch.
            return number.hasPrefix("+") ? "N<\(number)>" : "N<\(number)>;noa=unknown"
        case .extension, .queue, .voicemail, .unassigned:
            // noa=nk: a number of the switch's own numbering plan.
            return Self.displayNumberFields.contains(field) ? "N<\(number)>;displayNumber=\(number);noa=nk" : "N<\(number)>;noa=nk"
        }
    }

    /// A ConnectionID element named `name`. In the real style a trunk party's deviceID names the trunk line the call
    /// uses (`N<0612345678>Line71001;displayNumber=0612345678`); an extension's stays bare, as real switches write it.
    func connection(_ connection: ConnectionID, named name: String) -> XElement {
        guard style == .real else {
            return connection.element(named: name)
        }
        let number = connection.device.number
        guard case .external = numbering.kind(of: number) else {
            return connection.element(named: name)
        }
        let line = "Line7\(Self.lineNumber(of: connection.callID))"
        return ConnectionID(callID: connection.callID, deviceID: "N<\(number)>\(line);displayNumber=\(number)").element(named: name)
    }

    /// The trunk line a call uses, from 1000 to 9999: the same for every event of the call, so the connection the gateway
    /// reads stays one connection.
    private static func lineNumber(of callID: String) -> Int {
        // A sum of bytes, not `hashValue`, which changes from run to run.
        let value = Int(callID) ?? callID.utf8.reduce(0) { $0 &+ Int($1) }
        return 1000 + abs(value % 9000)
    }

    /// The `extensions` block of a call event in the real style (ECMA-323 CSTACommonArguments: privateData, whose
    /// `private` element holds any vendor XML); nil in the plain style.
    func privateData(call callID: String) -> XElement? {
        privateData(
            XElement("CallData", namespace: Self.vendorNamespace, children: [.cstaLeaf("globalCallID", Self.globalCallID(callID))])
        )
    }

    /// The `extensions` block of a device event (forwarding, do-not-disturb) in the real style; nil in the plain style.
    func privateData(device: CSTADeviceID) -> XElement? {
        privateData(
            XElement(
                "DeviceData",
                namespace: Self.vendorNamespace,
                children: [.cstaLeaf("featureSource", "phone"), .cstaLeaf("deviceNumber", device.number)]
            )
        )
    }

    /// `vendor` wrapped in extensions/privateData/private, in the real style only.
    private func privateData(_ vendor: XElement) -> XElement? {
        guard style == .real else {
            return nil
        }
        return XElement(
            "extensions",
            children: [XElement("privateData", children: [XElement("private", children: [vendor])])]
        )
    }

    /// The network-wide call id a vendor reports beside the CSTA call id.
    private static func globalCallID(_ callID: String) -> String {
        "PBXSIM-\(callID)"
    }

    /// A vendor event as a UTF-8 document: CallInformationEvent in `edition`'s namespace, CallDetailEvent in the vendor's.
    public func xml(_ event: SimulatorVendorEvent) -> [UInt8] {
        switch event {
        case .callInformation(let monitorCrossRefID, let connection, let device, let callingDevice, let accountInfo):
            // ECMA-323 CallInformationEvent: monitorCrossRefID, connection, device, callingDevice, accountInfo, …
            let root = XElement(
                event.rootName,
                children: [
                    .cstaLeaf("monitorCrossRefID", monitorCrossRefID), self.connection(connection, named: "connection"),
                    self.device("device", device), callingDevice.map { self.device("callingDevice", $0) }, .cstaLeaf("accountInfo", accountInfo),
                    privateData(call: connection.callID),
                ]
            )
            return document(root, namespace: edition.namespace)
        case .callDetail(let monitorCrossRefID, let connection, let answeringDevice):
            let root = XElement(
                event.rootName,
                children: [
                    .cstaLeaf("monitorCrossRefID", monitorCrossRefID), .cstaLeaf("callID", connection.callID),
                    .cstaLeaf("globalCallID", Self.globalCallID(connection.callID)),
                    answeringDevice.map { .cstaLeaf("answeringDevice", identifierText($0, field: "answeringDevice")) },
                    .cstaLeaf("recordType", "answered"),
                ]
            )
            return document(root, namespace: Self.vendorNamespace)
        }
    }
}
