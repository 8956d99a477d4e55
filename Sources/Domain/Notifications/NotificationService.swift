import Foundation

/// A user's notification settings and the call-back links of their missed-call e-mails (issue 20).
public struct NotificationService: Sendable {
    /// What `GET /api/v1/me/notifications` answers.
    public struct Settings: Sendable, Equatable {
        public var missedCallEmail: Bool
        /// Whether an e-mail tells of each new voicemail message (the lamp of one of the user's lines going on).
        public var voicemailEmail: Bool
        /// Whether `AuthorizedEmailNotification` lets the user turn e-mails on.
        public var allowed: Bool
        /// Where e-mails go: the user's e-mail address (empty when none is set).
        public var email: String
    }

    let tenants: any TenantStore
    let store: any MailStore
    let calls: CallControl
    let signer: CallBackLinkSigner
    private let now: @Sendable () -> Date

    public init(tenants: any TenantStore, store: any MailStore, calls: CallControl, signer: CallBackLinkSigner, now: @escaping @Sendable () -> Date = Date.init) {
        self.tenants = tenants
        self.store = store
        self.calls = calls
        self.signer = signer
        self.now = now
    }

    public func settings(_ principal: UserPrincipal) async throws -> Settings {
        let (user, allowed) = try await userAndRight(principal)
        return Settings(
            missedCallEmail: try await store.missedCallEmail(userId: principal.userId),
            voicemailEmail: try await store.voicemailEmail(userId: principal.userId),
            allowed: allowed,
            email: user.email
        )
    }

    /// Turns missed-call e-mails on or off for the signed-in user; see `update`.
    public func setMissedCallEmail(_ principal: UserPrincipal, enabled: Bool) async throws -> Settings {
        try await update(principal, missedCallEmail: enabled, voicemailEmail: nil)
    }

    /// Turns the user's e-mails on or off (a nil switch keeps its value). Turning one on needs
    /// `AuthorizedEmailNotification` (403 `email_notification_not_authorized`) and an e-mail address (422
    /// `email_address_missing`); off is always allowed. Both are checked before either is saved.
    public func update(_ principal: UserPrincipal, missedCallEmail: Bool?, voicemailEmail: Bool?) async throws -> Settings {
        guard missedCallEmail != nil || voicemailEmail != nil else {
            throw DomainError.invalid(field: "body", "Name at least one of missedCallEmail and voicemailEmail")
        }
        let (user, allowed) = try await userAndRight(principal)
        for (field, enabled) in [("missedCallEmail", missedCallEmail), ("voicemailEmail", voicemailEmail)] where enabled == true {
            guard allowed else {
                var error = DomainError.forbidden(
                    code: "email_notification_not_authorized",
                    "AuthorizedEmailNotification does not allow this user to turn e-mail notifications on"
                )
                error.parameter = MailServer.Parameter.authorized
                throw error
            }
            guard MailAddress(user.email) != nil else {
                throw DomainError(.unprocessable, code: "email_address_missing", "The user has no usable e-mail address", field: field)
            }
        }
        try await store.setEmailNotifications(
            userId: principal.userId,
            companyId: principal.companyId,
            missedCall: missedCallEmail,
            voicemail: voicemailEmail
        )
        return try await settings(principal)
    }

    private func userAndRight(_ principal: UserPrincipal) async throws -> (User, Bool) {
        try await tenants.read { tx in
            guard let user = try tx.user(id: principal.userId), user.companyId == principal.companyId else { throw DomainError.unauthenticated }
            try ApplicationAccess.require(.telephony, principal: principal, user: user, tx)
            return (user, try MailServer.resolve(for: user, in: tx).authorized)
        }
    }

    /// Opens a call-back link: the signed-in user's device calls the caller back (`CallControl.makeCall`: rights,
    /// dialing plan). 404 for a forged or unknown token (or one of another company), 403 `call_back_link_not_yours`
    /// for a colleague's, 410 `call_back_link_used` / `call_back_link_expired`. The link is claimed in one transaction
    /// before the call; when the call cannot be placed it is released, so the user can try again.
    public func callBack(_ principal: UserPrincipal, token: String) async throws -> PlacedCall {
        let notFound = DomainError(.notFound, code: "not_found", "Call-back link not found")
        guard let id = signer.id(of: token) else { throw notFound }
        let time = now()
        let claimed = try await store.claimCallBackLink(id: id, at: time) { link in
            guard link.companyId == principal.companyId else { throw notFound }
            guard link.userId == principal.userId else {
                throw DomainError.forbidden(code: "call_back_link_not_yours", "This call-back link belongs to another user")
            }
            guard link.usedAt == nil else { throw DomainError(.gone, code: "call_back_link_used", "This call-back link has already been used") }
            guard link.expiresAt > time else { throw DomainError(.gone, code: "call_back_link_expired", "This call-back link has expired") }
        }
        guard let link = claimed else { throw notFound }
        do {
            return try await calls.makeCall(principal, device: link.device, number: link.number)
        } catch {
            try? await store.releaseCallBackLink(id: link.id)
            throw error
        }
    }
}
