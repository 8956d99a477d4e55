import CLibXML2
import XML

/// Why a WSDL could not be turned into a `SOAPSchema`. A start-up error, not a SOAP fault.
public struct SOAPSchemaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, including libxml2's first error message where there was one.
    public var message: String

    /// Creates an error with `message`.
    public init(_ message: String) {
        self.message = message
    }

    /// `SOAPSchemaError: message`, for start-up logs.
    public var description: String {
        "SOAPSchemaError: \(message)"
    }
}

/// The XML schema embedded in a WSDL 1.1 document's `wsdl:types`, compiled once by libxml2.
///
/// Build it once at start-up and share it: validation never mutates it. If `wsdl:types` holds several
/// `xsd:schema` elements, the one whose targetNamespace equals the WSDL's targetNamespace is used (and it may not
/// `xsd:import` the others); a single schema is used whatever its namespace.
///
/// `@unchecked Sendable` is safe because: every stored property is a `let` set in `init`; the two libxml2 objects
/// are never mutated after `xmlSchemaParse` returns (libxml2 treats a compiled `xmlSchema` as read-only during
/// validation, which is what makes sharing it between validation contexts on different threads supported);
/// every validation creates and frees its own `xmlSchemaValidCtxt`; and both objects are freed only in `deinit`,
/// when no other reference, hence no concurrent user, can exist.
public final class SOAPSchema: @unchecked Sendable {
    private static let wsdlNamespace = "http://schemas.xmlsoap.org/wsdl/"
    private static let xsdNamespace = "http://www.w3.org/2001/XMLSchema"

    /// The schema's targetNamespace, e.g. `urn:opentws:soap:v1`; operation elements must be in it.
    public let targetNamespace: String
    /// Names of the schema's global elements: the only names accepted as operations (requests and responses).
    public let operations: Set<String>

    private let compiled: xmlSchemaPtr
    // The compiled schema keeps pointers into the document it was compiled from, so the document lives as long.
    private let schemaDocument: xmlDocPtr

