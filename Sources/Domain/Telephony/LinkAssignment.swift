import Foundation

/// Which devices a PBX link supervises (admin guide 10.4 "Current" / "Count").
public struct LinkAssignment: Sendable, Equatable {
    public var link: PbxLink
    public var devices: [String]

    public init(link: PbxLink, devices: [String]) {
        self.link = link
        self.devices = devices
    }
}
