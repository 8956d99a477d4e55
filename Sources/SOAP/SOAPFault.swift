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
    /// A fault code of the SOAP specifications themselves, written instead of Client/Server (Sender/Receiver).
    public var envelopeCode: EnvelopeCode?
    /// More elements of the detail beside `tws:code`, in order, such as `parameter` or `chain`.
    public var details: [Detail] = []

    /// One more element of the fault detail, in the service namespace.
    public struct Detail: Sendable, Equatable {
        public var name: String
        public var text: String

        public init(name: String, text: String) {
            self.name = name
            self.text = text
        }
    }

    /// The fault codes the SOAP specifications define beside Client/Server (1.1) and Sender/Receiver (1.2).
    public enum EnvelopeCode: String, Sendable, Equatable {
        /// A header block the server must understand, and does not (SOAP 1.1 §4.4.1, SOAP 1.2 part 1 §5.4.8).
        case mustUnderstand = "MustUnderstand"
        /// The envelope is not of a SOAP version the server speaks, or not the one the transport announced.
        case versionMismatch = "VersionMismatch"
    }

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

    /// The HTTP status of the response carrying this fault in `version`, as the specifications fix it: SOAP 1.1 faults
    /// travel with 500 (WS-I Basic Profile R1126); SOAP 1.2 Sender faults with 400 and every other fault with 500 (part 2
    /// §7.5.1.2, table 20). Two answers keep their own status because they are about HTTP, not the envelope: 401 with a
    /// Negotiate challenge, and 415 for a media type that is no SOAP version's.
    public func httpStatus(in version: SOAPVersion) -> Int {
        if (httpStatus == 401 && code == "negotiate_continue") || httpStatus == 415 { return httpStatus }
        switch version {
        case .soap11: return 500
        case .soap12: return isSenderFault && envelopeCode == nil ? 400 : 500
        }
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
    /// The body exceeds `XMLLimits.maxBytes` (HTTP 413).
    public static let payloadTooLarge = "payload_too_large"
    /// The body is not well-formed XML (or is empty).
    public static let invalidXML = "invalid_xml"
    /// The document contains a DOCTYPE; DTDs and entities are never processed.
    public static let xmlDTDForbidden = "xml_dtd_forbidden"
    /// Elements are nested deeper than `XMLLimits.maxDepth`.
    public static let xmlTooDeep = "xml_too_deep"
    /// Not a SOAP 1.1/1.2 Envelope, no Body, or an empty Body.
    public static let invalidEnvelope = "invalid_envelope"
    /// The Body element is not a known operation in the service namespace.
    public static let unknownOperation = "unknown_operation"
    /// A header block marked mustUnderstand that the server does not understand (fault code MustUnderstand).
    public static let mustUnderstand = "must_understand"
    /// The envelope's version is unknown, or is not the one the Content-Type announced (fault code VersionMismatch).
    public static let versionMismatch = "version_mismatch"
    /// The SOAPAction header (or the `action` media-type parameter) names another operation than the Body.
    public static let actionMismatch = "action_mismatch"
    /// The Content-Type is neither SOAP 1.1's `text/xml` nor SOAP 1.2's `application/soap+xml` (HTTP 415).
    public static let unsupportedMediaType = "unsupported_media_type"
    /// The operation element does not satisfy the XML schema from the WSDL.
    public static let schemaViolation = "schema_violation"
    /// libxml2 failed for a reason that is not the request's fault (e.g. out of memory).
    public static let internalError = "internal_error"
}
