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
        let externalId = Self.externalId(of: row, map: map)
        guard !externalId.isEmpty else {
            return .failure(Ignored(reason: map[.id] == nil ? "the field map has no ID" : "no ID (\(map[.id]!.source) is empty)"))
        }
        var contact = Contact(
            companyId: directory.companyId,
            domainId: directory.domainId,
            directoryId: directory.id!,
            externalId: externalId,
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

    /// The source's ID of a row as `contact(from:)` maps it (at most 256 characters); empty when there is none.
    static func externalId(of row: SourceRow, map: FieldMap) -> String {
        guard let mapping = map[.id], let raw = row[mapping.source] else { return "" }
        return String(mapping.transform(raw.trimmedWhitespace).prefix(256))
    }

    /// A digest of what the mapping of one directory reads from a row: the first value of each source attribute of
    /// its field map, seeded with the field map, the dialing plan and the merge setting. A row with the same digest
    /// as the stored contact maps to that contact again, so a synchronisation skips its mapping. 64-bit FNV-1a over
    /// the bytes; never 0 (0 marks a contact without one).
    struct SourceDigest: Sendable {
        /// Bump when the mapping itself (this file, `Contact.indexed`, `PhoneKey`) maps the same rows differently:
        /// every row is then mapped again once.
        static let version = "contact-mapping 1"
        let attributes: [String]
        let seed: UInt64

        init(directory: Directory, plan: DialingPlanSettings) {
            attributes = directory.fieldMap.sourceAttributes
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            var seed = Self.offset
            for part in [
                Self.version, "\(directory.companyId) \(directory.domainId) \(directory.id ?? 0) \(directory.mergeContacts)",
                (try? encoder.encode(directory.fieldMap)).map { String(decoding: $0, as: UTF8.self) } ?? "",
                (try? encoder.encode(plan)).map { String(decoding: $0, as: UTF8.self) } ?? "",
            ] {
                Self.mix(part, into: &seed, end: 0x1f)
            }
            self.seed = seed
        }

        func digest(of row: SourceRow) -> Int64 {
            var hash = seed
            for attribute in attributes {
                if let value = row[attribute] { Self.mix(value, into: &hash, end: 0x1f) } else { Self.mix("", into: &hash, end: 0x1e) }
            }
            return hash == 0 ? 1 : Int64(bitPattern: hash)
        }

        private static let offset: UInt64 = 0xcbf2_9ce4_8422_2325

        private static func mix(_ text: String, into hash: inout UInt64, end: UInt8) {
            var text = text
            text.withUTF8 { bytes in
                for byte in bytes {
                    hash ^= UInt64(byte)
                    hash = hash &* 0x0000_0100_0000_01b3
                }
            }
            hash ^= UInt64(end)
            hash = hash &* 0x0000_0100_0000_01b3
        }
    }
}
