import API
import Auth
import Domain
import Foundation
import OpenAPIRuntime

/// Alerter cards and card templates (admin guide 9.2.1).
extension TWSAPI {
    package func getAlerterCard(_ input: Operations.GetAlerterCard.Input) async throws -> Operations.GetAlerterCard.Output {
        let card = try await alerter.card(try Caller.current.user(), callId: input.path.callId, device: input.query.device)
        return .ok(.init(body: .json(try .init(card))))
    }

    package func listAlerterTemplates(_ input: Operations.ListAlerterTemplates.Input) async throws -> Operations.ListAlerterTemplates.Output {
        let templates = try await alerter.templates(try Caller.current.admin(), domainId: input.path.domainId)
        return .ok(.init(body: .json(templates.map(Components.Schemas.AlerterTemplateInfo.init))))
    }

    package func getAlerterTemplate(_ input: Operations.GetAlerterTemplate.Input) async throws -> Operations.GetAlerterTemplate.Output {
        let xml = try await alerter.template(try Caller.current.admin(), domainId: input.path.domainId, name: input.path.name)
        return .ok(.init(body: .xml(HTTPBody(xml))))
    }

    package func putAlerterTemplate(_ input: Operations.PutAlerterTemplate.Input) async throws -> Operations.PutAlerterTemplate.Output {
        let admin = try Caller.current.admin()
        guard case .xml(let body) = input.body else { throw DomainError.invalid(field: "body", "An XML body is expected") }
        // One byte over the limit is enough to refuse it with the template's own error.
        let bytes: [UInt8]
        do {
            bytes = Array(try await Data(collecting: body, upTo: AlerterTemplate.maxBytes + 1))
        } catch {
            throw AlerterTemplateError(line: nil, "the template is over \(AlerterTemplate.maxBytes) bytes").domainError
        }
        guard bytes.count <= AlerterTemplate.maxBytes else {
            throw AlerterTemplateError(line: nil, "the template is over \(AlerterTemplate.maxBytes) bytes").domainError
        }
        guard let xml = String(validating: bytes, as: UTF8.self) else {
            throw AlerterTemplateError(line: nil, "the template is not UTF-8 text").domainError
        }
        let (info, created) = try await alerter.putTemplate(admin, domainId: input.path.domainId, name: input.path.name, xml: xml)
        return created ? .created(.init(body: .json(.init(info)))) : .ok(.init(body: .json(.init(info))))
    }

    package func deleteAlerterTemplate(_ input: Operations.DeleteAlerterTemplate.Input) async throws -> Operations.DeleteAlerterTemplate.Output {
        try await alerter.deleteTemplate(try Caller.current.admin(), domainId: input.path.domainId, name: input.path.name)
        return .noContent(.init())
    }
}
