import Foundation

/// A page of results with the total count of matching items.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var total: Int
    public var offset: Int
    public var limit: Int

    public init(items: [Item], total: Int, offset: Int, limit: Int) {
        self.items = items
        self.total = total
        self.offset = offset
        self.limit = limit
    }

    public func map<T>(_ transform: (Item) throws -> T) rethrows -> Page<T> {
        Page<T>(items: try items.map(transform), total: total, offset: offset, limit: limit)
    }
}

/// Paging and free-text search requested by a client.
public struct PageRequest: Sendable {
    /// Largest page a client may ask for.
    public static let maxLimit = 500
    public static let defaultLimit = 50
    public static let maxSearchLength = 128

    public var offset: Int
    public var limit: Int
    public var search: String?

    /// Validates the client's values: negative offsets and limits outside 1...500 are refused.
    public init(offset: Int? = nil, limit: Int? = nil, search: String? = nil) throws(DomainError) {
        let offset = offset ?? 0
        let limit = limit ?? Self.defaultLimit
        guard offset >= 0 else { throw .invalid(field: "offset", "offset must be 0 or more") }
        guard (1...Self.maxLimit).contains(limit) else { throw .invalid(field: "limit", "limit must be between 1 and \(Self.maxLimit)") }
        self.offset = offset
        self.limit = limit
        let trimmed = search?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let trimmed, trimmed.count > Self.maxSearchLength {
            throw .invalid(field: "q", "q takes at most \(Self.maxSearchLength) characters")
        }
        self.search = (trimmed?.isEmpty ?? true) ? nil : trimmed
    }

    public static let all = try! PageRequest(limit: maxLimit)
}
