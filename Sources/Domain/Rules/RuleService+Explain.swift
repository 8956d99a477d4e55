import Foundation

/// The explain endpoint (issue 18, admin guide 9.6): what a user's rules would do with a call, followed through
/// colleagues' rules and PBX forwards to where the call ends, with the CIRCULARLEVEL loop check. Nothing is forwarded.
extension RuleService {
    /// The longest walk through colleagues' forwards before the explanation stops following.
    static let maximumHops = 10

    /// Explains a call to the signed-in user.
    public func explain(_ principal: UserPrincipal, _ request: RuleTest) async throws -> RuleExplanation {
        _ = try await store.read { tx in try Self.signedIn(principal, tx) }
        return try await explain(userId: principal.userId, request)
    }

    /// Explains a call to a user of one of the administrator's companies (404 for anyone else).
    public func explain(_ admin: AdminPrincipal, userId: Int64, request: RuleTest) async throws -> RuleExplanation {
        try admin.requireReady()
        _ = try await store.read { tx in try admin.visible(tx.user(id: userId), "User") }
        return try await explain(userId: userId, request)
    }

    /// What happened at one device of the walk.
    struct ExplainedHop {
        var user: User
        var device: String
        var parameters: RuleParameters
        var context: RuleCallContext
        var callerName: String?
        var timeZone: String
        var decision: RuleExplainer.Decision
        /// The number the forward dials, after the dialing plan (nil when it rings, or the destination is unknown).
        var dialled: String?
        /// The company device the forward reaches, and its owner (nil for an outside number).
        var next: Device?
    }

    func explain(userId: Int64, _ request: RuleTest) async throws -> RuleExplanation {
        try RuleValidation.checkTest(request)
        let time = request.time ?? now()
        let device = try await store.read { tx -> String in
            guard try tx.user(id: userId) != nil else { throw DomainError.notFound("User") }
            let own = try tx.devices(userId: userId).map(\.number)
            if let device = request.device {
                guard own.contains(device) else { throw DomainError.notFound("Device") }
                return device
            }
            guard let first = own.first else { throw DomainError.conflict(code: "no_device", "The user has no device") }
            return first
        }
        let first = try await hop(userId: userId, device: device, request: request, time: time, overriding: true)
        var chain: [RuleExplanation.Hop] = []
        var visited: [String] = []
        var decision: RuleExplanation.Decision = first.decision.forward == nil ? .ring : .forward
        var finalDestination: String?
        var current = first
        while true {
            chain.append(Self.hop(current))
            visited.append(current.device)
            guard current.decision.forward != nil, let dialled = current.dialled else {
                finalDestination = current.device
                break
            }
            guard let next = current.next else {
                // An outside number: the walk ends there.
                chain.append(RuleExplanation.Hop(device: dialled))
                finalDestination = dialled
                break
            }
            if let index = visited.firstIndex(of: next.number) {
                chain.append(RuleExplanation.Hop(device: next.number, userId: next.userId))
                // admin guide 9.6.2 CIRCULARLEVEL: a chain coming back within that many forwards is not executed.
                let forwards = visited.count - index
                let level = first.parameters.circularLevel
                if level > 0 && forwards <= level { decision = .loop }
                break
            }
            guard visited.count < Self.maximumHops else {
                chain.append(RuleExplanation.Hop(device: next.number, userId: next.userId))
                finalDestination = next.number
                break
            }
            current = try await hop(userId: next.userId, device: next.number, request: request, time: time, overriding: false)
        }
        // Devices met again (a loop) or past the cap are named like the others.
        let unnamed = chain.compactMap { $0.userName == nil ? $0.userId : nil }
        if !unnamed.isEmpty {
            let names = try await store.read { tx in
                try unnamed.reduce(into: [Int64: String]()) { names, id in names[id] = try tx.user(id: id)?.displayName }
            }
            for index in chain.indices where chain[index].userName == nil {
                chain[index].userName = chain[index].userId.flatMap { names[$0] }
            }
        }
        return RuleExplanation(
            decision: decision,
            rule: first.decision.fired,
            type: first.decision.forward?.type,
            waitSeconds: first.decision.forward?.waitSeconds,
            destination: first.dialled,
            steps: first.decision.steps,
            chain: chain,
            finalDestination: decision == .loop ? nil : finalDestination,
            context: RuleExplanation.Context(
                callerNumber: first.context.callerNumber,
                callerIsInternal: first.context.callerIsInternal,
                callerName: first.callerName,
                vip: first.context.callerIsVip,
                time: time,
                timeZone: first.timeZone,
                presence: first.context.presence,
                deviceBusy: first.context.deviceBusy,
                device: first.device
            )
        )
    }

    /// The chain's entry for a device: who it is, and what sends the call on from there.
    static func hop(_ hop: ExplainedHop) -> RuleExplanation.Hop {
        let forward = hop.decision.forward
        return RuleExplanation.Hop(
            device: hop.device,
            userId: hop.user.id,
            userName: hop.user.displayName,
            ruleId: forward?.rule?.id,
            ruleName: forward?.rule?.name,
            via: forward?.via,
            type: forward?.type
        )
    }

