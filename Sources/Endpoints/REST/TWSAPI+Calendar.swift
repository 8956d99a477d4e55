import API
import Auth
import Domain
import Foundation

/// Calendar presence (issue 21): domains' calendar connections for administrators, colleagues' calendar presence for users.
extension TWSAPI {
    package func getCalendarConnection(_ input: Operations.GetCalendarConnection.Input) async throws -> Operations.GetCalendarConnection.Output {
        let connection = try await calendar.connection(try Caller.current.admin(), domainId: input.path.domainId)
        return .ok(.init(body: .json(.init(connection))))
    }

    package func setCalendarConnection(_ input: Operations.SetCalendarConnection.Input) async throws -> Operations.SetCalendarConnection.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let connection = try await calendar.setConnection(
            try Caller.current.admin(),
            domainId: input.path.domainId,
            CalendarConnectionInput(
                serverURL: body.serverURL,
                username: body.username,
                password: body.password,
                calendarURLTemplate: body.calendarURLTemplate,
                refreshSeconds: body.refreshSeconds,
                timeZone: body.timeZone,
                enabled: body.enabled
            )
        )
        return .ok(.init(body: .json(.init(connection))))
    }

    package func deleteCalendarConnection(_ input: Operations.DeleteCalendarConnection.Input) async throws -> Operations.DeleteCalendarConnection.Output {
        try await calendar.deleteConnection(try Caller.current.admin(), domainId: input.path.domainId)
        return .noContent(.init())
    }

    package func listCalendarPresence(_ input: Operations.ListCalendarPresence.Input) async throws -> Operations.ListCalendarPresence.Output {
        let presences = try await calendar.presences(try Caller.current.user())
        return .ok(.init(body: .json(try presences.map(Components.Schemas.CalendarPresence.init))))
    }

    package func getCalendarPresence(_ input: Operations.GetCalendarPresence.Input) async throws -> Operations.GetCalendarPresence.Output {
        let presence = try await calendar.presence(try Caller.current.user(), userId: input.path.userId)
        return .ok(.init(body: .json(try .init(presence))))
    }
}

extension Components.Schemas.CalendarConnection {
    init(_ c: CalendarConnection) {
        // `c` is the connection as shown: its password is already masked.
        self.init(
            domainId: c.domainId,
            serverURL: c.serverURL,
            username: c.username,
            password: c.password,
            calendarURLTemplate: c.calendarURLTemplate,
            refreshSeconds: c.refreshSeconds,
            timeZone: c.timeZone,
            enabled: c.enabled,
            updatedAt: c.updatedAt
        )
    }
}

extension Components.Schemas.CalendarPresence {
    init(_ p: CalendarPresence) throws {
        self.init(
            userId: p.userId,
            state: try convert(p.state, field: "state"),
            until: p.until,
            subject: p.subject,
            isPrivate: p.isPrivate,
            allDay: p.allDay,
            reason: try convert(p.reason, field: "reason")
        )
    }
}
