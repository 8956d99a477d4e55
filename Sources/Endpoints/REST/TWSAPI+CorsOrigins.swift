import API
import Auth
import Domain

// MARK: - CORS origins of a company (issue 19)

extension TWSAPI {
    package func getCorsOrigins(_ input: Operations.GetCorsOrigins.Input) async throws -> Operations.GetCorsOrigins.Output {
        let origins = try await cors.origins(try Caller.current.admin(), companyId: input.path.companyId)
        return .ok(.init(body: .json(.init(origins: origins))))
    }

    package func setCorsOrigins(_ input: Operations.SetCorsOrigins.Input) async throws -> Operations.SetCorsOrigins.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let origins = try await cors.setOrigins(try Caller.current.admin(), companyId: input.path.companyId, body.origins)
        return .ok(.init(body: .json(.init(origins: origins))))
    }
}
