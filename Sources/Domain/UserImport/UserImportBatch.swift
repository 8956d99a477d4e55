import Foundation

/// The rows of one batch of a run, applied in one transaction, and the removal of unlisted users at the end of a run.
struct UserImportBatch: Sendable {
    let userImport: UserImport
    var users: [ImportedUser]

    /// Creates and updates this batch's users; returns what it did. Every check that could make an insert fail runs
    /// before the user's first write, so an ignored row leaves the store untouched and the batch's transaction goes on.
    func apply(_ tx: any StoreTransaction) throws -> UserImportReport {
        guard let importId = userImport.id, try tx.userImport(id: importId) != nil else {
            throw DomainError.notFound("User import")
        }
        let domainId = userImport.domainId
        var report = UserImportReport(startedAt: Date())
        var own = Dictionary(
            try tx.users(importId: importId, externalIds: users.map(\.key))
                .map { ($0.externalId ?? $0.username.lowercased(), $0) },
            uniquingKeysWith: { first, _ in first }
        )
        // User names compare without case (the store finds them so), and so does this lookup.
        var byName = Dictionary(
            try tx.users(domainId: domainId, usernames: users.map(\.username))
                .map { ($0.username.lowercased(), $0) },
            uniquingKeysWith: { first, _ in first }
        )
        var byNumber = Dictionary(
            try tx.devices(domainId: domainId, numbers: users.map(\.number))
                .map { ($0.number, $0) },
            uniquingKeysWith: { first, _ in first }
        )
        var devicesOfUser = Dictionary(
            grouping: try tx.devices(userIds: own.values.compactMap(\.id)),
            by: \.userId
        )
        var joining = try GroupJoining(userImport, tx)

        for imported in users {
            if var user = own[imported.key] {
                let userId = user.id!
                if let holder = byName[imported.key], holder.id != userId {
                    report.ignore(imported.username, .usernameTaken, "User name \(imported.username) belongs to another user")
                    continue
                }
                if let holder = byNumber[imported.number], holder.userId != userId {
                    report.ignore(imported.username, .numberTaken, "Device number \(imported.number) belongs to another user")
                    continue
                }
                let before = user
                user.username = imported.username
                if let firstName = imported.firstName { user.firstName = firstName }
                if let lastName = imported.lastName { user.lastName = lastName }
                if let email = imported.email { user.email = email }
                if let mobile = imported.mobile { user.mobile = mobile }
                if user.privateFields.count < User.privateFieldCount {
                    user.privateFields += Array(repeating: "", count: User.privateFieldCount - user.privateFields.count)
                }
                for (index, text) in imported.privateFields { user.privateFields[index] = text }
                // The import owns the enabled flag only in the mode where it disables users: a user listed again is back.
                if userImport.mode == .insertUpdateDisable { user.enabled = true }
                var changed = user != before
                if changed { try tx.update(user) }
                own[imported.key] = user
                byName[imported.key] = user

                // The import's device is the one already carrying the number, else the oldest one (the one it created).
                let devices = devicesOfUser[userId] ?? []
                if !devices.contains(where: { $0.number == imported.number }) {
                    if var device = devices.first {
                        byNumber[device.number] = nil
                        device.number = imported.number
                        try tx.update(device)
                        devicesOfUser[userId] = [device] + devices.dropFirst()
                        byNumber[device.number] = device
                    } else {
                        let device = try tx.insert(self.device(for: user, number: imported.number))
                        devicesOfUser[userId] = [device]
                        byNumber[device.number] = device
                    }
                    changed = true
                }
                if changed { report.updated += 1 } else { report.unchanged += 1 }
                continue
            }

            guard userImport.mode != .update else {
                report.ignore(imported.username, .notExisting, "Update mode creates no user and \(imported.username) is not one of this import")
                continue
            }
            if byName[imported.key] != nil {
                report.ignore(imported.username, .usernameTaken, "User name \(imported.username) belongs to a user not of this import")
                continue
            }
            if byNumber[imported.number] != nil {
                report.ignore(imported.username, .numberTaken, "Device number \(imported.number) belongs to another user")
                continue
            }
            if let shortOf = joining.applicationShort() {
                report.ignore(imported.username, .licenceExhausted, "No \(shortOf.displayName) licence left for the import's group")
                continue
            }
            var privateFields = Array(repeating: "", count: User.privateFieldCount)
            for (index, text) in imported.privateFields { privateFields[index] = text }
            // No password: imported users sign in through LDAP or single sign-on, or an administrator sets one.
            let user = try tx.insert(
                User(
                    companyId: userImport.companyId,
                    domainId: domainId,
                    username: imported.username,
                    firstName: imported.firstName ?? "",
                    lastName: imported.lastName ?? "",
                    email: imported.email ?? "",
                    mobile: imported.mobile ?? "",
                    privateFields: privateFields,
                    importId: importId,
                    externalId: imported.key
                )
            )
            let device = try tx.insert(self.device(for: user, number: imported.number))
            try joining.join(user, tx)
            own[imported.key] = user
            byName[imported.key] = user
            byNumber[device.number] = device
            devicesOfUser[user.id!] = [device]
            report.created += 1
        }
        return report
    }

