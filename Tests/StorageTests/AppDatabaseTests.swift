import Auth
import Domain
import Foundation
import GRDB
@testable import Storage
import Testing

@Suite struct AppDatabaseTests {
    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tws-storage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func settingAnOptionalBackToNilIsPersisted() async throws {
        let store = try AppDatabase.inMemory()
        let company = try await store.write { tx in try tx.insert(Company(name: "Acme")) }
        let domain = try await store.write { tx in try tx.insert(CompanyDomain(companyId: company.id!, name: "Paris", numberingPlanLength: 4)) }
        var user = try await store.write { tx in
            try tx.insert(User(companyId: company.id!, domainId: domain.id!, username: "alice", passwordHash: "$2b$04$x", voicemailPassword: "1234"))
        }
        user.passwordHash = nil
        user.voicemailPassword = nil
        try await store.write { [user] tx in try tx.update(user) }
        let reread = try await store.read { [user] tx in try tx.user(id: user.id!) }
        #expect(reread?.passwordHash == nil)
        #expect(reread?.voicemailPassword == nil)
        #expect(reread?.privateFields.count == User.privateFieldCount)
    }

    @Test func duplicateNamesAreAConflictNamingTheColumn() async throws {
        let store = try AppDatabase.inMemory()
        _ = try await store.write { tx in try tx.insert(Company(name: "Acme")) }
        do {
            _ = try await store.write { tx in try tx.insert(Company(name: "ACME")) }
            Issue.record("a second company named ACME was stored")
        } catch let error as DomainError {
            #expect(error.code == "already_exists")
            #expect(error.message.contains("name"))
        }
        #expect(try await store.read { tx in try tx.companies(ids: nil, .all).total } == 1)
    }

    @Test func configurationVersionMovesOnCommittedConfigurationChangesOnly() async throws {
        let store = try AppDatabase.inMemory()
        let start = store.configurationVersion
        let company = try await store.write { tx in try tx.insert(Company(name: "Acme")) }
        let afterCompany = store.configurationVersion
        #expect(afterCompany > start)
        // An audit line (not configuration) and a write that changes nothing leave it alone.
        _ = try await store.write { tx in try tx.insert(AuditEntry(time: Date(), kind: .logout, username: "alice")) }
        _ = try await store.write { tx in try tx.companies(ids: nil, .all).total }
        #expect(store.configurationVersion == afterCompany)
        // A rolled-back change does not count; several changes in one transaction count once.
        _ = try? await store.write { tx -> Company in
            _ = try tx.insert(Company(name: "Beta"))
            return try tx.insert(Company(name: "beta"))
        }
        #expect(store.configurationVersion == afterCompany)
        try await store.write { tx in
            let domain = try tx.insert(CompanyDomain(companyId: company.id!, name: "Paris", numberingPlanLength: 4))
            _ = try tx.insert(User(companyId: company.id!, domainId: domain.id!, username: "alice"))
        }
        #expect(store.configurationVersion == afterCompany + 1)
        // Deleting the company cascades to its domains and users: that is a change too.
        try await store.write { [company] tx in _ = try tx.deleteCompany(id: company.id!) }
        #expect(store.configurationVersion == afterCompany + 2)
    }

    @Test func sessionVersionMovesOnSessionAndUserChangesOnly() async throws {
        let store = try AppDatabase.inMemory()
        let (company, domain) = try await store.write { tx in
            let company = try tx.insert(Company(name: "Acme"))
            return (company, try tx.insert(CompanyDomain(companyId: company.id!, name: "Paris", numberingPlanLength: 4)))
        }
        let start = store.sessionVersion
        let user = try await store.write { tx in try tx.insert(User(companyId: company.id!, domainId: domain.id!, username: "alice")) }
        let afterUser = store.sessionVersion
        #expect(afterUser == start + 1)
        // Rights, audit lines and contacts leave it alone.
        _ = try await store.write { tx in try tx.insert(AuditEntry(time: Date(), kind: .logout, username: "alice")) }
        _ = try await store.write { tx in try tx.insert(UserGroup(companyId: company.id!, domainId: domain.id!, name: "Sales")) }
        #expect(store.sessionVersion == afterUser)
        let now = Date()
        var session = try await store.write { tx in
            try tx.insert(
                Session(
                    tokenId: "t1", kind: .user, subjectId: user.id!, companyId: company.id, method: "TWS", createdAt: now,
                    expiresAt: now.addingTimeInterval(60)
                )
            )
        }
        #expect(store.sessionVersion == afterUser + 1)
        session.revokedAt = now
        try await store.write { [session] tx in try tx.update(session) }
        #expect(store.sessionVersion == afterUser + 2)
        // Deleting the company takes its users and their sessions with it.
        try await store.write { tx in _ = try tx.deleteCompany(id: company.id!) }
        #expect(store.sessionVersion == afterUser + 3)
    }

