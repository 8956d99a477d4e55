import Domain
import Foundation
import Synchronization
import Testing

/// An LDAP server stand-in: serves its rows in the pages asked for, and can refuse to open or break off after N rows.
final class StubDirectory: DirectoryConnector {
    struct State {
        var rows: [SourceRow] = []
        /// Rows served before the source breaks off; nil: never.
        var failAfter: Int?
        var openError: DirectorySourceError?
        /// What each `open` was given.
        var opened: [(connection: DirectoryConnection, attributes: [String])] = []
        var closed = 0
    }
    let state = Mutex(State())

    init(_ rows: [SourceRow] = []) { state.withLock { $0.rows = rows } }

    func serve(_ rows: [SourceRow], failAfter: Int? = nil) {
        state.withLock {
            $0.rows = rows
            $0.failAfter = failAfter
        }
    }

    func open(_ connection: DirectoryConnection, attributes: [String]) async throws(DirectorySourceError) -> any DirectoryReader {
        let (rows, failAfter, openError) = state.withLock { state in
            state.opened.append((connection, attributes))
            return (state.rows, state.failAfter, state.openError)
        }
        if let openError { throw openError }
        return Reader(rows: rows, failAfter: failAfter, directory: self)
    }

    var lastOpened: (connection: DirectoryConnection, attributes: [String])? { state.withLock { $0.opened.last } }
    var closedCount: Int { state.withLock { $0.closed } }

    actor Reader: DirectoryReader {
        let rows: [SourceRow]
        let failAfter: Int?
        let directory: StubDirectory
        var position = 0

        init(rows: [SourceRow], failAfter: Int?, directory: StubDirectory) {
            self.rows = rows
            self.failAfter = failAfter
            self.directory = directory
        }

        func next(limit: Int) async throws(DirectorySourceError) -> [SourceRow]? {
            let end = min(rows.count, failAfter ?? rows.count, position + limit)
            if position == end {
                if failAfter != nil && position < rows.count { throw DirectorySourceError(.readFailed, "connection reset by peer") }
                return nil
            }
            defer { position = end }
            return Array(rows[position..<end])
        }

        func close() async { directory.state.withLock { $0.closed += 1 } }
    }
}

/// An LDAP entry with the default `inetOrgPerson` attributes.
func person(
    _ uid: String,
    sn: String = "Doe",
    givenName: String? = nil,
    mail: String? = nil,
    phone: String?,
    _ extra: [String: String] = [:]
)
    -> SourceRow
{
    var values: [String: [String]] = ["uid": [uid], "sn": [sn]]
    if let givenName { values["givenname"] = [givenName] }
    if let mail { values["mail"] = [mail] }
    if let phone { values["telephonenumber"] = [phone] }
    for (name, value) in extra { values[name.lowercased()] = [value] }
    return SourceRow(values)
}

/// A tenant, an import service over a stub directory, and helpers to read back the domain's users.
struct ImportWorld {
    let world: World
    let directory: StubDirectory
    let imports: UserImportService
    let company: Company
    let domain: CompanyDomain

    init(batchSize: Int = 2) async throws {
        world = try await World()
        directory = StubDirectory()
        imports = UserImportService(store: world.store, connector: directory, batchSize: batchSize)
        let tenant = try await world.tenant("Acme")
        company = tenant.company
        domain = tenant.domain
    }

    var root: AdminPrincipal { world.root }

    func createImport(_ changes: UserImportChanges = UserImportChanges()) async throws -> UserImport {
        var changes = changes
        changes.name = changes.name ?? "Corporate LDAP"
        changes.kind = changes.kind ?? .ldap
        changes.connection =
            changes.connection
            ?? LDAPSourceSettings(host: "ldap.acme.test", bindDN: "cn=reader,dc=acme", password: "s3cret", baseDN: "dc=acme", filter: "")
        return try await imports.createImport(root, domainId: domain.id!, changes)
    }

