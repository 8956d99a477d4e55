import CLibXML2

/// Thin, hardened wrappers around the libxml2 calls the module needs. Internal: nothing here leaks a pointer.
enum LibXML {
    /// One-time process-wide libxml2 initialisation; Swift runs a static initialiser exactly once, thread-safely.
    ///
    /// xmlInitParser must run before libxml2 is used from several threads, and is idempotent.
    private static let initialized: Void = xmlInitParser()

    /// Makes sure `xmlInitParser` has run; call at the top of every entry point that touches libxml2.
    static func ensureInitialized() {
        initialized
    }

    /// Parser options: no network, CDATA merged into text. Deliberately absent, and never to be added:
    /// XML_PARSE_NOENT, XML_PARSE_DTDLOAD, XML_PARSE_DTDATTR, XML_PARSE_DTDVALID, XML_PARSE_HUGE, XML_PARSE_XINCLUDE.
    private static let parseOptions = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue)

    /// Runs `body` with libxml2's error output routed into a fresh `ErrorCollector` on the calling thread.
    ///
    /// libxml2 2.9 keeps the error handlers in thread-local state, and `body` is synchronous, so it cannot hop
    /// threads; the previous handlers are restored afterwards, so nothing of ours outlives the call.
    static func capturingErrors<R, E: Error>(_ body: (ErrorCollector) throws(E) -> R) throws(E) -> R {
        ensureInitialized()
        let collector = ErrorCollector()
        return try withExtendedLifetime(collector) { () throws(E) -> R in
            let previous = clibxml2_install_error_handlers(collector.context, collectStructuredError)
            defer { clibxml2_restore_error_handlers(previous) }
            return try body(collector)
        }
    }

    /// Parses `bytes` into a document, enforcing `limits`, and passes it to `body`; the document is freed afterwards.
    ///
    /// Must be called inside `capturingErrors` so that parse errors land in `errors`. Any DOCTYPE aborts the parse
    /// before its internal subset is even read, so no entity is ever declared, loaded or expanded.
    static func withDocument<R>(
        _ bytes: UnsafeRawBufferPointer,
        limits: SOAPLimits,
        errors: ErrorCollector,
        _ body: (xmlDocPtr) throws(SOAPFault) -> R
    ) throws(SOAPFault) -> R {
        guard bytes.count <= limits.maxBytes else {
            throw SOAPFault(
                sender: SOAPFaultCode.payloadTooLarge,
                "request body is \(bytes.count) bytes, the limit is \(limits.maxBytes)",
                httpStatus: 413
            )
        }
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            throw SOAPFault(sender: SOAPFaultCode.invalidXML, "request body is empty")
        }
        guard bytes.count <= Int(Int32.max) else {
            // Only reachable with a maxBytes above 2 GiB; libxml2 takes an int length.
            throw SOAPFault(sender: SOAPFaultCode.payloadTooLarge, "request body is too large for the XML parser", httpStatus: 413)
        }
        guard let context = xmlCreateMemoryParserCtxt(base.assumingMemoryBound(to: CChar.self), Int32(bytes.count)) else {
            throw SOAPFault(receiver: SOAPFaultCode.internalError, "could not create an XML parser")
        }
        defer { xmlFreeParserCtxt(context) }
        _ = xmlCtxtUseOptions(context, parseOptions)

        let guardState = ParseGuard(maxDepth: limits.effectiveMaxDepth)
        let document: xmlDocPtr? = withExtendedLifetime(guardState) {
            context.pointee._private = Unmanaged.passUnretained(guardState).toOpaque()
            defer { context.pointee._private = nil }
            // The SAX handler block belongs to this parser context (xmlInitParserCtxt allocates it), so
            // overriding two callbacks here does not affect any other parse.
            context.pointee.sax.pointee.internalSubset = rejectDoctype
            context.pointee.sax.pointee.startElementNs = startElementWithDepthLimit
            let status = xmlParseDocument(context)
            let document = context.pointee.myDoc
            context.pointee.myDoc = nil
            // nsWellFormed catches undeclared prefixes, which libxml2 reports as errors without clearing wellFormed.
            let wellFormed = context.pointee.wellFormed != 0 && context.pointee.nsWellFormed != 0
            if status != 0 || !wellFormed || guardState.stopReason != nil {
                xmlFreeDoc(document)
                return nil
            }
            return document
        }

        switch guardState.stopReason {
        case .doctype:
            throw SOAPFault(sender: SOAPFaultCode.xmlDTDForbidden, "DOCTYPE declarations are not allowed")
        case .tooDeep:
            throw SOAPFault(sender: SOAPFaultCode.xmlTooDeep, "elements are nested deeper than \(limits.effectiveMaxDepth) levels")
        case nil:
            break
        }
        guard let document else {
            throw SOAPFault(sender: SOAPFaultCode.invalidXML, errors.message ?? "the request body is not well-formed XML")
        }
        defer { xmlFreeDoc(document) }
        // Belt and braces: the SAX hook above should make a DTD node impossible.
        guard document.pointee.intSubset == nil, document.pointee.extSubset == nil else {
            throw SOAPFault(sender: SOAPFaultCode.xmlDTDForbidden, "DOCTYPE declarations are not allowed")
        }
        return try body(document)
    }

    /// Converts `node` and its element descendants into a `SOAPElement` tree.
    ///
    /// Recursion depth is bounded by the parse depth limit, which the caller has already enforced.
    static func element(from node: xmlNodePtr) -> SOAPElement {
        var children: [SOAPElement] = []
        var text = ""
        var child = node.pointee.children
        while let current = child {
            switch current.pointee.type {
            case XML_ELEMENT_NODE:
                children.append(element(from: current))
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = current.pointee.content {
                    text += String(cString: content)
                }
            default:
                break
            }
            child = current.pointee.next
        }
        return SOAPElement(
            localName(node),
            namespace: namespace(node),
            text: children.isEmpty ? text.trimmingXMLWhitespace() : "",
            children: children,
            attributes: node.pointee.properties == nil ? [:] : plainAttributes(node)
        )
    }

    /// The un-namespaced attributes of `node` by local name (namespaced ones, such as `xsi:schemaLocation`, are left out).
    static func plainAttributes(_ node: xmlNodePtr) -> [String: String] {
        var attributes: [String: String] = [:]
        var property = node.pointee.properties
        while let current = property {
            if current.pointee.ns == nil, let name = current.pointee.name {
                attributes[String(cString: name)] = attributeValue(current)
            }
            property = current.pointee.next
        }
        return attributes
    }

    /// The text of an attribute node (its text children joined).
    private static func attributeValue(_ attribute: xmlAttrPtr) -> String {
        var value = ""
        var child = attribute.pointee.children
        while let text = child {
            if let content = text.pointee.content {
                value += String(cString: content)
            }
            child = text.pointee.next
        }
        return value
    }

    /// The local name of an element node.
    static func localName(_ node: xmlNodePtr) -> String {
        node.pointee.name.map { String(cString: $0) } ?? ""
    }

    /// The namespace URI of an element node, or nil if it has none.
    static func namespace(_ node: xmlNodePtr) -> String? {
        node.pointee.ns?.pointee.href.map { String(cString: $0) }
    }

    /// The element children of `node`, in document order.
    static func elementChildren(_ node: xmlNodePtr) -> [xmlNodePtr] {
        var result: [xmlNodePtr] = []
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE {
                result.append(current)
            }
            child = current.pointee.next
        }
        return result
    }

    /// The value of the attribute `name` in `namespace` on `node` (e.g. `soap:mustUnderstand`).
    static func attribute(_ node: xmlNodePtr, _ name: String, namespace: String) -> String? {
        var property = node.pointee.properties
        while let current = property {
            if let href = current.pointee.ns?.pointee.href, String(cString: href) == namespace, let attributeName = current.pointee.name,
                String(cString: attributeName) == name
            {
                return attributeValue(current)
            }
            property = current.pointee.next
        }
        return nil
    }

    /// The value of the un-namespaced attribute `name` on `node`.
    ///
    /// Walks the attribute list instead of calling xmlGetProp, whose result would have to be released with the
    /// global `xmlFree` variable, which Swift 6 rightly refuses to read as shared mutable state.
    static func attribute(_ node: xmlNodePtr, _ name: String) -> String? {
        var property = node.pointee.properties
        while let current = property {
            if current.pointee.ns == nil, let attributeName = current.pointee.name, String(cString: attributeName) == name {
                return attributeValue(current)
            }
            property = current.pointee.next
        }
        return nil
    }
}

