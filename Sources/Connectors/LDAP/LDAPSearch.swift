import CLDAP
import Domain
import Foundation
import LDAP

/// One bound LDAP connection reading a subtree search page by page (RFC 2696 paged results).
///
/// Entries are taken from libldap one message at a time, and the next page is only asked for when the current
/// one is used up, so memory holds at most one page whatever the directory's size.
final class LDAPSearch: ReadingSession {
    /// Attributes that hold bytes, not text, even when the bytes happen to be valid UTF-8.
    private static let binaryAttributes: Set<String> = [
        "objectguid", "objectsid", "jpegphoto", "thumbnailphoto", "usercertificate", "cacertificate", "photo", "audio",
    ]

    private let settings: LDAPSourceSettings
    private let url: String
    /// The attributes asked for, nil for all user attributes.
    private let requested: [String]?
    private var connection: LDAPConnection?
    /// The search of the current page, -1 when none runs.
    private var messageID: Int32 = -1
    /// The server's paged-results cookie for the next page; empty on the first and after the last page.
    private var cookie: [UInt8] = []
    private var entriesRead = 0
    private var finished = false
    /// Completed pages (search results received), for tests and logs.
    private(set) var pagesRead = 0
    /// Whether the bound connection reads its replies through liblber's read-ahead buffer.
    var readsAhead: Bool { connection?.readsAhead ?? false }

    private var timeoutSeconds: Int { settings.timeoutSeconds > 0 ? settings.timeoutSeconds : 10 }
    private var paged: Bool { settings.pageSize > 0 }

