import Foundation

/// E-mails a user when a voicemail message is left for them (issue 21; the guide's `AuthorizedEmailNotification`
/// covers "missed calls or voicemails left"): the PBX reports the lamp of one of their lines going on.
///
/// Only news is mailed: a MessageWaitingEvent that lit a lamp that was out. The state the gateway reads after
/// monitoring starts (a restart, a reconnection) may be hours old and mails nobody, and a second message while the lamp
/// is still on changes nothing the PBX reports. The mail's link calls the user's voicemail (`vmNumber`) from that line
/// once they are signed in, as a missed-call mail's link calls the caller back.
public struct VoicemailMail: CallEventObserver {
    /// The missed-call mails' stores, link signer, public address, link validity and dispatcher doorbell: the same
    /// outbox and links serve both.
    let base: MissedCallMail

    public init(sharing base: MissedCallMail) {
        self.base = base
    }

    public func observe(_ event: SwitchEvent?, _ output: CallModelOutput, domainId: Int64, time: Date) async {
        guard case .messageWaiting(let device, true, true) = event, output.events.contains(where: { $0.event.messageWaiting?.waiting == true })
        else { return }
        do {
            let rows = try await mails(device: device, domainId: domainId, time: time)
            guard !rows.isEmpty else { return }
            _ = try await base.store.insertMissedCallMails(rows)
            base.doorbell.ring()
        } catch {
            // A side show of the lamp: a store that cannot answer costs the mail (reported), never the event.
            base.onFailure(error)
        }
    }

    /// The mails for the owners of `device` who want them: allowed, with an address, turned on.
    func mails(device: String, domainId: Int64, time: Date) async throws -> [MissedCallMailRow] {
        let owners = try await base.tenants.read { tx in try tx.devices(domainId: domainId, numbers: [device]).map(\.userId) }
        let enabled = try await base.store.usersWithVoicemailEmail(owners)
        guard !enabled.isEmpty else { return [] }
        return try await base.tenants.read { tx in
            guard let domain = try tx.domain(id: domainId) else { return [] }
            let zone = domain.zone
            return try enabled.sorted().compactMap { userId in
                guard let recipient = try MissedCallMail.recipient(userId: userId, zone: zone, tx), let user = try tx.user(id: userId) else { return nil }
                let voicemail = try RuleParameters.value("vmNumber", of: .caller, for: user, tx).trimmingCharacters(in: .whitespaces)
                let id = CallBackLinkSigner.newId()
                let link = voicemail.contains(where: \.isNumber)
                    ? CallBackLink(
                        id: id,
                        companyId: user.companyId,
                        domainId: domainId,
                        userId: userId,
                        device: device,
                        number: voicemail,
                        createdAt: time,
                        expiresAt: time.addingTimeInterval(base.validity)
                    ) : nil
                let message = Self.message(
                    device: device,
                    at: time,
                    zone: zone,
                    listen: link.map { (url: "\(base.publicURL)/app/?callBack=\(base.signer.token(id: id))", number: $0.number, expires: $0.expiresAt) },
                    to: recipient.to,
                    from: recipient.from,
                    messageId: "voicemail-\(id.filter { $0.isLetter || $0.isNumber })@tws"
                )
                let mail = OutboxMail(companyId: user.companyId, domainId: domainId, userId: userId, message: message, createdAt: time)
                return MissedCallMailRow(mail: mail, link: link)
            }
        }
    }

    /// The e-mail of a new voicemail message, as text and as HTML.
    static func message(
        device: String,
        at time: Date,
        zone: TimeZone,
        listen: (url: String, number: String, expires: Date)?,
        to: MailAddress,
        from: MailAddress,
        messageId: String
    ) -> MailMessage {
        let when = MissedCallMail.format(time, zone)
        var text = "A new voicemail message was left for you on your line \(device) on \(when)."
        var html = "<!DOCTYPE html><html><body><p>A new voicemail message was left for you on your line \(MissedCallMail.escape(device)) on "
            + "\(MissedCallMail.escape(when)).</p>"
        if let listen {
            let until = MissedCallMail.format(listen.expires, zone)
            text += """


                Listen: \(listen.url)

                The link calls your voicemail (\(listen.number)) from your line once you are signed in. It works once, until \(until).
                """
            html += "<p><a href=\"\(MissedCallMail.escape(listen.url))\">Listen</a></p>"
                + "<p>The link calls your voicemail (\(MissedCallMail.escape(listen.number))) from your line once you are signed in. "
                + "It works once, until \(MissedCallMail.escape(until)).</p>"
        }
        html += "</body></html>"
        return MailMessage(
            from: from,
            to: [to],
            subject: "New voicemail message on your line \(device)",
            text: text,
            html: html,
            messageId: messageId,
            date: time
        )
    }
}
