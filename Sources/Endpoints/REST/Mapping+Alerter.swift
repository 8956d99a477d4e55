import API
import Domain
import Foundation

extension Components.Schemas.AlerterCard {
    init(_ c: AlerterCard) throws {
        self.init(
            callId: c.callId,
            device: c.device,
            mode: try convert(c.mode, field: "mode"),
            width: Int32(clamping: c.width),
            height: Int32(clamping: c.height),
            vip: c.vip,
            template: c.template,
            elements: try c.elements.map(Components.Schemas.AlerterElement.init),
            xml: c.xml,
            url: c.url,
            caller: .init(c.caller),
            redirection: c.redirection.map(Components.Schemas.ScreenPopParty.init)
        )
    }
}

extension Components.Schemas.AlerterElement {
    init(_ e: AlerterCard.Element) throws {
        self.init(
            kind: try convert(e.kind, field: "kind"),
            x: e.x.map { Int32(clamping: $0) },
            y: e.y.map { Int32(clamping: $0) },
            text: e.text,
            url: e.url,
            exe: e.exe
        )
    }
}

extension Components.Schemas.ScreenPopCaller {
    init(_ c: ScreenPopCaller) {
        self.init(
            number: c.number,
            identified: c.identified,
            contactId: c.contactId,
            directoryId: c.directoryId,
            directoryName: c.directoryName,
            displayName: c.displayName,
            firstName: c.firstName,
            lastName: c.lastName,
            company: c.company,
            vip: c.vip,
            vipText: c.vipText,
            externalId: c.externalId
        )
    }
}

extension Components.Schemas.ScreenPopParty {
    init(_ p: ScreenPopParty) {
        self.init(number: p.number, name: p.name)
    }
}

extension Components.Schemas.AlerterTemplateInfo {
    init(_ i: AlerterTemplateInfo) {
        self.init(domainId: i.domainId, name: i.name, size: Int32(clamping: i.size), elements: Int32(clamping: i.elements), updatedAt: i.updatedAt)
    }
}
