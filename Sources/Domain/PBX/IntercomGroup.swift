/// How a supervised virtual device carries media (admin guide 9.1.2, 9.2.2).
public enum MediaProtocol: String, Codable, Sendable, CaseIterable {
    case none = "None"
    case tws = "TWS"
    case twp = "TWP"
}

/// A run of devices of an intercom group or a phone queue: `duplicateX` consecutive numbers
/// starting at `number` (admin guide 9.1.2: "6674 and 2 → 6674 and 6675").
public struct SupervisedDeviceRange: Codable, Sendable, Equatable {
    public var number: String
    public var lines: Int
    public var pbxProtocol: Device.PBXProtocol
    public var mediaProtocol: MediaProtocol
    public var duplicateX: Int
    /// Never returned by the API.
    public var password: String?

    public init(
        number: String,
        lines: Int = 1,
        pbxProtocol: Device.PBXProtocol = .csta,
        mediaProtocol: MediaProtocol = .none,
        duplicateX: Int = 1,
        password: String? = nil
    ) {
        self.number = number
        self.lines = lines
        self.pbxProtocol = pbxProtocol
        self.mediaProtocol = mediaProtocol
        self.duplicateX = duplicateX
        self.password = password
    }

    /// The device numbers of the range, keeping the width of the first number ("0099" x2 → "0099", "0100").
    public var numbers: [String] {
        guard duplicateX > 1, let first = Int(number) else { return [number] }
        return (0..<duplicateX).map { offset in
            let value = String(first + offset)
            return value.count < number.count ? String(repeating: "0", count: number.count - value.count) + value : value
        }
    }
}

/// A set of devices whose telephony presence is shown to the users authorised to the group.
public struct IntercomGroup: CompanyScoped, Codable, Equatable {
    public var id: Int64?
    public var companyId: Int64
    public var domainId: Int64
    public var name: String
    public var devices: [SupervisedDeviceRange]

    public init(id: Int64? = nil, companyId: Int64, domainId: Int64, name: String, devices: [SupervisedDeviceRange]) {
        self.id = id
        self.companyId = companyId
        self.domainId = domainId
        self.name = name
        self.devices = devices
    }
}

/// A shared call queue shown by the Alerter to authorised users (admin guide 9.2.2).
public struct PhoneQueue: CompanyScoped, Codable, Equatable {
    public var id: Int64?
    public var companyId: Int64
    public var domainId: Int64
    public var name: String
    public var device: SupervisedDeviceRange
    /// Supervision alert when this many calls wait (nil: no alert).
    public var alertWaitingCalls: Int?
    /// Supervision alert when a call has waited this many seconds (nil: no alert).
    public var alertLongestWaitSeconds: Int?

    public init(
        id: Int64? = nil,
        companyId: Int64,
        domainId: Int64,
        name: String,
        device: SupervisedDeviceRange,
        alertWaitingCalls: Int? = nil,
        alertLongestWaitSeconds: Int? = nil
    ) {
        self.id = id
        self.companyId = companyId
        self.domainId = domainId
        self.name = name
        self.device = device
        self.alertWaitingCalls = alertWaitingCalls
        self.alertLongestWaitSeconds = alertLongestWaitSeconds
    }
}
