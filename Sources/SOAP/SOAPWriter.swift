import XML

/// Serialises SOAP responses and faults. Pure string building: no libxml2, no shared state.
///
/// HTTP status policy (both versions): sender faults are answered with their 4xx status (400, or 413 for
/// `payload_too_large`), deliberately never 500, even though SOAP 1.1's HTTP binding suggests 500 for every
/// fault; only receiver faults (our own failures) get 500.
public enum SOAPWriter {
    /// The prefix bound to the service namespace in everything we write.
    public static let servicePrefix = "tws"

    /// The `Content-Type` header value for `version` (`text/xml; charset=utf-8` or `application/soap+xml; charset=utf-8`).
    public static func contentType(for version: SOAPVersion) -> String {
        version.contentType
    }

    /// A complete response envelope whose Body holds `<tws:{operation}>` with the content (text and children) of
    /// `body`; `body`'s own name is not used, so `XElement("LoginResponse", children: ...)` and
    /// `XElement("", children: ...)` are equivalent here.
    ///
    /// Children whose `namespace` is nil or `namespace` are written qualified with the `tws` prefix, as the
    /// schema's elementFormDefault="qualified" requires.
    public static func response(version: SOAPVersion, operation: String, namespace: String, body: XElement) -> [UInt8] {
        var wrapper = body
        wrapper.name = operation
        wrapper.namespace = namespace
        var xml = envelopeStart(version, namespace: namespace)
        write(wrapper, serviceNamespace: namespace, inheritedNamespace: namespace, defaultNamespace: nil, into: &xml)
        xml += envelopeEnd(version)
        return Array(xml.utf8)
    }

    /// A response envelope whose Body holds `body` itself, named after `body.name`.
    public static func response(version: SOAPVersion, namespace: String, body: XElement) -> [UInt8] {
        response(version: version, operation: body.name, namespace: namespace, body: body)
    }

    /// A complete fault envelope for `fault`, with `<tws:code>` in the detail.
    ///
    /// SOAP 1.1: `faultcode` soap:Client (sender) or soap:Server (receiver), `faultstring`, `detail`.
    /// SOAP 1.2: `Code/Value` env:Sender or env:Receiver, `Reason/Text xml:lang="en"`, `Detail`.
    public static func fault(version: SOAPVersion, fault: SOAPFault, namespace: String) -> [UInt8] {
        let env = version.envelopePrefix
        let message = XMLEscaping.escape(fault.message)
        var detail = "<\(servicePrefix):code>\(XMLEscaping.escape(fault.code))</\(servicePrefix):code>"
        for extra in fault.details {
            detail += "<\(servicePrefix):\(extra.name)>\(XMLEscaping.escape(extra.text))</\(servicePrefix):\(extra.name)>"
        }
        var xml = envelopeStart(version, namespace: namespace)
        xml += "<\(env):Fault>"
        switch version {
        case .soap11:
            let code = fault.envelopeCode?.rawValue ?? (fault.isSenderFault ? "Client" : "Server")
            xml += "<faultcode>\(env):\(code)</faultcode><faultstring>\(message)</faultstring><detail>\(detail)</detail>"
        case .soap12:
            let code = fault.envelopeCode?.rawValue ?? (fault.isSenderFault ? "Sender" : "Receiver")
            xml += "<\(env):Code><\(env):Value>\(env):\(code)</\(env):Value></\(env):Code>"
            xml += "<\(env):Reason><\(env):Text xml:lang=\"en\">\(message)</\(env):Text></\(env):Reason>"
            xml += "<\(env):Detail>\(detail)</\(env):Detail>"
        }
        xml += "</\(env):Fault>"
        xml += envelopeEnd(version)
        return Array(xml.utf8)
    }

    /// The XML declaration, the Envelope start tag (declaring both prefixes) and the Body start tag.
    private static func envelopeStart(_ version: SOAPVersion, namespace: String) -> String {
        let env = version.envelopePrefix
        return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
            + "<\(env):Envelope xmlns:\(env)=\"\(XMLEscaping.escape(version.envelopeNamespace))\""
            + " xmlns:\(servicePrefix)=\"\(XMLEscaping.escape(namespace))\"><\(env):Body>"
    }

    /// The Body and Envelope end tags.
    private static func envelopeEnd(_ version: SOAPVersion) -> String {
        "</\(version.envelopePrefix):Body></\(version.envelopePrefix):Envelope>"
    }

    /// Appends `element` and its subtree to `xml`.
    ///
    /// A nil `namespace` inherits the parent's. Elements in the service namespace use the `tws` prefix; any other
    /// namespace is written unprefixed with a default-namespace declaration where the one in scope differs.
    /// Element names are trusted (they come from code, not from requests) and written as given.
    private static func write(
        _ element: XElement,
        serviceNamespace: String,
        inheritedNamespace: String,
        defaultNamespace: String?,
        into xml: inout String
    ) {
        let namespace = element.namespace ?? inheritedNamespace
        var name = element.name
        var scopeDefault = defaultNamespace
        var declaration = ""
        if namespace == serviceNamespace {
            name = "\(servicePrefix):\(element.name)"
        } else if namespace != defaultNamespace {
            declaration = " xmlns=\"\(XMLEscaping.escape(namespace))\""
            scopeDefault = namespace
        }
        if element.text.isEmpty && element.children.isEmpty {
            xml += "<\(name)\(declaration)/>"
            return
        }
        xml += "<\(name)\(declaration)>"
        xml += XMLEscaping.escape(element.text)
        for child in element.children {
            write(child, serviceNamespace: serviceNamespace, inheritedNamespace: namespace, defaultNamespace: scopeDefault, into: &xml)
        }
        xml += "</\(name)>"
    }
}
