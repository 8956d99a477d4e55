import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Parameters")
struct ParameterTests {
    /// A user in a domain and two groups; the first group created (lower id) has the name that sorts last.
    struct Setup: Sendable {
        var token: String
        var domainId: Int64
        var userId: Int64
        var lowGroup: Int64
        var highGroup: Int64

        static func make(_ client: some TestClientProtocol) async throws -> Setup {
            let token = try await client.superUserToken()
            let companyId = try await client.createCompany("Params", token: token)
            let domainId = try await client.createDomain(companyId: companyId, name: "Main", token: token)
            let userId = try await client.createUser(domainId: domainId, username: "paula", password: "paula-password", token: token)
            let lowGroup = try await client.createGroup(domainId: domainId, name: "Zulu", token: token)
            let highGroup = try await client.createGroup(domainId: domainId, name: "Alpha", token: token)
            #expect(lowGroup < highGroup)
            for group in [lowGroup, highGroup] {
                try await client.must(.put, "/api/v1/admin/groups/\(group)/members/\(userId)", token: token, answer: .noContent)
            }
            return Setup(token: token, domainId: domainId, userId: userId, lowGroup: lowGroup, highGroup: highGroup)
        }

        /// The resolved TwsServer AuthMethods of the user.
        func authMethods(_ client: some TestClientProtocol, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
            let items = try await client.must(.get, "/api/v1/admin/users/\(userId)/parameters?application=TwsServer", token: token).items()
            #expect(items.allSatisfy { $0.string("application") == "TwsServer" }, sourceLocation: sourceLocation)
            return try #require(items.first { $0.string("name") == "AuthMethods" }, sourceLocation: sourceLocation)
        }

        func set(
            _ client: some TestClientProtocol,
            _ scope: String,
            _ id: Int64,
            _ value: String,
            sourceLocation: SourceLocation = #_sourceLocation
        )
            async throws
        {
            let response = try await client.setParameter(
                scope: scope,
                scopeId: id,
                application: "TwsServer",
                name: "AuthMethods",
                value: value,
                token: token
            )
            #expect(response.status == .ok, "set \(scope) \(id) = \(value): \(response.text)", sourceLocation: sourceLocation)
        }
    }

