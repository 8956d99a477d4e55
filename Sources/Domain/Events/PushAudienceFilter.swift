import Foundation

/// What one subscriber may receive, computed from their rights when they subscribe.
public struct PushAudienceFilter: Sendable, Equatable {
    public var userId: Int64
    public var domainId: Int64
    /// Device numbers whose events this user may see: their own plus those their rights reveal.
    public var visibleDevices: Set<String>
    /// Directories the user may read.
    public var readableDirectories: Set<Int64>

    public init(userId: Int64, domainId: Int64, visibleDevices: Set<String>, readableDirectories: Set<Int64> = []) {
        self.userId = userId
        self.domainId = domainId
        self.visibleDevices = visibleDevices
        self.readableDirectories = readableDirectories
    }

    public func admits(_ audience: PushAudience) -> Bool {
        switch audience {
        case .device(let number): visibleDevices.contains(number)
        case .user(let id): id == userId
        case .domain: true
        case .directory(let id): readableDirectories.contains(id)
        }
    }
}
