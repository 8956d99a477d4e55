import Domain
import Foundation
import HummingbirdWebSocket
import Logging
import NIOWebSocket

/// One open WebSocket of `GET /events`: sends the user's events (or an administrator's, from each domain of their
/// companies) as text frames until the client leaves, the bus cuts it off as a slow consumer, or its session ends;
/// the last two close the socket with a code and a reason.
struct PushSocket: Sendable {
    /// Where the socket starts in one domain.
    struct Start: Sendable {
        let filter: PushAudienceFilter
        /// The seq it starts after: the client's `after`, or the domain's seq when the upgrade was accepted.
        let after: UInt64
    }

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
    /// One per domain of the ticket.
    let starts: [Start]
    let bus: EventBus
    let admission: PushAdmission
    let sessionRecheckInterval: Duration
    let frames: PushEventFrames
    let logger: Logger

    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        var subscriptions: [(domainId: Int64, subscription: PushSubscription)] = []
        for start in starts {
            do {
                let domainId = start.filter.domainId
                subscriptions.append((domainId, try bus.subscribe(domainId: domainId, after: start.after, filter: start.filter)))
            } catch {
                // Checked before the upgrade, and seqs only grow: not expected.
                logger.error("push subscription refused after upgrade", metadata: ["error": "\(error.code)"])
                for (_, subscription) in subscriptions { subscription.cancel() }
                try await outbound.close(.unexpectedServerError, reason: error.code)
                return
            }
        }
        defer { for (_, subscription) in subscriptions { subscription.cancel() } }
        let subscriber = ticket.subscriber
        logger.debug("push socket open", metadata: ["subscriber": "\(subscriber)", "domains": "\(starts.map(\.filter.domainId))"])
        let ending = await withTaskGroup(of: Ending.self) { group in
            // One sender per domain: each frame is written whole, so an administrator's domains interleave event by event.
            for (domainId, subscription) in subscriptions {
                group.addTask { await forward(subscription, of: domainId, to: outbound) }
            }
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
        logger.debug("push socket closed", metadata: ["subscriber": "\(subscriber)", "ending": "\(ending)"])
        if ending == .slowConsumer { logger.notice("push subscriber cut off as a slow consumer", metadata: ["subscriber": "\(subscriber)"]) }
        if let close = ending.close { try await outbound.close(close.code, reason: close.reason) }
    }

    private func forward(_ subscription: PushSubscription, of domainId: Int64, to outbound: WebSocketOutboundWriter) async -> Ending {
        let encoder = PushEventFrames.makeEncoder()
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
    /// Administrators are checked the same way.
    private func watchSession() async -> Ending {
        while true {
            do {
                try await Task.sleep(for: sessionRecheckInterval)
            } catch {
                return .clientLeft
            }
            do {
                try await admission.recheck(ticket)
            } catch let error as DomainError where error.kind == .unauthorized {
                return .sessionEnded
            } catch {
                // The store could not answer: keep the socket and ask again next time.
                logger.warning("push session check failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            }
        }
    }
}
