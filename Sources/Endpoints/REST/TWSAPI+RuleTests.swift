import API
import Auth
import Domain
import Foundation

/// The explain endpoints of forwarding rules (issue 18): thin handlers over `RuleService.explain`.
extension TWSAPI {
    package func testRules(_ input: Operations.TestRules.Input) async throws -> Operations.TestRules.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let explanation = try await rules.explain(try Caller.current.user(), try RuleTest(body))
        return .ok(.init(body: .json(try .init(explanation))))
    }

    package func testUserRules(_ input: Operations.TestUserRules.Input) async throws -> Operations.TestUserRules.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let explanation = try await rules.explain(try Caller.current.admin(), userId: input.path.userId, request: try RuleTest(body))
        return .ok(.init(body: .json(try .init(explanation))))
    }
}
