import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// The socket of one connection and its bind deadline: the watchdog that stops an ldaps handshake to a silent server.
///
/// libldap reports the socket from its connect callback (on the connection's thread); the deadline fires on one of
/// NIO's shared event loops, where `expire` only takes a lock and calls `shutdown`, which does not block. The socket is
/// `dup`ed so that a descriptor libldap has closed and the process has reused is never touched: `shutdown` on the
/// duplicate stops the same connection and nothing else.
final class ConnectionWatch: Sendable {
    private struct State {
        var sockets: [Int32] = []
        var wasConnected = false
        var expired = false
        var disarmed = false
        var timer: Scheduled<Void>?
    }
    private let state = Mutex(State())

    var wasConnected: Bool { state.withLock { $0.wasConnected } }
    var expired: Bool { state.withLock { $0.expired } }

    /// Records a new connection's socket.
    func connected(_ fd: Int32) {
        let copy = dup(fd)
        state.withLock { state in
            state.wasConnected = true
            guard copy >= 0 else { return }
            if state.disarmed || state.expired {
                if state.expired { shutdown(copy, Int32(SHUT_RDWR)) }
                close(copy)
            } else {
                state.sockets.append(copy)
            }
        }
    }

    /// Starts the deadline; `disarm` cancels it.
    func arm(after deadline: Duration) {
        let (seconds, attoseconds) = deadline.components
        let nanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .nanoseconds(nanoseconds)) { [self] in expire() }
        state.withLock { $0.timer = timer }
    }

    /// The deadline passed: shut the connection down so the blocked libldap call returns.
    private func expire() {
        state.withLock { state in
            guard !state.disarmed else { return }
            state.expired = true
            for fd in state.sockets { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    /// The bind is over: the deadline no longer matters; close the duplicates.
    func disarm() {
        let timer = state.withLock { state in
            state.disarmed = true
            for fd in state.sockets { close(fd) }
            state.sockets = []
            defer { state.timer = nil }
            return state.timer
        }
        timer?.cancel()
    }
}
