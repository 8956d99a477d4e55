import Domain
import Foundation

/// Seeds the demo tenant through the same Domain services the API uses, so every demo path is real.
enum DemoSeed {
    static let adminUsername = "tws"
    static let adminPassword = "tws-demo-admin"
    static let userPassword = "demo-password"
    static let companyName = "Demo Company"
    static let domainName = "Paris"
    /// Where the demo's simulated PBX listens and the seeded link points.
    static let pbxPort = 5060
    static let deviceNumbers = (1001...1020).map(String.init)
    /// The callback group's device and its agents' devices (the first three Sales users), which answer by themselves.
    static let callbackDevice = "1990"
    static let callbackAgents = ["1001", "1002", "1003"]
    /// The demo domain's `vmNumber`, answered by the simulator's voicemail system.
    static let voicemailNumber = "8888"

    private static let people: [(String, String)] = [
        ("Alice", "Martin"), ("Bruno", "Bernard"), ("Chloé", "Dubois"), ("David", "Thomas"), ("Emma", "Robert"), ("Fabien", "Richard"),
        ("Gaëlle", "Petit"), ("Hugo", "Durand"), ("Inès", "Leroy"), ("Julien", "Moreau"), ("Katia", "Simon"), ("Louis", "Laurent"),
        ("Manon", "Lefebvre"), ("Nicolas", "Michel"), ("Océane", "Garcia"), ("Pierre", "David"), ("Quentin", "Bertrand"), ("Rose", "Roux"),
        ("Samuel", "Vincent"), ("Théa", "Fournier"),
    ]

