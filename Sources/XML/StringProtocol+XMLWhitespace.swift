extension StringProtocol {
    /// Trims the four XML whitespace characters, which is what xsd whitespace="collapse" ignores at the ends.
    ///
    /// Package-visible so SOAP trims header values and media types the same way the reader trims text.
    package func trimmingXMLWhitespace() -> String {
        let isXMLSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isXMLSpace($0) }), let last = lastIndex(where: { !isXMLSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
