import CLibXML2
import XML

/// The SOAP module's name for the reader's limits (`maxBytes` → `payload_too_large`, `maxDepth` → `xml_too_deep`, the
/// Envelope being level 1), so that SOAP clients can configure `SOAPEnvelopeParser` without importing XML.
public typealias SOAPLimits = XMLLimits

/// A parsed, schema-valid SOAP request.
public struct SOAPRequest: Sendable, Hashable {
    /// The envelope version, detected from the Envelope element's namespace.
    public var version: SOAPVersion
    /// The local name of the Body's first element, e.g. `Login`.
    public var operation: String
    /// The Body's first element itself (already validated against the schema).
    public var payload: XElement
    /// The element children of the SOAP Header, if any; not validated. None is understood (authentication is the HTTP
    /// `Authorization` header): blocks meant for the server and marked mustUnderstand are refused by the parser.
    public var headers: [XElement]

    /// Creates a request value (mostly useful in tests of code that consumes requests).
    public init(version: SOAPVersion, operation: String, payload: XElement, headers: [XElement] = []) {
        self.version = version
        self.operation = operation
        self.payload = payload
        self.headers = headers
    }
}

/// Parses and validates incoming SOAP 1.1/1.2 envelopes against the WSDL's schema.
///
/// A value type holding only immutable, thread-safe state: share one instance across all requests. Each call
/// runs synchronously on the calling thread with its own libxml2 parser and validation contexts.
public struct SOAPEnvelopeParser: Sendable {
    /// The compiled schema that operation payloads are validated against.
    public let schema: SOAPSchema
    /// The size and depth limits applied to every request.
    public let limits: XMLLimits

    /// Creates a parser for `schema` with `limits`.
    public init(schema: SOAPSchema, limits: XMLLimits = XMLLimits()) {
        self.schema = schema
        self.limits = limits
    }

