import Auth
import Domain
import Foundation
import SOAP

/// The shared phone queue operations of the SOAP binding: the twins of `TWSAPI+Queues.swift`, calling the same
/// `PhoneQueueService` with the request's elements in place of the REST path and body.
extension SOAPBinding {
    func getPhoneQueues() async throws -> SOAPElement {
        let views = try await queues.queues(try Caller.current.user())
        return SOAPElement("GetPhoneQueuesResponse", children: views.map { Self.phoneQueueView($0) })
    }

    func takeQueueCall(_ payload: SOAPElement) async throws -> SOAPElement {
        let taken = try await queues.take(
            try Caller.current.user(),
            queueId: try payload.queueId(),
            callId: try payload.requiredText("callId"),
            device: payload.string("device")
        )
        return SOAPElement(
            "TakeQueueCallResponse",
            children: [.leaf("callId", taken.callId), .leaf("device", taken.device), .leaf("answered", taken.answered)]
        )
    }

    func divertQueueCall(_ payload: SOAPElement) async throws -> SOAPElement {
        let dialled = try await queues.divert(
            try Caller.current.user(),
            queueId: try payload.queueId(),
            callId: try payload.requiredText("callId"),
            to: try payload.requiredText("to")
        )
        return SOAPElement("DivertQueueCallResponse", children: Self.dialingResult(dialled))
    }

    /// tws:PhoneQueueView, as a `queue` element.
    static func phoneQueueView(_ view: PhoneQueueView) -> SOAPElement {
        var children: [SOAPElement?] = [.leaf("id", view.queue.id ?? 0), .leaf("name", view.queue.name)]
        children += view.queue.device.numbers.map { SOAPElement.leaf("number", $0) }
        children += view.agents.map(queueAgent)
        children += view.calls.map(waitingCall)
        children += [.leaf("alertWaitingCalls", view.queue.alertWaitingCalls), .leaf("alertLongestWaitSeconds", view.queue.alertLongestWaitSeconds)]
        return SOAPElement("queue", children: children)
    }

    /// tws:QueueAgent, as an `agent` element.
    static func queueAgent(_ agent: PhoneQueueView.Agent) -> SOAPElement {
        var children: [SOAPElement?] = [.leaf("userId", agent.userId), .leaf("name", agent.name)]
        children += agent.devices.map { SOAPElement("device", children: [.leaf("device", $0.device), .leaf("presence", $0.presence.rawValue)]) }
        children.append(.leaf("state", agent.state.rawValue))
        return SOAPElement("agent", children: children)
    }

    /// tws:QueueWaitingCall, as a `call` element.
    static func waitingCall(_ call: PhoneQueueView.WaitingCall) -> SOAPElement {
        var children: [SOAPElement?] = [
            .leaf("callId", call.callId), .leaf("callerNumber", call.callerNumber), .leaf("callerName", call.callerName),
            .leaf("waitingSince", call.waitingSince),
        ]
        children += call.ringingAt.map { SOAPElement.leaf("ringingAt", $0) }
        return SOAPElement("call", children: children)
    }
}

extension SOAPElement {
    /// A required element of a schema-validated request (a schema gap faults like a REST field error, never a crash).
    fileprivate func requiredText(_ name: String) throws(DomainError) -> String {
        guard let value = string(name) else { throw DomainError.invalid(field: name, "\(name) is required") }
        return value
    }

    fileprivate func queueId() throws(DomainError) -> Int64 {
        guard let id = try optionalLong("queueId") else { throw DomainError.invalid(field: "queueId", "queueId is required") }
        return id
    }
}
