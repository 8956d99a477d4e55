import NIOCore
import Synchronization

/// The port a listener is bound to: the configured one until the listener runs, then the one it got (port 0 asks the
/// system for a free port, as tests do).
///
/// The web client's page reads the push channel's port from here at serve time, so the browser connects to the port
/// the push listener really holds.
public final class ListenerPort: Sendable {
    private let port: Atomic<Int>

    public init(configured: Int) {
        port = Atomic(configured)
    }

    /// The port now.
    public var value: Int { port.load(ordering: .relaxed) }

    /// Records the port `channel` (a listening server channel) is bound to.
    public func bound(to channel: any Channel) {
        if let bound = channel.localAddress?.port { port.store(bound, ordering: .relaxed) }
    }
}
