import Domain
import Foundation
import HummingbirdWebSocket
import Logging
import NIOWebSocket

/// One open WebSocket of `GET /events`: sends the user's events as text frames until the client leaves, the bus
/// cuts it off as a slow consumer, or its session ends; the last two close the socket with a code and a reason.
struct PushSocket: Sendable {
    /// How a socket ends, and the close frame the server sends for it.
    enum Ending: Sendable, Equatable {
        case clientLeft
        case slowConsumer
        case sessionEnded
        case writeFailed

        /// Sent by the server; nil when the client closed first or the connection is gone.
        var close: (code: WebSocketErrorCode, reason: String)? {
            switch self {
            // RFC 6455 7.4.1: 1008 is "policy violation".
            case .slowConsumer: (.policyViolation, PushSubscriptionEnd.slowConsumer.rawValue)
            // 4000-4999 are the application's (RFC 6455 7.4.2); 4401 mirrors HTTP 401.
            case .sessionEnded: (.unknown(PushSocket.sessionEndedCode), "session_ended")
            case .clientLeft, .writeFailed: nil
            }
        }
    }

    /// The close code of a socket whose session was logged out, revoked or expired.
    static let sessionEndedCode: UInt16 = 4401

    let ticket: PushAdmission.Ticket
    /// The seq the socket starts after: the client's `after`, or the domain's seq when the upgrade was accepted.
    let after: UInt64
    let bus: EventBus
    let authenticate: @Sendable (String) async throws -> UserPrincipal
    let sessionRecheckInterval: Duration
    let frames: PushEventFrames
    let logger: Logger

    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        let subscription: PushSubscription
        do {
            subscription = try bus.subscribe(domainId: ticket.principal.domainId, after: after, filter: ticket.filter)
        } catch {
            // Checked before the upgrade, and seqs only grow: not expected.
            logger.error("push subscription refused after upgrade", metadata: ["error": "\(error.code)"])
            try await outbound.close(.unexpectedServerError, reason: error.code)
            return
        }
        defer { subscription.cancel() }
        logger.debug("push socket open", metadata: ["user": "\(ticket.principal.userId)", "after": "\(after)"])
        let ending = await withTaskGroup(of: Ending.self) { group in
            group.addTask { await forward(subscription, to: outbound) }
            group.addTask {
                // Clients have nothing to say; reading keeps ping/pong and the close handshake going.
                do { for try await _ in inbound {} } catch {}
                return .clientLeft
            }
            group.addTask { await watchSession() }
            let first = await group.next() ?? .clientLeft
            group.cancelAll()
            return first
        }
        logger.debug("push socket closed", metadata: ["user": "\(ticket.principal.userId)", "ending": "\(ending)"])
        if ending == .slowConsumer { logger.notice("push subscriber cut off as a slow consumer", metadata: ["user": "\(ticket.principal.userId)"]) }
        if let close = ending.close { try await outbound.close(close.code, reason: close.reason) }
    }

    private func forward(_ subscription: PushSubscription, to outbound: WebSocketOutboundWriter) async -> Ending {
        let encoder = PushEventFrames.makeEncoder()
        let domainId = ticket.principal.domainId
        do {
            for try await event in subscription {
                try await outbound.write(.text(try frames.text(of: event, domainId: domainId, encoder: encoder)))
            }
            return .clientLeft
        } catch is PushSubscriptionEnd {
            return .slowConsumer
        } catch {
            return .writeFailed
        }
    }

    /// Returns when the socket's session no longer authenticates (logged out, revoked, expired, user disabled).
    private func watchSession() async -> Ending {
        while true {
            do {
                try await Task.sleep(for: sessionRecheckInterval)
            } catch {
                return .clientLeft
            }
            do {
                _ = try await authenticate(ticket.token)
            } catch let error as DomainError where error.kind == .unauthorized {
                return .sessionEnded
            } catch {
                // The store could not answer: keep the socket and ask again next time.
                logger.warning("push session check failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            }
        }
    }
}
