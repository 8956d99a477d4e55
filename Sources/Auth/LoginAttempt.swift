import Domain
import Logging

/// What a client sends to log in.
public struct LoginAttempt: Sendable {
    public var company: String?
    public var domain: String?
    public var username: String
    public var password: String?
    public var clientAddress: String?

    public init(company: String? = nil, domain: String? = nil, username: String, password: String? = nil, clientAddress: String? = nil) {
        self.company = company
        self.domain = domain
        self.username = username
        self.password = password
        self.clientAddress = clientAddress
    }
}
