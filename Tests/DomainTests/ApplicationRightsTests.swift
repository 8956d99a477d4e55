import Domain
import Foundation
import Testing

/// The user operations of the Domain services and the applications each needs (issue 19): the table the contract's
/// `x-tws-application` states, checked here against what the services enforce.
enum ApplicationOperation: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case makeCall, callVoicemail, answerCall, pickUpCall, setDoNotDisturb, getForwarding, setForwarding
    case listMyDevices, getDeviceLine, devicePresence, userPresences, setMyPresence
    case listCallLogs
    case searchDirectory, lookupNumber, getContact, listPrivateContacts, listContactLists
    case listRules, getRule, setRuleOrder, listSharedRules, testRules

    var testDescription: String { rawValue }

    var need: ApplicationNeed {
        switch self {
        case .listRules, .getRule, .setRuleOrder, .listSharedRules, .testRules: .simpleRules
        default: .telephony
        }
    }

    func run(_ w: ApplicationRightsWorld, _ principal: UserPrincipal) async throws {
        switch self {
        case .makeCall: _ = try await w.calls.makeCall(principal, device: nil, number: "1002")
        case .callVoicemail: _ = try await w.calls.callVoicemail(principal, device: nil)
        case .answerCall: try await w.calls.answer(principal, callId: "no-such-call", device: nil)
        case .pickUpCall: _ = try await w.calls.pickUp(principal, ringingDevice: "1002", callId: nil, device: nil)
        case .setDoNotDisturb: try await w.calls.setDoNotDisturb(principal, device: nil, enabled: true)
        case .getForwarding: _ = try await w.calls.forwarding(principal, device: nil)
        case .setForwarding:
            _ = try await w.calls.setForwarding(
                principal,
                device: nil,
                setting: ForwardingSetting(kind: .immediate, enabled: false, destination: nil)
            )
        case .listMyDevices: _ = try await w.presence.lines(principal)
        case .getDeviceLine: _ = try await w.presence.visibleLine(principal, device: "1001")
        case .devicePresence: _ = try await w.presence.devicePresence(principal)
        case .userPresences: _ = try await w.presence.userPresences(principal)
        case .setMyPresence: _ = try await w.presence.setUserPresence(principal, status: .busy, message: nil)
        case .listCallLogs: _ = try await w.history.callLogs(principal, userId: nil, kind: nil, page: try PageRequest())
        case .searchDirectory: _ = try await w.directories.search(principal, try ContactSearch(text: "anyone"))
        case .lookupNumber: _ = try await w.directories.lookup(principal, number: "0155000000")
        case .getContact: _ = try await w.directories.contact(principal, id: 1)
        case .listPrivateContacts: _ = try await w.directories.privateContacts(principal)
        case .listContactLists: _ = try await w.directories.contactLists(principal)
        case .listRules: _ = try await w.rules.rules(principal)
        case .getRule: _ = try await w.rules.rule(principal, id: 1)
        case .setRuleOrder: _ = try await w.rules.setRuleOrder(principal, ids: [])
        case .listSharedRules: _ = try await w.rules.sharedRules(principal)
        case .testRules: _ = try await w.rules.explain(principal, RuleTest(callerNumber: "0155000000"))
        }
    }
}

/// A tenant with Caller, Toolkit and Rules licences, a user with a device and no application, and the services.
struct ApplicationRightsWorld {
    let world: World
    let domain: CompanyDomain
    let user: User
    let principal: UserPrincipal
    let calls: CallControl
    let presence: PresenceService
    let history: CallHistory
    let directories: DirectoryService
    let rules: RuleService