/// Collects libxml2's structured errors for one operation on one thread.
///
/// Not Sendable and never shared: it is created, filled and read on the thread that runs `capturingErrors`.
final class ErrorCollector {
    private var firstError: String?
    private var firstWarning: String?

    /// The opaque pointer handed to libxml2 as the handler's user data (valid while the collector is alive).
    var context: UnsafeMutableRawPointer {
        Unmanaged.passUnretained(self).toOpaque()
    }

    /// The first error message, or the first warning if there was no error.
    var message: String? {
        firstError ?? firstWarning
    }

    /// Records one libxml2 diagnostic; only the first of each severity is kept since later ones tend to be fallout.
    func record(level: xmlErrorLevel, message: String, line: Int32) {
        var text = message.trimmingXMLWhitespace()
        if text.isEmpty {
            text = "unspecified XML error"
        }
        if line > 0 {
            text += " (line \(line))"
        }
        if level == XML_ERR_WARNING {
            firstWarning = firstWarning ?? text
        } else {
            firstError = firstError ?? text
        }
    }
}

/// The structured error handler: forwards each libxml2 error to the `ErrorCollector` passed as user data.
let collectStructuredError: xmlStructuredErrorFunc = { userData, error in
    guard let userData, let error else {
        return
    }
    let collector = Unmanaged<ErrorCollector>.fromOpaque(userData).takeUnretainedValue()
    let message = error.pointee.message.map { String(cString: $0) } ?? ""
    collector.record(level: error.pointee.level, message: message, line: error.pointee.line)
}

