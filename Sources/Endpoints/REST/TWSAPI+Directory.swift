import API
import Auth
import Domain
import Foundation

/// Directory search, reverse lookup, private contacts and lists for users; directory settings, synchronisation and
/// public TWS contacts for administrators.
extension TWSAPI {
    // MARK: - Users

    package func searchDirectory(_ input: Operations.SearchDirectory.Input) async throws -> Operations.SearchDirectory.Output {
        let user = try await actingUser(input.query.onBehalfOf, .directoryRead)
        let query = input.query
        var fields: [ContactSearch.Field: String] = [:]
        if let name = query.name { fields[.name] = name }
        if let company = query.company { fields[.company] = company }
        if let mail = query.mail { fields[.mail] = mail }
        if let number = query.number { fields[.number] = number }
        let search = try ContactSearch(
            text: query.q ?? "",
            fields: fields,
            directoryId: query.directoryId,
            offset: Int(query.offset ?? 0),
            limit: Int(query.limit ?? 20)
        )
        let result = try await directories.search(user, search)
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: result.cards.map(Components.Schemas.ContactCard.init),
                        offset: Int32(result.offset),
                        limit: Int32(result.limit),
                        hasMore: result.hasMore
                    )
                )
            )
        )
    }

    package func lookupNumber(_ input: Operations.LookupNumber.Input) async throws -> Operations.LookupNumber.Output {
        let user = try await actingUser(input.query.onBehalfOf, .directoryRead)
        guard let caller = try await directories.lookup(user, number: input.query.number) else {
            throw DomainError(.notFound, code: "no_contact", "No readable contact has this number")
        }
        return .ok(.init(body: .json(.init(caller))))
    }

    package func getContact(_ input: Operations.GetContact.Input) async throws -> Operations.GetContact.Output {
        let card = try await directories.contact(try Caller.current.user(), id: input.path.contactId)
        return .ok(.init(body: .json(.init(card))))
    }

    package func listPrivateContacts(_ input: Operations.ListPrivateContacts.Input) async throws -> Operations.ListPrivateContacts.Output {
        let cards = try await directories.privateContacts(try Caller.current.user())
        return .ok(.init(body: .json(.init(items: cards.map(Components.Schemas.ContactCard.init)))))
    }

    package func createPrivateContact(_ input: Operations.CreatePrivateContact.Input) async throws -> Operations.CreatePrivateContact.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let card = try await directories.createPrivateContact(try Caller.current.user(), try ContactChanges(body))
        return .created(.init(body: .json(.init(card))))
    }

    package func updatePrivateContact(_ input: Operations.UpdatePrivateContact.Input) async throws -> Operations.UpdatePrivateContact.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let card = try await directories.updatePrivateContact(try Caller.current.user(), id: input.path.contactId, try ContactChanges(body))
        return .ok(.init(body: .json(.init(card))))
    }

    package func deletePrivateContact(_ input: Operations.DeletePrivateContact.Input) async throws -> Operations.DeletePrivateContact.Output {
        try await directories.deletePrivateContact(try Caller.current.user(), id: input.path.contactId)
        return .noContent(.init())
    }

    package func listContactLists(_ input: Operations.ListContactLists.Input) async throws -> Operations.ListContactLists.Output {
        let lists = try await directories.contactLists(try Caller.current.user())
        return .ok(.init(body: .json(.init(items: lists.map(Components.Schemas.ContactListView.init)))))
    }

    package func createContactList(_ input: Operations.CreateContactList.Input) async throws -> Operations.CreateContactList.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let view = try await directories.createContactList(
            try Caller.current.user(),
            name: body.name,
            isPublic: body.isPublic ?? false,
            contactIds: body.contactIds ?? []
        )
        return .created(.init(body: .json(.init(view))))
    }

    package func updateContactList(_ input: Operations.UpdateContactList.Input) async throws -> Operations.UpdateContactList.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let view = try await directories.updateContactList(
            try Caller.current.user(),
            id: input.path.listId,
            name: body.name,
            isPublic: body.isPublic,
            contactIds: body.contactIds
        )
        return .ok(.init(body: .json(.init(view))))
    }

    package func deleteContactList(_ input: Operations.DeleteContactList.Input) async throws -> Operations.DeleteContactList.Output {
        try await directories.deleteContactList(try Caller.current.user(), id: input.path.listId)
        return .noContent(.init())
    }

    // MARK: - Administrators

    package func createDirectory(_ input: Operations.CreateDirectory.Input) async throws -> Operations.CreateDirectory.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let directory = try await directoryAdmin.createDirectory(try Caller.current.admin(), domainId: input.path.domainId, try DirectoryChanges(body))
        return .created(.init(body: .json(try .init(directory))))
    }

    package func getDirectory(_ input: Operations.GetDirectory.Input) async throws -> Operations.GetDirectory.Output {
        let directory = try await directoryAdmin.directory(try Caller.current.admin(), id: input.path.directoryId)
        return .ok(.init(body: .json(try .init(directory))))
    }

    package func updateDirectory(_ input: Operations.UpdateDirectory.Input) async throws -> Operations.UpdateDirectory.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let directory = try await directoryAdmin.updateDirectory(try Caller.current.admin(), id: input.path.directoryId, try DirectoryChanges(body))
        return .ok(.init(body: .json(try .init(directory))))
    }

    package func deleteDirectory(_ input: Operations.DeleteDirectory.Input) async throws -> Operations.DeleteDirectory.Output {
        try await directoryAdmin.deleteDirectory(try Caller.current.admin(), id: input.path.directoryId)
        return .noContent(.init())
    }

    package func getDirectorySync(_ input: Operations.GetDirectorySync.Input) async throws -> Operations.GetDirectorySync.Output {
        guard let report = try await directoryAdmin.synchronisation(try Caller.current.admin(), id: input.path.directoryId) else {
            throw DomainError(.notFound, code: "never_synchronised", "This directory has not been synchronised yet")
        }
        return .ok(.init(body: .json(.init(report))))
    }

    package func syncDirectory(_ input: Operations.SyncDirectory.Input) async throws -> Operations.SyncDirectory.Output {
        let wait = input.query.wait ?? false
        let report = try await directoryAdmin.synchronise(try Caller.current.admin(), id: input.path.directoryId, wait: wait)
        return wait ? .ok(.init(body: .json(.init(report)))) : .accepted(.init(body: .json(.init(report))))
    }

    package func listPublicContacts(_ input: Operations.ListPublicContacts.Input) async throws -> Operations.ListPublicContacts.Output {
        let page = try await directoryAdmin.publicContacts(
            try Caller.current.admin(),
            directoryId: input.path.directoryId,
            try PageRequest(offset: input.query.offset.map(Int.init), limit: input.query.limit.map(Int.init), search: input.query.q)
        )
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: page.items.map(Components.Schemas.AdminContact.init),
                        total: Int32(page.total),
                        offset: Int32(page.offset),
                        limit: Int32(page.limit)
                    )
                )
            )
        )
    }

    package func createPublicContact(_ input: Operations.CreatePublicContact.Input) async throws -> Operations.CreatePublicContact.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let contact = try await directoryAdmin.createPublicContact(
            try Caller.current.admin(),
            directoryId: input.path.directoryId,
            try ContactChanges(body)
        )
        return .created(.init(body: .json(.init(contact))))
    }

    package func updatePublicContact(_ input: Operations.UpdatePublicContact.Input) async throws -> Operations.UpdatePublicContact.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let contact = try await directoryAdmin.updatePublicContact(
            try Caller.current.admin(),
            directoryId: input.path.directoryId,
            id: input.path.contactId,
            try ContactChanges(body)
        )
        return .ok(.init(body: .json(.init(contact))))
    }

    package func deletePublicContact(_ input: Operations.DeletePublicContact.Input) async throws -> Operations.DeletePublicContact.Output {
        try await directoryAdmin.deletePublicContact(try Caller.current.admin(), directoryId: input.path.directoryId, id: input.path.contactId)
        return .noContent(.init())
    }
}

