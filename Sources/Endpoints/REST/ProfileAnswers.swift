import API
import Auth
import Domain
import Foundation
import HTTPTypes
import OpenAPIRuntime
import Synchronization

/// `GET /api/v1/me` answered from the bytes last encoded for the same profile (issue 22). Clients ask for it at every
/// start and reconnection; the profile itself is kept by `UserProfileService` until the configuration changes, and
/// its encoding (48 resolved parameters for a Caller user) was 41% of the request's CPU.
///
/// The answer is the generated type encoded as the OpenAPI layer does (same options, same date transcoder), so the
/// bytes are the same; a profile that differs in anything is encoded anew. A request with a query string, or from
/// anyone but a signed-in user, goes on to the generated handler.
final class ProfileAnswers: ServerMiddleware, Sendable {
    let profiles: UserProfileService
    private let encoded = Mutex<[Int64: (profile: UserProfile, body: [UInt8])]>([:])
    /// Users whose encoded profile is kept; past it the table starts again (one entry is a few KiB).
    static let capacity = 10_000

    init(profiles: UserProfileService) { self.profiles = profiles }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let transcoder = RFC3339DateTranscoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(try transcoder.encode(date))
        }
        return encoder
    }

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard operationID == "getMe", request.path?.contains("?") == false, case .user(let user) = Caller.current else {
            return try await next(request, body, metadata)
        }
        let profile = try await profiles.profile(user)
        // Equal profiles compare fast: a kept profile shares its arrays' and strings' storage with the cached one.
        if let kept = encoded.withLock({ $0[user.userId] }), kept.profile == profile {
            return Self.answer(kept.body)
        }
        let bytes = Array(try Self.encoder().encode(try Components.Schemas.Me(profile)))
        encoded.withLock { table in
            if table.count >= Self.capacity, table[user.userId] == nil { table.removeAll(keepingCapacity: true) }
            table[user.userId] = (profile, bytes)
        }
        return Self.answer(bytes)
    }

    static func answer(_ bytes: [UInt8]) -> (HTTPResponse, HTTPBody?) {
        (HTTPResponse(status: .ok, headerFields: [.contentType: "application/json; charset=utf-8"]), HTTPBody(bytes))
    }
}