    /// Seeds an empty database; answers the secret of the demo's publishable portal key (for the widget's demo page at
    /// `origin`), shown only now.
    static func seed(_ services: AppServices, origin: String) async throws -> String {
        let boot = try await services.sessions.loginAdmin(username: adminUsername, password: "tws")
        let principal = try await services.sessions.admin(token: boot.token)
        try await services.admin.changeOwnPassword(principal, current: "tws", new: adminPassword)
        let admin = try await services.sessions.admin(
            token: (try await services.sessions.loginAdmin(username: adminUsername, password: adminPassword)).token
        )
        let service = services.admin

        let company = try await service.createCompany(admin, name: companyName)
        let companyId = company.id!
        for (application, count) in [(Application.caller, 25), (.alerter, 10), (.softphone, 5), (.stats, 5), (.toolkit, 5), (.portal, 2)] {
            _ = try await service.setLicences(admin, companyId: companyId, application: application, available: count)
        }
        let domain = try await service.createDomain(admin, companyId: companyId, name: domainName, numberingPlanLength: 4)
        let domainId = domain.id!
        let all = try await service.createGroup(admin, domainId: domainId, name: "All")
        let sales = try await service.createGroup(admin, domainId: domainId, name: "Sales")
        let support = try await service.createGroup(admin, domainId: domainId, name: "Support")
        _ = try await service.grant(
            admin,
            AuthorizationRequest(objectType: .application, application: .caller, granteeType: .group, granteeId: all.id!)
        )

        var agents: [Int64] = []
        for (index, person) in people.enumerated() {
            let username = (person.0.prefix(1) + person.1).lowercased().folding(options: .diacriticInsensitive, locale: nil)
            let user = try await service.createUser(
                admin,
                domainId: domainId,
                UserChanges(
                    username: username,
                    firstName: person.0,
                    lastName: person.1,
                    email: "\(username)@demo.example",
                    mobile: "+3361234\(String(format: "%04d", index))",
                    password: userPassword
                )
            )
            _ = try await service.createDevice(admin, userId: user.id!, DeviceChanges(number: String(1001 + index)))
            if index < callbackAgents.count { agents.append(user.id!) }
            try await service.addMember(admin, groupId: all.id!, userId: user.id!)
            try await service.addMember(admin, groupId: index < 10 ? sales.id! : support.id!, userId: user.id!)
        }
        _ = try await service.grant(
            admin,
            AuthorizationRequest(objectType: .application, application: .alerter, granteeType: .group, granteeId: support.id!)
        )

        let intercom = try await service.create(
            admin,
            domainId: domainId,
            IntercomGroup(
                companyId: companyId,
                domainId: domainId,
                name: "Sales desk",
                devices: [SupervisedDeviceRange(number: "1001", duplicateX: 10)]
            )
        )
        _ = try await service.grant(
            admin,
            AuthorizationRequest(objectType: .intercomGroup, objectId: intercom.id!, granteeType: .group, granteeId: sales.id!)
        )
        let queue = try await service.create(
            admin,
            domainId: domainId,
            PhoneQueue(
                companyId: companyId,
                domainId: domainId,
                name: "Standard",
                device: SupervisedDeviceRange(number: "7777", lines: 3, mediaProtocol: .twp)
            )
        )
        _ = try await service.grant(
            admin,
            AuthorizationRequest(objectType: .phoneQueue, objectId: queue.id!, granteeType: .group, granteeId: support.id!)
        )
        _ = try await service.create(
            admin,
            domainId: domainId,
            PbxLink(companyId: companyId, domainId: domainId, host: "127.0.0.1", port: pbxPort, capacity: 500, pbxType: "simulator")
        )
        _ = try await service.setParameter(admin, scope: .domain, scopeId: domainId, application: .twsServer, name: "AuthMethods", value: "TWS")
        _ = try await service.setParameter(admin, scope: .domain, scopeId: domainId, application: .caller, name: "vmNumber", value: voicemailNumber)

        // Directories: everyone reads the TWS users, the public contacts and their own private contacts; two outside
        // contacts to search for and to name incoming calls from their numbers.
        let directories = try await service.listDirectories(admin, domainId: domainId)
        for directory in directories {
            _ = try await service.grant(
                admin,
                AuthorizationRequest(objectType: .directory, objectId: directory.id!, granteeType: .group, granteeId: all.id!)
            )
        }
        if let contacts = directories.first(where: { $0.source == .twsPublic }) {
            for (last, first, company, number) in [
                ("Lemaire", "Sophie", "Acme Transports", "+33 1 55 17 18 89"), ("Nguyen", "Minh", "Atelier Nguyen", "+33 6 98 76 54 32"),
            ] {
                _ = try await services.directoryAdmin.createPublicContact(
                    admin,
                    directoryId: contacts.id!,
                    ContactChanges(lastName: last, firstName: first, company: company, phones: [ContactPhone(kind: .professional, number: number)])
                )
            }
        }
        if let users = directories.first(where: { $0.source == .twsUsers }) {
            _ = try await services.directoryAdmin.synchronise(admin, id: users.id!, wait: true)
        }
        // The Alerter card of the Support group (who hold TWS Alerter): AlerterXml defaults to default.xml.
        _ = try await services.alerter.putTemplate(admin, domainId: domainId, name: "default.xml", xml: alerterTemplate)

        // Call me back (issue 20): a Sales callback group, open every hour, and a portal key for the widget's demo page.
        _ = try await services.callbacks.create(
            admin,
            domainId: domainId,
            CallbackGroup(companyId: companyId, domainId: domainId, name: "Sales", device: callbackDevice, members: agents, hours: .always)
        )
        let key = try await services.apiKeys.create(
            admin,
            companyId: companyId,
            ApiKeyChanges(name: "Demo shop", scopes: [.callbacksCreate], allowedOrigins: [origin])
        )
        return key.secret
    }

    /// A card showing who calls (or that nobody knows the number), who diverted the call, a VIP line, and buttons
    /// searching the web for the caller and opening a mail to them.
    static let alerterTemplate = """
        <?xml version="1.0" encoding="UTF-8"?>
        <alerter vip="true">
          <text x="10" y="8">[-DisplayName-]</text>
          <text x="10" y="32">[-CompanyName-]</text>
          <text x="10" y="56">[-PhoneNumber-]</text>
          <text x="10" y="80" directory="none">Unknown caller</text>
          <text x="10" y="104">[-Contact2DisplayName-]</text>
          <image x="300" y="8">[-Picture-]</image>
          <button x="10" y="150" url="https://duckduckgo.com/?q=[-DisplayName-]">Search the web</button>
          <button x="150" y="150" url="mailto:[-Email1-]">Write a mail</button>
        </alerter>
        """
}
