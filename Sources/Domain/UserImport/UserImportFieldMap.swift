import Foundation

/// Which source attribute fills which user field (the guide's "Fields" box). Names are lowercased, as the guide asks
/// for LDAP names; an empty name leaves that field alone, so what an administrator typed there by hand survives.
public struct UserImportFieldMap: Codable, Sendable, Equatable {
    /// The user name, which is also the user's key in the source; required.
    public var username: String
    public var lastName: String
    public var firstName: String
    public var email: String
    public var mobile: String
    /// The number of the user's device; required, since users without a telephone number are ignored.
    public var number: String
    /// Attributes for private fields 0–9; always `User.privateFieldCount` entries.
    public var privateFields: [String]

    public init(
        username: String,
        lastName: String = "",
        firstName: String = "",
        email: String = "",
        mobile: String = "",
        number: String,
        privateFields: [String] = []
    ) {
        self.username = username
        self.lastName = lastName
        self.firstName = firstName
        self.email = email
        self.mobile = mobile
        self.number = number
        self.privateFields = privateFields + Array(repeating: "", count: max(0, User.privateFieldCount - privateFields.count))
    }

    /// The attributes pre-filled for a new import (admin guide 7.2.1 and 7.2.2: "all standard fields are pre filled").
    public static func defaults(for kind: UserImport.Kind) -> UserImportFieldMap {
        switch kind {
        case .ldap:
            UserImportFieldMap(
                username: "uid",
                lastName: "sn",
                firstName: "givenname",
                email: "mail",
                mobile: "mobile",
                number: "telephonenumber"
            )
        case .activeDirectory:
            UserImportFieldMap(
                username: "samaccountname",
                lastName: "sn",
                firstName: "givenname",
                email: "mail",
                mobile: "mobile",
                number: "telephonenumber"
            )
        }
    }

    /// The distinct attributes to ask the source for, in field order.
    public var attributes: [String] {
        var seen = Set<String>()
        return ([username, lastName, firstName, email, mobile, number] + privateFields).filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    /// The map with every name lowercased and checked, each error naming its field (`fieldMap.email`, …).
    func checked() throws(DomainError) -> UserImportFieldMap {
        func attribute(_ name: String, _ field: String, required: Bool = false) throws(DomainError) -> String {
            if name.isEmpty {
                guard !required else { throw .invalid(field: field, "\(field) is required") }
                return name
            }
            // RFC 4512 attribute descriptions: a name or an OID, with options after ";" (contract pattern
            // `^[A-Za-z0-9.;-]*$`); LDAP compares them without case.
            let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.;")
            guard name.unicodeScalars.count <= 128, name.unicodeScalars.allSatisfy({ allowed.contains($0) }) else {
                throw .invalid(field: field, "\(field) must be an attribute name (letters, digits, '-', '.', ';')")
            }
            return name.lowercased()
        }
        guard privateFields.count <= User.privateFieldCount else {
            throw .invalid(field: "fieldMap.privateFields", "At most \(User.privateFieldCount) private fields")
        }
        var privates: [String] = []
        for (index, name) in privateFields.enumerated() { privates.append(try attribute(name, "fieldMap.privateFields[\(index)]")) }
        return UserImportFieldMap(
            username: try attribute(username, "fieldMap.username", required: true),
            lastName: try attribute(lastName, "fieldMap.lastName"),
            firstName: try attribute(firstName, "fieldMap.firstName"),
            email: try attribute(email, "fieldMap.email"),
            mobile: try attribute(mobile, "fieldMap.mobile"),
            number: try attribute(number, "fieldMap.number", required: true),
            privateFields: privates
        )
    }
}
