import Foundation

/// A directory synchronisation's progress or end, for the users who read the directory.
public struct DirectorySyncPayload: Codable, Sendable, Equatable {
    public var directoryId: Int64
    public var state: DirectorySyncReport.State
    public var read: Int
    public var created: Int
    public var updated: Int
    public var deleted: Int
    public var ignored: Int
    public var error: String?

    public init(directoryId: Int64, report: DirectorySyncReport) {
        self.directoryId = directoryId
        self.state = report.state
        self.read = report.read
        self.created = report.created
        self.updated = report.updated
        self.deleted = report.deleted
        self.ignored = report.ignored
        self.error = report.error
    }
}
