/// An error a client can act on: a stable machine code, a message, and the field at fault.
///
/// Endpoints maps `kind` to an HTTP status (REST problem+json) or a SOAP fault in one place.
public struct DomainError: Error, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case invalid, unauthorized, forbidden, notFound, conflict, tooManyRequests
        /// The value has the contract's shape but its meaning cannot be used (422): a regular expression that does not
        /// compile, a capture group the expression does not have. JSON Schema cannot say these, so the contract's
        /// descriptions do; everything a schema can say is a 400 `invalid`.
        case unprocessable
        /// The PBX behind the request cannot be reached (503) or did not answer in time (504).
        case unavailable, gatewayTimeout
        /// What the request names existed but is no longer usable (410): a used or expired call-back link.
        case gone
    }

    public var kind: Kind
    /// Stable code, e.g. `not_found`, `licence_exhausted`, `password_change_required`.
    public var code: String
    public var message: String
    public var field: String?
    /// The line of an uploaded document at fault (an Alerter template), when there is one.
    public var line: Int?
    /// The parameter that refused the request (`rule_not_authorized`: `AuthorizedForwardTypeBusy`, …).
    public var parameter: String?
    /// The devices of a forwarding loop (`forward_loop`), from the rule's owner back to where the call started.
    public var chain: [String]?
    /// For `tooManyRequests`: seconds until a retry may succeed (sent as `Retry-After`).
    public var retryAfter: Int?

    public init(_ kind: Kind, code: String, _ message: String, field: String? = nil) {
        self.kind = kind
        self.code = code
        self.message = message
        self.field = field
    }

    public static func invalid(field: String, _ message: String) -> DomainError {
        DomainError(.invalid, code: "invalid_field", message, field: field)
    }
    public static func notFound(_ what: String) -> DomainError { DomainError(.notFound, code: "not_found", "\(what) not found") }
    /// A body naming an object that does not exist, or that the caller may not see: 404 like the object's own address
    /// would answer, with the field that named it. (400 stays for input whose shape the contract refuses.)
    public static func missing(field: String, _ message: String) -> DomainError {
        DomainError(.notFound, code: "not_found", message, field: field)
    }
    public static func conflict(code: String, _ message: String) -> DomainError { DomainError(.conflict, code: code, message) }
    public static func forbidden(code: String = "forbidden", _ message: String) -> DomainError { DomainError(.forbidden, code: code, message) }
    /// How a PBX failure reads to a client: a refusal is a conflict with the call's state, the rest are gateway errors.
    public static func pbx(_ error: SwitchError) -> DomainError {
        switch error {
        case .notConnected: DomainError(.unavailable, code: "pbx_unavailable", "The PBX link serving this device is down")
        case .timeout: DomainError(.gatewayTimeout, code: "pbx_timeout", "The PBX did not answer in time")
        case .rejected(let category, let value): DomainError(.conflict, code: "pbx_refused", "The PBX refused the request: \(category) \(value)")
        }
    }
    public static let invalidCredentials = DomainError(.unauthorized, code: "invalid_credentials", "Invalid credentials")
    public static let unauthenticated = DomainError(.unauthorized, code: "unauthenticated", "A valid session token is required")
    public static let passwordChangeRequired = DomainError(
        .forbidden,
        code: "password_change_required",
        "The default administrator password must be changed before anything else"
    )
}
