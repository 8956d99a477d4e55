import API
import Auth
import Domain
import Foundation

/// Callback requests and groups (issue 20): thin handlers over `CallbackService`, which checks the key's scope and
/// origin and the administrator's scope.
extension TWSAPI {
    // MARK: Public: visitors, through a portal key

    package func createCallback(_ input: Operations.CreateCallback.Input) async throws -> Operations.CreateCallback.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let throttle = callbackThrottle
        let key = try await throttle.admitPortalKey()
        let (view, created) = try await callbacks.request(
            key,
            origin: RequestFacts.current.origin,
            try CallbackAsk(body),
            admit: { number in await throttle.numbers.check(number) }
        )
        let wire = Components.Schemas.Callback(view)
        return created ? .created(.init(body: .json(wire))) : .ok(.init(body: .json(wire)))
    }

    package func getCallback(_ input: Operations.GetCallback.Input) async throws -> Operations.GetCallback.Output {
        .ok(.init(body: .json(.init(try await callbacks.callback(id: input.path.callbackId)))))
    }

    package func cancelCallback(_ input: Operations.CancelCallback.Input) async throws -> Operations.CancelCallback.Output {
        .ok(.init(body: .json(.init(try await callbacks.cancel(id: input.path.callbackId)))))
    }

    // MARK: Groups (administrators)

    package func listCallbackGroups(_ input: Operations.ListCallbackGroups.Input) async throws -> Operations.ListCallbackGroups.Output {
        let page = try await callbacks.groups(
            try Caller.current.admin(),
            domainId: input.path.domainId,
            PageRequest(offset: input.query.offset, limit: input.query.limit, q: input.query.q)
        )
        return .ok(.init(body: .json(wirePage(page, Components.Schemas.CallbackGroupPage.init, Components.Schemas.CallbackGroup.init))))
    }

    package func createCallbackGroup(_ input: Operations.CreateCallbackGroup.Input) async throws -> Operations.CreateCallbackGroup.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let group = try await callbacks.create(try Caller.current.admin(), domainId: input.path.domainId, try CallbackGroup(body))
        await replanSupervision()
        return .created(.init(body: .json(.init(group))))
    }

    package func getCallbackGroup(_ input: Operations.GetCallbackGroup.Input) async throws -> Operations.GetCallbackGroup.Output {
        .ok(.init(body: .json(.init(try await callbacks.group(try Caller.current.admin(), id: input.path.callbackGroupId)))))
    }

    package func replaceCallbackGroup(_ input: Operations.ReplaceCallbackGroup.Input) async throws -> Operations.ReplaceCallbackGroup.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let group = try await callbacks.replace(try Caller.current.admin(), id: input.path.callbackGroupId, try CallbackGroup(body))
        await replanSupervision()
        return .ok(.init(body: .json(.init(group))))
    }

    package func deleteCallbackGroup(_ input: Operations.DeleteCallbackGroup.Input) async throws -> Operations.DeleteCallbackGroup.Output {
        try await callbacks.delete(try Caller.current.admin(), id: input.path.callbackGroupId)
        await replanSupervision()
        return .noContent(.init())
    }

    package func listCallbacks(_ input: Operations.ListCallbacks.Input) async throws -> Operations.ListCallbacks.Output {
        let page = try await callbacks.requests(
            try Caller.current.admin(),
            groupId: input.path.callbackGroupId,
            status: input.query.status.flatMap { CallbackStatus(rawValue: $0.rawValue) },
            PageRequest(offset: input.query.offset, limit: input.query.limit, q: nil)
        )
        return .ok(.init(body: .json(wirePage(page, Components.Schemas.CallbackPage.init, Components.Schemas.Callback.init))))
    }
}

// MARK: - Mapping

