import Foundation
import HummingbirdTesting
import Testing

@testable import Endpoints

/// The contract and the server agree both ways: what openapi/tws.yaml allows is not refused as malformed (400), and
/// what it forbids is not stored. `make test` also fuzzes every operation with schemathesis; these are the cases that
/// fuzzing found, kept as plain tests.
@Suite("Contract agreement")
struct ContractAgreementTests {
    @Test("JSON null is refused with 400 null_value naming where it sits, and changes nothing")
    func nullIsRefusedNamingThePath() async throws {
        try await TWSTestApp.run { client in
            let admin = try await client.superUserToken()
            let company = try await client.createCompany("Acme", token: admin)
            let domain = try await client.createDomain(companyId: company, name: "Main", token: admin)
            // A PATCH read "null" as "left out", so "clear the name" silently kept it.
            expectProblem(try await client.patch("/api/v1/admin/domains/\(domain)", token: admin, json: #"{"name":null}"#), .badRequest, "null_value", field: "name")
            let plan = #"{"internationalPrefix":"00","localCountryPrefix":"33","externalPrefix":"0","add":"","remove":0,"internalLength":4,"internalReverseLength":4,"rules":[{"priority":1,"pattern":"9","value":"1"},{"priority":2,"pattern":"8","value":"2","name":null}]}"#
            expectProblem(try await client.put("/api/v1/admin/domains/\(domain)/dialing-plan", token: admin, json: plan), .badRequest, "null_value", field: "rules[1].name")
            // "null" inside a string is text.
            let renamed = try await client.must(.patch, "/api/v1/admin/domains/\(domain)", token: admin, json: #"{"name":"null, \"n\" [null]"}"#).json()
            #expect(renamed.string("name") == #"null, "n" [null]"#)
        }
    }

    @Test("Lengths count code points like the contract; only Cc characters are controls; names need more than spaces")
    func namesFollowTheContractPattern() async throws {
        try await TWSTestApp.run { client in
            let admin = try await client.superUserToken()
            // 64 letters each with a combining accent: 64 characters to Swift, 128 code points to the contract (maxLength 128).
            _ = try await client.create("/api/v1/admin/companies", token: admin, json: jsonObject(["name": String(repeating: "e\u{301}", count: 64)]))
            expectProblem(
                try await client.post("/api/v1/admin/companies", token: admin, json: jsonObject(["name": String(repeating: "e\u{301}", count: 65)])),
                .badRequest, "invalid_field", field: "name"
            )
            // A zero-width space (Cf) is not a control character of the contract's pattern; a tab (Cc) is.
            _ = try await client.create("/api/v1/admin/companies", token: admin, json: jsonObject(["name": "Zero\u{200B}Width"]))
            expectProblem(try await client.post("/api/v1/admin/companies", token: admin, json: jsonObject(["name": "Tab\tCo"])), .badRequest, "invalid_field", field: "name")
            expectProblem(try await client.post("/api/v1/admin/companies", token: admin, json: jsonObject(["name": "\u{3000}\u{A0} "])), .badRequest, "invalid_field", field: "name")
        }
    }

    @Test("Numbers, e-mail addresses and PBX hosts are exactly what the contract's patterns say")
    func numbersAndAddresses() async throws {
        try await TWSTestApp.run { client in
            let admin = try await client.superUserToken()
            let company = try await client.createCompany("Acme", token: admin)
            let domain = try await client.createDomain(companyId: company, name: "Main", token: admin)
            let user = try await client.createUser(domainId: domain, username: "ann", token: admin)
            // A device number is digits, * and #, after an optional +: no spaces around it (the contract refuses them).
            expectProblem(try await client.post("/api/v1/admin/users/\(user)/devices", token: admin, json: #"{"number":" 2001"}"#), .badRequest, "invalid_field", field: "number")
            // The contract requires the number when a device is created.
            expectProblem(try await client.post("/api/v1/admin/users/\(user)/devices", token: admin, json: "{}"), .badRequest, "invalid_field", field: "number")
            // "@" followed by a combining mark is still an "@" to the contract.
            _ = try await client.must(.patch, "/api/v1/admin/users/\(user)", token: admin, json: jsonObject(["email": "ann@\u{1F3FB}example.org"]))
            expectProblem(try await client.patch("/api/v1/admin/users/\(user)", token: admin, json: #"{"email":" ann@example.org"}"#), .badRequest, "invalid_field", field: "email")
            // Spaces around a host are refused, as the contract's pattern (the server's own) refuses them.
            expectProblem(
                try await client.post("/api/v1/admin/domains/\(domain)/pbx-links", token: admin, json: #"{"host":" pbx.example.org","port":5060,"capacity":10,"pbxType":"simulator"}"#),
                .badRequest, "invalid_field", field: "host"
            )
        }
    }

    @Test("Administrators: a wrong current password is 403, a same new one 409, and a super-user cannot demote or reset themselves")
    func adminAccountRules() async throws {
        try await TWSTestApp.run { client in
            let admin = try await client.superUserToken()
            let me = try await client.must(.get, "/api/v1/admin/admins", token: admin).items().first { $0.string("username") == "tws" }
            let id = try #require(me?.int64("id"))
            expectProblem(try await client.patch("/api/v1/admin/admins/\(id)", token: admin, json: #"{"superUser":false}"#), .conflict, "cannot_demote_self", field: "superUser")
            expectProblem(try await client.patch("/api/v1/admin/admins/\(id)", token: admin, json: #"{"password":"taken-over-pw"}"#), .conflict, "own_password", field: "password")
            let wrong = try await client.post("/api/v1/admin/auth/password", token: admin, json: #"{"currentPassword":"nope","newPassword":"another-password"}"#)
            expectProblem(wrong, .forbidden, "wrong_password", field: "currentPassword")
        }
    }
}

@Suite("Integer parameters")
struct IntegerParameterTests {
    @Test("An integer id written 16.0, as JSON Schema allows, is the id 16 in a path and in a query; strings keep their .0")
    func wholeNumbersWithAZeroFraction() async throws {
        try await TWSTestApp.run { client in
            let admin = try await client.superUserToken()
            let company = try await client.createCompany("Acme", token: admin)
            let fetched = try await client.must(.get, "/api/v1/admin/companies/\(company).0", token: admin).json()
            #expect(fetched.int64("id") == company)
            let licences = try await client.must(.get, "/api/v1/admin/licences?companyId=\(company).00", token: admin)
            #expect(licences.status == .ok)
            // Not a whole number, or not an integer parameter: left to the decoder and the handler.
            expectProblem(try await client.get("/api/v1/admin/companies/\(company).5", token: admin), .badRequest, "invalid_request")
            #expect(IntegerParameterMiddleware.wholeNumber("16.0") == "16" && IntegerParameterMiddleware.wholeNumber("-3.00") == "-3")
            #expect(IntegerParameterMiddleware.wholeNumber("16.") == nil && IntegerParameterMiddleware.wholeNumber("1e3") == nil)
        }
    }

    @Test("The middleware's lists are exactly the contract's integer path and query parameters")
    func namesMatchTheContract() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let contract = try String(contentsOf: root.appendingPathComponent("openapi/tws.yaml"), encoding: .utf8)
        // Parameter objects as the contract writes them: "- name: X / in: path|query / ... type: integer", inline in an
        // operation or (without the dash) under components/parameters, as RuleId is.
        var path: Set<String> = [], query: Set<String> = []
        let lines = contract.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for (index, line) in lines.enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard let prefix = ["- name: ", "name: "].first(where: trimmed.hasPrefix) else { continue }
            let name = trimmed.dropFirst(prefix.count)
            let following = lines[(index + 1)..<min(index + 8, lines.count)]
            let location = following.first { $0.contains("in: ") }?.trimmingCharacters(in: .whitespaces)
            guard following.contains(where: { $0.contains("type: integer") }) else { continue }
            if location == "in: path" { path.insert(String(name)) }
            if location == "in: query" { query.insert(String(name)) }
        }
        #expect(path == IntegerParameterMiddleware.pathNames)
        #expect(query == IntegerParameterMiddleware.queryNames)
    }
}