/// Per-parse state reachable from the SAX callbacks through the parser context's `_private` pointer.
///
/// Not Sendable and never shared: it lives on the stack of one `withDocument` call.
final class ParseGuard {
    /// Why the guard halted the parser.
    enum StopReason {
        case doctype
        case tooDeep
    }

    let maxDepth: Int
    var stopReason: StopReason?

    init(maxDepth: Int) {
        self.maxDepth = maxDepth
    }

    /// Recovers the guard from a SAX callback's context argument (which libxml2 sets to the parser context).
    static func from(_ context: UnsafeMutableRawPointer?) -> (xmlParserCtxtPtr, ParseGuard)? {
        guard let parser = context?.assumingMemoryBound(to: xmlParserCtxt.self), let state = parser.pointee._private else {
            return nil
        }
        return (parser, Unmanaged<ParseGuard>.fromOpaque(state).takeUnretainedValue())
    }
}

/// SAX `internalSubset` hook: called as soon as `<!DOCTYPE name ...` has been read and before the internal
/// subset (`[...]`) is parsed or any external subset is considered, so stopping here means no entity or DTD is
/// ever declared, fetched or expanded.
private let rejectDoctype: internalSubsetSAXFunc = { context, _, _, _ in
    guard let (parser, state) = ParseGuard.from(context) else {
        return
    }
    state.stopReason = state.stopReason ?? .doctype
    xmlStopParser(parser)
}

/// SAX `startElementNs` hook: builds the node as usual, then halts the parse once nesting exceeds the limit,
/// long before libxml2's own 256-level limit or the tree builder's recursion could matter.
private let startElementWithDepthLimit: startElementNsSAX2Func = {
    context,
    localName,
    prefix,
    uri,
    namespaceCount,
    namespaces,
    attributeCount,
    defaultedCount,
    attributes in
    xmlSAX2StartElementNs(context, localName, prefix, uri, namespaceCount, namespaces, attributeCount, defaultedCount, attributes)
    guard let (parser, state) = ParseGuard.from(context) else {
        return
    }
    // xmlSAX2StartElementNs has just pushed the new node, so nodeNr is its depth (the root is 1).
    if Int(parser.pointee.nodeNr) > state.maxDepth {
        state.stopReason = state.stopReason ?? .tooDeep
        xmlStopParser(parser)
    }
}
