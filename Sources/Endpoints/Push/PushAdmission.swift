import Domain
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging

/// The checks every push request passes before it is served, before a WebSocket upgrade and on the HTTP routes
/// alike: a live user or administrator token, and the audience their rights give them. Also reads the query parameters.
struct PushAdmission: Sendable {
    /// Who holds a push connection: the gate counts connections per subscriber.
    enum Subscriber: Sendable, Hashable, CustomStringConvertible {
        case user(Int64)
        case administrator(Int64)

        var description: String {
            switch self {
            case .user(let id): "user \(id)"
            case .administrator(let id): "administrator \(id)"
            }
        }
    }

    /// A request that passed.
    struct Ticket: Sendable {
        let subscriber: Subscriber
        /// One filter per domain whose events the connection receives: the user's domain, or the domains of an
        /// administrator's companies (only the one named by `domainId` when given).
        let filters: [PushAudienceFilter]
        /// Kept so an open socket can check the session again.
        let token: String
        /// The domain an administrator named (`domainId`); nil for users and for administrators watching all theirs.
        var requestedDomain: Int64? = nil

        /// The one domain whose seq `after` and a long-poll's `next` count in: the user's, or the one an administrator
        /// named. Nil for an administrator who named none: sequence numbers are per domain, so such a connection is
        /// live only, and cannot long-poll.
        var resumableDomain: Int64? {
            switch subscriber {
            case .user: filters.first?.domainId
            case .administrator: requestedDomain
            }
        }
    }

    let authenticate: @Sendable (String) async throws -> UserPrincipal
    let audience: @Sendable (UserPrincipal) async throws -> PushAudienceFilter
    let administration: PushAdministration?
    let logger: Logger

    /// Authenticates the request's token (`Authorization: Bearer` or `?access_token=`) and computes its audience: a
    /// user token first, then, when administrators are admitted, an administrator token.
    func admit(headers: HTTPFields, query: FlatDictionary<Substring, Substring>) async throws(PushRefusal) -> Ticket {
        // Browsers cannot set headers on a WebSocket, hence the query parameter.
        guard let token = RequestFacts(headers: headers, clientAddress: nil).bearerToken ?? query["access_token"].map(String.init),
            !token.isEmpty
        else { throw .unauthenticated }
        let domainId = try Self.domainId(query)
        do {
            let principal: UserPrincipal
            do {
                principal = try await authenticate(token)
            } catch let error as DomainError where error.kind == .unauthorized {
                guard let administration, let admin = try? await administration.authenticate(token) else { throw error }
                let filters = try await administration.filters(admin, domainId)
                return Ticket(subscriber: .administrator(admin.adminId), filters: filters, token: token, requestedDomain: domainId)
            }
            var filter = try await audience(principal)
            // The audience describes this user in this domain, whatever the closure computed.
            filter.receiver = .user
            filter.userId = principal.userId
            filter.domainId = principal.domainId
            return Ticket(subscriber: .user(principal.userId), filters: [filter], token: token)
        } catch let error as DomainError {
            throw PushRefusal(error)
        } catch {
            logger.error("push admission failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            throw .internalError
        }
    }

    /// Checks the session of an open connection again: throws `unauthenticated` once it was logged out, revoked or
    /// expired (or the user disabled), and whatever else the store throws.
    func recheck(_ ticket: Ticket) async throws {
        switch ticket.subscriber {
        case .user: _ = try await authenticate(ticket.token)
        case .administrator:
            guard let administration else { throw DomainError.unauthenticated }
            _ = try await administration.authenticate(ticket.token)
        }
    }

    // MARK: Query parameters

    /// `after`: the last seq the client handled; nil when absent.
    static func after(_ query: FlatDictionary<Substring, Substring>) throws(PushRefusal) -> UInt64? {
        guard let text = query["after"] else { return nil }
        guard let value = UInt64(text) else { throw .invalidParameter("after", "after must be a sequence number (an integer from 0)") }
        return value
    }

    /// `domainId`: the one domain an administrator's connection is about; nil when absent. Users are always in their own
    /// domain and the parameter means nothing to them.
    static func domainId(_ query: FlatDictionary<Substring, Substring>) throws(PushRefusal) -> Int64? {
        guard let text = query["domainId"] else { return nil }
        guard let value = Int64(text), value > 0 else { throw .invalidParameter("domainId", "domainId must be a domain id (a positive integer)") }
        return value
    }

    /// Checks `after` against the ticket's domain and its last seq (a later one is a client error, not a wait).
    static func check(after: UInt64?, bus: EventBus, ticket: Ticket) throws(PushRefusal) {
        guard let after else { return }
        guard let domainId = ticket.resumableDomain else {
            throw .invalidParameter("after", "sequence numbers are per domain: an administrator resumes with after and the domainId it counts in")
        }
        let current = bus.currentSeq(domainId: domainId)
        if after > current { throw .invalidParameter("after", "after (\(after)) is beyond the last event of the domain (\(current))") }
    }

    /// `timeout`: seconds a long-poll may wait, 0 to the limit; the default when absent.
    static func timeout(_ query: FlatDictionary<Substring, Substring>, limits: PushLimits) throws(PushRefusal) -> Duration {
        guard let text = query["timeout"] else { return limits.defaultPollTimeout }
        let maximum = Double(limits.maxPollTimeout.components.seconds)
        guard let seconds = Double(text), seconds.isFinite, seconds >= 0, seconds <= maximum else {
            throw .invalidParameter("timeout", "timeout must be a number of seconds from 0 to \(Int(maximum))")
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// `limit`: the most events in one long-poll answer, 1 to the limit; the limit when absent.
    static func limit(_ query: FlatDictionary<Substring, Substring>, limits: PushLimits) throws(PushRefusal) -> Int {
        guard let text = query["limit"] else { return limits.maxPollEvents }
        guard let value = Int(text), (1...limits.maxPollEvents).contains(value) else {
            throw .invalidParameter("limit", "limit must be an integer from 1 to \(limits.maxPollEvents)")
        }
        return value
    }
}
