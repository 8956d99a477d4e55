import API
import Auth
import Domain
import Foundation
import OpenAPIRuntime

/// Users' call statistics (issue 21): JSON, or CSV when the client asks for `text/csv`.
extension TWSAPI {
    package func getStatistics(_ input: Operations.GetStatistics.Input) async throws -> Operations.GetStatistics.Output {
        let query = try StatisticsQuery(
            userId: input.query.userId,
            groupId: input.query.groupId,
            from: input.query.from,
            to: input.query.to,
            granularity: try convert(input.query.granularity, field: "granularity") ?? .day
        )
        let report = try await statistics.report(try Caller.current.user(), query)
        if Self.prefersCSV(input.headers.accept) {
            return .ok(.init(body: .csv(HTTPBody(StatisticsCSV.document(report)))))
        }
        return .ok(.init(body: .json(.init(report))))
    }

    /// Whether the Accept header ranks `text/csv` above JSON (JSON when it names neither, or both equally).
    static func prefersCSV(_ accept: [AcceptHeaderContentType<Operations.GetStatistics.AcceptableContentType>]) -> Bool {
        func quality(_ wanted: Operations.GetStatistics.AcceptableContentType) -> Double {
            accept.filter { $0.contentType == wanted }.map(\.quality.doubleValue).max() ?? 0
        }
        return quality(.csv) > quality(.json)
    }
}

extension Components.Schemas.StatisticsFigures {
    init(_ f: CallFigures) {
        self.init(
            calls: Int64(f.calls),
            incoming: Int64(f.incoming),
            outgoing: Int64(f.outgoing),
            missed: Int64(f.missed),
            answered: Int64(f.answered),
            outgoingConnected: Int64(f.outgoingConnected),
            talkSeconds: Int64(f.talkSeconds),
            averageTalkSeconds: f.averageTalkSeconds,
            averageAnswerSeconds: f.averageAnswerSeconds
        )
    }
}

extension Components.Schemas.StatisticsBucket {
    init(_ b: StatisticsBucket) {
        self.init(day: b.day.description, hour: b.hour.map(Int32.init), start: b.start, figures: .init(b.figures))
    }
}

extension Components.Schemas.StatisticsReport {
    init(_ r: StatisticsReport) {
        self.init(
            granularity: r.granularity == .hour ? .hour : .day,
            from: r.from.description,
            to: r.to.description,
            timeZone: r.timeZone,
            groupId: r.groupId,
            total: .init(r.total),
            buckets: r.buckets.map(Components.Schemas.StatisticsBucket.init),
            users: r.users.map { user in
                .init(
                    userId: user.userId,
                    username: user.username,
                    firstName: user.firstName,
                    lastName: user.lastName,
                    total: .init(user.total),
                    buckets: user.buckets.map(Components.Schemas.StatisticsBucket.init)
                )
            }
        )
    }
}
