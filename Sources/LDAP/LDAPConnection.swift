import CLDAP
import Foundation

/// One libldap connection as TWS uses LDAP: sign-in binds (Auth) and directory searches (Connectors).
///
/// Every option is set on the connection's own handle, never on libldap's global defaults, so connections to servers
/// with different CAs or time limits run side by side: protocol version 3, no referrals, the network and operation
/// time-outs, and for TLS the CA, the check level and a TLS context of its own. Every call blocks its thread; the
/// callers run them on a thread pool, off the event loops and the cooperative pool. One thread at a time uses a
/// connection (libldap allows a handle to move between threads, not to be used by two at once).
public final class LDAPConnection {
    public let options: LDAPConnectionOptions
    private var handle: OpaquePointer?
    private let watch = ConnectionWatch()
    /// libldap's connection callback, which hands the socket to the watchdog; freed after the handle.
    private let callbacks: UnsafeMutablePointer<ldap_conncb>

    /// What stopped a connection from being set up.
    public struct SetupError: Error, Sendable {
        public enum Kind: Sendable { case url, caFile, tls }
        public var kind: Kind
        /// libldap's result code (`LDAP_OTHER` when the failure is not libldap's).
        public var code: Int32
        public var message: String
    }

    /// Creates the handle and sets its options; nothing is sent before the first operation (`bind`).
    public init(_ options: LDAPConnectionOptions) throws(SetupError) {
        self.options = options
        var created: OpaquePointer?
        let initialized = ldap_initialize(&created, options.url)
        guard initialized == LDAP_SUCCESS, let created else {
            throw SetupError(kind: .url, code: initialized, message: "\(options.url) is not a usable LDAP URL: \(Self.text(initialized))")
        }
        handle = created
        callbacks = .allocate(capacity: 1)
        callbacks.initialize(
            to: ldap_conncb(
                lc_add: { _, sockbuf, _, _, callbacks in
                    // Called right after connect(), before an ldaps handshake: remember the socket for the watchdog.
                    guard let sockbuf, let context = callbacks?.pointee.lc_arg else { return 0 }
                    var fd: ber_socket_t = -1
                    guard ber_sockbuf_ctrl(sockbuf, LBER_SB_OPT_GET_FD, &fd) == 1, fd >= 0 else { return 0 }
                    Unmanaged<ConnectionWatch>.fromOpaque(context).takeUnretainedValue().connected(fd)
                    return 0
                },
                lc_del: { _, _, _ in },
                lc_arg: Unmanaged.passUnretained(watch).toOpaque()
            )
        )
        do throws(SetupError) {
            try configure(created)
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    /// Ends the connection and frees the handle, whatever happened before; safe to call twice.
    public func close() {
        guard let handle else { return }
        watch.disarm()
        ldap_unbind_ext_s(handle, nil, nil)
        self.handle = nil
        callbacks.deinitialize(count: 1)
        callbacks.deallocate()
    }

    /// Protocol version, referrals, time-outs, the connection callback and, for TLS, this handle's own TLS context.
    private func configure(_ ld: OpaquePointer) throws(SetupError) {
        var version = LDAP_VERSION3
        ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version)
        // LDAP_OPT_OFF is a null pointer: never chase referrals to other servers with a password.
        ldap_set_option(ld, LDAP_OPT_REFERRALS, nil)
        var network = Self.timeLimit(options.networkTimeout)
        ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &network)
        var operation = Self.timeLimit(options.operationTimeout)
        ldap_set_option(ld, LDAP_OPT_TIMEOUT, &operation)
        ldap_set_option(ld, LDAP_OPT_CONNECT_CB, callbacks)
        guard options.isLDAPS || options.startTLS else { return }

        // A handle starts with no TLS file settings of its own (it would use the global context), so the CA and the
        // check level are set here and LDAP_OPT_X_TLS_NEWCTX, last, builds this handle's context.
        var requireCertificate = options.verifyCertificate ? LDAP_OPT_X_TLS_DEMAND : LDAP_OPT_X_TLS_NEVER
        ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &requireCertificate)
        if let caFile = options.caFile {
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw SetupError(kind: .caFile, code: LDAP_OTHER, message: "the CA file \(caFile) cannot be read")
            }
            ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, caFile)
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
            throw SetupError(kind: .tls, code: context, message: "cannot set up TLS for \(options.url): \(Self.text(context)) \(diagnostic)")
        }
    }

    // MARK: - Binding

    /// How `bind` ended: libldap's result code and the step it ended in.
    public struct BindResult: Sendable, Equatable {
        public enum Step: String, Sendable {
            case startTLS = "StartTLS"
            case bind
        }
        public var code: Int32
        public var step: Step
    }

    /// Connects, sends StartTLS when the options ask for it, then a simple bind (RFC 4511 4.2) as `dn` with
    /// `password` (both empty: anonymous). Bounded as a whole by `options.bindDeadline`.
    public func bind(dn: String, password: String) -> BindResult {
        guard let handle else { return BindResult(code: LDAP_OTHER, step: .bind) }
        // libldap 2.5 bounds neither the ldaps handshake nor reads during it with its time-outs: a server that accepts
        // and stays silent would hold this thread forever. At the deadline the watchdog shuts the socket down, which
        // makes libldap give up (verified in auth-lab's ldaptest.c).
        watch.arm(after: options.bindDeadline)
        defer { watch.disarm() }
        if options.sendsStartTLS {
            let started = ldap_start_tls_s(handle, nil, nil)
            if started != LDAP_SUCCESS { return BindResult(code: started, step: .startTLS) }
        }
        var bytes = Array(password.utf8)
        defer { bytes.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
        let bound = bytes.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                var credential = berval(bv_len: ber_len_t(chars.count), bv_val: chars.baseAddress)
                // LDAP_SASL_SIMPLE is a null mechanism: a simple bind.
                return ldap_sasl_bind_s(handle, dn, nil, &credential, nil, nil, nil)
            }
        }
        if bound == LDAP_SUCCESS { readsAhead = Self.readAhead(handle) }
        return BindResult(code: bound, step: .bind)
    }

    /// Whether replies are read through liblber's read-ahead buffer (set after a successful bind).
    public private(set) var readsAhead = false

    /// libldap 2.5 reads a TCP connection with two read(2) calls per message (a million for 500,000 entries, a
    /// quarter of a synchronisation's CPU); its read-ahead layer reads up to 16 KiB at a time. Added once the bind is
    /// over, when nothing is waiting unread: above the socket, below TLS (which stays on top at its own level).
    private static func readAhead(_ handle: OpaquePointer) -> Bool {
        var sockbuf: OpaquePointer?
        guard ldap_get_option(handle, LDAP_OPT_SOCKBUF, &sockbuf) == LDAP_OPT_SUCCESS, let sockbuf else { return false }
        return cldap_read_ahead(sockbuf) == 1
    }

    /// True when the watchdog cut the connection because `bind` ran past its deadline.
    public var timedOutByWatchdog: Bool { watch.expired }

    /// True once a TCP connection was made (an ldaps failure after it is a TLS failure, not an unreachable server).
    public var hasConnected: Bool { watch.wasConnected }

    // MARK: - Searching

    /// Why a search could not be sent.
    public enum SearchError: Error, Sendable {
        /// The paged-results control could not be built.
        case pageControl(Int32)
        /// libldap refused to send the search (bad filter, connection lost …).
        case search(Int32)
    }

    /// Sends a subtree search and returns its message id. With `pageSize`, the search asks for one page of that many
    /// entries (RFC 2696) after `cookie` (empty for the first page); without, `sizeLimit` (0: none) bounds it.
    public func search(
        base: String,
        filter: String,
        attributes: [String]?,
        pageSize: Int?,
        cookie: [UInt8],
        sizeLimit: Int
    ) throws(SearchError) -> Int32 {
        guard let handle else { throw .search(LDAP_SERVER_DOWN) }
        var controls: [UnsafeMutablePointer<LDAPControl>?] = []
        defer { for control in controls { ldap_control_free(control) } }
        if let pageSize {
            var control: UnsafeMutablePointer<LDAPControl>?
            var cookie = cookie
            let created = cookie.withUnsafeMutableBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) { chars in
                    var value = berval(bv_len: ber_len_t(chars.count), bv_val: chars.baseAddress)
                    // Not critical: a server without paging answers the plain search (up to its size limit).
                    if chars.isEmpty { return ldap_create_page_control(handle, ber_int_t(clamping: pageSize), nil, 0, &control) }
                    return ldap_create_page_control(handle, ber_int_t(clamping: pageSize), &value, 0, &control)
                }
            }
            guard created == LDAP_SUCCESS, let control else { throw .pageControl(created) }
            controls.append(control)
        }
        var serverControls = controls + [nil]
        var attributeNames: [UnsafeMutablePointer<CChar>?] = (attributes ?? []).map { strdup($0) } + [nil]
        defer { for name in attributeNames { free(name) } }
        var timeLimit = Self.timeLimit(options.operationTimeout)
        var id: Int32 = -1
        let sent = serverControls.withUnsafeMutableBufferPointer { serverControls in
            attributeNames.withUnsafeMutableBufferPointer { attributeNames in
                ldap_search_ext(
                    handle,
                    base,
                    LDAP_SCOPE_SUBTREE,
                    filter,
                    attributes == nil ? nil : attributeNames.baseAddress,
                    0,
                    pageSize == nil ? nil : serverControls.baseAddress,
                    nil,
                    &timeLimit,
                    pageSize == nil ? Int32(clamping: sizeLimit) : 0,
                    &id
                )
            }
        }
        guard sent == LDAP_SUCCESS else { throw .search(sent) }
        return id
    }

    /// One answer to a search.
    public enum SearchAnswer {
        /// An entry, handed to `nextAnswer`'s `entry` closure.
        case entry
        /// A continuation reference to another server (never followed).
        case reference
        /// The end of the search or of the page: the result code, the server's text and the next page's cookie
        /// (empty after the last page, or without paging).
        case result(code: Int32, text: String, cookie: [UInt8])
        /// The result message could not be parsed: libldap's code.
        case unreadableResult(Int32)
        /// Nothing came within `operationTimeout`.
        case timedOut
        /// The connection failed; `diagnostic` tells why.
        case broken
    }

    /// Waits for the next answer of search `messageID`, at most `options.operationTimeout`. An entry is handed to
    /// `entry` before the answer returns: it reads the entry in place, in libldap's message.
    public func nextAnswer(of messageID: Int32, entry: (LDAPEntry) -> Void) -> SearchAnswer {
        guard let handle else { return .broken }
        var message: OpaquePointer?
        var timeout = Self.timeLimit(options.operationTimeout)
        let received = ldap_result(handle, messageID, LDAP_MSG_ONE, &timeout, &message)
        guard received > 0, let message else { return received == 0 ? .timedOut : .broken }
        defer { ldap_msgfree(message) }
        switch ldap_msgtype(message) {
        case Self.searchEntry:
            entry(LDAPEntry(ld: handle, message: message))
            return .entry
        case Self.searchResult: return result(message, handle)
        default: return .reference
        }
    }

    /// Stops search `messageID` (after a size limit of ours, or when the reader closes early).
    public func abandon(_ messageID: Int32) {
        guard let handle else { return }
        ldap_abandon_ext(handle, messageID, nil, nil)
    }

    // RFC 4511 4.5.2 and 4.5.3: protocol tags of the search entry and search result answers.
    private static let searchEntry: Int32 = 0x64
    private static let searchResult: Int32 = 0x65

    private func result(_ message: OpaquePointer, _ ld: OpaquePointer) -> SearchAnswer {
        var code: Int32 = 0
        var text: UnsafeMutablePointer<CChar>?
        var controls: UnsafeMutablePointer<UnsafeMutablePointer<LDAPControl>?>?
        let parsed = ldap_parse_result(ld, message, &code, nil, &text, nil, &controls, 0)
        defer {
            if let text { ldap_memfree(text) }
            if let controls { ldap_controls_free(controls) }
        }
        guard parsed == LDAP_SUCCESS else { return .unreadableResult(parsed) }
        return .result(code: code, text: text.map { String(cString: $0) } ?? "", cookie: Self.pageCookie(controls, ld))
    }

    /// The cookie of the paged-results response control; empty when the server sent none (last page, no paging).
    private static func pageCookie(_ controls: UnsafeMutablePointer<UnsafeMutablePointer<LDAPControl>?>?, _ ld: OpaquePointer) -> [UInt8] {
        guard let controls, let response = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, controls, nil) else { return [] }
        var estimate: ber_int_t = 0
        var value = berval(bv_len: 0, bv_val: nil)
        guard ldap_parse_pageresponse_control(ld, response, &estimate, &value) == LDAP_SUCCESS else { return [] }
        defer { if value.bv_val != nil { ber_memfree(value.bv_val) } }
        guard let bytes = value.bv_val, value.bv_len > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: Int(value.bv_len)))
    }

    // MARK: - Messages

    /// libldap's text for a result code.
    public static func text(_ code: Int32) -> String { String(cString: ldap_err2string(code)) }

    /// The server's or libldap's diagnostic message for the connection's last operation, if any.
    public var diagnostic: String {
        guard let handle else { return "" }
        var message: UnsafeMutablePointer<CChar>?
        guard ldap_get_option(handle, LDAP_OPT_DIAGNOSTIC_MESSAGE, &message) == LDAP_OPT_SUCCESS, let message else { return "" }
        defer { ldap_memfree(message) }
        let text = String(cString: message)
        return text == "(unknown error code)" ? "" : text
    }

    /// A duration as the `struct timeval` libldap's time-out options take.
    static func timeLimit(_ duration: Duration) -> timeval {
        let (seconds, attoseconds) = duration.components
        return timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}
