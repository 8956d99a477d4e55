import API
import Auth
import Domain
import Foundation

/// User imports from LDAP and Active Directory (admin guide 7.2).
extension TWSAPI {
    package func listUserImports(_ input: Operations.ListUserImports.Input) async throws -> Operations.ListUserImports.Output {
        let imports = try await userImports.listImports(try Caller.current.admin(), domainId: input.path.domainId)
        return .ok(.init(body: .json(.init(items: imports.map(Components.Schemas.UserImport.init)))))
    }

    package func createUserImport(_ input: Operations.CreateUserImport.Input) async throws -> Operations.CreateUserImport.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let created = try await userImports.createImport(try Caller.current.admin(), domainId: input.path.domainId, try UserImportChanges(body))
        return .created(.init(body: .json(.init(created))))
    }

    package func getUserImport(_ input: Operations.GetUserImport.Input) async throws -> Operations.GetUserImport.Output {
        .ok(.init(body: .json(.init(try await userImports.importSettings(try Caller.current.admin(), id: input.path.importId)))))
    }

    package func updateUserImport(_ input: Operations.UpdateUserImport.Input) async throws -> Operations.UpdateUserImport.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let updated = try await userImports.updateImport(try Caller.current.admin(), id: input.path.importId, try UserImportChanges(body))
        return .ok(.init(body: .json(.init(updated))))
    }

    package func deleteUserImport(_ input: Operations.DeleteUserImport.Input) async throws -> Operations.DeleteUserImport.Output {
        try await userImports.deleteImport(try Caller.current.admin(), id: input.path.importId)
        return .noContent(.init())
    }

    package func runUserImport(_ input: Operations.RunUserImport.Input) async throws -> Operations.RunUserImport.Output {
        let report = try await userImports.run(try Caller.current.admin(), id: input.path.importId)
        return .ok(.init(body: .json(.init(report))))
    }
}

extension Components.Schemas.UserImportFieldMap {
    init(_ m: UserImportFieldMap) {
        self.init(
            username: m.username,
            lastName: m.lastName,
            firstName: m.firstName,
            email: m.email,
            mobile: m.mobile,
            number: m.number,
            privateFields: m.privateFields
        )
    }
}

extension Components.Schemas.UserImportReport {
    init(_ r: UserImportReport) {
        self.init(
            startedAt: r.startedAt,
            finishedAt: r.finishedAt,
            created: Int32(clamping: r.created),
            updated: Int32(clamping: r.updated),
            deleted: Int32(clamping: r.deleted),
            disabled: Int32(clamping: r.disabled),
            unchanged: Int32(clamping: r.unchanged),
            ignored: Int32(clamping: r.ignored),
            ignoredRows: r.ignoredRows.map { .init(username: $0.username, reason: .init(rawValue: $0.reason.rawValue)!, detail: $0.detail) },
            error: r.error.map { .init(kind: $0.kind.rawValue, message: $0.message) }
        )
    }
}

extension Components.Schemas.UserImport {
    init(_ i: UserImport) {
        self.init(
            id: i.id ?? 0,
            domainId: i.domainId,
            name: i.name,
            kind: .init(rawValue: i.kind.rawValue)!,
            connection: .init(i.redacted.connection),
            mode: .init(rawValue: i.mode.rawValue)!,
            fieldMap: .init(i.fieldMap),
            pbxProtocol: .init(rawValue: i.pbxProtocol.rawValue)!,
            lineCount: Int32(i.lineCount),
            addToGroupId: i.addToGroupId,
            customiseNumber: i.customiseNumber,
            lastReport: i.lastReport.map(Components.Schemas.UserImportReport.init)
        )
    }
}

extension UserImportChanges {
    init(_ body: Components.Schemas.UserImportInput) throws {
        self.init(
            name: body.name,
            kind: try convert(body.kind, field: "kind"),
            connection: body.connection.map(LDAPSourceSettings.init),
            mode: try convert(body.mode, field: "mode"),
            fieldMap: body.fieldMap.map {
                UserImportFieldMap(
                    username: $0.username,
                    lastName: $0.lastName ?? "",
                    firstName: $0.firstName ?? "",
                    email: $0.email ?? "",
                    mobile: $0.mobile ?? "",
                    number: $0.number,
                    privateFields: $0.privateFields ?? []
                )
            },
            pbxProtocol: try convert(body.pbxProtocol, field: "pbxProtocol"),
            lineCount: body.lineCount.map(Int.init),
            // Absent: unchanged; 0: no group.
            addToGroupId: body.addToGroupId.map { $0 == 0 ? nil : $0 },
            customiseNumber: body.customiseNumber
        )
    }
}