    /// Compiles the schema embedded in the WSDL document `wsdl` (UTF-8 or declared-encoding XML bytes).
    public init(wsdl: some Collection<UInt8>) throws(SOAPSchemaError) {
        let bytes = Array(wsdl)
        // A WSDL is trusted configuration, but it goes through the same hardened parser as requests anyway.
        let limits = XMLLimits(maxBytes: 16 << 20, maxDepth: 64)
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(SOAPSchemaError) -> Compiled in
                try LibXML.capturingErrors { (errors) throws(SOAPSchemaError) -> Compiled in
                    try Self.compile(buffer, limits: limits, errors: errors)
                }
            }
        }
        let compiled = try result.get()
        self.targetNamespace = compiled.targetNamespace
        self.operations = compiled.operations
        self.compiled = compiled.schema
        self.schemaDocument = compiled.document
    }

    deinit {
        xmlSchemaFree(compiled)
        xmlFreeDoc(schemaDocument)
    }

    /// Validates `element` (a node of a parsed request) against its global element declaration.
    ///
    /// Must run inside `LibXML.capturingErrors`; throws `schema_violation` with libxml2's first message.
    func validate(_ element: xmlNodePtr, errors: ErrorCollector) throws(SOAPFault) {
        // A fresh validation context per call: contexts are mutable and not thread-safe, the schema is neither.
        guard let validation = xmlSchemaNewValidCtxt(compiled) else {
            throw SOAPFault(receiver: SOAPFaultCode.internalError, "could not create a schema validation context")
        }
        defer { xmlSchemaFreeValidCtxt(validation) }
        xmlSchemaSetValidStructuredErrors(validation, ErrorCollector.handler, errors.context)
        let status = xmlSchemaValidateOneElement(validation, element)
        if status > 0 {
            throw SOAPFault(sender: SOAPFaultCode.schemaViolation, errors.message ?? "the request does not match the schema")
        }
        if status < 0 {
            throw SOAPFault(receiver: SOAPFaultCode.internalError, errors.message ?? "schema validation failed internally")
        }
    }

    /// The results of `compile`, handed from the closure to `init`.
    private struct Compiled {
        let targetNamespace: String
        let operations: Set<String>
        let schema: xmlSchemaPtr
        let document: xmlDocPtr
    }

    /// Parses the WSDL, extracts the schema into a document of its own and compiles it.
    private static func compile(
        _ bytes: UnsafeRawBufferPointer,
        limits: XMLLimits,
        errors: ErrorCollector
    ) throws(SOAPSchemaError) -> Compiled {
        let unusable = { (error: XMLError) in SOAPSchemaError("the WSDL is not usable XML: \(SOAPFault(error).message)") }
        return try LibXML.withDocument(bytes, limits: limits, errors: errors, mapError: unusable) { (wsdl) throws(SOAPSchemaError) -> Compiled in
            try compile(wsdl: wsdl, errors: errors)
        }
    }

    /// Finds the schema inside a parsed WSDL document and compiles a standalone copy of it.
    private static func compile(wsdl: xmlDocPtr, errors: ErrorCollector) throws(SOAPSchemaError) -> Compiled {
        guard let definitions = xmlDocGetRootElement(wsdl), LibXML.localName(definitions) == "definitions",
            LibXML.namespace(definitions) == wsdlNamespace
        else {
            throw SOAPSchemaError("the document is not a WSDL 1.1 wsdl:definitions")
        }
        let schemas = LibXML.elementChildren(definitions)
            .filter { LibXML.localName($0) == "types" && LibXML.namespace($0) == wsdlNamespace }
            .flatMap(LibXML.elementChildren)
            .filter { LibXML.localName($0) == "schema" && LibXML.namespace($0) == xsdNamespace }
        let definitionsNamespace = LibXML.attribute(definitions, "targetNamespace")
        let chosen = schemas.count == 1 ? schemas.first : schemas.first { LibXML.attribute($0, "targetNamespace") == definitionsNamespace }
        guard let schemaNode = chosen else {
            throw SOAPSchemaError(schemas.isEmpty ? "wsdl:types contains no xsd:schema" : "no xsd:schema has the WSDL's targetNamespace")
        }
        guard let targetNamespace = LibXML.attribute(schemaNode, "targetNamespace"), !targetNamespace.isEmpty else {
            throw SOAPSchemaError("the xsd:schema has no targetNamespace")
        }
        let operations = Set(
            LibXML.elementChildren(schemaNode)
                .filter { LibXML.localName($0) == "element" && LibXML.namespace($0) == xsdNamespace }
                .compactMap { LibXML.attribute($0, "name") }
        )

        guard let document = standaloneCopy(of: schemaNode) else {
            throw SOAPSchemaError("could not copy the xsd:schema element")
        }
        guard let parser = xmlSchemaNewDocParserCtxt(document) else {
            xmlFreeDoc(document)
            throw SOAPSchemaError("could not create a schema parser")
        }
        defer { xmlSchemaFreeParserCtxt(parser) }
        xmlSchemaSetParserStructuredErrors(parser, ErrorCollector.handler, errors.context)
        guard let schema = xmlSchemaParse(parser) else {
            xmlFreeDoc(document)
            throw SOAPSchemaError("the embedded XML schema does not compile: \(errors.message ?? "unknown error")")
        }
        return Compiled(targetNamespace: targetNamespace, operations: operations, schema: schema, document: document)
    }

    /// A new document whose root is a deep copy of `schemaNode`, with every namespace declaration that was in scope
    /// on its ancestors re-declared on the copy.
    ///
    /// Copying the nodes alone is not enough: QName-valued attributes such as `type="tws:User"` or
    /// `base="xsd:string"` use prefixes that are typically declared only on wsdl:definitions, and libxml2 only
    /// carries over declarations that element and attribute names themselves use.
    private static func standaloneCopy(of schemaNode: xmlNodePtr) -> xmlDocPtr? {
        guard let document = xmlNewDoc("1.0") else {
            return nil
        }
        guard let copy = xmlDocCopyNode(schemaNode, document, 1) else {
            xmlFreeDoc(document)
            return nil
        }
        _ = xmlDocSetRootElement(document, copy)

        var declaredPrefixes = Set<String?>()
        var declaration = copy.pointee.nsDef
        while let current = declaration {
            declaredPrefixes.insert(current.pointee.prefix.map { String(cString: $0) })
            declaration = current.pointee.next
        }
        // Nearest ancestor first, so an inner re-declaration of a prefix wins over an outer one.
        var ancestor = schemaNode.pointee.parent
        while let node = ancestor, node.pointee.type == XML_ELEMENT_NODE {
            var inherited = node.pointee.nsDef
            while let current = inherited {
                let prefix = current.pointee.prefix.map { String(cString: $0) }
                if !declaredPrefixes.contains(prefix) {
                    declaredPrefixes.insert(prefix)
                    _ = xmlNewNs(copy, current.pointee.href, current.pointee.prefix)
                }
                inherited = current.pointee.next
            }
            ancestor = node.pointee.parent
        }
        // Fixes up any namespace reference in the copy that still points outside the new tree.
        _ = xmlDOMWrapReconcileNamespaces(nil, copy, 0)
        return document
    }
}

/// Helpers for serving the WSDL document itself.
public enum WSDLDocument {
    /// The placeholder address both service ports carry in wsdl/tws.wsdl.
    public static let placeholderLocation = "http://localhost:8000/soap"

    /// Returns `wsdl` with every occurrence of `placeholderLocation` replaced by `location` (XML-escaped),
    /// e.g. `https://tws.example.com/soap`, so clients generated from it call the right server.
    public static func replacingLocation(in wsdl: String, with location: String) -> String {
        wsdl.replacing(placeholderLocation, with: XMLEscaping.escape(location))
    }
}
