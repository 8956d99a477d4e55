import Domain
import Foundation

/// The server folder that CSV files and SQLite databases must live in (configuration `csvImportFolder`).
///
/// Settings come from administrators over the API, so a path must not reach any other file of the server:
/// absolute paths and `..` are refused, and the real path (symlinks resolved) of what is opened must lie
/// inside the folder's real path.
public struct ImportFolder: Sendable, Equatable {
    public let url: URL

    public init(_ url: URL) { self.url = url }

    /// The folder's real path; `unreachable` when it does not exist.
    func realPath() throws(DirectorySourceError) -> String {
        guard let resolved = Self.realPath(of: url.path) else {
            throw DirectorySourceError(.unreachable, "the import folder \(url.path) does not exist")
        }
        return resolved
    }

    /// Checks a settings path (relative, no `..`) and returns it joined to the folder's real path, unresolved.
    func candidate(for relativePath: String) throws(DirectorySourceError) -> String {
        guard !relativePath.isEmpty else { throw DirectorySourceError(.invalidSettings, "no file name given") }
        guard !relativePath.hasPrefix("/") else {
            throw DirectorySourceError(.invalidSettings, "\(relativePath) must be relative to the import folder")
        }
        guard !relativePath.contains("\0"), !relativePath.split(separator: "/").contains("..") else {
            throw DirectorySourceError(.invalidSettings, "\(relativePath) must not leave the import folder")
        }
        return try realPath() + "/" + relativePath
    }

    /// Throws `invalidSettings` unless `resolvedPath` (a real path) lies inside the folder.
    func requireInside(_ resolvedPath: String, shownAs name: String) throws(DirectorySourceError) {
        let folder = try realPath()
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        guard resolvedPath.hasPrefix(prefix) else {
            throw DirectorySourceError(.invalidSettings, "\(name) is outside the import folder")
        }
    }

    /// A file's real path (every symlink resolved), nil when it does not exist.
    static func realPath(of path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The real path of the file an open descriptor refers to, as the kernel sees it (Linux /proc).
    static func realPath(ofDescriptor descriptor: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/fd/\(descriptor)", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
