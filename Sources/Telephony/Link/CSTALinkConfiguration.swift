import Domain
import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// How to reach and talk to one PBX.
public struct CSTALinkConfiguration: Sendable {
    /// ECMA-354 session set-up, for PBX types that want one before any CSTA service.
    public struct ApplicationSession: Sendable {
        public var applicationID: String
        public var userName: String?
        public var password: String?
        public var durationSeconds: Int

        public init(applicationID: String = "TWS", userName: String? = nil, password: String? = nil, durationSeconds: Int = 180) {
            self.applicationID = applicationID
            self.userName = userName
            self.password = password
            self.durationSeconds = durationSeconds
        }
    }

    public var linkId: Int64
    public var domainId: Int64
    public var host: String
    public var port: Int
    public var edition: CSTAEdition
    public var applicationSession: ApplicationSession?
    public var keepAliveInterval: Duration
    public var requestTimeout: Duration
    /// How long a frame may stop arriving half-way before the link is closed as stalled.
    public var frameStallTimeout: Duration
    public var connectTimeout: Duration
    public var initialBackoff: Duration
    public var maximumBackoff: Duration
    /// MonitorStart/SnapshotDevice requests in flight at once while (re)monitoring.
    public var monitorConcurrency: Int

    public init(
        linkId: Int64,
        domainId: Int64,
        host: String,
        port: Int,
        edition: CSTAEdition = .ed4,
        applicationSession: ApplicationSession? = nil,
        keepAliveInterval: Duration = .seconds(30),
        requestTimeout: Duration = .seconds(5),
        frameStallTimeout: Duration = .seconds(3),
        connectTimeout: Duration = .seconds(5),
        initialBackoff: Duration = .milliseconds(200),
        maximumBackoff: Duration = .seconds(30),
        monitorConcurrency: Int = 64
    ) {
        self.linkId = linkId
        self.domainId = domainId
        self.host = host
        self.port = port
        self.edition = edition
        self.applicationSession = applicationSession
        self.keepAliveInterval = keepAliveInterval
        self.requestTimeout = requestTimeout
        self.frameStallTimeout = frameStallTimeout
        self.connectTimeout = connectTimeout
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
        self.monitorConcurrency = max(1, monitorConcurrency)
    }

    /// PBX types whose CTI interface wants an ECMA-354 application session first.
    public static func needsApplicationSession(pbxType: String) -> Bool {
        ["avaya", "aes", "cisco", "cucm", "ecma-354", "session"].contains { pbxType.lowercased().contains($0) }
    }
}
