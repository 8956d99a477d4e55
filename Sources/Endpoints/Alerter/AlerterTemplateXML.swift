import Domain
import Foundation
import XML

/// Alerter templates read and cards written with the hardened libxml2 reader and writer: no DTD, no entity, no
/// network, 64 KB, 8 levels; processing instructions refused, every fault with its line.
package struct AlerterTemplateXML: AlerterTemplateCodec {
    package init() {}

    static let limits = XMLLimits(maxBytes: AlerterTemplate.maxBytes, maxDepth: 8)

    package func read(_ text: String) throws(AlerterTemplateError) -> AlerterTemplateNode {
        let outline: XMLOutline
        do {
            outline = try XMLOutline(xml: Array(text.utf8), limits: Self.limits)
        } catch {
            throw AlerterTemplateError(line: Self.line(in: error.message), Self.explain(error))
        }
        if let line = outline.processingInstructionLines.first {
            throw AlerterTemplateError(line: line, "processing instructions (<?…?>) are not allowed")
        }
        return Self.node(outline.root)
    }

    package func document(vip: Bool, elements: [AlerterCard.Element]) -> String {
        var xml = "<alerter vip=\"\(vip)\">"
        for element in elements {
            xml += "<\(element.kind.rawValue)"
            if let x = element.x { xml += " x=\"\(x)\"" }
            if let y = element.y { xml += " y=\"\(y)\"" }
            if let url = element.url { xml += " url=\"\(XMLEscaping.escape(url))\"" }
            if let exe = element.exe { xml += " exe=\"\(XMLEscaping.escape(exe))\"" }
            xml += ">\(XMLEscaping.escape(element.text))</\(element.kind.rawValue)>"
        }
        return xml + "</alerter>"
    }

    private static func node(_ element: XMLOutline.Element) -> AlerterTemplateNode {
        AlerterTemplateNode(
            name: element.name,
            namespaced: element.namespace != nil,
            line: element.line,
            attributes: element.attributes.map { AlerterTemplateNode.Attribute($0.name, $0.value) },
            text: element.text,
            children: element.children.map(node)
        )
    }

    /// What an administrator reads: the reader's refusal in template words.
    private static func explain(_ error: XMLError) -> String {
        switch error {
        case .dtdForbidden: "DOCTYPE declarations (and with them entities) are not allowed"
        case .tooLarge(let bytes, let limit): "the template is \(bytes) bytes, at most \(limit) are allowed"
        case .tooDeep: "elements are nested too deep (<alerter> holds <text>, <image> and <button> only)"
        case .empty: "the template is empty"
        case .malformed(let message): "not well-formed XML: \(message ?? "unreadable")"
        case .parserUnavailable: "the template could not be read"
        }
    }

    /// libxml2's diagnostics end with "(line N)".
    private static func line(in message: String) -> Int? {
        guard let open = message.range(of: "(line ", options: .backwards) else { return nil }
        return Int(message[open.upperBound...].prefix { $0.isNumber })
    }
}
