import Foundation

/// The PBX links as a whole: what the admin pages read and what the supervision planner drives.
public protocol SwitchSupervisor: SwitchGateway {
    func apply(_ assignments: [LinkAssignment]) async
    func linkStates() -> [PbxLinkState]
    func deviceStates(domainId: Int64) -> [DeviceSupervisionState]
}