    /// Connects, sets up TLS when asked, binds and sends the first page's search.
    init(settings: LDAPSourceSettings, attributes: [String]) throws(DirectorySourceError) {
        self.settings = settings
        url = Self.url(settings)
        // "dn" is not an attribute: every row carries it anyway. "1.1" asks for no attributes (RFC 4511 4.5.1.8).
        let wanted = attributes.map { $0.lowercased() }.filter { $0 != "dn" }
        requested = attributes.isEmpty ? nil : (wanted.isEmpty ? ["1.1"] : wanted)
        guard settings.bindDN.isEmpty || !settings.password.isEmpty else {
            // RFC 4513 5.1.2: a DN without password is an unauthenticated bind, which reads as anonymous.
            throw DirectorySourceError(.invalidSettings, "a bind DN needs a password (leave both empty for an anonymous bind)")
        }
        let timeout = Duration.seconds(timeoutSeconds)
        do {
            connection = try LDAPConnection(
                LDAPConnectionOptions(
                    url: url,
                    startTLS: settings.startTLS,
                    caFile: settings.caFile.isEmpty ? nil : settings.caFile,
                    verifyCertificate: settings.tlsVerify,
                    networkTimeout: timeout,
                    operationTimeout: timeout
                )
            )
        } catch {
            throw DirectorySourceError(.invalidSettings, error.message)
        }
        do throws(DirectorySourceError) {
            try bind()
            try startPage()
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    func close() {
        guard let connection else { return }
        if messageID >= 0 && !finished { connection.abandon(messageID) }
        // Frees the handle and closes its connection, whatever happened before.
        connection.close()
        self.connection = nil
    }

    func nextRows(limit: Int) throws(DirectorySourceError) -> [SourceRow]? {
        guard let connection else { throw DirectorySourceError(.readFailed, "the search is closed") }
        var rows: [SourceRow] = []
        while rows.count < limit && !finished {
            var row: SourceRow?
            let answer = connection.nextAnswer(of: messageID) { entry in row = Self.row(entry) }
            switch answer {
            case .entry:
                guard let row else { throw DirectorySourceError(.readFailed, "unreadable search entry from \(url)") }
                rows.append(row)
                entriesRead += 1
                if settings.sizeLimit > 0 && entriesRead >= settings.sizeLimit {
                    connection.abandon(messageID)
                    finished = true
                }
            case .result(let code, let text, let cookie):
                try pageEnded(code: code, serverText: text, cookie: cookie)
            case .unreadableResult(let code):
                throw DirectorySourceError(.readFailed, "unreadable search result from \(url): \(LDAPConnection.text(code))")
            case .timedOut:
                throw DirectorySourceError(.timeout, "\(url) sent nothing for \(timeoutSeconds) s during the search")
            case .broken:
                throw DirectorySourceError(.readFailed, "the search on \(url) broke off: \(connection.diagnostic)")
            case .reference:
                // Continuation references point to other servers, which are not followed.
                continue
            }
        }
        return rows.isEmpty && finished ? nil : rows
    }

    // MARK: - Connecting

    /// `ldap(s)://host:port` from the settings; a host given as a URL is used as it is.
    private static func url(_ settings: LDAPSourceSettings) -> String {
        let host = settings.host.trimmingCharacters(in: .whitespaces)
        if host.contains("://") { return host }
        let scheme = settings.ldaps ? "ldaps" : "ldap"
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "\(scheme)://\(bracketed):\(settings.port)"
    }

    /// StartTLS when asked, then a simple bind (RFC 4511 4.2) with the bind DN and password, or anonymous when both
    /// are empty.
    private func bind() throws(DirectorySourceError) {
        guard let connection else { return }
        let result = connection.bind(dn: settings.bindDN, password: settings.password)
        switch (result.step, result.code) {
        case (.bind, LDAP_SUCCESS): return
        case (.bind, LDAP_INVALID_CREDENTIALS):
            throw DirectorySourceError(.authentication, "\(url) refused the bind DN or its password")
        case (.bind, LDAP_INVALID_DN_SYNTAX):
            throw DirectorySourceError(.invalidSettings, "the bind DN is not a valid DN")
        default:
            throw connectionFailure(result.code, during: result.step.rawValue)
        }
    }

    /// A failure before the search: connection, TLS or time-out.
    private func connectionFailure(_ code: Int32, during step: String) -> DirectorySourceError {
        let diagnostic = connection?.diagnostic ?? ""
        let detail = "\(step) on \(url): \(LDAPConnection.text(code)) \(diagnostic)".trimmingCharacters(in: .whitespaces)
        if connection?.timedOutByWatchdog == true, let deadline = connection?.options.bindDeadline {
            // Only an ldaps handshake with a silent server gets here: libldap's own time-outs bound the rest.
            return DirectorySourceError(.timeout, "\(url) did not answer within \(deadline.components.seconds) s (\(step))")
        }
        switch code {
        case LDAP_TIMEOUT:
            return DirectorySourceError(.timeout, detail)
        case LDAP_SERVER_DOWN, LDAP_CONNECT_ERROR:
            let tls = settings.ldaps || settings.startTLS ? " (or TLS refused: untrusted certificate, name mismatch)" : ""
            return DirectorySourceError(.unreachable, "cannot connect\(tls): \(detail)")
        case LDAP_INVALID_CREDENTIALS, LDAP_INAPPROPRIATE_AUTH, LDAP_INSUFFICIENT_ACCESS:
            return DirectorySourceError(.authentication, detail)
        default:
            return DirectorySourceError(.readFailed, detail)
        }
    }

    // MARK: - Searching

    /// Sends the search for the next page (or the whole search without paging).
    private func startPage() throws(DirectorySourceError) {
        guard let connection else { return }
        // Ask for no more than is still wanted under the size limit.
        let remaining = settings.sizeLimit > 0 ? settings.sizeLimit - entriesRead : Int.max
        do {
            messageID = try connection.search(
                base: settings.baseDN,
                filter: settings.filter.isEmpty ? "(objectClass=*)" : settings.filter,
                attributes: requested,
                pageSize: paged ? min(settings.pageSize, remaining) : nil,
                cookie: cookie,
                sizeLimit: settings.sizeLimit
            )
        } catch {
            switch error {
            case .pageControl(let code):
                throw DirectorySourceError(.readFailed, "cannot build the paged-results control: \(LDAPConnection.text(code))")
            case .search(LDAP_FILTER_ERROR):
                throw DirectorySourceError(.invalidSettings, "the filter \(settings.filter) is not a valid LDAP filter (RFC 4515)")
            case .search(let code):
                throw pagesRead == 0
                    ? connectionFailure(code, during: "search")
                    : DirectorySourceError(.readFailed, "search on \(url): \(LDAPConnection.text(code))")
            }
        }
    }

    /// A page's (or the search's) result: the next page is asked for, or the search is over.
    private func pageEnded(code: Int32, serverText: String, cookie nextCookie: [UInt8]) throws(DirectorySourceError) {
        pagesRead += 1
        messageID = -1
        let detail = "\(LDAPConnection.text(code))\(serverText.isEmpty ? "" : ": \(serverText)")"
        switch code {
        case LDAP_SUCCESS:
            cookie = paged ? nextCookie : []
            if cookie.isEmpty || (settings.sizeLimit > 0 && entriesRead >= settings.sizeLimit) {
                finished = true
            } else {
                try startPage()
            }
        case LDAP_SIZELIMIT_EXCEEDED where settings.sizeLimit > 0 && entriesRead >= settings.sizeLimit:
            finished = true
        case LDAP_SIZELIMIT_EXCEEDED:
            throw DirectorySourceError(
                .readFailed,
                "\(url) stopped the search after \(entriesRead) entries (its size limit); turn paging on or raise the limit"
            )
        case LDAP_TIMELIMIT_EXCEEDED:
            throw DirectorySourceError(.timeout, "the search on \(url): \(detail)")
        case LDAP_NO_SUCH_OBJECT, LDAP_INVALID_DN_SYNTAX:
            throw DirectorySourceError(.invalidSettings, "the base DN \(settings.baseDN): \(detail)")
        default:
            throw DirectorySourceError(.readFailed, "the search on \(url) failed: \(detail)")
        }
    }

    /// An entry as a row: its DN under "dn" and each attribute, lowercased, with its values; nil when libldap could
    /// not decode it. Read in place from libldap's message: a synchronisation reads every entry of a directory.
    private static func row(_ entry: LDAPEntry) -> SourceRow? {
        var values: [String: [String]] = [:]
        values.reserveCapacity(16)
        let read = entry.read(
            dn: { dn in values["dn"] = [String(decoding: dn, as: UTF8.self)] },
            attribute: { name, list in
                let key = lowercased(name)
                let binary = isBinary(key)
                var texts: [String] = []
                texts.reserveCapacity(list.count)
                for value in list { texts.append(text(of: value, binary: binary)) }
                values[key, default: []] += texts
            }
        )
        return read ? SourceRow(values) : nil
    }

    /// An attribute's name, lower-cased; ASCII (every name of the standard schemas) byte by byte.
    static func lowercased(_ name: UnsafeRawBufferPointer) -> String {
        guard name.allSatisfy({ $0 < 0x80 }) else { return String(decoding: name, as: UTF8.self).lowercased() }
        return String(unsafeUninitializedCapacity: name.count) { buffer in
            for (index, byte) in name.enumerated() { buffer[index] = (0x41...0x5A).contains(byte) ? byte | 0x20 : byte }
            return name.count
        }
    }

    static func isBinary(_ attribute: String) -> Bool { binaryAttributes.contains(attribute) || attribute.hasSuffix(";binary") }

    /// A value as text; binary values (photos, GUIDs, certificates, anything not UTF-8) as base64.
    static func text(of bytes: UnsafeRawBufferPointer, attribute: String) -> String { text(of: bytes, binary: isBinary(attribute)) }

    static func text(of bytes: UnsafeRawBufferPointer, binary: Bool) -> String {
        if !binary {
            // Decoded with repair, then compared: the same bytes back mean the value was valid UTF-8. (`String(validating:)`
            // looked up its generic metadata on every call: 5% of the CPU of re-reading 500,000 unchanged contacts.)
            let text = String(decoding: bytes, as: UTF8.self)
            let same = text.utf8.count == bytes.count
                && (text.utf8.withContiguousStorageIfAvailable { $0.elementsEqual(bytes) } ?? text.utf8.elementsEqual(bytes))
            if same { return text }
        }
        return Data(bytes).base64EncodedString()
    }
}