// MARK: - Mapping

extension Components.Schemas.ContactCard {
    init(_ c: ContactCard) {
        self.init(
            id: c.id,
            directoryId: c.directoryId,
            directoryName: c.directoryName,
            isPrivate: c.isPrivate,
            lastName: c.lastName,
            firstName: c.firstName,
            company: c.company,
            picture: c.picture,
            phones: c.phones.map { .init(kind: .init(rawValue: $0.kind.rawValue)!, number: $0.number) },
            mail1: c.mail1,
            mail2: c.mail2,
            url: c.url,
            privateFields: c.privateFields.map { .init(index: Int32($0.index), label: $0.label, value: $0.value) },
            mapLinks: c.mapLinks.map { .init(field: $0.field.rawValue, url: $0.url) },
            vip: c.vip,
            vipInfo: c.vipInfo,
            contactIds: c.contactIds
        )
    }
}

extension Components.Schemas.CallerIdentity {
    init(_ c: CallerIdentity) {
        self.init(number: c.number, name: c.name, company: c.company, contact: .init(c.card))
    }
}

extension Components.Schemas.ContactListView {
    init(_ v: ContactListView) {
        self.init(
            id: v.list.id ?? 0,
            name: v.list.name,
            isPublic: v.list.isPublic,
            owned: v.owned,
            contactIds: v.list.contactIds,
            contacts: v.cards.map(Components.Schemas.ContactCard.init)
        )
    }
}

