import API
import Domain

// TEMPORARY (issue 17 work in progress, never merged to main): answers for operations another branch implements, so
// this branch builds. Delete the functions your branch implements; the whole file goes when the branches merge.
extension TWSAPI {
    package func listAlerterTemplates(_ input: Operations.ListAlerterTemplates.Input) async throws -> Operations.ListAlerterTemplates.Output {
        throw DomainError.notFound("Operation")
    }
    package func getAlerterTemplate(_ input: Operations.GetAlerterTemplate.Input) async throws -> Operations.GetAlerterTemplate.Output {
        throw DomainError.notFound("Operation")
    }
    package func putAlerterTemplate(_ input: Operations.PutAlerterTemplate.Input) async throws -> Operations.PutAlerterTemplate.Output {
        throw DomainError.notFound("Operation")
    }
    package func deleteAlerterTemplate(_ input: Operations.DeleteAlerterTemplate.Input) async throws -> Operations.DeleteAlerterTemplate.Output {
        throw DomainError.notFound("Operation")
    }
    package func getAlerterCard(_ input: Operations.GetAlerterCard.Input) async throws -> Operations.GetAlerterCard.Output {
        throw DomainError.notFound("Operation")
    }
}