extension CallbackAsk {
    init(_ body: Components.Schemas.CallbackRequest) throws {
        let target: Target
        switch (body.target.group, body.target.user, body.target.queue) {
        case (let group?, nil, nil): target = .group(group)
        case (nil, let user?, nil): target = .user(user)
        case (nil, nil, let queue?): target = .queue(queue)
        default: throw DomainError.invalid(field: "target", "Name exactly one of group, user or queue")
        }
        self.init(
            number: body.number,
            name: body.name,
            target: target,
            at: body.at,
            notAfter: body.notAfter,
            scheduleWhenClosed: body.whenClosed == .nextOpening
        )
    }
}

extension Components.Schemas.Callback {
    init(_ view: CallbackView) {
        let request = view.request
        self.init(
            id: request.id,
            status: Components.Schemas.CallbackStatus(rawValue: request.status.rawValue) ?? .scheduled,
            reason: request.reason?.rawValue,
            number: request.number,
            name: request.name,
            group: view.groupName,
            dueAt: request.dueAt,
            notAfter: request.notAfter,
            attempts: Int32(request.attempts),
            maxAttempts: Int32(request.maxAttempts),
            createdAt: request.createdAt,
            updatedAt: request.updatedAt,
            connectedAt: request.connectedAt,
            completedAt: request.completedAt,
            statusUrl: "/api/v1/callbacks/\(request.id)"
        )
    }
}

extension CallbackGroup {
    static let dayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    /// The company and domain are set by the service from the path.
    init(_ body: Components.Schemas.CallbackGroupInput) throws {
        func minutes(_ text: String, field: String) throws -> Int {
            let parts = text.split(separator: ":")
            guard parts.count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]) else {
                throw DomainError.invalid(field: field, "A time is HH:MM")
            }
            return hours * 60 + minutes
        }
        let openings = try (body.hours ?? []).enumerated().map { index, opening in
            CallbackHours.Opening(
                days: opening.days.compactMap { Self.dayNames.firstIndex(of: $0.rawValue).map { $0 + 1 } },
                from: try minutes(opening.from, field: "hours[\(index)].from"),
                to: try minutes(opening.to, field: "hours[\(index)].to")
            )
        }
        self.init(
            companyId: 0,
            domainId: 0,
            name: body.name,
            device: body.device,
            members: body.members ?? [],
            queue: body.queue,
            hours: CallbackHours(openings: body.hours == nil ? CallbackHours.officeHours.openings : openings, closedDates: body.closedDates ?? []),
            maxPending: body.maxPending.map(Int.init) ?? CallbackGroup.defaultMaxPending,
            noAnswerSeconds: body.noAnswerSeconds.map(Int.init) ?? CallbackGroup.defaultNoAnswerSeconds,
            retries: body.retries.map(Int.init) ?? CallbackGroup.defaultRetries,
            retrySpacingSeconds: body.retrySpacingSeconds.map(Int.init) ?? CallbackGroup.defaultRetrySpacingSeconds,
            numbers: CallbackNumberRules(allowed: body.allowedNumbers ?? [], refused: body.refusedNumbers)
        )
    }
}

extension Components.Schemas.CallbackGroup {
    init(_ view: CallbackGroupView) {
        let group = view.group
        func time(_ minutes: Int) -> String { String(format: "%02d:%02d", minutes / 60, minutes % 60) }
        self.init(
            id: group.id ?? 0,
            domainId: group.domainId,
            name: group.name,
            device: group.device,
            members: group.members,
            queue: group.queue,
            hours: group.hours.openings.map { opening in
                .init(
                    days: opening.days.compactMap { Components.Schemas.CallbackOpening.DaysPayloadPayload(rawValue: CallbackGroup.dayNames[$0 - 1]) },
                    from: time(opening.from),
                    to: time(opening.to)
                )
            },
            closedDates: group.hours.closedDates,
            timeZone: view.timeZone,
            maxPending: Int32(group.maxPending),
            noAnswerSeconds: Int32(group.noAnswerSeconds),
            retries: Int32(group.retries),
            retrySpacingSeconds: Int32(group.retrySpacingSeconds),
            allowedNumbers: group.numbers.allowed,
            refusedNumbers: group.numbers.refused ?? [],
            pending: Int32(view.pending)
        )
    }
}
