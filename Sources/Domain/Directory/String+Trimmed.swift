extension String {
    /// The text without leading and trailing white space and line breaks. Foundation's `trimmingCharacters(in:)`
    /// bridges through NSString, which took a tenth of a 500,000-contact synchronisation; most values need no
    /// trimming at all and are returned as they are.
    var trimmedWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        if first == scalars.startIndex && last == scalars.index(before: scalars.endIndex) { return self }
        return String(scalars[first...last])
    }
}
