import Foundation

/// A source row turned into checked user values, ready for a batch transaction.
struct ImportedUser: Sendable {
    /// The lowercased user name: the user's `externalId`.
    var key: String
    var username: String
    /// nil where the field map leaves the field alone.
    var firstName: String?
    var lastName: String?
    var email: String?
    var mobile: String?
    /// The device number, already normalised (and customised when the import asks for it).
    var number: String
    /// Mapped private fields only, by index.
    var privateFields: [Int: String]
}

/// Maps the rows of one run to users and remembers, across batches, which user names and numbers were already seen.
struct UserImportMapper {
    enum Outcome {
        case user(ImportedUser)
        case ignored(String?, UserImportReport.Reason, String)
    }

    let userImport: UserImport
    let numberingPlanLength: Int
    /// Every user name the source lists, ignored rows included: a user still listed is never deleted or disabled,
    /// even when this run could not apply its row.
    private(set) var listedKeys = Set<String>()
    private var numbers = Set<String>()

    init(_ userImport: UserImport, numberingPlanLength: Int) {
        self.userImport = userImport
        self.numberingPlanLength = numberingPlanLength
    }

    mutating func map(_ row: SourceRow) -> Outcome {
        let fields = userImport.fieldMap
        func value(_ attribute: String) -> String? {
            attribute.isEmpty ? nil : (row[attribute] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard let username = value(fields.username), !username.isEmpty else {
            return .ignored(nil, .noUsername, "No \(fields.username) value")
        }
        let key = username.lowercased()
        guard listedKeys.insert(key).inserted else {
            return .ignored(username, .duplicateInSource, "User name \(username) appears more than once in the source")
        }
        let rawNumber = value(fields.number) ?? ""
        let number =
            userImport.customiseNumber
            ? String(rawNumber.filter { $0.isASCII && $0.isNumber }.suffix(numberingPlanLength)) : Self.dialable(rawNumber)
        guard !number.isEmpty else { return .ignored(username, .noPhoneNumber, "No telephone number in \(fields.number)") }
        // The user's values go through the same checks as an administrator's input; a refused value skips the row.
        var checked = User(companyId: 0, domainId: 0, username: "")
        var privateFields: [Int: String] = [:]
        let mobile = value(fields.mobile).map(Self.dialable)
        do throws(DomainError) {
            _ = try Check.number(number, field: "number")
            let changes = UserChanges(
                username: username,
                firstName: value(fields.firstName),
                lastName: value(fields.lastName),
                email: value(fields.email),
                mobile: mobile
            )
            try changes.apply(to: &checked, passwordHash: nil)
            for (index, attribute) in fields.privateFields.enumerated() {
                if let text = value(attribute) { privateFields[index] = try Check.text(text, field: "privateFields[\(index)]", max: 512) }
            }
        } catch {
            return .ignored(username, .invalidValue, error.message)
        }
        guard numbers.insert(number).inserted else {
            return .ignored(username, .duplicateInSource, "Device number \(number) appears more than once in the source")
        }
        return .user(
            ImportedUser(
                key: key,
                username: checked.username,
                firstName: value(fields.firstName).map { _ in checked.firstName },
                lastName: value(fields.lastName).map { _ in checked.lastName },
                email: value(fields.email).map { _ in checked.email },
                mobile: mobile.map { _ in checked.mobile },
                number: number,
                privateFields: privateFields
            )
        )
    }

    /// A directory's way of writing a number ("+33 (0)1 55-17.18 89") without its punctuation, so that what a PBX
    /// can dial passes `Check.number`. "(0)" is the trunk prefix written for national callers, not a digit to dial.
    static func dialable(_ text: String) -> String {
        text.replacingOccurrences(of: "(0)", with: "").filter { !" \u{00A0}.-()/".contains($0) }
    }
}