    private func device(for user: User, number: String) -> Device {
        Device(
            companyId: user.companyId,
            domainId: user.domainId,
            userId: user.id!,
            number: number,
            pbxProtocol: userImport.pbxProtocol,
            lineCount: userImport.lineCount
        )
    }

    /// Deletes (`full`) or disables (`insertUpdateDisable`) the users of the import whose key the source no longer
    /// lists; other modes keep them. Called only once the whole source was read.
    static func removeUnlisted(
        _ userImport: UserImport,
        listed: Set<String>,
        into report: inout UserImportReport,
        _ tx: any StoreTransaction
    )
        throws
    {
        guard let importId = userImport.id, userImport.mode == .full || userImport.mode == .insertUpdateDisable else { return }
        let unlisted = try tx.users(importId: importId).filter {
            !listed.contains($0.externalId ?? $0.username.lowercased())
        }
        for var user in unlisted {
            let userId = user.id!
            if userImport.mode == .full {
                try tx.deleteUser(id: userId)
                report.deleted += 1
            } else if user.enabled {
                user.enabled = false
                try tx.update(user)
                report.disabled += 1
            } else {
                continue
            }
            try tx.revokeSessions(.user, subjectId: userId)
        }
        if report.deleted > 0 { try tx.pruneDangling(companyId: userImport.companyId) }
    }
}

/// The import's "Add in group", with the licences its application rights still leave for new members
/// (joining a group granted an application consumes a licence, as `AdminService.addMember` checks).
private struct GroupJoining {
    let group: UserGroup?
    var room: [Application: Int] = [:]

    init(_ userImport: UserImport, _ tx: any StoreTransaction) throws {
        // A group moved to another domain or deleted since the import was set up is not joined.
        guard let groupId = userImport.addToGroupId, let group = try tx.group(id: groupId), group.domainId == userImport.domainId
        else {
            self.group = nil
            return
        }
        self.group = group
        let grants = try tx.authorizations(granteeType: .group, granteeId: groupId).filter { $0.objectType == .application }
        for application in Set(grants.compactMap(\.application)) {
            let holders = try LicenceLedger.holders(of: application, companyId: group.companyId, tx)
            room[application] = try LicenceLedger.available(application, companyId: group.companyId, tx) - holders.count
        }
    }

    /// An application the group grants that has no licence left for one more member, if any.
    func applicationShort() -> Application? {
        room.filter { $0.value < 1 }.keys.sorted { $0.rawValue < $1.rawValue }.first
    }

    /// Adds a new user (who holds nothing yet, so takes one licence of each application) to the group.
    mutating func join(_ user: User, _ tx: any StoreTransaction) throws {
        guard let group else { return }
        _ = try tx.insert(GroupMembership(companyId: group.companyId, groupId: group.id!, userId: user.id!))
        for application in room.keys { room[application]! -= 1 }
    }
}
