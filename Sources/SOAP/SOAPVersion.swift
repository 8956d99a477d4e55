import XML

/// The two SOAP envelope versions the gateway speaks.
///
/// The version of a request is always taken from the namespace of its `Envelope` element, never from the
/// HTTP content type; `init(contentType:)` exists only to choose a fault format when the envelope itself
/// could not be read (malformed XML, oversized body, ...).
public enum SOAPVersion: String, Sendable, CaseIterable, Hashable {
    /// SOAP 1.1: `text/xml`, operation named by the `SOAPAction` HTTP header.
    case soap11
    /// SOAP 1.2: `application/soap+xml`, operation optionally named by the `action` media-type parameter.
    case soap12

    /// The namespace of the `Envelope`, `Header`, `Body` and `Fault` elements.
    public var envelopeNamespace: String {
        switch self {
        case .soap11: "http://schemas.xmlsoap.org/soap/envelope/"
        case .soap12: "http://www.w3.org/2003/05/soap-envelope"
        }
    }

    /// The bare media type, without parameters.
    public var mediaType: String {
        switch self {
        case .soap11: "text/xml"
        case .soap12: "application/soap+xml"
        }
    }

    /// The full `Content-Type` header value for messages we write.
    public var contentType: String {
        "\(mediaType); charset=utf-8"
    }

    /// Whether the version names the operation in a `SOAPAction` HTTP header (SOAP 1.1 only).
    public var usesSOAPActionHeader: Bool {
        self == .soap11
    }

    /// The prefix `SOAPWriter` binds to `envelopeNamespace`; fault codes are QNames in this prefix.
    public var envelopePrefix: String {
        switch self {
        case .soap11: "soap"
        case .soap12: "env"
        }
    }

    /// Detects the version from an `Envelope` element's namespace URI; nil for anything else.
    public init?(envelopeNamespace: String) {
        guard let version = Self.allCases.first(where: { $0.envelopeNamespace == envelopeNamespace }) else {
            return nil
        }
        self = version
    }

    /// Guesses the version from an HTTP `Content-Type` value (case-insensitive, parameters ignored).
    ///
    /// Only meant for picking the fault format when the body could not be parsed; nil if neither matches.
    public init?(contentType: String) {
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
        let normalized = mediaType.trimmingXMLWhitespace().lowercased()
        guard let version = Self.allCases.first(where: { $0.mediaType == normalized }) else {
            return nil
        }
        self = version
    }

    /// The SOAP action URI the WSDL declares for `operation`, e.g. `urn:opentws:soap:v1#Login`.
    public static func soapAction(namespace: String, operation: String) -> String {
        "\(namespace)#\(operation)"
    }
}
