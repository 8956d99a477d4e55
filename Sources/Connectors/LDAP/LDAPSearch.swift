import CLDAP
import Domain
import Foundation

/// One bound LDAP connection reading a subtree search page by page (RFC 2696 paged results).
///
/// Entries are taken from libldap one message at a time, and the next page is only asked for when the current
/// one is used up, so memory holds at most one page whatever the directory's size.
final class LDAPSearch: ReadingSession {
    // RFC 4511 4.5.2 and 4.5.3: protocol tags of the three kinds of search answers.
    private static let searchEntry: Int32 = 0x64
    private static let searchReference: Int32 = 0x73
    private static let searchResult: Int32 = 0x65
    /// Attributes that hold bytes, not text, even when the bytes happen to be valid UTF-8.
    private static let binaryAttributes: Set<String> = [
        "objectguid", "objectsid", "jpegphoto", "thumbnailphoto", "usercertificate", "cacertificate", "photo", "audio",
    ]

    private let settings: LDAPSourceSettings
    private let url: String
    /// The attributes asked for, nil for all user attributes.
    private let requested: [String]?
    private var handle: OpaquePointer?
    /// The search of the current page, -1 when none runs.
    private var messageID: Int32 = -1
    /// The server's paged-results cookie for the next page; empty on the first and after the last page.
    private var cookie: [UInt8] = []
    private var entriesRead = 0
    private var finished = false
    /// Completed pages (search results received), for tests and logs.
    private(set) var pagesRead = 0

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
        var created: OpaquePointer?
        let initialized = ldap_initialize(&created, url)
        guard initialized == LDAP_SUCCESS, let created else {
            throw DirectorySourceError(.invalidSettings, "\(url) is not a usable LDAP URL: \(Self.text(initialized))")
        }
        handle = created
        do throws(DirectorySourceError) {
            try configure(created)
            if settings.startTLS && !url.lowercased().hasPrefix("ldaps://") {
                let started = ldap_start_tls_s(created, nil, nil)
                guard started == LDAP_SUCCESS else { throw connectionFailure(started, during: "StartTLS") }
            }
            try bind(created)
            try startPage()
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    func close() {
        guard let handle else { return }
        if messageID >= 0 && !finished { ldap_abandon_ext(handle, messageID, nil, nil) }
        // Frees the handle and closes its connection, whatever happened before.
        ldap_unbind_ext_s(handle, nil, nil)
        self.handle = nil
    }

    func nextRows(limit: Int) throws(DirectorySourceError) -> [SourceRow]? {
        guard let handle else { throw DirectorySourceError(.readFailed, "the search is closed") }
        var rows: [SourceRow] = []
        while rows.count < limit && !finished {
            var message: OpaquePointer?
            var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
            let received = ldap_result(handle, messageID, LDAP_MSG_ONE, &timeout, &message)
            guard received > 0, let message else {
                if received == 0 {
                    throw DirectorySourceError(.timeout, "\(url) sent nothing for \(timeoutSeconds) s during the search")
                }
                throw DirectorySourceError(.readFailed, "the search on \(url) broke off: \(diagnostic(handle))")
            }
            defer { ldap_msgfree(message) }
            switch ldap_msgtype(message) {
            case Self.searchEntry:
                rows.append(row(of: message, handle))
                entriesRead += 1
                if settings.sizeLimit > 0 && entriesRead >= settings.sizeLimit {
                    ldap_abandon_ext(handle, messageID, nil, nil)
                    finished = true
                }
            case Self.searchResult:
                try pageEnded(message, handle)
            default:
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

    /// Protocol version, time-outs and this handle's own TLS context (as `LDAPBind` in Auth sets them).
    private func configure(_ ld: OpaquePointer) throws(DirectorySourceError) {
        var version = LDAP_VERSION3
        ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version)
        // LDAP_OPT_OFF is a null pointer: never chase referrals to other servers with the bind password.
        ldap_set_option(ld, LDAP_OPT_REFERRALS, nil)
        var limit = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &limit)
        ldap_set_option(ld, LDAP_OPT_TIMEOUT, &limit)
        guard settings.ldaps || settings.startTLS || url.lowercased().hasPrefix("ldaps://") else { return }

        // A handle has no TLS file settings of its own: set the CA and the check level, then build its context.
        var requireCertificate = settings.tlsVerify ? LDAP_OPT_X_TLS_DEMAND : LDAP_OPT_X_TLS_NEVER
        ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &requireCertificate)
        if !settings.caFile.isEmpty {
            guard FileManager.default.isReadableFile(atPath: settings.caFile) else {
                throw DirectorySourceError(.invalidSettings, "the CA file \(settings.caFile) cannot be read")
            }
            ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, settings.caFile)
        } else {
            // The system trust libldap is configured with (Debian: TLS_CACERT /etc/ssl/certs/ca-certificates.crt).
            for option in [LDAP_OPT_X_TLS_CACERTFILE, LDAP_OPT_X_TLS_CACERTDIR] {
                var configured: UnsafeMutablePointer<CChar>?
                if ldap_get_option(nil, option, &configured) == LDAP_OPT_SUCCESS, let configured {
                    ldap_set_option(ld, option, configured)
                    ldap_memfree(configured)
                }
            }
        }
        var isServer: Int32 = 0
        let context = ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &isServer)
        guard context == LDAP_OPT_SUCCESS else {
            throw DirectorySourceError(.invalidSettings, "cannot set up TLS for \(url): \(Self.text(context)) \(diagnostic(ld))")
        }
    }

    /// Simple bind (RFC 4511 4.2) with the bind DN and password, or anonymous when both are empty.
    private func bind(_ ld: OpaquePointer) throws(DirectorySourceError) {
        var password = Array(settings.password.utf8CString)
        defer { password.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
        let bound = password.withUnsafeMutableBufferPointer { chars in
            var credential = berval(bv_len: ber_len_t(chars.count - 1), bv_val: chars.baseAddress)
            // LDAP_SASL_SIMPLE is a null mechanism: a simple bind.
            return ldap_sasl_bind_s(ld, settings.bindDN, nil, &credential, nil, nil, nil)
        }
        switch bound {
        case LDAP_SUCCESS: return
        case LDAP_INVALID_CREDENTIALS:
            throw DirectorySourceError(.authentication, "\(url) refused the bind DN or its password")
        case LDAP_INVALID_DN_SYNTAX:
            throw DirectorySourceError(.invalidSettings, "the bind DN is not a valid DN")
        default:
            throw connectionFailure(bound, during: "bind")
        }
    }

    /// A failure before the search: connection, TLS or time-out.
    private func connectionFailure(_ code: Int32, during step: String) -> DirectorySourceError {
        let detail = "\(step) on \(url): \(Self.text(code)) \(handle.map(diagnostic) ?? "")".trimmingCharacters(in: .whitespaces)
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
        guard let handle else { return }
        var controls: [UnsafeMutablePointer<LDAPControl>?] = []
        defer { for control in controls { ldap_control_free(control) } }
        if paged {
            // Ask for no more than is still wanted under the size limit.
            let remaining = settings.sizeLimit > 0 ? settings.sizeLimit - entriesRead : Int.max
            let size = ber_int_t(min(settings.pageSize, remaining, Int(Int32.max)))
            var control: UnsafeMutablePointer<LDAPControl>?
            let created = cookie.withUnsafeMutableBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) { chars in
                    var value = berval(bv_len: ber_len_t(chars.count), bv_val: chars.baseAddress)
                    // Not critical: a server without paging answers the plain search (up to its size limit).
                    if chars.isEmpty { return ldap_create_page_control(handle, size, nil, 0, &control) }
                    return ldap_create_page_control(handle, size, &value, 0, &control)
                }
            }
            guard created == LDAP_SUCCESS, let control else {
                throw DirectorySourceError(.readFailed, "cannot build the paged-results control: \(Self.text(created))")
            }
            controls.append(control)
        }
        var serverControls = controls + [nil]
        var attributeNames: [UnsafeMutablePointer<CChar>?] = (requested ?? []).map { strdup($0) } + [nil]
        defer { for name in attributeNames { free(name) } }
        var timeLimit = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        var id: Int32 = -1
        let sent = serverControls.withUnsafeMutableBufferPointer { serverControls in
            attributeNames.withUnsafeMutableBufferPointer { attributeNames in
                ldap_search_ext(
                    handle,
                    settings.baseDN,
                    LDAP_SCOPE_SUBTREE,
                    settings.filter.isEmpty ? "(objectClass=*)" : settings.filter,
                    requested == nil ? nil : attributeNames.baseAddress,
                    0,
                    paged ? serverControls.baseAddress : nil,
                    nil,
                    &timeLimit,
                    paged ? 0 : Int32(clamping: settings.sizeLimit),
                    &id
                )
            }
        }
        switch sent {
        case LDAP_SUCCESS:
            messageID = id
        case LDAP_FILTER_ERROR:
            throw DirectorySourceError(.invalidSettings, "the filter \(settings.filter) is not a valid LDAP filter (RFC 4515)")
        default:
            throw pagesRead == 0
                ? connectionFailure(sent, during: "search") : DirectorySourceError(.readFailed, "search on \(url): \(Self.text(sent))")
        }
    }

    /// A page's (or the search's) result: the next page is asked for, or the search is over.
    private func pageEnded(_ message: OpaquePointer, _ ld: OpaquePointer) throws(DirectorySourceError) {
        var code: Int32 = 0
        var text: UnsafeMutablePointer<CChar>?
        var controls: UnsafeMutablePointer<UnsafeMutablePointer<LDAPControl>?>?
        let parsed = ldap_parse_result(ld, message, &code, nil, &text, nil, &controls, 0)
        defer {
            if let text { ldap_memfree(text) }
            if let controls { ldap_controls_free(controls) }
        }
        guard parsed == LDAP_SUCCESS else {
            throw DirectorySourceError(.readFailed, "unreadable search result from \(url): \(Self.text(parsed))")
        }
        pagesRead += 1
        messageID = -1
        let serverText = text.map { String(cString: $0) } ?? ""
        let detail = "\(Self.text(code))\(serverText.isEmpty ? "" : ": \(serverText)")"
        switch code {
        case LDAP_SUCCESS:
            cookie = nextCookie(controls, ld)
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

    /// The cookie of the paged-results response control; empty when the server sent none (last page, no paging).
    private func nextCookie(_ controls: UnsafeMutablePointer<UnsafeMutablePointer<LDAPControl>?>?, _ ld: OpaquePointer) -> [UInt8] {
        guard paged, let controls, let response = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, controls, nil) else { return [] }
        var estimate: ber_int_t = 0
        var value = berval(bv_len: 0, bv_val: nil)
        guard ldap_parse_pageresponse_control(ld, response, &estimate, &value) == LDAP_SUCCESS else { return [] }
        defer { if value.bv_val != nil { ber_memfree(value.bv_val) } }
        guard let bytes = value.bv_val, value.bv_len > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: Int(value.bv_len)))
    }

    /// An entry as a row: its DN under "dn" and each attribute, lowercased, with its values.
    private func row(of entry: OpaquePointer, _ ld: OpaquePointer) -> SourceRow {
        var values: [String: [String]] = [:]
        if let dn = ldap_get_dn(ld, entry) {
            values["dn"] = [String(cString: dn)]
            ldap_memfree(dn)
        }
        var position: OpaquePointer?
        var attribute = ldap_first_attribute(ld, entry, &position)
        while let name = attribute {
            let key = String(cString: name).lowercased()
            if let list = ldap_get_values_len(ld, entry, name) {
                let count = Int(ldap_count_values_len(list))
                let texts = (0..<count).compactMap { index in
                    list[index].map { value in
                        Self.text(of: UnsafeRawBufferPointer(start: value.pointee.bv_val, count: Int(value.pointee.bv_len)), attribute: key)
                    }
                }
                values[key, default: []] += texts
                ldap_value_free_len(list)
            }
            ldap_memfree(name)
            attribute = ldap_next_attribute(ld, entry, position)
        }
        if let position { ber_free(position, 0) }
        return SourceRow(values)
    }

    /// A value as text; binary values (photos, GUIDs, certificates, anything not UTF-8) as base64.
    static func text(of bytes: UnsafeRawBufferPointer, attribute: String) -> String {
        let binary = binaryAttributes.contains(attribute) || attribute.hasSuffix(";binary")
        if !binary, let text = String(validating: bytes, as: UTF8.self) { return text }
        return Data(bytes).base64EncodedString()
    }

    /// libldap's text for a result code.
    private static func text(_ code: Int32) -> String { String(cString: ldap_err2string(code)) }

    /// The server's or libldap's diagnostic message for the handle's last operation, if any.
    private func diagnostic(_ ld: OpaquePointer) -> String {
        var message: UnsafeMutablePointer<CChar>?
        guard ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &message) == LDAP_OPT_SUCCESS, let message else { return "" }
        defer { ldap_memfree(message) }
        let text = String(cString: message)
        return text == "(unknown error code)" ? "" : text
    }
}
