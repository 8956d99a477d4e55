import Auth
import Domain
import SOAP

extension SOAPBinding {
    /// GetAlerterCard: the Alerter card of a call at one of the user's devices (REST getAlerterCard).
    func getAlerterCard(_ payload: SOAPElement) async throws -> SOAPElement {
        let user = try Caller.current.user()
        guard let callId = payload.string("callId") else { throw DomainError.invalid(field: "callId", "callId is required") }
        let card = try await alerter.card(user, callId: callId, device: payload.string("device"))
        let elements: [SOAPElement?] = card.elements.map { element in
            SOAPElement(
                "element",
                children: [
                    .leaf("kind", element.kind.rawValue), .leaf("x", element.x), .leaf("y", element.y), .leaf("text", element.text),
                    .leaf("url", element.url), .leaf("exe", element.exe),
                ]
            )
        }
        return SOAPElement(
            "GetAlerterCardResponse",
            children: [
                .leaf("callId", card.callId), .leaf("device", card.device), .leaf("mode", card.mode.rawValue), .leaf("width", card.width),
                .leaf("height", card.height), .leaf("vip", card.vip), .leaf("template", card.template),
            ] + elements + [
                .leaf("xml", card.xml), .leaf("url", card.url), SOAPElement("caller", children: Self.screenPopCaller(card.caller)),
                card.redirection.map { SOAPElement("redirection", children: [.leaf("number", $0.number), .leaf("name", $0.name)]) },
            ]
        )
    }

    /// tws:ScreenPopCaller.
    static func screenPopCaller(_ c: ScreenPopCaller) -> [SOAPElement?] {
        [
            .leaf("number", c.number), .leaf("identified", c.identified), .leaf("contactId", c.contactId), .leaf("directoryId", c.directoryId),
            .leaf("directoryName", c.directoryName), .leaf("displayName", c.displayName), .leaf("firstName", c.firstName),
            .leaf("lastName", c.lastName), .leaf("company", c.company), .leaf("vip", c.vip), .leaf("vipText", c.vipText),
            .leaf("externalId", c.externalId),
        ]
    }
}
