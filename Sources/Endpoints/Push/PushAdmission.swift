import Domain
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging

/// The checks every push request passes before it is served, before a WebSocket upgrade and on the HTTP routes
/// alike: a live user token, and the audience the user's rights give them. Also reads the query parameters.
struct PushAdmission: Sendable {
    /// A request that passed.
    struct Ticket: Sendable {
        let principal: UserPrincipal
        let filter: PushAudienceFilter
        /// Kept so an open socket can check the session again.
        let token: String
    }

    let authenticate: @Sendable (String) async throws -> UserPrincipal
    let audience: @Sendable (UserPrincipal) async throws -> PushAudienceFilter
    let logger: Logger

    /// Authenticates the request's token (`Authorization: Bearer` or `?access_token=`) and computes its audience.
    func admit(headers: HTTPFields, query: FlatDictionary<Substring, Substring>) async throws(PushRefusal) -> Ticket {
        // Browsers cannot set headers on a WebSocket, hence the query parameter.
        guard let token = RequestFacts(headers: headers, clientAddress: nil).bearerToken ?? query["access_token"].map(String.init),
            !token.isEmpty
        else { throw .unauthenticated }
        do {
            let principal = try await authenticate(token)
            var filter = try await audience(principal)
            // The audience describes this user in this domain, whatever the closure computed.
            filter.userId = principal.userId
            filter.domainId = principal.domainId
            return Ticket(principal: principal, filter: filter, token: token)
        } catch let error as DomainError {
            throw PushRefusal(error)
        } catch {
            logger.error("push admission failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            throw .internalError
        }
    }

    // MARK: Query parameters

    /// `after`: the last seq the client handled; nil when absent.
    static func after(_ query: FlatDictionary<Substring, Substring>) throws(PushRefusal) -> UInt64? {
        guard let text = query["after"] else { return nil }
        guard let value = UInt64(text) else { throw .invalidParameter("after", "after must be a sequence number (an integer from 0)") }
        return value
    }

    /// Checks `after` against the domain's last seq (a later one is a client error, not a wait).
    static func check(after: UInt64?, bus: EventBus, domainId: Int64) throws(PushRefusal) {
        guard let after else { return }
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
