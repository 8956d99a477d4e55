import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// One metric family of the Prometheus text exposition format (version 0.0.4).
public struct MetricFamily: Sendable, Equatable {
    public enum Kind: String, Sendable { case counter, gauge }

    /// One sample: label pairs in the order given, and the value.
    public struct Sample: Sendable, Equatable {
        public var labels: [Label]
        public var value: Double

        public init(_ value: Double, labels: [Label] = []) {
            self.labels = labels
            self.value = value
        }
    }

    public struct Label: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public var name: String
    public var help: String
    public var kind: Kind
    public var samples: [Sample]

    public init(_ name: String, _ kind: Kind, help: String, samples: [Sample]) {
        self.name = name
        self.help = help
        self.kind = kind
        self.samples = samples
    }

    public init(_ name: String, _ kind: Kind, help: String, value: Double) {
        self.init(name, kind, help: help, samples: [Sample(value)])
    }

    /// The families as the text Prometheus scrapes.
    public static func render(_ families: [MetricFamily]) -> String {
        var text = ""
        for family in families {
            text += "# HELP \(family.name) \(family.help.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n"))\n"
            text += "# TYPE \(family.name) \(family.kind.rawValue)\n"
            for sample in family.samples {
                text += family.name
                if !sample.labels.isEmpty {
                    text += "{" + sample.labels.map { "\($0.name)=\"\(escape($0.value))\"" }.joined(separator: ",") + "}"
                }
                text += " \(format(sample.value))\n"
            }
        }
        return text
    }

    private static func escape(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    private static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}

/// Answers on port 8000, counted by status class for `tws_http_requests_total`.
public final class HTTPRequestCounters: Sendable {
    private let classes = Mutex<[UInt64]>([0, 0, 0, 0, 0])

    public init() {}

    func count(status: Int) {
        let index = min(max(status / 100, 1), 5) - 1
        classes.withLock { $0[index] &+= 1 }
    }

    /// Requests answered so far, by status class ("1xx" … "5xx").
    public var byClass: [(String, UInt64)] {
        let values = classes.withLock { $0 }
        return values.enumerated().map { ("\($0.offset + 1)xx", $0.element) }
    }
}

/// `GET /metrics`: the server's counters for Prometheus.
///
/// Who may read them: with a configured token (`TWS_METRICS_TOKEN`), a scraper sending it as a bearer token, from
/// anywhere; without one, only clients on the loopback interface. The figures carry no names, numbers or other
/// tenant data, only counts and link/domain ids.
public struct MetricsEndpoint: Sendable {
    public let token: String?
    public let requests: HTTPRequestCounters
    public let collect: @Sendable () async -> [MetricFamily]

    public init(token: String?, requests: HTTPRequestCounters = HTTPRequestCounters(), collect: @escaping @Sendable () async -> [MetricFamily]) {
        self.token = token.flatMap { $0.isEmpty ? nil : $0 }
        self.requests = requests
        self.collect = collect
    }

    /// Whether a request with these headers, from this peer, may read the metrics.
    func allows(authorization: String?, peer: SocketAddress?) -> Bool {
        if let token {
            guard let authorization, authorization.hasPrefix("Bearer ") else { return false }
            return Self.constantTimeEqual(Array(authorization.dropFirst(7).utf8), Array(token.utf8))
        }
        guard let peer else { return false }
        switch peer {
        case .v4(let address): return address.address.sin_addr.s_addr.bigEndian >> 24 == 127
        case .v6: return peer.ipAddress == "::1" || peer.ipAddress?.hasPrefix("::ffff:127.") == true
        case .unixDomainSocket: return true
        }
    }

    private static func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}

/// Counts every answer of port 8000 by status class (problems included: it sits outside the problem middleware's
/// view of errors, so a thrown HTTPError is counted with its status).
struct RequestCountingMiddleware<Context: RequestContext>: RouterMiddleware {
    let counters: HTTPRequestCounters

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            counters.count(status: response.status.code)
            return response
        } catch let error as any HTTPResponseError {
            counters.count(status: error.status.code)
            throw error
        } catch {
            counters.count(status: 500)
            throw error
        }
    }
}
