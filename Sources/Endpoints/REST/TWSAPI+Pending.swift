import API
import Domain

// TEMPORARY (issue 18 work in progress, never merged to main): answers for operations another branch implements, so
// this branch builds. Delete the functions your branch implements; the whole file goes when the branches merge.
extension TWSAPI {
    package func listRules(_ input: Operations.ListRules.Input) async throws -> Operations.ListRules.Output {
        throw DomainError.notFound("Operation")
    }
    package func createRule(_ input: Operations.CreateRule.Input) async throws -> Operations.CreateRule.Output {
        throw DomainError.notFound("Operation")
    }
    package func setRuleOrder(_ input: Operations.SetRuleOrder.Input) async throws -> Operations.SetRuleOrder.Output {
        throw DomainError.notFound("Operation")
    }
    package func listSharedRules(_ input: Operations.ListSharedRules.Input) async throws -> Operations.ListSharedRules.Output {
        throw DomainError.notFound("Operation")
    }
    package func getRule(_ input: Operations.GetRule.Input) async throws -> Operations.GetRule.Output {
        throw DomainError.notFound("Operation")
    }
    package func updateRule(_ input: Operations.UpdateRule.Input) async throws -> Operations.UpdateRule.Output {
        throw DomainError.notFound("Operation")
    }
    package func deleteRule(_ input: Operations.DeleteRule.Input) async throws -> Operations.DeleteRule.Output {
        throw DomainError.notFound("Operation")
    }
    package func listUserRulesAdmin(_ input: Operations.ListUserRulesAdmin.Input) async throws -> Operations.ListUserRulesAdmin.Output {
        throw DomainError.notFound("Operation")
    }
    package func imposeUserRule(_ input: Operations.ImposeUserRule.Input) async throws -> Operations.ImposeUserRule.Output {
        throw DomainError.notFound("Operation")
    }
    package func listGroupRules(_ input: Operations.ListGroupRules.Input) async throws -> Operations.ListGroupRules.Output {
        throw DomainError.notFound("Operation")
    }
    package func imposeGroupRule(_ input: Operations.ImposeGroupRule.Input) async throws -> Operations.ImposeGroupRule.Output {
        throw DomainError.notFound("Operation")
    }
    package func getRuleAdmin(_ input: Operations.GetRuleAdmin.Input) async throws -> Operations.GetRuleAdmin.Output {
        throw DomainError.notFound("Operation")
    }
    package func updateRuleAdmin(_ input: Operations.UpdateRuleAdmin.Input) async throws -> Operations.UpdateRuleAdmin.Output {
        throw DomainError.notFound("Operation")
    }
    package func deleteRuleAdmin(_ input: Operations.DeleteRuleAdmin.Input) async throws -> Operations.DeleteRuleAdmin.Output {
        throw DomainError.notFound("Operation")
    }
}