    func run(_ userImport: UserImport, _ rows: [SourceRow], failAfter: Int? = nil) async throws -> UserImportReport {
        directory.serve(rows, failAfter: failAfter)
        return try await imports.run(root, id: userImport.id!)
    }

    func setMode(_ userImport: UserImport, _ mode: UserImport.Mode) async throws {
        _ = try await imports.updateImport(root, id: userImport.id!, UserImportChanges(mode: mode))
    }

    /// The domain's users by user name.
    func users() async throws -> [String: User] {
        let page = try await world.admin.listUsers(root, domainId: domain.id!, .all)
        return Dictionary(uniqueKeysWithValues: page.items.map { ($0.username, $0) })
    }

    func numbers(of user: User?) async throws -> [String] {
        guard let id = user?.id else { return [] }
        return try await world.admin.devices(root, userId: id).map(\.number)
    }
}

/// Equal reports, but for the dates' sub-millisecond part, which the store's JSON does not keep.
func sameReport(_ stored: UserImportReport?, _ returned: UserImportReport) -> Bool {
    guard var stored else { return false }
    guard abs(stored.startedAt.timeIntervalSince(returned.startedAt)) < 0.001, abs(stored.finishedAt.timeIntervalSince(returned.finishedAt)) < 0.001
    else { return false }
    stored.startedAt = returned.startedAt
    stored.finishedAt = returned.finishedAt
    return stored == returned
}

@Suite struct UserImportTests {
    // MARK: Synchronisation modes (admin guide 7.2)

    @Test func fullModeCreatesUpdatesAndDeletesTheUsersTheSourceNoLongerLists() async throws {
        let env = try await ImportWorld()
        let userImport = try await env.createImport()
        let first = try await env.run(
            userImport,
            [
                person("alice", sn: "Martin", givenName: "Alice", mail: "alice@acme.test", phone: "1001"),
                person("bob", sn: "Durand", phone: "1002"), person("carol", phone: "1003"),
            ]
        )
        #expect((first.created, first.updated, first.deleted, first.ignored) == (3, 0, 0, 0))
        var users = try await env.users()
        #expect(users["alice"]?.lastName == "Martin" && users["alice"]?.firstName == "Alice" && users["alice"]?.email == "alice@acme.test")
        #expect(users["alice"]?.passwordHash == nil)
        #expect(users["alice"]?.importId == userImport.id && users["alice"]?.externalId == "alice")
        #expect(try await env.numbers(of: users["carol"]) == ["1003"])
        let carolId = try #require(users["carol"]?.id)

        let second = try await env.run(
            userImport,
            [
                person("alice", sn: "Martin-Leroy", givenName: "Alice", mail: "alice@acme.test", phone: "1001"),
                person("bob", sn: "Durand", phone: "1002"),
            ]
        )
        #expect((second.created, second.updated, second.unchanged, second.deleted) == (0, 1, 1, 1))
        users = try await env.users()
        #expect(users.keys.sorted() == ["alice", "bob"])
        #expect(users["alice"]?.lastName == "Martin-Leroy")
        // The device went with its user (the schema cascades).
        #expect(await domainError { _ = try await env.world.admin.devices(env.root, userId: carolId) }?.code == "not_found")
    }

    @Test func insertUpdateDisableDisablesUnlistedUsersAndEnablesThemWhenListedAgain() async throws {
        let env = try await ImportWorld()
        let userImport = try await env.createImport(UserImportChanges(mode: .insertUpdateDisable))
        _ = try await env.run(userImport, [person("alice", phone: "1001"), person("bob", phone: "1002")])

        let report = try await env.run(userImport, [person("alice", phone: "1001")])
        #expect((report.disabled, report.deleted, report.unchanged) == (1, 0, 1))
        var users = try await env.users()
        #expect(users["bob"]?.enabled == false && users["alice"]?.enabled == true)
        #expect(try await env.numbers(of: users["bob"]) == ["1002"])

        let again = try await env.run(userImport, [person("alice", phone: "1001")])
        #expect(again.disabled == 0)
        let back = try await env.run(userImport, [person("alice", phone: "1001"), person("bob", phone: "1002")])
        #expect((back.updated, back.unchanged) == (1, 1))
        users = try await env.users()
        #expect(users["bob"]?.enabled == true)
    }

