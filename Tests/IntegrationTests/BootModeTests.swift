import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Boot mode")
struct BootModeTests {
    @Test
    func bootAdminMustChangeItsPasswordBeforeAnythingElse() async throws {
        try await TWSTestApp.run { client in
            let boot = try await client.adminLogin("tws", "tws")
            #expect(boot.passwordChangeRequired == true)

            expectProblem(
                try await client.get("/api/v1/admin/companies", token: boot.token),
                .forbidden,
                "password_change_required",
                "list companies:"
            )
            expectProblem(
                try await client.post("/api/v1/admin/companies", token: boot.token, json: #"{"name":"Too early"}"#),
                .forbidden,
                "password_change_required",
                "create company:"
            )
            expectProblem(try await client.get("/api/v1/admin/admins", token: boot.token), .forbidden, "password_change_required", "list admins:")
            expectProblem(try await client.get("/api/v1/admin/parameters", token: boot.token), .forbidden, "password_change_required", "parameters:")

            let changed = try await client.changePassword(token: boot.token, current: "tws", new: "a-brand-new-password")
            #expect(changed.status == .noContent, "\(changed.text)")

            // The old password is gone; a fresh login with the new one is out of boot mode.
            expectProblem(try await client.adminLoginResponse("tws", "tws"), .unauthorized, "invalid_credentials", "old password:")
            let fresh = try await client.adminLogin("tws", "a-brand-new-password")
            #expect(fresh.passwordChangeRequired == false)
            let companies = try await client.get("/api/v1/admin/companies", token: fresh.token)
            #expect(companies.status == .ok, "\(companies.text)")
            #expect(try companies.json().int("total") == 0)
            // Nothing was created while in boot mode.
            #expect(try companies.items().isEmpty)
        }
    }

    @Test
    func wrongCurrentPasswordIsRefusedAndBootModeStays() async throws {
        try await TWSTestApp.run { client in
            let boot = try await client.adminLogin("tws", "tws")
            let wrong = try await client.changePassword(token: boot.token, current: "not-tws", new: "a-brand-new-password")
            expectProblem(wrong, .forbidden, "wrong_password", field: "currentPassword")

            // Still in boot mode, and the boot password still works.
            expectProblem(try await client.get("/api/v1/admin/companies", token: boot.token), .forbidden, "password_change_required")
            #expect(try await client.adminLogin("tws", "tws").passwordChangeRequired == true)
            expectProblem(try await client.adminLoginResponse("tws", "a-brand-new-password"), .unauthorized, "invalid_credentials")
        }
    }

    @Test
    func weakOrUnchangedNewPasswordIsRefused() async throws {
        try await TWSTestApp.run { client in
            let boot = try await client.adminLogin("tws", "tws")
            expectProblem(
                try await client.changePassword(token: boot.token, current: "tws", new: "short"),
                .badRequest,
                "invalid_field",
                field: "newPassword"
            )
            expectProblem(
                try await client.changePassword(token: boot.token, current: "tws", new: "tws"),
                .badRequest,
                "invalid_field",
                field: "newPassword"
            )
            #expect(try await client.adminLogin("tws", "tws").passwordChangeRequired == true)
        }
    }

    /// A session opened with the default password must not become a super-user session once someone changes
    /// that password: whoever logged in with tws/tws first would otherwise inherit full rights.
    @Test
    func changingTheBootPasswordRevokesOtherBootSessions() async throws {
        try await TWSTestApp.run { client in
            let early = try await client.adminLogin("tws", "tws")
            let boot = try await client.adminLogin("tws", "tws")
            #expect(try await client.changePassword(token: boot.token, current: "tws", new: "a-brand-new-password").status == .noContent)
            expectProblem(try await client.get("/api/v1/admin/companies", token: early.token), .unauthorized, "unauthenticated")
            expectProblem(
                try await client.post("/api/v1/admin/companies", token: early.token, json: #"{"name":"Squatter"}"#),
                .unauthorized,
                "unauthenticated"
            )
        }
    }

    @Test
    func adminEndpointsWithoutATokenAnswer401() async throws {
        try await TWSTestApp.run { client in
            let response = try await client.get("/api/v1/admin/companies", token: nil)
            expectProblem(response, .unauthorized, "unauthenticated")
            #expect(response.headers[.wwwAuthenticate] == "Bearer")
            expectProblem(try await client.get("/api/v1/admin/companies", token: "not.a.jwt"), .unauthorized, "unauthenticated")
        }
    }
}
