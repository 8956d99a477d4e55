import API
import Auth
import Domain

/// E-mail notifications of the signed-in user and the call-back links of missed-call e-mails (issue 20).
extension TWSAPI {
    package func getMyNotifications(_ input: Operations.GetMyNotifications.Input) async throws -> Operations.GetMyNotifications.Output {
        .ok(.init(body: .json(.init(try await notifications.settings(try Caller.current.user())))))
    }

    package func setMyNotifications(_ input: Operations.SetMyNotifications.Input) async throws -> Operations.SetMyNotifications.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let saved = try await notifications.update(try Caller.current.user(), missedCallEmail: body.missedCallEmail, voicemailEmail: body.voicemailEmail)
        return .ok(.init(body: .json(.init(saved))))
    }

    package func useCallBackLink(_ input: Operations.UseCallBackLink.Input) async throws -> Operations.UseCallBackLink.Output {
        let placed = try await notifications.callBack(try Caller.current.user(), token: input.path.token)
        return .created(.init(body: .json(.init(placed))))
    }
}

extension Components.Schemas.NotificationSettings {
    init(_ s: NotificationService.Settings) {
        self.init(missedCallEmail: s.missedCallEmail, voicemailEmail: s.voicemailEmail, allowed: s.allowed, email: s.email)
    }
}
