/// Load mode: calls between random pairs of devices at a steady rate, for benchmarks of the gateway.
///
/// Each call rings for a random time between `minimumRingTime` and `maximumRingTime`, is answered, lasts a random time
/// between `minimumDuration` and `maximumDuration`, and is hung up by the caller. Pairs are drawn among the devices that
/// are not in a call; a tick with no free pair is skipped. The switch's `SimulatorCounters` count what happened.
public struct SimulatorLoad: Sendable, Hashable {
    /// The devices calls are placed between (at least two).
    public var devices: [String]
    /// New calls per second.
    public var callsPerSecond: Double
    /// The shortest conversation.
    public var minimumDuration: Duration
    /// The longest conversation.
    public var maximumDuration: Duration
    /// The shortest ringing time before the callee answers.
    public var minimumRingTime: Duration
    /// The longest ringing time before the callee answers.
    public var maximumRingTime: Duration
    /// A seed for the random choices, to repeat a run exactly; nil draws one.
    public var seed: UInt64?

    /// Creates a load description.
    public init(
        devices: [String],
        callsPerSecond: Double,
        minimumDuration: Duration = .seconds(5),
        maximumDuration: Duration = .seconds(60),
        minimumRingTime: Duration = .milliseconds(200),
        maximumRingTime: Duration = .seconds(2),
        seed: UInt64? = nil
    ) {
        self.devices = devices
        self.callsPerSecond = callsPerSecond
        self.minimumDuration = minimumDuration
        self.maximumDuration = maximumDuration
        self.minimumRingTime = minimumRingTime
        self.maximumRingTime = maximumRingTime
        self.seed = seed
    }
}

extension PBXSwitch {
    /// Runs `load` until the calling task is cancelled, then hangs up the calls it placed that are still up.
    public nonisolated func runLoad(_ load: SimulatorLoad) async {
        guard load.devices.count >= 2, load.callsPerSecond > 0 else {
            return
        }
        var random = SimulatorRandom(seed: load.seed ?? UInt64.random(in: 0...UInt64.max))
        let interval = Duration.nanoseconds(Int64(1_000_000_000 / load.callsPerSecond))
        await withDiscardingTaskGroup { group in
            let clock = ContinuousClock()
            var deadline = clock.now
            while !Task.isCancelled {
                deadline += interval
                do {
                    try await Task.sleep(until: deadline, clock: clock)
                } catch {
                    break
                }
                var placed: (caller: ConnectionID, callee: String)?
                for _ in 0..<10 where placed == nil {
                    let caller = load.devices[Int.random(in: 0..<load.devices.count, using: &random)]
                    let callee = load.devices[Int.random(in: 0..<load.devices.count, using: &random)]
                    guard caller != callee else {
                        continue
                    }
                    placed = await placeLoadCall(from: caller, to: callee).map { ($0, callee) }
                }
                guard let placed else {
                    continue
                }
                let ring = Self.randomDuration(load.minimumRingTime, load.maximumRingTime, using: &random)
                let talk = Self.randomDuration(load.minimumDuration, load.maximumDuration, using: &random)
                group.addTask {
                    do {
                        try await Task.sleep(for: ring)
                        try? await self.answer(connection: ConnectionID(callID: placed.caller.callID, deviceID: placed.callee))
                        try await Task.sleep(for: talk)
                    } catch {
                        // Cancelled: the load stops; the call is cleared below.
                    }
                    try? await self.hangUp(connection: placed.caller)
                }
            }
        }
    }

    /// Places a load call when both devices are free; nil otherwise.
    private func placeLoadCall(from caller: String, to callee: String) -> ConnectionID? {
        guard !isBusy(caller), !isBusy(callee), connections(of: caller).isEmpty, connections(of: callee).isEmpty else {
            return nil
        }
        return try? placeCall(from: caller, to: callee)
    }

    /// A uniformly random duration between `minimum` and `maximum` (millisecond resolution).
    private static func randomDuration(_ minimum: Duration, _ maximum: Duration, using random: inout SimulatorRandom) -> Duration {
        let low = milliseconds(minimum)
        let high = max(low, milliseconds(maximum))
        return .milliseconds(Int64.random(in: low...high, using: &random))
    }

    /// A duration in whole milliseconds.
    private static func milliseconds(_ duration: Duration) -> Int64 {
        let parts = duration.components
        return parts.seconds * 1000 + parts.attoseconds / 1_000_000_000_000_000
    }
}

/// SplitMix64: a small seeded generator, so a load run can be repeated exactly.
struct SimulatorRandom: RandomNumberGenerator {
    private var state: UInt64

    /// Starts the sequence at `seed`.
    init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
