import Foundation

/// The simulated switch's numbering plan: which numbers are extensions, which are hunt groups, which go to the trunk.
///
/// Extensions are given as ranges (`1000...9999`, accepted on demand: no device needs declaring) and/or an explicit list.
/// A number that is not an extension or a queue is external (a trunk party) when it starts with `0` or `+` or is longer
/// than `internalLength` digits; any other number is unassigned, and calls to it fail with `destNotObtainable`.
public struct SimulatorNumbering: Sendable, Hashable {
    /// Ranges of extension numbers.
    public var extensionRanges: [ClosedRange<Int>]
    /// Extension numbers outside the ranges.
    public var extensionNumbers: Set<String>
    /// Hunt groups: the queue device number and the agents it rings, in order.
    public var queues: [String: [String]]
    /// How many digits an internal number has at most; longer numbers are external.
    public var internalLength: Int
    /// The voicemail system's number: it answers every call at once; a caller diverted there leaves a message for the
    /// device the call was diverted from, and an extension calling it directly hears (and so clears) its messages.
    public var voicemail: String?

    /// Creates a plan; by default every number from 1000 to 9999 is an extension and there is no queue.
    public init(
        extensionRanges: [ClosedRange<Int>] = [1000...9999],
        extensionNumbers: Set<String> = [],
        queues: [String: [String]] = [:],
        internalLength: Int = 4
    ) {
        self.extensionRanges = extensionRanges
        self.extensionNumbers = extensionNumbers
        self.queues = queues
        self.internalLength = internalLength
    }

    /// Parses a device list such as `1000-1999`, `1001,1002,1003` or `1000-1049,2000`.
    ///
    /// Returns nil when an item is neither a number nor a `low-high` range of numbers with low ≤ high.
    public init?(devices specification: String, queues: [String: [String]] = [:]) {
        var ranges: [ClosedRange<Int>] = []
        var numbers: Set<String> = []
        for item in specification.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
            if bounds.count == 2 {
                guard let low = Int(bounds[0]), let high = Int(bounds[1]), low <= high, low >= 0 else {
                    return nil
                }
                ranges.append(low...high)
            } else if item.allSatisfy(Self.isDigit) {
                numbers.insert(item)
            } else {
                return nil
            }
        }
        guard !ranges.isEmpty || !numbers.isEmpty else {
            return nil
        }
        let longest = (ranges.map { String($0.upperBound).count } + numbers.map(\.count)).max() ?? 4
        self.init(extensionRanges: ranges, extensionNumbers: numbers, queues: queues, internalLength: longest)
    }

    /// What a dialled number reaches.
    public enum Kind: Sendable, Hashable {
        /// An extension of this switch.
        case `extension`
        /// A hunt group that rings its agents.
        case queue(agents: [String])
        /// The voicemail system.
        case voicemail
        /// A party beyond the trunk.
        case external
        /// A well-formed internal number that no device has.
        case unassigned
        /// Not a dialable number (empty, or characters other than digits and a leading `+`).
        case invalid
    }

    /// What `number` reaches.
    public func kind(of number: String) -> Kind {
        let digits = number.hasPrefix("+") ? number.dropFirst() : Substring(number)
        guard !digits.isEmpty, digits.allSatisfy(Self.isDigit) else {
            return .invalid
        }
        if number == voicemail {
            return .voicemail
        }
        if let agents = queues[number] {
            return .queue(agents: agents)
        }
        if isExtension(number) {
            return .extension
        }
        if number.hasPrefix("+") || number.hasPrefix("0") || number.count > internalLength {
            return .external
        }
        return .unassigned
    }

    /// Whether `number` is an extension of the plan.
    public func isExtension(_ number: String) -> Bool {
        if extensionNumbers.contains(number) {
            return true
        }
        // A leading zero never names an extension: "01000" is a trunk number, not extension 1000.
        guard !number.hasPrefix("0") || number == "0", number.allSatisfy(Self.isDigit), let value = Int(number) else {
            return false
        }
        return extensionRanges.contains { $0.contains(value) }
    }

    /// The first `count` extensions of the plan, in order (explicit numbers first), for scenarios and load mode.
    public func sampleExtensions(_ count: Int) -> [String] {
        var result = extensionNumbers.sorted()
        for range in extensionRanges where result.count < count {
            var value = range.lowerBound
            while value <= range.upperBound, result.count < count {
                let number = String(value)
                if !result.contains(number), queues[number] == nil, number != voicemail {
                    result.append(number)
                }
                value += 1
            }
        }
        return Array(result.prefix(count))
    }

    /// Whether `character` is one of the ASCII digits 0–9 (not any Unicode number).
    private static func isDigit(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue else {
            return false
        }
        return ascii >= UInt8(ascii: "0") && ascii <= UInt8(ascii: "9")
    }
}

extension CSTADeviceID {
    /// The identifier of a number the switch writes in an event; nil for nil (an unknown party).
    init?(_ number: String?) {
        guard let number else {
            return nil
        }
        self.init(parsing: number)
    }
}
