import CLibXML2

/// Per-parse state reachable from the SAX callbacks through the parser context's `_private` pointer.
///
/// Not Sendable and never shared: it lives on the stack of one `LibXML.withDocument` call.
final class ParseGuard {
    /// Why the guard halted the parser.
    enum StopReason {
        case doctype
        case tooDeep
    }

    let maxDepth: Int
    var stopReason: StopReason?

    init(maxDepth: Int) {
        self.maxDepth = maxDepth
    }

    /// Recovers the guard from a SAX callback's context argument (which libxml2 sets to the parser context).
    static func from(_ context: UnsafeMutableRawPointer?) -> (xmlParserCtxtPtr, ParseGuard)? {
        guard let parser = context?.assumingMemoryBound(to: xmlParserCtxt.self), let state = parser.pointee._private else {
            return nil
        }
        return (parser, Unmanaged<ParseGuard>.fromOpaque(state).takeUnretainedValue())
    }

    /// SAX `internalSubset` hook: called as soon as `<!DOCTYPE name ...` has been read and before the internal
    /// subset (`[...]`) is parsed or any external subset is considered, so stopping here means no entity or DTD is
    /// ever declared, fetched or expanded.
    static let rejectDoctype: internalSubsetSAXFunc = { context, _, _, _ in
        guard let (parser, state) = ParseGuard.from(context) else {
            return
        }
        state.stopReason = state.stopReason ?? .doctype
        xmlStopParser(parser)
    }

    /// SAX `startElementNs` hook: builds the node as usual, then halts the parse once nesting exceeds the limit,
    /// long before libxml2's own 256-level limit or the tree builder's recursion could matter.
    static let startElementWithDepthLimit: startElementNsSAX2Func = {
        context,
        localName,
        prefix,
        uri,
        namespaceCount,
        namespaces,
        attributeCount,
        defaultedCount,
        attributes in
        xmlSAX2StartElementNs(context, localName, prefix, uri, namespaceCount, namespaces, attributeCount, defaultedCount, attributes)
        guard let (parser, state) = ParseGuard.from(context) else {
            return
        }
        // xmlSAX2StartElementNs has just pushed the new node, so nodeNr is its depth (the root is 1).
        if Int(parser.pointee.nodeNr) > state.maxDepth {
            state.stopReason = state.stopReason ?? .tooDeep
            xmlStopParser(parser)
        }
    }
}
