import CLibXML2

extension XElement {
    /// Parses any XML document into an element tree and returns its root element.
    ///
    /// The hardened reader: no DTD (any DOCTYPE is refused), no entity expansion, no network, size and depth limits.
    /// SOAP adds its envelope and schema checks on top of the same parse; the CSTA codec reads frames with it as is.
    public init(xml bytes: some Collection<UInt8>, limits: XMLLimits = XMLLimits()) throws(XMLError) {
        // Check the size before copying anything: count is O(1) for the usual contiguous collections.
        guard bytes.count <= limits.maxBytes else {
            throw .tooLarge(bytes: bytes.count, limit: limits.maxBytes)
        }
        let copy = Array(bytes)
        let result = copy.withUnsafeBytes { buffer in
            Result { () throws(XMLError) -> XElement in
                try LibXML.capturingErrors { (errors) throws(XMLError) -> XElement in
                    try LibXML.withDocument(buffer, limits: limits, errors: errors, mapError: { $0 }) { (document) throws(XMLError) -> XElement in
                        guard let root = xmlDocGetRootElement(document) else {
                            throw .malformed("the document has no root element")
                        }
                        return LibXML.element(from: root)
                    }
                }
            }
        }
        self = try result.get()
    }
}
