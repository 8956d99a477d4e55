import Auth
import Domain
import Foundation
import SOAP

/// The SOAP twin of `GET /api/v1/statistics` (issue 21): the same service, rights and answers.
extension SOAPBinding {
    func getStatistics(_ payload: SOAPElement) async throws -> SOAPElement {
        let granularity = try payload.string("granularity").map { text throws(DomainError) in
            guard let value = StatisticsGranularity(rawValue: text) else { throw DomainError.invalid(field: "granularity", "Unknown granularity") }
            return value
        }
        let query = try StatisticsQuery(
            userId: try payload.optionalLong("userId"),
            groupId: try payload.optionalLong("groupId"),
            from: payload.string("from") ?? "",
            to: payload.string("to") ?? "",
            granularity: granularity ?? .day
        )
        let report = try await statistics.report(try Caller.current.user(), query)
        return SOAPElement(
            "GetStatisticsResponse",
            children: [
                .leaf("granularity", report.granularity.rawValue), .leaf("from", report.from.description), .leaf("to", report.to.description),
                .leaf("timeZone", report.timeZone), .leaf("groupId", report.groupId), SOAPElement("total", children: Self.figures(report.total)),
            ] + report.buckets.map { SOAPElement("bucket", children: Self.bucket($0)) }
                + report.users.map { user in
                    SOAPElement(
                        "user",
                        children: [
                            .leaf("userId", user.userId), .leaf("username", user.username), .leaf("firstName", user.firstName),
                            .leaf("lastName", user.lastName), SOAPElement("total", children: Self.figures(user.total)),
                        ] + user.buckets.map { SOAPElement("bucket", children: Self.bucket($0)) }
                    )
                }
        )
    }

    /// tws:StatisticsFigures.
    static func figures(_ f: CallFigures) -> [SOAPElement?] {
        [
            .leaf("calls", f.calls), .leaf("incoming", f.incoming), .leaf("outgoing", f.outgoing), .leaf("missed", f.missed),
            .leaf("answered", f.answered), .leaf("outgoingConnected", f.outgoingConnected), .leaf("talkSeconds", f.talkSeconds),
            .leaf("averageTalkSeconds", f.averageTalkSeconds.map { String($0) }),
            .leaf("averageAnswerSeconds", f.averageAnswerSeconds.map { String($0) }),
        ]
    }

    /// tws:StatisticsBucket.
    static func bucket(_ b: StatisticsBucket) -> [SOAPElement?] {
        [.leaf("day", b.day.description), .leaf("hour", b.hour), .leaf("start", b.start), SOAPElement("figures", children: Self.figures(b.figures))]
    }
}