    /// Evaluates the call at `device` of `userId`: the request's presence and device state apply to the called user
    /// only (`overriding`); colleagues further on are taken as they are now.
    func hop(userId: Int64, device: String, request: RuleTest, time: Date, overriding: Bool) async throws -> ExplainedHop {
        let (user, domain) = try await store.read { tx -> (User, CompanyDomain) in
            guard let user = try tx.user(id: userId) else { throw DomainError.notFound("User") }
            guard let domain = try tx.domain(id: user.domainId) else { throw DomainError.notFound("Domain") }
            return (user, domain)
        }
        let plan = try? await plans.plan(domainId: user.domainId)
        let reverse = plan?.reverse(request.callerNumber)
        let callerNumber = reverse.map { $0.number.isEmpty ? request.callerNumber : $0.number } ?? request.callerNumber
        let identity = await callerNames?.callerIdentity(domainId: user.domainId, device: device, number: callerNumber)
        let line = events.line(domainId: user.domainId, device: device)
        let lineBusy = line?.calls.contains { [.connected, .held, .initiated].contains($0.state) } ?? false
        let moment = now()
        // Issue 21: the user's calendar at the tested time, as the rule engine reads it when a call comes.
        let inCalendarEvent = calendar?.inEvent(userId: userId, at: time) ?? false
        return try await store.read { tx in
            let parameters = try RuleParameters.of(user, tx)
            let presence = try (overriding ? request.presence : nil) ?? RulePresence.current(userId: userId, at: moment, tx)
            var directories = Set<Int64>()
            if let identity {
                directories.insert(identity.card.directoryId)
                let names = Set(identity.foundIn)
                for directory in try tx.directories(domainId: user.domainId) where names.contains(directory.name) {
                    if let id = directory.id { directories.insert(id) }
                }
            }
            let context = RuleCallContext(
                callerNumber: callerNumber,
                callerIsInternal: reverse?.isInternal ?? false,
                callerDirectories: directories,
                callerIsVip: identity?.card.vip ?? false,
                presence: presence,
                inCalendarEvent: inCalendarEvent,
                deviceBusy: (overriding ? request.deviceBusy : nil) ?? lineBusy,
                time: time,
                timeZone: domain.zone
            )
            var decision = RuleExplainer.decide(
                rules: try EffectiveRules.of(userId: userId, tx),
                createOnly: parameters.createOnly,
                pbxForwarding: line?.forwarding ?? [:],
                call: context,
                waitNoReply: parameters.waitNoReply,
                waitNoReplyPBX: parameters.waitNoReplyPBX
            )
            var dialled: String?
            var next: Device?
            if let forward = decision.forward {
                switch try Self.resolve(forward.target, user: user, parameters: parameters, plan: plan, tx) {
                case .success(let (number, device)):
                    (dialled, next) = (number, device)
                case .failure(let why):
                    // The rule applies but leads nowhere: the engine forwards nothing and the call rings.
                    decision.forward = nil
                    if var fired = decision.fired {
                        fired.reason += ", but \(why): the call rings as usual"
                        decision.fired = fired
                        if !decision.steps.isEmpty { decision.steps[decision.steps.count - 1] = fired }
                    }
                }
            }
            return ExplainedHop(
                user: user,
                device: device,
                parameters: parameters,
                context: context,
                callerName: identity?.name,
                // The identifier as stored (Foundation may spell UTC as GMT).
                timeZone: TimeZone(identifier: domain.timeZone) == nil ? "UTC" : domain.timeZone,
                decision: decision,
                dialled: dialled,
                next: next
            )
        }
    }

    /// The number a forward dials and the company device it reaches (nil outside the company), or why it leads nowhere.
    static func resolve(
        _ target: RuleExplainer.Target,
        user: User,
        parameters: RuleParameters,
        plan: DialingPlan?,
        _ tx: any StoreTransaction
    ) throws -> Result<(String, Device?), RuleExplanationFailure> {
        func device(_ number: String) throws -> Device? {
            if let device = try tx.device(domainId: user.domainId, number: number) { return device }
            guard let shown = plan?.reverse(number).number, shown != number, !shown.isEmpty else { return nil }
            return try tx.device(domainId: user.domainId, number: shown)
        }
        func dial(_ number: String) -> String {
            (try? plan?.transform(number).number) ?? number
        }
        switch target {
        case .pbx(let number):
            return .success((number, try device(number)))
        case .rule(let destination):
            switch destination.kind {
            case .colleague:
                guard let colleagueId = destination.userId, let colleague = try tx.user(id: colleagueId), colleague.companyId == user.companyId,
                    let first = try tx.devices(userId: colleagueId).first
                else { return .failure(RuleExplanationFailure("the colleague has no device")) }
                return .success((first.number, first))
            case .number:
                guard let number = destination.number, !number.isEmpty else { return .failure(RuleExplanationFailure("the rule has no number")) }
                return .success((dial(number), try device(number)))
            case .voicemail:
                guard !parameters.voicemail.isEmpty else { return .failure(RuleExplanationFailure("no voicemail number (vmNumber) is set")) }
                return .success((dial(parameters.voicemail), try device(parameters.voicemail)))
            }
        }
    }
}

/// Why a rule's destination cannot be dialled (explain says so in the rule's reason).
struct RuleExplanationFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
