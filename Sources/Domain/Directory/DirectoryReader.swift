import Foundation

/// An open source being read. Calls come one at a time from one task; blocking C libraries are driven off the
/// cooperative pool by the implementation.
public protocol DirectoryReader: Sendable {
    /// The next rows, at most `limit` of them; nil once the source is exhausted.
    func next(limit: Int) async throws(DirectorySourceError) -> [SourceRow]?
    /// Releases the connection or file; called once, also after an error.
    func close() async
}