    @Test func insertUpdateKeepsUsersTheSourceNoLongerLists() async throws {
        let env = try await ImportWorld()
        let userImport = try await env.createImport(UserImportChanges(mode: .insertUpdate))
        _ = try await env.run(userImport, [person("alice", phone: "1001"), person("bob", phone: "1002")])

        let report = try await env.run(userImport, [person("alice", phone: "1001"), person("dave", phone: "1004")])
        #expect((report.created, report.unchanged, report.deleted, report.disabled) == (1, 1, 0, 0))
        let users = try await env.users()
        #expect(users.keys.sorted() == ["alice", "bob", "dave"])
        #expect(users["bob"]?.enabled == true)
    }

    @Test func updateModeUpdatesTheImportsUsersAndNeverCreatesOrRemoves() async throws {
        let env = try await ImportWorld()
        let userImport = try await env.createImport()
        _ = try await env.run(userImport, [person("alice", phone: "1001"), person("bob", phone: "1002")])
        try await env.setMode(userImport, .update)

        let report = try await env.run(userImport, [person("alice", sn: "Martin", phone: "1011"), person("dave", phone: "1004")])
        #expect((report.created, report.updated, report.deleted, report.disabled) == (0, 1, 0, 0))
        #expect(report.ignoredRows.map(\.reason) == [.notExisting] && report.ignoredRows.first?.username == "dave")
        let users = try await env.users()
        #expect(users.keys.sorted() == ["alice", "bob"])
        #expect(users["alice"]?.lastName == "Martin")
        // An updated user's device follows the source's number.
        #expect(try await env.numbers(of: users["alice"]) == ["1011"])
    }

    // MARK: Field mapping

    @Test func theFieldMapFillsUserAndPrivateFieldsFromLowercasedAttributes() async throws {
        let env = try await ImportWorld()
        var map = UserImportFieldMap.defaults(for: .ldap)
        map.number = "ipPhone"
        map.privateFields[0] = "Department"
        map.privateFields[9] = "roomNumber"
        let userImport = try await env.createImport(UserImportChanges(fieldMap: map))
        #expect(userImport.fieldMap.number == "ipphone" && userImport.fieldMap.privateFields[0] == "department")

        let report = try await env.run(
            userImport,
            [
                SourceRow([
                    "uid": ["eve"], "sn": ["Moreau"], "givenname": ["Eve"], "mail": ["eve@acme.test"], "mobile": ["+33 6 12 34 56 78"],
                    "ipphone": ["2001"], "department": ["Sales", "Marketing"], "roomnumber": ["B-204"],
                ])
            ]
        )
        #expect(report.created == 1)
        #expect(env.directory.lastOpened?.attributes == ["uid", "sn", "givenname", "mail", "mobile", "ipphone", "department", "roomnumber"])
        let eve = try #require(try await env.users()["eve"])
        #expect(eve.firstName == "Eve" && eve.lastName == "Moreau" && eve.email == "eve@acme.test")
        #expect(eve.mobile == "+33612345678")
        #expect(eve.privateFields[0] == "Sales" && eve.privateFields[9] == "B-204" && eve.privateFields[1] == "")
        #expect(try await env.numbers(of: eve) == ["2001"])
    }

