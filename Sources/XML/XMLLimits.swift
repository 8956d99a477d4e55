/// Resource limits applied to every incoming document before and while it is parsed.
public struct XMLLimits: Sendable, Hashable {
    /// Documents larger than this are refused before parsing (`XMLError.tooLarge`). Default 1 MiB.
    public var maxBytes: Int
    /// Maximum element nesting depth, the root element being level 1 (`XMLError.tooDeep`). Default 32.
    ///
    /// Values above 255 behave as 255 and values below 1 as 1: libxml2 itself refuses deeper documents without
    /// XML_PARSE_HUGE, which we never enable.
    public var maxDepth: Int

    /// Creates limits; the defaults suit the TWS SOAP operations (about 5 levels deep) and CSTA messages (about 8).
    public init(maxBytes: Int = 1 << 20, maxDepth: Int = 32) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
    }

    /// `maxDepth` clamped to what libxml2 can enforce without XML_PARSE_HUGE.
    var effectiveMaxDepth: Int {
        min(max(maxDepth, 1), 255)
    }
}