    @Test func aFailedWriteLeavesNothingBehind() async throws {
        let store = try AppDatabase.inMemory()
        do {
            _ = try await store.write { tx -> Company in
                _ = try tx.insert(Company(name: "First"))
                return try tx.insert(Company(name: "first"))
            }
        } catch {}
        #expect(try await store.read { tx in try tx.companies(ids: nil, .all).total } == 0)
    }

    @Test(arguments: ["50%", "a_b", "back\\slash"])
    func searchTextIsMatchedLiterally(text: String) async throws {
        let store = try AppDatabase.inMemory()
        for name in ["Growth 50% club", "Growth 500 club", "a_b corp", "axb corp", "back\\slash ltd", "backslash ltd"] {
            _ = try await store.write { tx in try tx.insert(Company(name: name)) }
        }
        let found = try await store.read { tx in
            try tx.companies(ids: nil, try PageRequest(search: text)).items.map(\.name)
        }
        #expect(found.count == 1)
        #expect(found.first?.contains(text) == true)
    }

    @Test func deletingACompanyCascadesToEverythingInIt() async throws {
        let store = try AppDatabase.inMemory()
        let admin = AdminService(store: store, hasher: BcryptHasher(cost: 4))
        let root = AdminPrincipal(adminId: 1, username: "root", superUser: true, companyIds: [], mustChangePassword: false, sessionTokenId: "t")
        let company = try await admin.createCompany(root, name: "Acme")
        let domain = try await admin.createDomain(root, companyId: company.id!, name: "Paris", numberingPlanLength: 4)
        let user = try await admin.createUser(root, domainId: domain.id!, UserChanges(username: "alice"))
        _ = try await admin.createDevice(root, userId: user.id!, DeviceChanges(number: "1001"))
        try await admin.deleteCompany(root, id: company.id!)
        let remaining = try await store.writer.read { db in
            [
                try CompanyDomain.fetchCount(db), try User.fetchCount(db), try Device.fetchCount(db), try Directory.fetchCount(db),
                try Licence.fetchCount(db), try DialingPlanSettings.fetchCount(db),
            ]
        }
        #expect(remaining == [0, 0, 0, 0, 0, 0])
    }

    @Test func backupIsRestoredIntoAnotherDataDirectory() async throws {
        let source = try temporaryDirectory()
        let target = try temporaryDirectory()
        let backup = try temporaryDirectory().appendingPathComponent("backup.sqlite")
        let live = try AppDatabase.open(directory: source)
        _ = try await live.write { tx in try tx.insert(Company(name: "Acme")) }
        try live.backup(to: backup)
        #expect(throws: DomainError.self) { try live.backup(to: backup) }

        let restored = try AppDatabase.open(directory: target)
        _ = try await restored.write { tx in try tx.insert(Company(name: "Will be replaced")) }
        // Read first, so a read connection (`ReadConnections`) is open across the restore.
        #expect(try await restored.read { tx in try tx.companies(ids: nil, .all).items.map(\.name) } == ["Will be replaced"])
        try restored.restore(from: backup)
        #expect(try await restored.read { tx in try tx.companies(ids: nil, .all).items.map(\.name) } == ["Acme"])
    }

    @Test func aFileThatIsNotABackupIsRefused() throws {
        let directory = try temporaryDirectory()
        let bogus = directory.appendingPathComponent("bogus.sqlite")
        try Data("not a database".utf8).write(to: bogus)
        let database = try AppDatabase.open(directory: try temporaryDirectory())
        #expect(throws: (any Error).self) { try database.restore(from: bogus) }
    }

    @Test func reopeningTheDataDirectoryKeepsDataAndMigratesOnce() async throws {
        let directory = try temporaryDirectory()
        do {
            let first = try AppDatabase.open(directory: directory)
            _ = try await first.write { tx in try tx.insert(Company(name: "Acme")) }
        }
        let second = try AppDatabase.open(directory: directory)
        #expect(try await second.read { tx in try tx.companies(ids: nil, .all).total } == 1)
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("tws.sqlite-wal").path))
    }
}
