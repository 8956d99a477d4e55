import Foundation

/// The PBX links of the server, as Domain sees them: something that carries a command to the right PBX.
public protocol SwitchGateway: Sendable {
    func execute(_ command: SwitchCommand, domainId: Int64) async throws(SwitchError) -> SwitchReply
}