extension Components.Schemas.AdminContact {
    init(_ c: Contact) {
        self.init(
            id: c.id ?? 0,
            directoryId: c.directoryId,
            lastName: c.lastName,
            firstName: c.firstName,
            company: c.company,
            phones: c.phones.map { .init(kind: .init(rawValue: $0.kind.rawValue)!, number: $0.number) },
            mail1: c.mail1,
            mail2: c.mail2,
            url: c.url
        )
    }
}

extension Components.Schemas.DirectorySyncReport {
    init(_ r: DirectorySyncReport) {
        self.init(
            state: .init(rawValue: r.state.rawValue)!,
            startedAt: r.startedAt,
            finishedAt: r.finishedAt,
            read: Int32(clamping: r.read),
            created: Int32(clamping: r.created),
            updated: Int32(clamping: r.updated),
            unchanged: Int32(clamping: r.unchanged),
            deleted: Int32(clamping: r.deleted),
            ignored: Int32(clamping: r.ignored),
            ignoredSamples: r.ignoredSamples.map { .init(row: Int32(clamping: $0.row), reason: $0.reason) },
            error: r.error
        )
    }
}

extension ContactChanges {
    /// The whole contact: a field left out is empty, so PUT replaces the contact as HTTP says it does, and whether it
    /// has a name or a company is read from the body alone (the contract's rule), not from what was stored before.
    init(_ body: Components.Schemas.ContactInput) throws {
        self.init(
            lastName: body.lastName ?? "",
            firstName: body.firstName ?? "",
            company: body.company ?? "",
            phones: try (body.phones ?? []).map { phone in
                ContactPhone(kind: try convert(phone.kind, field: "phones.kind"), number: phone.number)
            },
            mail1: body.mail1 ?? "",
            mail2: body.mail2 ?? "",
            url: body.url ?? ""
        )
    }
}

extension DirectoryChanges {
    init(_ body: Components.Schemas.DirectoryInput) throws {
        var fieldMap: FieldMap?
        if let map = body.fieldMap {
            var texts: [ContactField: String] = [:]
            for (key, text) in map.fields.additionalProperties {
                guard let field = ContactField(rawValue: key) else {
                    throw DomainError.invalid(field: "fieldMap.fields", "Unknown contact field \(key)")
                }
                texts[field] = text
            }
            var labels: [Int: String] = [:]
            for (key, label) in map.privateLabels?.additionalProperties ?? [:] {
                guard key.unicodeScalars.count == 1, let index = Int(key) else {
                    throw DomainError.invalid(field: "fieldMap.privateLabels", "Private fields are numbered 0 to 9")
                }
                labels[index] = label
            }
            fieldMap = try FieldMap(texts, privateLabels: labels)
        }
        var synchronization: DirectorySyncSchedule?
        if let sync = body.synchronization {
            // The contract bounds minutes whatever the mode; a daily schedule ignores them but may not carry nonsense.
            if let minutes = sync.minutes, !DirectorySyncSchedule.intervalRange.contains(Int(minutes)) {
                throw DomainError.invalid(
                    field: "synchronization.minutes",
                    "synchronization.minutes must be between \(DirectorySyncSchedule.intervalRange.lowerBound) and \(DirectorySyncSchedule.intervalRange.upperBound)"
                )
            }
            switch sync.mode {
            case .manual: synchronization = .manual
            case .daily: synchronization = .daily
            case .every:
                guard let minutes = sync.minutes else { throw DomainError.invalid(field: "synchronization.minutes", "every needs minutes") }
                synchronization = .every(minutes: Int(minutes))
            }
        }
        self.init(
            name: body.name,
            kind: try convert(body.kind, field: "kind"),
            priority: body.priority.map(Int.init),
            source: try convert(body.source, field: "source"),
            connection: try body.connection.map(DirectoryConnection.init),
            fieldMap: fieldMap,
            synchronization: synchronization,
            mergeContacts: body.mergeContacts
        )
    }
}

