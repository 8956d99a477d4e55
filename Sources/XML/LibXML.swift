import CLibXML2

/// Thin, hardened wrappers around the libxml2 calls the XML and SOAP modules need.
///
/// Package-visible, not public: SOAP validates parsed nodes against its schema, so it needs the document itself;
/// nothing outside this package ever sees a libxml2 pointer.
package enum LibXML {
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
    package static func capturingErrors<R, E: Error>(_ body: (ErrorCollector) throws(E) -> R) throws(E) -> R {
        ensureInitialized()
        let collector = ErrorCollector()
        return try withExtendedLifetime(collector) { () throws(E) -> R in
            let previous = clibxml2_install_error_handlers(collector.context, ErrorCollector.handler)
            defer { clibxml2_restore_error_handlers(previous) }
            return try body(collector)
        }
    }

    /// Parses `bytes` into a document, enforcing `limits`, and passes it to `body`; the document is freed afterwards.
    ///
    /// Must be called inside `capturingErrors` so that parse errors land in `errors`. Any DOCTYPE aborts the parse
    /// before its internal subset is even read, so no entity is ever declared, loaded or expanded. A refused
    /// document becomes `mapError(reason)`, so that callers whose `body` throws their own error type (a SOAP fault,
    /// a schema error) get one error type out.
    package static func withDocument<R, E: Error>(
        _ bytes: UnsafeRawBufferPointer,
        limits: XMLLimits,
        errors: ErrorCollector,
        mapError: (XMLError) -> E,
        _ body: (xmlDocPtr) throws(E) -> R
    ) throws(E) -> R {
        let document: xmlDocPtr
        switch parse(bytes, limits: limits, errors: errors) {
        case .success(let parsed): document = parsed
        case .failure(let reason): throw mapError(reason)
        }
        defer { xmlFreeDoc(document) }
        return try body(document)
    }

    /// The parsing half of `withDocument`: a document the caller must free, or why there is none.
    private static func parse(_ bytes: UnsafeRawBufferPointer, limits: XMLLimits, errors: ErrorCollector) -> Result<xmlDocPtr, XMLError> {
        guard bytes.count <= limits.maxBytes else {
            return .failure(.tooLarge(bytes: bytes.count, limit: limits.maxBytes))
        }
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            return .failure(.empty)
        }
        guard bytes.count <= Int(Int32.max) else {
            // Only reachable with a maxBytes above 2 GiB; libxml2 takes an int length.
            return .failure(.tooLarge(bytes: bytes.count, limit: Int(Int32.max)))
        }
        guard let context = xmlCreateMemoryParserCtxt(base.assumingMemoryBound(to: CChar.self), Int32(bytes.count)) else {
            return .failure(.parserUnavailable)
        }
        defer { xmlFreeParserCtxt(context) }
        _ = xmlCtxtUseOptions(context, parseOptions)

        let guardState = ParseGuard(maxDepth: limits.effectiveMaxDepth)
        let document: xmlDocPtr? = withExtendedLifetime(guardState) {
            context.pointee._private = Unmanaged.passUnretained(guardState).toOpaque()
            defer { context.pointee._private = nil }
            // The SAX handler block belongs to this parser context (xmlInitParserCtxt allocates it), so
            // overriding two callbacks here does not affect any other parse.
            context.pointee.sax.pointee.internalSubset = ParseGuard.rejectDoctype
            context.pointee.sax.pointee.startElementNs = ParseGuard.startElementWithDepthLimit
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
            return .failure(.dtdForbidden)
        case .tooDeep:
            return .failure(.tooDeep(limit: limits.effectiveMaxDepth))
        case nil:
            break
        }
        guard let document else {
            return .failure(.malformed(errors.message))
        }
        // Belt and braces: the SAX hook above should make a DTD node impossible.
        guard document.pointee.intSubset == nil, document.pointee.extSubset == nil else {
            xmlFreeDoc(document)
            return .failure(.dtdForbidden)
        }
        return .success(document)
    }

    /// Converts `node` and its element descendants into an `XElement` tree.
    ///
    /// Recursion depth is bounded by the parse depth limit, which the caller has already enforced.
    package static func element(from node: xmlNodePtr) -> XElement {
        var children: [XElement] = []
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
        return XElement(
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
    package static func localName(_ node: xmlNodePtr) -> String {
        node.pointee.name.map { String(cString: $0) } ?? ""
    }

    /// The namespace URI of an element node, or nil if it has none.
    package static func namespace(_ node: xmlNodePtr) -> String? {
        node.pointee.ns?.pointee.href.map { String(cString: $0) }
    }

    /// The element children of `node`, in document order.
    package static func elementChildren(_ node: xmlNodePtr) -> [xmlNodePtr] {
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
    package static func attribute(_ node: xmlNodePtr, _ name: String, namespace: String) -> String? {
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
    package static func attribute(_ node: xmlNodePtr, _ name: String) -> String? {
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
