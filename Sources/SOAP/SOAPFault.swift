/// A SOAP fault: the single error type thrown by the parser and rendered by `SOAPWriter.fault`.
///
/// `code` is a stable, machine-readable identifier (see `SOAPFaultCode`) that clients can switch on; `message`
/// is human-readable and may change. Sender faults are the client's fault (HTTP 4xx); receiver faults are ours
/// (HTTP 500).
public struct SOAPFault: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable machine code, e.g. `invalid_xml`, `unauthorized`, `not_found`.
    public var code: String
    /// Human-readable explanation; for XML and schema errors this is libxml2's first error message.
    public var message: String
    /// True when the request was at fault (client error), false for server-side failures.
    public var isSenderFault: Bool
    /// The HTTP status the response carrying this fault should use.
    public var httpStatus: Int
    /// The envelope version, when the parser got far enough to read it; lets the server answer in kind.
    public var version: SOAPVersion?

    /// Creates a fault with every field spelled out.
    public init(code: String, message: String, isSenderFault: Bool, httpStatus: Int, version: SOAPVersion? = nil) {
        self.code = code
        self.message = message
        self.isSenderFault = isSenderFault
        self.httpStatus = httpStatus
        self.version = version
    }

    /// Creates a sender (client) fault, HTTP 400 unless a more specific 4xx status is given.
    public init(sender code: String, _ message: String, httpStatus: Int = 400, version: SOAPVersion? = nil) {
        self.init(code: code, message: message, isSenderFault: true, httpStatus: httpStatus, version: version)
    }

    /// Creates a receiver (server) fault, HTTP 500.
    public init(receiver code: String, _ message: String, version: SOAPVersion? = nil) {
        self.init(code: code, message: message, isSenderFault: false, httpStatus: 500, version: version)
    }

    /// `SOAPFault(code, status): message`, for logs.
    public var description: String {
        "SOAPFault(\(code), \(httpStatus)): \(message)"
    }

    /// Returns a copy tagged with the envelope version the fault was raised for.
    func tagged(_ version: SOAPVersion) -> SOAPFault {
        var copy = self
        copy.version = version
        return copy
    }
}

/// The fault codes the SOAP module itself produces. Other layers add their own (`unauthorized`, `not_found`, ...).
public enum SOAPFaultCode {
    /// The body exceeds `SOAPLimits.maxBytes` (HTTP 413).
    public static let payloadTooLarge = "payload_too_large"
    /// The body is not well-formed XML (or is empty).
    public static let invalidXML = "invalid_xml"
    /// The document contains a DOCTYPE; DTDs and entities are never processed.
    public static let xmlDTDForbidden = "xml_dtd_forbidden"
    /// Elements are nested deeper than `SOAPLimits.maxDepth`.
    public static let xmlTooDeep = "xml_too_deep"
    /// Not a SOAP 1.1/1.2 Envelope, no Body, or an empty Body.
    public static let invalidEnvelope = "invalid_envelope"
    /// The Body element is not a known operation in the service namespace.
    public static let unknownOperation = "unknown_operation"
    /// The operation element does not satisfy the XML schema from the WSDL.
    public static let schemaViolation = "schema_violation"
    /// libxml2 failed for a reason that is not the request's fault (e.g. out of memory).
    public static let internalError = "internal_error"
}
