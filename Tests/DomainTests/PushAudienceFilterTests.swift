import Domain
import Foundation
import Testing

/// Who receives what: an administrator's filter admits supervision events only; a missed call on an intercom line
/// reaches the group's supervisors, not those who merely see the device.
@Suite struct PushAudienceFilterTests {
    static let audiences: [PushAudience] = [
        .device("2001"), .user(1), .domain, .directory(5), .intercom("2001"), .secretaries("2001"), .owner("2001"),
    ]

    @Test func aVoicemailLampReachesTheLinesOwnersNotColleaguesWhoSeeTheLine() {
        let owner = PushAudienceFilter(userId: 1, domainId: 1, visibleDevices: ["2001"], ownDevices: ["2001"])
        let colleague = PushAudienceFilter(userId: 2, domainId: 1, visibleDevices: ["2001"], supervisedDevices: ["2001"])
        #expect(owner.admits(.owner("2001"), type: .messageWaiting))
        #expect(!colleague.admits(.owner("2001"), type: .messageWaiting))
        #expect(colleague.admits(.device("2001"), type: .forwarding))
        #expect(!owner.admits(.owner("2002"), type: .messageWaiting))
    }

    @Test func anAdministratorReceivesLinkAndQueueAlertsWhateverTheirAudienceAndNothingElse() {
        let admin = PushAudienceFilter.administrator(domainId: 1)
        for audience in Self.audiences {
            for type in PushEventType.allCases {
                #expect(admin.admits(audience, type: type) == (type == .link || type == .supervisionAlert), "\(audience) \(type)")
            }
        }
    }

    @Test func aMissedCallOnAnIntercomLineReachesItsSupervisorsNotThoseWhoOnlySeeTheDevice() {
        let supervisor = PushAudienceFilter(userId: 1, domainId: 1, visibleDevices: ["2001"], supervisedDevices: ["2001"])
        let queueAgent = PushAudienceFilter(userId: 2, domainId: 1, visibleDevices: ["2001"])
        #expect(supervisor.admits(.intercom("2001"), type: .missedCall))
        #expect(!queueAgent.admits(.intercom("2001"), type: .missedCall))
        #expect(!supervisor.admits(.intercom("2002"), type: .missedCall))
        // A user's filter goes by audience: the same event type reaches whoever the audience names.
        #expect(queueAgent.admits(.device("2001"), type: .call) && queueAgent.admits(.domain, type: .link))
    }

    @Test func aSecretaryReceivesTheBossesCallEventsOnceAsTheSecretariesCopyAndTheirPresenceAsDeviceEvents() {
        let secretary = PushAudienceFilter(userId: 1, domainId: 1, visibleDevices: ["2001", "3001"], bossDevices: ["3001"])
        let boss = PushAudienceFilter(userId: 2, domainId: 1, visibleDevices: ["3001"])
        // admin guide 9.1.7: the secretary's copy, named for them, instead of the boss's own.
        #expect(secretary.admits(.secretaries("3001"), type: .call))
        #expect(!secretary.admits(.device("3001"), type: .call))
        #expect(secretary.admits(.device("3001"), type: .devicePresence) && secretary.admits(.device("3001"), type: .forwarding))
        #expect(secretary.admits(.device("2001"), type: .call))
        #expect(boss.admits(.device("3001"), type: .call))
        #expect(!boss.admits(.secretaries("3001"), type: .call))
    }

    @Test func anAdministratorsSubscriptionReplaysOnlyTheSupervisionEventsOfTheDomain() async throws {
        let bus = EventBus()
        let time = Date(timeIntervalSince1970: 1_800_000_000)
        bus.publish(
            domainId: 1,
            audience: .device("2001"),
            event: PushEvent(type: .call, time: time, call: .init(event: "delivered", callId: "c", device: "2001", state: .alerting))
        )
        bus.publish(domainId: 1, audience: .domain, event: PushEvent(type: .link, time: time, link: .init(linkId: 3, domainId: 1, connected: false)))
        bus.publish(domainId: 1, audience: .domain, event: PushEvent(type: .userPresence, time: time))
        bus.publish(domainId: 2, audience: .domain, event: PushEvent(type: .link, time: time, link: .init(linkId: 4, domainId: 2, connected: false)))
        let result = try await bus.poll(domainId: 1, after: 0, filter: .administrator(domainId: 1), timeout: .zero)
        #expect(result.events.map(\.seq) == [2])
        #expect(result.events.first?.link?.linkId == 3)
        #expect(result.next == 3)
    }
}
