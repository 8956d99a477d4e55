import API
import Domain

// TEMPORARY (issue 18 work in progress, never merged to main): answers for operations another branch implements, so
// this branch builds. Delete the functions your branch implements; the whole file goes when the branches merge.
extension TWSAPI {
    package func testRules(_ input: Operations.TestRules.Input) async throws -> Operations.TestRules.Output {
        throw DomainError.notFound("Operation")
    }
    package func testUserRules(_ input: Operations.TestUserRules.Input) async throws -> Operations.TestUserRules.Output {
        throw DomainError.notFound("Operation")
    }
}