    init() async throws {
        world = try await World()
        (_, domain) = try await world.tenant("Acme", licences: [.caller: 5, .toolkit: 5, .rules: 5, .alerter: 5])
        user = try await world.user("alice", in: domain)
        _ = try await world.admin.createDevice(world.root, userId: user.id!, DeviceChanges(number: "1001"))
        principal = UserPrincipal(userId: user.id!, domainId: domain.id!, companyId: user.companyId, sessionTokenId: "t")
        let plans = DialingPlans(store: world.store)
        let publisher = RecordingPublisher()
        let events = CallEventPipeline(publisher: publisher, callLogs: CallLogWriter(store: world.store, publisher: publisher), plans: plans)
        calls = CallControl(store: world.store, gateway: RecordingGateway(), events: events, plans: plans)
        presence = PresenceService(store: world.store, events: events, publisher: publisher)
        history = CallHistory(store: world.store)
        directories = DirectoryService(store: world.store, plans: plans)
        rules = RuleService(store: world.store, gateway: RecordingGateway(), events: events, plans: plans, callerNames: nil)
    }

    /// Grants `application` to a group the user is in.
    func grantThroughGroup(_ application: Application) async throws {
        let group = try await world.group("\(application.rawValue) users", in: domain, members: [user])
        _ = try await world.admin.grant(
            world.root,
            AuthorizationRequest(objectType: .application, application: application, granteeType: .group, granteeId: group.id!)
        )
    }
}

@Suite struct ApplicationRightsTests {
    @Test(arguments: ApplicationOperation.allCases)
    func withoutTheApplicationTheOperationIsRefused(_ operation: ApplicationOperation) async throws {
        let w = try await ApplicationRightsWorld()
        let error = await domainError { try await operation.run(w, w.principal) }
        #expect(error?.code == "application_not_authorized")
        #expect(error?.kind == .forbidden)
    }

    @Test(arguments: ApplicationOperation.allCases)
    func anyApplicationOfTheNeedGrantedThroughAGroupLetsTheOperationPass(_ operation: ApplicationOperation) async throws {
        for application in operation.need.applications.sorted(by: { $0.rawValue < $1.rawValue }) {
            let w = try await ApplicationRightsWorld()
            try await w.grantThroughGroup(application)
            // Past the check, the operation may still fail for its own reasons (no such call, contact or rule).
            let error = await domainError { try await operation.run(w, w.principal) }
            #expect(error?.code != "application_not_authorized", "\(application.rawValue): \(String(describing: error))")
        }
    }

    @Test(arguments: ApplicationOperation.allCases)
    func anAPIKeyActingForTheUserCountsAsToolkit(_ operation: ApplicationOperation) async throws {
        let w = try await ApplicationRightsWorld()
        var key = w.principal
        key.apiKeyId = 7
        let acting = key
        let error = await domainError { try await operation.run(w, acting) }
        #expect(error?.code != "application_not_authorized", "\(String(describing: error))")
    }

    @Test func anotherApplicationDoesNotStandInForTheOneNeeded() async throws {
        let w = try await ApplicationRightsWorld()
        try await w.grantThroughGroup(.alerter)
        let error = await domainError { _ = try await w.calls.makeCall(w.principal, device: nil, number: "1002") }
        #expect(error?.code == "application_not_authorized")
        // An API key is a Toolkit licence, not an Alerter one (a user holding nothing).
        let bare = try await ApplicationRightsWorld()
        var key = bare.principal
        key.apiKeyId = 7
        let acting = key
        let alerter = await domainError {
            try await bare.world.store.read { tx in try ApplicationAccess.require(.alerter, principal: acting, tx) }
        }
        #expect(alerter?.code == "application_not_authorized")
    }

    @Test func needsNameTheirApplications() {
        #expect(ApplicationNeed.telephony.applications == [.caller, .toolkit])
        #expect(ApplicationNeed.simpleRules.applications == [.caller, .toolkit, .rules])
        #expect(ApplicationNeed.advancedRules.applications == [.rules])
        #expect(ApplicationNeed.callbacks.applications == [.portal])
        #expect(ApplicationNeed.statistics.applications == [.stats, .statsAdmin])
        #expect(ApplicationNeed.telephony.description == "TWS Caller or TWS Toolkit")
    }
}
