import Foundation

/// Writes missed-call e-mails into the mail outbox (issue 20), in the transaction that writes the call-log lines.
///
/// Before that transaction, the call-log writer asks `recipients` who among the owners of the devices that missed a
/// call wants an e-mail (turned on, allowed by `AuthorizedEmailNotification`, with an e-mail address); inside it,
/// `mails` turns the missed lines written into messages and call-back links, without reading anything. A line is
/// mailed only to the user it belongs to.
public struct MissedCallMail: Sendable {
    /// Who gets a mail for a missed call at one device, and how.
    public struct Recipient: Sendable, Equatable {
        public var userId: Int64
        public var to: MailAddress
        public var from: MailAddress
        /// The domain's time zone: the time in the mail is the one on the user's wall.
        public var zone: TimeZone
    }

    let tenants: any TenantStore
    let store: any MailStore
    let signer: CallBackLinkSigner
    /// `scheme://host[:port]` clients reach the server at; the link opens the web client there.
    let publicURL: String
    /// How long a call-back link works.
    let validity: TimeInterval
    let doorbell: Doorbell
    let onFailure: @Sendable (any Error) -> Void

    public init(
        tenants: any TenantStore,
        store: any MailStore,
        signer: CallBackLinkSigner,
        publicURL: String,
        validity: TimeInterval = 7 * 86_400,
        doorbell: Doorbell,
        onFailure: @escaping @Sendable (any Error) -> Void = { _ in }
    ) {
        self.tenants = tenants
        self.store = store
        self.signer = signer
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        self.validity = validity
        self.doorbell = doorbell
        self.onFailure = onFailure
    }

    /// The recipient of each device of `calls` that missed one and whose owner wants an e-mail. Mails are a side show of
    /// the call log: a store that cannot answer costs them (reported), never the lines.
    public func recipients(for calls: [FinishedCall], domainId: Int64) async -> [String: Recipient] {
        let devices = Set(calls.filter(MissedCallAlerts.isMissed).map(\.device))
        guard !devices.isEmpty else { return [:] }
        do {
            let owners = try await tenants.read { tx in
                try tx.devices(domainId: domainId, numbers: devices.sorted()).map { device in (device.number, device.userId) }
            }
            let enabled = try await store.usersWithMissedCallEmail(Array(Set(owners.map(\.1))))
            guard !enabled.isEmpty else { return [:] }
            return try await tenants.read { tx in
                let zone = try tx.domain(id: domainId)?.zone ?? TimeZone(identifier: "UTC")!
                var byUser: [Int64: Recipient?] = [:]
                var result: [String: Recipient] = [:]
                for (number, userId) in owners where enabled.contains(userId) {
                    if byUser[userId] == nil { byUser[userId] = try Self.recipient(userId: userId, zone: zone, tx) }
                    if let recipient = byUser[userId] ?? nil { result[number] = recipient }
                }
                return result
            }
        } catch {
            onFailure(error)
            return [:]
        }
    }

    /// The user as a recipient: enabled, still allowed, with a usable address.
    static func recipient(userId: Int64, zone: TimeZone, _ tx: any StoreTransaction) throws -> Recipient? {
        guard let user = try tx.user(id: userId), user.enabled else { return nil }
        let name = "\(user.firstName) \(user.lastName)".trimmingCharacters(in: .whitespaces)
        guard let to = MailAddress(user.email, name: name.isEmpty ? user.username : name) else { return nil }
        let settings = try MailServer.resolve(for: user, in: tx)
        guard settings.authorized else { return nil }
        return Recipient(userId: userId, to: to, from: settings.sender ?? MailAddress("tws@localhost", name: "TWS")!, zone: zone)
    }

    /// The mails of the missed lines among `lines`, each with its call-back link (no reads: called inside the
    /// call-log transaction).
    public func mails(for lines: [CallLogEntry], recipients: [String: Recipient], time: Date) -> [MissedCallMailRow] {
        lines.compactMap { line in
            guard MissedCallAlerts.isMissed(kind: line.kind, cause: line.cause), let recipient = recipients[line.device],
                recipient.userId == line.userId, let number = line.peerNumber, !number.isEmpty
            else { return nil }
            let id = CallBackLinkSigner.newId()
            let link = CallBackLink(
                id: id,
                companyId: line.companyId,
                domainId: line.domainId,
                userId: line.userId,
                device: line.device,
                number: number,
                createdAt: time,
                expiresAt: time.addingTimeInterval(validity)
            )
            let message = Self.message(
                caller: line.peerName,
                number: number,
                device: line.device,
                at: line.startedAt,
                zone: recipient.zone,
                url: "\(publicURL)/app/?callBack=\(signer.token(id: id))",
                expires: link.expiresAt,
                to: recipient.to,
                from: recipient.from,
                messageId: "missed-\(id.filter { $0.isLetter || $0.isNumber })@tws",
                date: time
            )
            let mail = OutboxMail(companyId: line.companyId, domainId: line.domainId, userId: line.userId, message: message, createdAt: time)
            return MissedCallMailRow(mail: mail, link: link)
        }
    }

    /// The call-log writer committed `count` mails: the dispatcher is woken.
    public func committed(_ count: Int) {
        if count > 0 { doorbell.ring() }
    }

    /// The e-mail of one missed call, as text and as HTML.
    static func message(
        caller: String?,
        number: String,
        device: String,
        at time: Date,
        zone: TimeZone,
        url: String,
        expires: Date,
        to: MailAddress,
        from: MailAddress,
        messageId: String,
        date: Date
    ) -> MailMessage {
        let who = caller.map { "\($0) (\(number))" } ?? number
        let when = Self.format(time, zone)
        let until = Self.format(expires, zone)
        let text = """
            You missed a call from \(who) on \(when), on your line \(device).

            Call back: \(url)

            The link calls \(number) from your line once you are signed in. It works once, until \(until).
            """
        let html = """
            <!DOCTYPE html><html><body>\
            <p>You missed a call from <strong>\(escape(caller ?? number))</strong>\(caller == nil ? "" : " (\(escape(number)))") on \(escape(when)), \
            on your line \(escape(device)).</p>\
            <p><a href="\(escape(url))">Call back</a></p>\
            <p>The link calls \(escape(number)) from your line once you are signed in. It works once, until \(escape(until)).</p>\
            </body></html>
            """
        return MailMessage(from: from, to: [to], subject: "Missed call from \(who)", text: text, html: html, messageId: messageId, date: date)
    }

    /// `2026-12-04 14:05 (Europe/Paris)`.
    static func format(_ time: Date, _ zone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return "\(formatter.string(from: time)) (\(zone.identifier))"
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
    }
}