extension DirectoryConnection {
    init(_ body: Components.Schemas.DirectoryConnection) throws {
        switch (body.ldap, body.odbc, body.csv) {
        case (let ldap?, nil, nil):
            self = .ldap(LDAPSourceSettings(ldap))
        case (nil, let odbc?, nil):
            self = .odbc(
                ODBCSourceSettings(
                    connectionString: odbc.connectionString,
                    user: odbc.user,
                    password: odbc.password,
                    table: odbc.table,
                    query: odbc.query
                )
            )
        case (nil, nil, let csv?):
            self = .csv(
                CSVSourceSettings(
                    path: csv.path,
                    headerRow: csv.headerRow,
                    delimiter: csv.delimiter,
                    encoding: try convert(csv.encoding, field: "connection.csv.encoding")
                )
            )
        default:
            throw DomainError.invalid(field: "connection", "Give exactly one of ldap, odbc or csv")
        }
    }
}

extension Components.Schemas.Directory {
    init(_ d: Directory) throws {
        var connection: Components.Schemas.DirectoryConnection?
        switch d.connection?.redacted {
        case .ldap(let s):
            connection = .init(ldap: .init(s))
        case .odbc(let s):
            connection = .init(odbc: .init(connectionString: s.connectionString, user: s.user, password: s.password, table: s.table, query: s.query))
        case .csv(let s):
            connection = .init(
                csv: .init(path: s.path, headerRow: s.headerRow, delimiter: s.delimiter, encoding: try convert(s.encoding, field: "encoding"))
            )
        case nil:
            connection = nil
        }
        let synchronization: Components.Schemas.DirectorySynchronization =
            switch d.synchronization {
            case .manual: .init(mode: .manual)
            case .daily: .init(mode: .daily)
            case .every(let minutes): .init(mode: .every, minutes: Int32(minutes))
            }
        self.init(
            id: d.id ?? 0,
            domainId: d.domainId,
            name: d.name,
            kind: try convert(d.kind, field: "kind"),
            source: try convert(d.source, field: "source"),
            priority: Int32(d.priority),
            connection: connection,
            fieldMap: .init(
                fields: .init(additionalProperties: Dictionary(uniqueKeysWithValues: d.fieldMap.texts.map { ($0.key.rawValue, $0.value) })),
                privateLabels: .init(
                    additionalProperties: Dictionary(uniqueKeysWithValues: d.fieldMap.privateLabels.map { (String($0.key), $0.value) })
                )
            ),
            synchronization: synchronization,
            mergeContacts: d.mergeContacts,
            lastSync: d.lastSync.map(Components.Schemas.DirectorySyncReport.init)
        )
    }
}

extension LDAPSourceSettings {
    init(_ l: Components.Schemas.LDAPSourceSettings) {
        self.init(
            host: l.host,
            port: Int(l.port),
            ldaps: l.ldaps,
            startTLS: l.startTLS,
            caFile: l.caFile,
            tlsVerify: l.tlsVerify,
            bindDN: l.bindDN,
            password: l.password,
            baseDN: l.baseDN,
            filter: l.filter,
            pageSize: Int(l.pageSize),
            sizeLimit: Int(l.sizeLimit),
            timeoutSeconds: Int(l.timeoutSeconds)
        )
    }
}

extension Components.Schemas.LDAPSourceSettings {
    /// Give it redacted settings: the password is answered as is.
    init(_ s: LDAPSourceSettings) {
        self.init(
            host: s.host,
            port: Int32(s.port),
            ldaps: s.ldaps,
            startTLS: s.startTLS,
            caFile: s.caFile,
            tlsVerify: s.tlsVerify,
            bindDN: s.bindDN,
            password: s.password,
            baseDN: s.baseDN,
            filter: s.filter,
            pageSize: Int32(s.pageSize),
            sizeLimit: Int32(clamping: s.sizeLimit),
            timeoutSeconds: Int32(s.timeoutSeconds)
        )
    }
}
