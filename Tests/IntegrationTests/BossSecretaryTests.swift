import Foundation
import HummingbirdTesting
import Synchronization
import Telephony
import Testing

@testable import Server

/// The boss/secretary split (issue 18, admin guide 9.1.7): bob is a boss (group "Bosses"); alice holds
/// `AuthorizeSupervisionInformation` on that group, carol only `AuthorizeShareRulesGroup`. bob's directory (the
/// public one) names the caller "Claire Martin"; the intercom group "Secretariat"'s directory (a CSV export) names the
/// same number "Zoe Secret".
@Suite("Boss and secretary", .serialized)
struct BossSecretaryTests {
    static let external = "0612345678"

    static func run(style: SimulatorStyle = .plain, namingGroup: Bool, _ test: @Sendable @escaping (TelephonyWorld) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tws-secretary-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("id;nom;prenom;gsm\nz-1;Secret;Zoe;+33 6 12 34 56 78\n".utf8).write(to: folder.appendingPathComponent("secretariat.csv"))
        try await TelephonyWorld.run(
            style: style,
            app: { $0.csvImportFolder = folder.path },
            setUp: { client, admin, domainId, users in
                let bosses = try await client.createGroup(domainId: domainId, name: "Bosses", token: admin)
                _ = try await client.addMember(groupId: bosses, userId: users["bob"]!, token: admin)
                for (user, name) in [("alice", "AuthorizeSupervisionInformation"), ("carol", "AuthorizeShareRulesGroup")] {
                    let set = try await client.setParameter(scope: "user", scopeId: users[user]!, application: "Caller", name: name, value: "Bosses", token: admin)
                    #expect(set.status.code < 300)
                }
                // bob's own directory.
                let directories = try await client.must(.get, "/api/v1/admin/domains/\(domainId)/directories", token: admin).items()
                let publicId = try #require(directories.first { $0.string("source") == "TwsPublic" }?.int64("id"))
                _ = try await client.create(
                    "/api/v1/admin/directories/\(publicId)/contacts",
                    token: admin,
                    json: #"{"lastName":"Martin","firstName":"Claire","phones":[{"kind":"mobile","number":"+33 6 12 34 56 78"}]}"#
                )
                try await client.grant("directory", publicId, to: "user", users["bob"]!, token: admin)
                // The secretariat's directory, read through its intercom group.
                let secretariat = try await client.create(
                    "/api/v1/admin/domains/\(domainId)/intercom-groups",
                    token: admin,
                    json: #"{"name":"Secretariat","devices":[{"number":"1098"}]}"#
                )
                let csvId = try await client.create(
                    "/api/v1/admin/domains/\(domainId)/directories",
                    token: admin,
                    json: #"{"name":"Secretariat list","source":"Csv","kind":"public","priority":30,"#
                        + #""connection":{"csv":{"path":"secretariat.csv","headerRow":true,"delimiter":";","encoding":"UTF-8"}},"#
                        + #""fieldMap":{"fields":{"id":"id","lastName":"nom","firstName":"prenom","mobilePhone":"gsm"}},"synchronization":{"mode":"manual"}}"#
                )
                let report = try await client.must(.post, "/api/v1/admin/directories/\(csvId)/sync?wait=true", token: admin).json()
                try #require(report.string("state") == "succeeded", "\(report)")
                try await client.grant("directory", csvId, to: "intercomGroup", secretariat, token: admin)
                if namingGroup {
                    let set = try await client.setParameter(
                        scope: "domain",
                        scopeId: domainId,
                        application: "Caller",
                        name: "SupervisionInformationGroup",
                        value: "Secretariat",
                        token: admin
                    )
                    #expect(set.status.code < 300)
                }
            },
            test
        )
    }

    @Test
    func onlyAuthorizeSupervisionInformationRevealsTheBossesCallEvents() async throws {
        try await Self.run(namingGroup: false) { w in
            let alice = try await w.subscribe("alice")
            let carol = try await w.subscribe("carol")
            _ = try await w.simulator.placeCall(from: Self.external, to: "1002")
            let secretary = try await collect(alice) { $0.callSteps.contains("delivered@1002") }
            #expect(secretary.callSteps.filter { $0 == "delivered@1002" }.count == 1)
            // Without a naming group the secretary sees the caller as the boss's directories name them.
            #expect(secretary.compactMap(\.call).first { $0.device == "1002" }?.peerName?.contains("Claire") == true)
            // carol's own call comes after bob's on the same channel: by then bob's would have reached her.
            _ = try await w.simulator.placeCall(from: "0698765432", to: "1003")
            let shared = try await collect(carol) { $0.callSteps.contains("delivered@1003") }
            #expect(!shared.contains { $0.call?.device == "1002" || $0.devicePresence?.device == "1002" })
        }
    }

    @Test(arguments: SimulatorStyle.allCases)
    func theSecretaryGetsCallersNamedThroughTheSupervisionInformationGroupAndTheBossThroughTheirOwnDirectories(style: SimulatorStyle) async throws {
        try await Self.run(style: style, namingGroup: true) { w in
            let alice = try await w.subscribe("alice")
            let bob = try await w.subscribe("bob")
            _ = try await w.simulator.placeCall(from: Self.external, to: "1002")
            let secretary = try await collect(alice) { $0.callSteps.contains("delivered@1002") }
            let boss = try await collect(bob) { $0.callSteps.contains("delivered@1002") }
            let seenBySecretary = try #require(secretary.compactMap(\.call).first { $0.device == "1002" && $0.event == "delivered" })
            let seenByBoss = try #require(boss.compactMap(\.call).first { $0.device == "1002" && $0.event == "delivered" })
            #expect(seenBySecretary.peerName?.contains("Zoe") == true, "\(seenBySecretary.peerName ?? "-")")
            #expect(seenByBoss.peerName?.contains("Claire") == true, "\(seenByBoss.peerName ?? "-")")
            #expect(secretary.callSteps.filter { $0 == "delivered@1002" }.count == 1)
        }
    }
}
