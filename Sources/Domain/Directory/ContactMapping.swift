import Foundation

/// Turns a source row into a contact through a directory's field map and options.
enum ContactMapping {
    /// Why a row was ignored.
    struct Ignored: Error { var reason: String }

    static func contact(from row: SourceRow, directory: Directory) -> Result<Contact, Ignored> {
        let map = directory.fieldMap
        func value(_ field: ContactField) -> String {
            guard let mapping = map[field], let raw = row[mapping.source] else { return "" }
            let value = mapping.transform(raw.trimmedWhitespace)
            return value.utf8.count <= 1024 ? value : String(value.prefix(1024))
        }
        let externalId = value(.id)
        guard !externalId.isEmpty else {
            return .failure(Ignored(reason: map[.id] == nil ? "the field map has no ID" : "no ID (\(map[.id]!.source) is empty)"))
        }
        var contact = Contact(
            companyId: directory.companyId,
            domainId: directory.domainId,
            directoryId: directory.id!,
            externalId: String(externalId.prefix(256)),
            lastName: value(.lastName),
            firstName: value(.firstName),
            company: value(.company),
            picture: value(.picture),
            mail1: value(.mail1),
            mail2: value(.mail2),
            url: value(.url)
        )
        guard !contact.lastName.isEmpty || !contact.firstName.isEmpty || !contact.company.isEmpty else {
            return .failure(Ignored(reason: "no name and no company for ID \(contact.externalId)"))
        }
        for kind in ContactPhone.Kind.allCases {
            let number = value(kind.phoneField)
            guard !number.isEmpty else { continue }
            let redList = map[kind.redListField].flatMap { row[$0.source] }
            contact.phones.append(ContactPhone(kind: kind, number: number, redListed: ContactPhone.isRedListValue(redList)))
        }
        let vipField = map.vipField
        for index in 0..<10 {
            let field = ContactField.privateField(index)
            let text = value(field)
            if vipField == field { contact.vip = text }
            contact.privateFields[index] = text
        }
        return .success(contact)
    }
}
