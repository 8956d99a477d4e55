/// Why the hardened reader refused a document: the XML module's only error.
///
/// Callers map it to their own protocol's error in one place (SOAP to a `SOAPFault`, the CSTA codec to
/// `CSTAProtocolError.invalidXML`); `code` is stable and machine-readable, `message` is for people and may change.
public enum XMLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// There were no bytes at all.
    case empty
    /// Not (namespace-)well-formed XML; carries libxml2's first diagnostic, nil in the unlikely case it gave none.
    case malformed(String?)
    /// The document is larger than `XMLLimits.maxBytes` (or than libxml2 can take); refused before parsing.
    case tooLarge(bytes: Int, limit: Int)
    /// The document has a DOCTYPE; DTDs, and with them entity declarations, are never processed.
    case dtdForbidden
    /// Elements are nested deeper than `limit` levels (the root being level 1).
    case tooDeep(limit: Int)
    /// libxml2 could not create a parser (out of memory); not the document's fault.
    case parserUnavailable

    /// Stable machine code. The values are the ones the SOAP faults and CSTA link logs have always carried
    /// (`invalid_xml`, `payload_too_large`, `xml_dtd_forbidden`, `xml_too_deep`, `internal_error`).
    public var code: String {
        switch self {
        case .empty, .malformed: "invalid_xml"
        case .tooLarge: "payload_too_large"
        case .dtdForbidden: "xml_dtd_forbidden"
        case .tooDeep: "xml_too_deep"
        case .parserUnavailable: "internal_error"
        }
    }

    /// A one-line human-readable explanation, libxml2's own message for malformed documents.
    public var message: String {
        switch self {
        case .empty: "the document is empty"
        case .malformed(let diagnostic): diagnostic ?? "the document is not well-formed XML"
        case .tooLarge(let bytes, let limit): "the document is \(bytes) bytes, the limit is \(limit)"
        case .dtdForbidden: "DOCTYPE declarations are not allowed"
        case .tooDeep(let limit): "elements are nested deeper than \(limit) levels"
        case .parserUnavailable: "could not create an XML parser"
        }
    }

    /// `code: message`, for logs.
    public var description: String {
        "\(code): \(message)"
    }
}
