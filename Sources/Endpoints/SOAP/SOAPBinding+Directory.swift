import Auth
import Domain
import Foundation
import SOAP

/// The SOAP twins of directory search and reverse lookup.
extension SOAPBinding {
    func searchDirectory(_ payload: SOAPElement) async throws -> SOAPElement {
        let user = try await actingUser(payload, .directoryRead)
        let search = try ContactSearch(
            text: payload.string("query") ?? "",
            directoryId: try payload.optionalLong("directoryId"),
            offset: payload.int("offset") ?? 0,
            limit: payload.int("limit") ?? 20
        )
        let result = try await directories.search(user, search)
        return SOAPElement(
            "SearchDirectoryResponse",
            children: [.leaf("offset", result.offset), .leaf("limit", result.limit), .leaf("hasMore", result.hasMore)]
                + result.cards.map { SOAPElement("contact", children: Self.contactCard($0)) }
        )
    }

    func lookupNumber(_ payload: SOAPElement) async throws -> SOAPElement {
        let user = try await actingUser(payload, .directoryRead)
        guard let number = payload.string("number") else { throw DomainError.invalid(field: "number", "number is required") }
        guard let caller = try await directories.lookup(user, number: number) else {
            throw DomainError(.notFound, code: "no_contact", "No readable contact has this number")
        }
        return SOAPElement(
            "LookupNumberResponse",
            children: [
                .leaf("number", caller.number), .leaf("name", caller.name), .leaf("company", caller.company),
                SOAPElement("contact", children: Self.contactCard(caller.card)),
            ]
        )
    }

    /// tws:ContactCard.
    static func contactCard(_ c: ContactCard) -> [SOAPElement?] {
        [
            .leaf("id", c.id), .leaf("directoryId", c.directoryId), .leaf("directoryName", c.directoryName), .leaf("isPrivate", c.isPrivate),
            .leaf("lastName", c.lastName), .leaf("firstName", c.firstName), .leaf("company", c.company),
        ]
            + c.phones.map { SOAPElement("phone", children: [.leaf("kind", $0.kind.rawValue), .leaf("number", $0.number)]) }
            + [.leaf("mail1", c.mail1), .leaf("mail2", c.mail2), .leaf("url", c.url)]
            + c.privateFields.map {
                SOAPElement("privateField", children: [.leaf("index", $0.index), .leaf("label", $0.label), .leaf("value", $0.value)])
            }
            + [.leaf("vip", c.vip), .leaf("vipInfo", c.vipInfo)]
    }
}