    @Test func activeDirectoryImportsStartWithTheADFieldsAndFilter() async throws {
        let env = try await ImportWorld()
        let userImport = try await env.createImport(UserImportChanges(kind: .activeDirectory))
        #expect(userImport.fieldMap.username == "samaccountname" && userImport.fieldMap.number == "telephonenumber")
        #expect(userImport.connection.filter == "(&(objectCategory=person)(objectClass=user))")
        let ldap = try await env.createImport(UserImportChanges(name: "Plain LDAP"))
        #expect(ldap.fieldMap.username == "uid" && ldap.connection.filter == "(objectClass=inetOrgPerson)")

        let report = try await env.run(userImport, [SourceRow(["samaccountname": ["jdoe"], "sn": ["Doe"], "telephonenumber": ["3001"]])])
        #expect(report.created == 1)
        #expect(try await env.users()["jdoe"]?.lastName == "Doe")
        #expect(
            env.directory.lastOpened?.connection
                == .ldap(
                    LDAPSourceSettings(
                        host: "ldap.acme.test",
                        bindDN: "cn=reader,dc=acme",
                        password: "s3cret",
                        baseDN: "dc=acme",
                        filter: "(&(objectCategory=person)(objectClass=user))"
                    )
                )
        )
    }

    @Test func usersWithoutPhoneNumberOrNameOrWithBadValuesAreIgnoredWithTheirReason() async throws {
        let env = try await ImportWorld()
        let userImport = try await env.createImport()
        let report = try await env.run(
            userImport,
            [
                person("alice", phone: "1001"), person("nophone", phone: nil), person("blank", phone: "  "),
                SourceRow(["sn": ["Anonymous"], "telephonenumber": ["1009"]]), person("badmail", mail: "not-an-address", phone: "1005"),
                person("letters", phone: "12AB"), person("Alice", phone: "1006"), person("twin", phone: "1001"),
            ]
        )
        #expect((report.created, report.ignored) == (1, 7))
        let reasons = Dictionary(report.ignoredRows.map { ($0.username ?? "-", $0.reason) }, uniquingKeysWith: { first, _ in first })
        #expect(reasons["nophone"] == .noPhoneNumber && reasons["blank"] == .noPhoneNumber)
        #expect(reasons["-"] == .noUsername)
        #expect(reasons["badmail"] == .invalidValue && reasons["letters"] == .invalidValue)
        #expect(reasons["Alice"] == .duplicateInSource && reasons["twin"] == .duplicateInSource)
        #expect(try await env.users().keys.sorted() == ["alice"])
        // The report is kept with the import.
        #expect(sameReport(try await env.imports.importSettings(env.root, id: userImport.id!).lastReport, report))
    }

    @Test func ignoredRowsAreCountedInFullButListedUpToTheCap() async throws {
        let env = try await ImportWorld(batchSize: 50)
        let userImport = try await env.createImport()
        let rows = (0..<(UserImportReport.maxIgnoredRows + 20)).map { person("user\($0)", phone: nil) }
        let report = try await env.run(userImport, rows)
        #expect(report.ignored == rows.count && report.ignoredRows.count == UserImportReport.maxIgnoredRows)
    }

    @Test(arguments: [
        (true, "+33 1 55 17 18 89", "1889"), (false, "+33 1 55 17 18 89", "+33155171889"), (true, "12", "12"),
        (false, "+33 (0)1 55-17.18 89", "+33155171889"),
    ])
    func numbersAreCustomisedToTheNumberingPlanOnlyWhenAsked(customise: Bool, source: String, device: String) async throws {
        let env = try await ImportWorld()
        let userImport = try await env.createImport(UserImportChanges(customiseNumber: customise))
        _ = try await env.run(userImport, [person("alice", phone: source)])
        #expect(try await env.numbers(of: try await env.users()["alice"]) == [device])
    }

    @Test func newUsersJoinTheImportGroupWithADeviceOfTheImportProtocol() async throws {
        let env = try await ImportWorld()
        let sales = try await env.world.group("Sales", in: env.domain, members: [])
        let userImport = try await env.createImport(UserImportChanges(pbxProtocol: .sip, lineCount: 2, addToGroupId: sales.id!))
        _ = try await env.run(userImport, [person("alice", phone: "1001"), person("bob", phone: "1002"), person("carol", phone: "1003")])

        let members = try await env.world.admin.members(env.root, groupId: sales.id!, .all)
        #expect(members.items.map(\.username) == ["alice", "bob", "carol"])
        let alice = try #require(try await env.users()["alice"])
        let devices = try await env.world.admin.devices(env.root, userId: alice.id!)
        #expect(devices.map(\.pbxProtocol) == [.sip] && devices.map(\.lineCount) == [2])
    }

    @Test func usersBeyondTheLicencesOfTheImportGroupAreIgnored() async throws {
        let env = try await ImportWorld()
        _ = try await env.world.admin.setLicences(env.root, companyId: env.company.id!, application: .caller, available: 2)
        let callers = try await env.world.group("Callers", in: env.domain, members: [])
        _ = try await env.world.admin.grant(
            env.root,
            AuthorizationRequest(objectType: .application, application: .caller, granteeType: .group, granteeId: callers.id!)
        )
        let userImport = try await env.createImport(UserImportChanges(addToGroupId: callers.id!))
        let report = try await env.run(userImport, [person("alice", phone: "1001"), person("bob", phone: "1002"), person("carol", phone: "1003")])
        #expect((report.created, report.ignored) == (2, 1))
        #expect(report.ignoredRows.map(\.reason) == [.licenceExhausted])
        #expect(try await env.world.admin.members(env.root, groupId: callers.id!, .all).total == 2)
    }

    @Test func theGroupToJoinMustBelongToTheImportDomain() async throws {
        let env = try await ImportWorld()
        let other = try await env.world.admin.createDomain(env.root, companyId: env.company.id!, name: "Branch", numberingPlanLength: 3)
        let elsewhere = try await env.world.group("Branch team", in: other, members: [])
        let error = await domainError { _ = try await env.createImport(UserImportChanges(addToGroupId: elsewhere.id!)) }
        #expect(error?.field == "addToGroupId")
    }

    // MARK: What the import never touches

    @Test func usersCreatedByHandAreNeverUpdatedDisabledOrDeleted() async throws {
        let env = try await ImportWorld()
        let handMade = try await env.world.admin.createUser(env.root, domainId: env.domain.id!, UserChanges(username: "Alice", lastName: "ByHand"))
        _ = try await env.world.admin.createDevice(env.root, userId: handMade.id!, DeviceChanges(number: "1000"))
        _ = try await env.world.user("frank", in: env.domain)
        let userImport = try await env.createImport()

        let report = try await env.run(
            userImport,
            [person("alice", sn: "FromLDAP", phone: "1001"), person("bob", phone: "1000"), person("carol", phone: "1003")]
        )
        #expect((report.created, report.ignored) == (1, 2))
        let reasons = Dictionary(uniqueKeysWithValues: report.ignoredRows.map { ($0.username ?? "-", $0.reason) })
        #expect(reasons == ["alice": .usernameTaken, "bob": .numberTaken])

        let emptied = try await env.run(userImport, [])
        #expect(emptied.deleted == 1)
        let users = try await env.users()
        #expect(users.keys.sorted() == ["Alice", "frank"])
        #expect(users["Alice"]?.lastName == "ByHand" && users["Alice"]?.importId == nil)
        #expect(try await env.numbers(of: users["Alice"]) == ["1000"])
    }

    @Test func anotherImportsUsersAreLeftAlone() async throws {
        let env = try await ImportWorld()
        let first = try await env.createImport(UserImportChanges(name: "Paris"))
        let second = try await env.createImport(UserImportChanges(name: "Lyon"))
        _ = try await env.run(first, [person("alice", phone: "1001")])
        let report = try await env.run(second, [person("alice", sn: "Lyon", phone: "2001"), person("bob", phone: "2002")])
        #expect((report.created, report.ignored) == (1, 1))
        #expect(report.ignoredRows.first?.reason == .usernameTaken)
        _ = try await env.run(second, [])
        let users = try await env.users()
        #expect(users.keys.sorted() == ["alice"] && users["alice"]?.importId == first.id)
    }

    @Test func aUserRenamedByHandIsStillFoundAndGetsTheSourceNameBack() async throws {
        let env = try await ImportWorld()
        let userImport = try await env.createImport()
        _ = try await env.run(userImport, [person("alice", phone: "1001")])
        let alice = try #require(try await env.users()["alice"])
        _ = try await env.world.admin.updateUser(env.root, id: alice.id!, UserChanges(username: "alice.old"))

        let report = try await env.run(userImport, [person("alice", phone: "1001")])
        #expect((report.created, report.updated, report.deleted) == (0, 1, 0))
        #expect(try await env.users()["alice"]?.id == alice.id)
    }

    @Test func deletingAnImportKeepsItsUsersAsIfCreatedByHand() async throws {
        let env = try await ImportWorld()
        let userImport = try await env.createImport()
        _ = try await env.run(userImport, [person("alice", phone: "1001")])
        try await env.imports.deleteImport(env.root, id: userImport.id!)
        let alice = try #require(try await env.users()["alice"])
        #expect(alice.importId == nil && alice.externalId == nil)
        #expect(await domainError { _ = try await env.imports.run(env.root, id: userImport.id!) }?.code == "not_found")
    }

    // MARK: Failing sources

    @Test func aSourceBreakingOffHalfWayRemovesNobodyAndReportsWhy() async throws {
        let env = try await ImportWorld(batchSize: 2)
        let userImport = try await env.createImport()
        let everyone = (1...5).map { person("user\($0)", phone: "100\($0)") }
        #expect(try await env.run(userImport, everyone).created == 5)

        let report = try await env.run(
            userImport,
            [person("user1", sn: "Changed", phone: "1001"), person("newcomer", phone: "1009"), person("x", phone: "1")],
            failAfter: 2
        )
        #expect(report.error == UserImportReport.Failure(DirectorySourceError(.readFailed, "connection reset by peer")))
        #expect((report.deleted, report.disabled) == (0, 0))
        // The batch read before the failure was written; nobody was removed.
        #expect((report.updated, report.created) == (1, 1))
        #expect(try await env.users().count == 6)
        #expect(env.directory.closedCount == 2)
        #expect(try await env.imports.importSettings(env.root, id: userImport.id!).lastReport?.error?.kind == .readFailed)
    }

    @Test func anUnreachableSourceIsReportedAndKeepsEveryone() async throws {
        let env = try await ImportWorld()
        let userImport = try await env.createImport()
        _ = try await env.run(userImport, [person("alice", phone: "1001")])
        env.directory.state.withLock { $0.openError = DirectorySourceError(.unreachable, "ldap.acme.test:389: connection refused") }

        let report = try await env.imports.run(env.root, id: userImport.id!)
        #expect(report.error?.kind == .unreachable && report.deleted == 0)
        #expect(try await env.users().keys.sorted() == ["alice"])
        #expect(sameReport(try await env.imports.importSettings(env.root, id: userImport.id!).lastReport, report))
    }

    // MARK: Settings and rights

    @Test func theBindPasswordIsWriteOnly() async throws {
        let env = try await ImportWorld()
        let created = try await env.createImport()
        #expect(created.connection.password == "********")
        #expect(try await env.imports.listImports(env.root, domainId: env.domain.id!).map(\.connection.password) == ["********"])

        // A form sends back what it was shown; the stored password stays.
        var connection = try await env.imports.importSettings(env.root, id: created.id!).connection
        connection.host = "ldap2.acme.test"
        _ = try await env.imports.updateImport(env.root, id: created.id!, UserImportChanges(connection: connection))
        _ = try await env.run(created, [])
        guard case .ldap(let used) = env.directory.lastOpened?.connection else {
            Issue.record("no LDAP connection opened")
            return
        }
        #expect(used.host == "ldap2.acme.test" && used.password == "s3cret")

        connection.password = "n3w-secret"
        let updated = try await env.imports.updateImport(env.root, id: created.id!, UserImportChanges(connection: connection))
        #expect(updated.connection.password == "********")
        _ = try await env.run(created, [])
        guard case .ldap(let again) = env.directory.lastOpened?.connection else {
            Issue.record("no LDAP connection opened")
            return
        }
        #expect(again.password == "n3w-secret")
    }

    @Test func settingsAreCheckedFieldByField() async throws {
        let env = try await ImportWorld()
        func field(_ changes: UserImportChanges) async -> String? {
            await domainError { _ = try await env.createImport(changes) }?.field
        }
        #expect(await field(UserImportChanges(connection: LDAPSourceSettings(host: " ", baseDN: "dc=acme"))) == "connection.host")
        #expect(await field(UserImportChanges(connection: LDAPSourceSettings(host: "h", port: 0, baseDN: "dc=acme"))) == "connection.port")
        #expect(await field(UserImportChanges(connection: LDAPSourceSettings(host: "h", baseDN: ""))) == "connection.baseDN")
        #expect(await field(UserImportChanges(connection: LDAPSourceSettings(host: "h", baseDN: "dc=a", filter: "uid=*"))) == "connection.filter")
        #expect(await field(UserImportChanges(connection: LDAPSourceSettings(host: "h", baseDN: "dc=a", filter: "(a=b))("))) == "connection.filter")
        #expect(await field(UserImportChanges(name: "")) == "name")
        #expect(await field(UserImportChanges(lineCount: 0)) == "lineCount")
        var map = UserImportFieldMap.defaults(for: .ldap)
        map.number = ""
        #expect(await field(UserImportChanges(fieldMap: map)) == "fieldMap.number")
        map = UserImportFieldMap.defaults(for: .ldap)
        map.privateFields[3] = "bad name!"
        #expect(await field(UserImportChanges(fieldMap: map)) == "fieldMap.privateFields[3]")
        let missingKind = await domainError {
            _ = try await env.imports.createImport(
                env.root,
                domainId: env.domain.id!,
                UserImportChanges(name: "x", connection: LDAPSourceSettings(host: "h", baseDN: "dc=a"))
            )
        }
        #expect(missingKind?.field == "kind")
    }

    @Test func anAdminOfAnotherCompanyNeitherSeesNorRunsTheImport() async throws {
        let env = try await ImportWorld()
        let userImport = try await env.createImport()
        let (other, otherDomain) = try await env.world.tenant("Globex")
        let outsider = env.world.scopedAdmin([other])
        let insider = env.world.scopedAdmin([env.company])
        let id = userImport.id!

        let calls: [(String, () async throws -> Void)] = [
            ("list", { _ = try await env.imports.listImports(outsider, domainId: env.domain.id!) }),
            ("get", { _ = try await env.imports.importSettings(outsider, id: id) }),
            ("update", { _ = try await env.imports.updateImport(outsider, id: id, UserImportChanges(mode: .update)) }),
            ("run", { _ = try await env.imports.run(outsider, id: id) }),
            ("delete", { try await env.imports.deleteImport(outsider, id: id) }),
            (
                "create",
                {
                    _ = try await env.imports.createImport(
                        outsider,
                        domainId: env.domain.id!,
                        UserImportChanges(name: "x", kind: .ldap, connection: LDAPSourceSettings(host: "h", baseDN: "dc=a"))
                    )
                }
            ),
        ]
        for (name, call) in calls {
            #expect(await domainError(call)?.code == "not_found", "\(name)")
        }
        #expect(try await env.imports.listImports(outsider, domainId: otherDomain.id!).isEmpty)
        #expect(env.directory.state.withLock { $0.opened.isEmpty })
        #expect(try await env.imports.listImports(insider, domainId: env.domain.id!).map(\.id) == [id])
        #expect(try await env.imports.run(insider, id: id).error == nil)
        #expect(try await env.imports.importSettings(env.root, id: id).mode == .full)
    }
}
