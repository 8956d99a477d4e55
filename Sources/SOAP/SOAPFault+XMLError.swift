import XML

extension SOAPFault {
    /// The fault for a document the XML reader refused: the one place where reader errors get their SOAP fault codes,
    /// HTTP statuses and wording.
    ///
    /// Everything is a sender fault (HTTP 400, 413 when too large) except a parser that could not be created, which is
    /// ours (500). The wording speaks of the request body, since that is what a SOAP client sent.
    init(_ error: XMLError) {
        switch error {
        case .empty:
            self.init(sender: SOAPFaultCode.invalidXML, "request body is empty")
        case .malformed(let diagnostic):
            self.init(sender: SOAPFaultCode.invalidXML, diagnostic ?? "the request body is not well-formed XML")
        case .tooLarge(let bytes, let limit):
            self.init(sender: SOAPFaultCode.payloadTooLarge, "request body is \(bytes) bytes, the limit is \(limit)", httpStatus: 413)
        case .dtdForbidden:
            self.init(sender: SOAPFaultCode.xmlDTDForbidden, error.message)
        case .tooDeep:
            self.init(sender: SOAPFaultCode.xmlTooDeep, error.message)
        case .parserUnavailable:
            self.init(receiver: SOAPFaultCode.internalError, error.message)
        }
    }
}
