import Auth
import Domain
import Foundation
import SOAP

/// The SOAP twins of the callback operations (issue 20), for server-side portals: the same service, key, limits and
/// answers as REST.
extension SOAPBinding {
    func requestCallback(_ payload: SOAPElement) async throws -> SOAPElement {
        let throttle = callbackThrottle
        let key = try await throttle.admitPortalKey()
        let targets: [CallbackAsk.Target] = [
            payload.string("group").map(CallbackAsk.Target.group), payload.string("user").map(CallbackAsk.Target.user),
            payload.string("queue").map(CallbackAsk.Target.queue),
        ].compactMap { $0 }
        guard targets.count == 1, let target = targets.first else {
            throw DomainError.invalid(field: "target", "Name exactly one of group, user or queue")
        }
        let ask = CallbackAsk(
            number: payload.string("number") ?? "",
            name: payload.string("name"),
            target: target,
            at: try payload.dateTime("at"),
            notAfter: try payload.dateTime("notAfter"),
            scheduleWhenClosed: payload.string("whenClosed") == "next-opening"
        )
        let (view, created) = try await callbacks.request(key, origin: RequestFacts.current.origin, ask) { number in
            await throttle.numbers.check(number)
        }
        return SOAPElement(
            "RequestCallbackResponse",
            children: [SOAPElement("callback", children: Self.callback(view)), .leaf("created", created)]
        )
    }

    func getCallback(_ payload: SOAPElement) async throws -> SOAPElement {
        SOAPElement("GetCallbackResponse", children: Self.callback(try await callbacks.callback(id: payload.string("id") ?? "")))
    }

    func cancelCallback(_ payload: SOAPElement) async throws -> SOAPElement {
        SOAPElement("CancelCallbackResponse", children: Self.callback(try await callbacks.cancel(id: payload.string("id") ?? "")))
    }

    /// A request in the WSDL's `Callback` order.
    static func callback(_ view: CallbackView) -> [SOAPElement?] {
        let request = view.request
        return [
            .leaf("id", request.id), .leaf("status", request.status.rawValue), .leaf("reason", request.reason?.rawValue),
            .leaf("number", request.number), .leaf("name", request.name), .leaf("group", view.groupName), .leaf("dueAt", request.dueAt),
            .leaf("notAfter", request.notAfter), .leaf("attempts", request.attempts), .leaf("maxAttempts", request.maxAttempts),
            .leaf("createdAt", request.createdAt), .leaf("updatedAt", request.updatedAt), .leaf("connectedAt", request.connectedAt),
            .leaf("completedAt", request.completedAt), .leaf("statusUrl", "/api/v1/callbacks/\(request.id)"),
        ]
    }
}