    /// Parses a raw HTTP request body (any `Collection<UInt8>`: `[UInt8]`, `Data`, `ArraySlice`, a ByteBuffer view).
    ///
    /// Checks, in order: size (`payload_too_large`), DOCTYPE (`xml_dtd_forbidden`), well-formedness (`invalid_xml`),
    /// depth (`xml_too_deep`), Envelope/Body shape (`invalid_envelope`), operation namespace and name
    /// (`unknown_operation`) and finally the schema (`schema_violation`). Faults raised after the envelope was
    /// recognised carry its `version`.
    public func parse(_ bytes: some Collection<UInt8>) throws(SOAPFault) -> SOAPRequest {
        // Check the size before copying anything: count is O(1) for the usual contiguous collections.
        let count = bytes.count
        guard count <= limits.maxBytes else {
            throw SOAPFault(XMLError.tooLarge(bytes: count, limit: limits.maxBytes))
        }
        let contiguous: Result<SOAPRequest, SOAPFault>? = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(SOAPFault) in try parse(UnsafeRawBufferPointer(buffer)) }
        }
        if let contiguous {
            return try contiguous.get()
        }
        let copy = Array(bytes)
        return try copy.withUnsafeBytes { buffer in
            Result { () throws(SOAPFault) in try parse(buffer) }
        }.get()
    }

    /// Parses bytes that are already contiguous in memory.
    private func parse(_ bytes: UnsafeRawBufferPointer) throws(SOAPFault) -> SOAPRequest {
        try LibXML.capturingErrors { (errors) throws(SOAPFault) -> SOAPRequest in
            try LibXML.withDocument(bytes, limits: limits, errors: errors, mapError: SOAPFault.init) { (document) throws(SOAPFault) -> SOAPRequest in
                try interpret(document, errors: errors)
            }
        }
    }

    /// Checks the envelope structure of a parsed document, validates the operation and builds the request.
    private func interpret(_ document: xmlDocPtr, errors: ErrorCollector) throws(SOAPFault) -> SOAPRequest {
        guard let envelope = xmlDocGetRootElement(document), LibXML.localName(envelope) == "Envelope" else {
            throw SOAPFault(sender: SOAPFaultCode.invalidEnvelope, "the root element is not a SOAP Envelope")
        }
        guard let version = LibXML.namespace(envelope).flatMap(SOAPVersion.init(envelopeNamespace:)) else {
            // SOAP 1.1 §4.4.1 / SOAP 1.2 part 1 §5.4.7: an Envelope in another namespace is a VersionMismatch.
            let namespace = LibXML.namespace(envelope) ?? "no namespace"
            var fault = SOAPFault(sender: SOAPFaultCode.versionMismatch, "unsupported SOAP envelope namespace: \(namespace)")
            fault.envelopeCode = .versionMismatch
            throw fault
        }
        do {
            return try interpret(envelope, version: version, errors: errors)
        } catch {
            throw error.tagged(version)
        }
    }

    /// The version-specific part of `interpret`.
    private func interpret(_ envelope: xmlNodePtr, version: SOAPVersion, errors: ErrorCollector) throws(SOAPFault) -> SOAPRequest {
        let isEnvelopeChild: (xmlNodePtr, String) -> Bool = { node, name in
            LibXML.localName(node) == name && LibXML.namespace(node) == version.envelopeNamespace
        }
        let parts = LibXML.elementChildren(envelope)
        guard let body = parts.first(where: { isEnvelopeChild($0, "Body") }) else {
            throw SOAPFault(sender: SOAPFaultCode.invalidEnvelope, "the SOAP Envelope has no Body")
        }
        let headers = parts.first(where: { isEnvelopeChild($0, "Header") }).map(LibXML.elementChildren) ?? []
        // No header block is understood here: one meant for this server and marked mustUnderstand stops everything.
        if let block = headers.first(where: { Self.mustBeUnderstood($0, version: version) }) {
            var fault = SOAPFault(
                sender: SOAPFaultCode.mustUnderstand,
                "header block {\(LibXML.namespace(block) ?? "")}\(LibXML.localName(block)) must be understood, and is not"
            )
            fault.envelopeCode = .mustUnderstand
            throw fault
        }
        let operations = LibXML.elementChildren(body)
        guard let operationNode = operations.first else {
            throw SOAPFault(sender: SOAPFaultCode.invalidEnvelope, "the SOAP Body is empty")
        }
        // One operation per request: a second element would otherwise be silently ignored (WS-I BP R2210).
        guard operations.count == 1 else {
            throw SOAPFault(sender: SOAPFaultCode.invalidEnvelope, "the SOAP Body holds \(operations.count) elements; send one operation per request")
        }

        let operation = LibXML.localName(operationNode)
        let namespace = LibXML.namespace(operationNode)
        guard namespace == schema.targetNamespace else {
            throw SOAPFault(
                sender: SOAPFaultCode.unknownOperation,
                "operation \(operation) is in namespace \(namespace ?? "(none)"), expected \(schema.targetNamespace)"
            )
        }
        guard schema.operations.contains(operation) else {
            throw SOAPFault(sender: SOAPFaultCode.unknownOperation, "unknown operation: \(operation)")
        }
        try schema.validate(operationNode, errors: errors)

        return SOAPRequest(
            version: version,
            operation: operation,
            payload: LibXML.element(from: operationNode),
            headers: headers.map(LibXML.element(from:))
        )
    }

    /// Whether a header block is addressed to this server (no actor/role, or the "next" / ultimate-receiver one) and
    /// marked mustUnderstand (`1`, or `true` in SOAP 1.2).
    private static func mustBeUnderstood(_ block: xmlNodePtr, version: SOAPVersion) -> Bool {
        let flag = LibXML.attribute(block, "mustUnderstand", namespace: version.envelopeNamespace)?.trimmingXMLWhitespace()
        guard flag == "1" || flag == "true" else { return false }
        switch version {
        case .soap11:
            // SOAP 1.1 §4.2.2: no actor means the ultimate recipient, which this server is.
            let actor = LibXML.attribute(block, "actor", namespace: version.envelopeNamespace)?.trimmingXMLWhitespace()
            return actor == nil || actor == "" || actor == "http://schemas.xmlsoap.org/soap/actor/next"
        case .soap12:
            // SOAP 1.2 part 1 §5.2.2: no role means the ultimate receiver; "none" is nobody.
            let role = LibXML.attribute(block, "role", namespace: version.envelopeNamespace)?.trimmingXMLWhitespace()
            return role == nil || role == "" || role == "http://www.w3.org/2003/05/soap-envelope/role/next"
                || role == "http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver"
        }
    }
}
