import XML

/// Serialises the small element trees the CSTA encoder builds (the XML module's `XElement` tree).
///
/// Every element is written without prefix; the root declares the edition's namespace as the default namespace, so all
/// descendants are in it, as ECMA-323's element-form-qualified schemas require.
enum CSTAXMLWriter {
    /// The XML declaration that starts every outgoing document.
    static let declaration = #"<?xml version="1.0" encoding="UTF-8"?>"#

    /// `root` as a complete UTF-8 document whose default namespace is `namespace` (none when nil).
    static func document(_ root: XElement, namespace: String?) -> [UInt8] {
        var xml = declaration
        write(root, namespaceDeclaration: namespace, into: &xml)
        return Array(xml.utf8)
    }

    /// Appends `element` (and its subtree) to `xml`; only the root carries the `xmlns` declaration.
    private static func write(_ element: XElement, namespaceDeclaration: String?, into xml: inout String) {
        let declaration = namespaceDeclaration.map { " xmlns=\"\(XMLEscaping.escape($0))\"" } ?? ""
        if element.children.isEmpty, element.text.isEmpty {
            xml += "<\(element.name)\(declaration)/>"
            return
        }
        xml += "<\(element.name)\(declaration)>"
        xml += XMLEscaping.escape(element.text)
        for child in element.children {
            write(child, namespaceDeclaration: nil, into: &xml)
        }
        xml += "</\(element.name)>"
    }
}

extension XElement {
    /// A leaf element with `text` (the writer emits `<name/>` when `text` is empty).
    static func cstaLeaf(_ name: String, _ text: String) -> XElement {
        XElement(name, text: text)
    }

    /// Every descendant (not `self`) named `name`, depth-first in document order.
    func descendants(named name: String) -> [XElement] {
        var found: [XElement] = []
        for child in children {
            if child.name == name {
                found.append(child)
            }
            found += child.descendants(named: name)
        }
        return found
    }

    /// The first descendant (not `self`) named `name`, depth-first in document order.
    func firstDescendant(named name: String) -> XElement? {
        for child in children {
            if child.name == name {
                return child
            }
            if let match = child.firstDescendant(named: name) {
                return match
            }
        }
        return nil
    }

    /// The first direct child whose local name is one of `names`, trying the names in order.
    func child(anyOf names: [String]) -> XElement? {
        for name in names {
            if let match = child(name) {
                return match
            }
        }
        return nil
    }

    /// The text of the child `name`, or nil when it is absent or empty.
    func nonEmptyString(_ name: String) -> String? {
        guard let text = string(name), !text.isEmpty else {
            return nil
        }
        return text
    }
}
