import Domain

/// Where one leg of a Windows sign-in (HTTP Negotiate, RFC 4559) leaves the client.
public enum NegotiateSignIn: Sendable {
    /// Answer 401 with `WWW-Authenticate: Negotiate <output>` and wait for the client's next token (NTLM's second leg).
    case continueNeeded(output: [UInt8])
    /// Signed in; `output` (possibly empty) goes back in `WWW-Authenticate`.
    case signedIn(LoginResult, output: [UInt8])
}

extension SessionService {
    /// One leg of Windows single sign-on for REST's `negotiateLogin` and SOAP's `Login` alike (admin guide 6.2).
    ///
    /// Not configured (`acceptor` nil) answers 404 `negotiate_unavailable`, as if the address did not exist. A token
    /// GSSAPI refuses, or a principal other than `expectedUser` (SOAP's Login names its user), is audited with its
    /// reason and answered `invalid_credentials`, the reason staying on the server.
    public func signIn(
        negotiate acceptor: NegotiateAcceptor?,
        token: String,
        connection: String,
        clientAddress: String?,
        expectedUser: String? = nil
    ) async throws -> NegotiateSignIn {
        guard let acceptor else {
            throw DomainError(.notFound, code: "negotiate_unavailable", "Windows sign-in is not configured on this server")
        }
        do {
            switch try await acceptor.accept(base64Token: token, connection: connection) {
            case .continueNeeded(let output):
                return .continueNeeded(output: output)
            case .authenticated(let principal, let output):
                if let expectedUser, principal.user.lowercased() != expectedUser.trimmingCharacters(in: .whitespaces).lowercased() {
                    throw NegotiateRefusal(reason: "\(principal.name) signed in as \(expectedUser)")
                }
                return .signedIn(try await loginNegotiated(principal, clientAddress: clientAddress), output: output)
            }
        } catch let refusal as NegotiateRefusal {
            await auditNegotiateRefusal(refusal.reason, clientAddress: clientAddress)
            throw DomainError.invalidCredentials
        }
    }
}
