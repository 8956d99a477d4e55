import API
import Auth
import Domain
import Foundation

/// Forwarding rules (admin guide 9.1.8, 9.6): thin handlers over `RuleService`, which makes every check.
extension TWSAPI {
    package func listRules(_ input: Operations.ListRules.Input) async throws -> Operations.ListRules.Output {
        let views = try await rules.rules(try Caller.current.user())
        return .ok(.init(body: .json(try views.map(Components.Schemas.ForwardingRule.init))))
    }

    package func createRule(_ input: Operations.CreateRule.Input) async throws -> Operations.CreateRule.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let view = try await rules.createRule(try Caller.current.user(), try RuleInput(body))
        return .created(.init(body: .json(try .init(view))))
    }

    package func setRuleOrder(_ input: Operations.SetRuleOrder.Input) async throws -> Operations.SetRuleOrder.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let views = try await rules.setRuleOrder(try Caller.current.user(), ids: body.ruleIds)
        return .ok(.init(body: .json(try views.map(Components.Schemas.ForwardingRule.init))))
    }

    package func listSharedRules(_ input: Operations.ListSharedRules.Input) async throws -> Operations.ListSharedRules.Output {
        let shared = try await rules.sharedRules(try Caller.current.user())
        return .ok(.init(body: .json(try shared.map(Components.Schemas.SharedRule.init))))
    }

    package func getRule(_ input: Operations.GetRule.Input) async throws -> Operations.GetRule.Output {
        let view = try await rules.rule(try Caller.current.user(), id: input.path.ruleId)
        return .ok(.init(body: .json(try .init(view))))
    }

    package func updateRule(_ input: Operations.UpdateRule.Input) async throws -> Operations.UpdateRule.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let view = try await rules.updateRule(try Caller.current.user(), id: input.path.ruleId, try RuleInput(body))
        return .ok(.init(body: .json(try .init(view))))
    }

    package func deleteRule(_ input: Operations.DeleteRule.Input) async throws -> Operations.DeleteRule.Output {
        try await rules.deleteRule(try Caller.current.user(), id: input.path.ruleId)
        return .noContent(.init())
    }

    package func listUserRulesAdmin(_ input: Operations.ListUserRulesAdmin.Input) async throws -> Operations.ListUserRulesAdmin.Output {
        let views = try await rules.rules(try Caller.current.admin(), userId: input.path.userId)
        return .ok(.init(body: .json(try views.map(Components.Schemas.ForwardingRule.init))))
    }

    package func imposeUserRule(_ input: Operations.ImposeUserRule.Input) async throws -> Operations.ImposeUserRule.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let view = try await rules.imposeRule(try Caller.current.admin(), userId: input.path.userId, try RuleInput(body))
        return .created(.init(body: .json(try .init(view))))
    }

    package func listGroupRules(_ input: Operations.ListGroupRules.Input) async throws -> Operations.ListGroupRules.Output {
        let views = try await rules.groupRules(try Caller.current.admin(), groupId: input.path.groupId)
        return .ok(.init(body: .json(try views.map(Components.Schemas.ForwardingRule.init))))
    }

    package func imposeGroupRule(_ input: Operations.ImposeGroupRule.Input) async throws -> Operations.ImposeGroupRule.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let view = try await rules.imposeRule(try Caller.current.admin(), groupId: input.path.groupId, try RuleInput(body))
        return .created(.init(body: .json(try .init(view))))
    }

    package func getRuleAdmin(_ input: Operations.GetRuleAdmin.Input) async throws -> Operations.GetRuleAdmin.Output {
        let view = try await rules.rule(try Caller.current.admin(), id: input.path.ruleId)
        return .ok(.init(body: .json(try .init(view))))
    }

    package func updateRuleAdmin(_ input: Operations.UpdateRuleAdmin.Input) async throws -> Operations.UpdateRuleAdmin.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let view = try await rules.updateRule(try Caller.current.admin(), id: input.path.ruleId, try RuleInput(body))
        return .ok(.init(body: .json(try .init(view))))
    }

    package func deleteRuleAdmin(_ input: Operations.DeleteRuleAdmin.Input) async throws -> Operations.DeleteRuleAdmin.Output {
        try await rules.deleteRule(try Caller.current.admin(), id: input.path.ruleId)
        return .noContent(.init())
    }
}
