/// A company: the tenant boundary. Nothing is ever shared between companies (admin guide 3.1).
public struct Company: Codable, Sendable, Equatable {
    public var id: Int64?
    public var name: String

    public init(id: Int64? = nil, name: String) {
        self.id = id
        self.name = name
    }
}