    @Test
    func resolutionGoesUserThenLowestGroupIdThenDomainThenDefault() async throws {
        try await TWSTestApp.run { client in
            let setup = try await Setup.make(client)

            var resolved = try await setup.authMethods(client)
            #expect(resolved.string("value") == "TWS")
            #expect(resolved.string("source") == "default")
            #expect(resolved["groupId"] == nil)

            try await setup.set(client, "domain", setup.domainId, "TWS|None")
            resolved = try await setup.authMethods(client)
            #expect(resolved.string("value") == "TWS|None")
            #expect(resolved.string("source") == "domain")

            // The higher group id first: alone, it wins over the domain.
            try await setup.set(client, "group", setup.highGroup, "LDAP")
            resolved = try await setup.authMethods(client)
            #expect(resolved.string("value") == "LDAP")
            #expect(resolved.string("source") == "group")
            #expect(resolved.int64("groupId") == setup.highGroup)

            // Then the lower id (whose name sorts last): it wins over the higher one.
            try await setup.set(client, "group", setup.lowGroup, "None")
            resolved = try await setup.authMethods(client)
            #expect(resolved.string("value") == "None")
            #expect(resolved.string("source") == "group")
            #expect(resolved.int64("groupId") == setup.lowGroup)

            try await setup.set(client, "user", setup.userId, "TWS")
            resolved = try await setup.authMethods(client)
            #expect(resolved.string("value") == "TWS")
            #expect(resolved.string("source") == "user")
            #expect(resolved["groupId"] == nil)

            // Clearing the user override falls back to the lowest group again.
            let cleared = try await client.delete("/api/v1/admin/parameter-values/user/\(setup.userId)/TwsServer/AuthMethods", token: setup.token)
            #expect(cleared.status == .noContent)
            resolved = try await setup.authMethods(client)
            #expect(resolved.string("source") == "group")
            #expect(resolved.int64("groupId") == setup.lowGroup)

            let overrides = try await client.must(.get, "/api/v1/admin/parameter-values?scope=group&scopeId=\(setup.lowGroup)", token: setup.token)
                .items()
            #expect(
                overrides.map { "\($0.string("application") ?? "")/\($0.string("name") ?? "")=\($0.string("value") ?? "")" } == [
                    "TwsServer/AuthMethods=None"
                ]
            )
        }
    }

    enum InvalidValue: String, CaseIterable, Sendable {
        case unknownAuthMethod, hourOutOfRange, notABoolean, integerOutOfRange

        /// (application, name, value)
        var parameter: (String, String, String) {
            switch self {
            case .unknownAuthMethod: ("TwsServer", "AuthMethods", "Kerberos")
            case .hourOutOfRange: ("System", "CallLog-StartCleaningHour", "25:00")
            case .notABoolean: ("Caller", "AuthorizeChat", "maybe")
            case .integerOutOfRange: ("TwsServer", "AuthLdapPort", "70000")
            }
        }
    }

    @Test(arguments: InvalidValue.allCases, ["domain", "group", "user"])
    func invalidValueIsRefusedAndNothingIsStored(_ invalid: InvalidValue, scope: String) async throws {
        try await TWSTestApp.run { client in
            let setup = try await Setup.make(client)
            let id = scope == "domain" ? setup.domainId : scope == "group" ? setup.lowGroup : setup.userId
            let (application, name, value) = invalid.parameter
            let response = try await client.setParameter(
                scope: scope,
                scopeId: id,
                application: application,
                name: name,
                value: value,
                token: setup.token
            )
            expectProblem(response, .unprocessableContent, "invalid_parameter_value", field: "value", "\(invalid):")
            let stored = try await client.must(.get, "/api/v1/admin/parameter-values?scope=\(scope)&scopeId=\(id)", token: setup.token).items()
            #expect(stored.isEmpty, "\(stored)")
        }
    }

    @Test
    func valuesAreNormalisedBeforeBeingStored() async throws {
        try await TWSTestApp.run { client in
            let setup = try await Setup.make(client)
            let bool = try await client.setParameter(
                scope: "user",
                scopeId: setup.userId,
                application: "Caller",
                name: "AuthorizeChat",
                value: "No",
                token: setup.token
            )
            #expect(try bool.json().string("value") == "false")
            let methods = try await client.setParameter(
                scope: "user",
                scopeId: setup.userId,
                application: "TwsServer",
                name: "AuthMethods",
                value: "tws | none | TWS",
                token: setup.token
            )
            #expect(try methods.json().string("value") == "TWS|None")
        }
    }

    @Test
    func unknownParameterNameAnswers404() async throws {
        try await TWSTestApp.run { client in
            let setup = try await Setup.make(client)
            let set = try await client.setParameter(
                scope: "user",
                scopeId: setup.userId,
                application: "TwsServer",
                name: "NoSuchThing",
                value: "x",
                token: setup.token
            )
            expectProblem(set, .notFound, "unknown_parameter")
            // A real name under the wrong application is unknown too.
            let wrongApplication = try await client.setParameter(
                scope: "user",
                scopeId: setup.userId,
                application: "Caller",
                name: "AuthMethods",
                value: "TWS",
                token: setup.token
            )
            expectProblem(wrongApplication, .notFound, "unknown_parameter")
            let clear = try await client.delete("/api/v1/admin/parameter-values/user/\(setup.userId)/TwsServer/NoSuchThing", token: setup.token)
            expectProblem(clear, .notFound, "unknown_parameter")
            // An unknown application is not a valid path value at all.
            let badApplication = try await client.setParameter(
                scope: "user",
                scopeId: setup.userId,
                application: "Nope",
                name: "AuthMethods",
                value: "TWS",
                token: setup.token
            )
            #expect(badApplication.status == .badRequest, "\(badApplication.text)")
        }
    }
}
