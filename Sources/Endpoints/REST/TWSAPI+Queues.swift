import API
import Auth
import Domain
import Foundation

/// Shared phone queues for agents (admin guide 9.2.2): thin handlers over `PhoneQueueService`.
extension TWSAPI {
    package func listQueues(_ input: Operations.ListQueues.Input) async throws -> Operations.ListQueues.Output {
        let views = try await queues.queues(try Caller.current.user())
        return .ok(.init(body: .json(try views.map(Components.Schemas.QueueView.init))))
    }

    package func takeQueueCall(_ input: Operations.TakeQueueCall.Input) async throws -> Operations.TakeQueueCall.Output {
        var device: String?
        if case .json(let body)? = input.body { device = body.device }
        let taken = try await queues.take(try Caller.current.user(), queueId: input.path.queueId, callId: input.path.callId, device: device)
        return .ok(.init(body: .json(.init(callId: taken.callId, device: taken.device, answered: taken.answered))))
    }

    package func divertQueueCall(_ input: Operations.DivertQueueCall.Input) async throws -> Operations.DivertQueueCall.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let dialled = try await queues.divert(try Caller.current.user(), queueId: input.path.queueId, callId: input.path.callId, to: body.to)
        return .ok(.init(body: .json(.init(dialled))))
    }
}

extension Components.Schemas.QueueView {
    init(_ view: PhoneQueueView) throws {
        self.init(
            id: view.queue.id ?? 0,
            name: view.queue.name,
            numbers: view.queue.device.numbers,
            agents: try view.agents.map { agent in
                Components.Schemas.QueueAgent(
                    userId: agent.userId,
                    name: agent.name,
                    devices: try agent.devices.map { .init(device: $0.device, presence: try convert($0.presence, field: "presence")) },
                    state: agent.state.rawValue
                )
            },
            calls: view.calls.map { call in
                Components.Schemas.QueueWaitingCall(
                    callId: call.callId,
                    callerNumber: call.callerNumber,
                    callerName: call.callerName,
                    waitingSince: call.waitingSince,
                    ringingAt: call.ringingAt
                )
            },
            alertWaitingCalls: view.queue.alertWaitingCalls.map { Int32(clamping: $0) },
            alertLongestWaitSeconds: view.queue.alertLongestWaitSeconds.map { Int32(clamping: $0) }
        )
    }
}
