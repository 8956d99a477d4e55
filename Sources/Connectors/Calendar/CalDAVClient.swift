import AsyncHTTPClient
import Domain
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import XML

/// Reads users' calendars from a CalDAV server (RFC 4791, issue 21) with one shared async-http-client `HTTPClient`:
/// one `REPORT` calendar-query per calendar, limited to the window's VEVENTs by a `time-range` filter, answered as a
/// multistatus read with the hardened libxml2 reader (no DTD, no entities, size and depth limits); the calendar-data
/// is read by `ICalendarReader` (libical). No redirect is followed, each request has a deadline, and at most
/// `maxAnswerBytes` of an answer are read. `shutdown()` closes the client once the refresher has stopped.
public final class CalDAVClient: CalendarSource {
    /// The largest multistatus answer read (a calendar of a few hundred events in the window is far below).
    public static let maxAnswerBytes = 8 << 20

    private let timeout: Duration
    /// Made at the first read: a server built but never run holds no client, which async-http-client requires to be
    /// shut down before it is released.
    private let made = NIOLockedValueBox<HTTPClient?>(nil)

    public init(timeout: Duration = .seconds(10)) {
        self.timeout = timeout
    }

    private var client: HTTPClient {
        made.withLockedValue { made in
            if let client = made { return client }
            var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
            let seconds = TimeAmount.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000)
            configuration.timeout = .init(connect: seconds, read: seconds)
            // A server that is down fails the read at once: the next refresh tries again.
            configuration.connectionPool.retryConnectionEstablishment = false
            configuration.decompression = .disabled
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            made = client
            return client
        }
    }

    public func occurrences(url: String, credentials: CalendarCredentials, window: CalendarWindow, timeZone: TimeZone) async throws
        -> [CalendarOccurrence]
    {
        let texts = try await calendarData(url: url, credentials: credentials, window: window)
        return ICalendarReader(timeZone: timeZone).occurrences(texts, window: window)
    }

    /// The calendar-data of each event the server answers for `window`.
    public func calendarData(url: String, credentials: CalendarCredentials, window: CalendarWindow) async throws -> [String] {
        var request = HTTPClientRequest(url: url)
        request.method = .RAW(value: "REPORT")
        request.headers.add(name: "Depth", value: "1")
        request.headers.add(name: "Content-Type", value: "application/xml; charset=utf-8")
        if !credentials.username.isEmpty {
            let token = Data("\(credentials.username):\(credentials.password)".utf8).base64EncodedString()
            request.headers.add(name: "Authorization", value: "Basic \(token)")
        }
        request.body = .bytes(ByteBuffer(string: Self.query(window)))
        let deadline = TimeAmount.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: deadline)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw CalendarReadError(.unreachable, "timeout")
        } catch {
            throw CalendarReadError(.unreachable, Self.describe(error))
        }
        var body = ByteBuffer()
        do {
            for try await chunk in response.body {
                var chunk = chunk
                guard body.readableBytes + chunk.readableBytes <= Self.maxAnswerBytes else {
                    throw CalendarReadError(.badAnswer, "answer larger than \(Self.maxAnswerBytes) bytes")
                }
                body.writeBuffer(&chunk)
            }
        } catch let error as CalendarReadError {
            throw error
        } catch {
            throw CalendarReadError(.unreachable, "answer cut short")
        }
        switch response.status.code {
        case 207: break
        case 401, 403: throw CalendarReadError(.refused, "HTTP \(response.status.code)")
        case 404: throw CalendarReadError(.notFound, "HTTP 404")
        default: throw CalendarReadError(.badAnswer, "HTTP \(response.status.code)")
        }
        return try Self.calendarData(multistatus: Array(body.readableBytesView))
    }

    /// The calendar-data texts of a multistatus answer (RFC 4791 7.8), from the propstats answered 200.
    public static func calendarData(multistatus bytes: [UInt8]) throws -> [String] {
        let root: XElement
        do {
            root = try XElement(xml: bytes, limits: XMLLimits(maxBytes: maxAnswerBytes, maxDepth: 16))
        } catch {
            throw CalendarReadError(.badAnswer, "not a multistatus: \(error)")
        }
        guard root.name == "multistatus", root.namespace == "DAV:" else { throw CalendarReadError(.badAnswer, "not a DAV: multistatus") }
        var texts: [String] = []
        for response in root.children(named: "response") {
            for propstat in response.children(named: "propstat") {
                guard propstat.string("status")?.contains(" 200") ?? false,
                    let data = propstat.child("prop")?.child("calendar-data"), !data.text.isEmpty
                else { continue }
                texts.append(data.text)
            }
        }
        return texts
    }

    /// The calendar-query of `window` (RFC 4791 7.8.1): VEVENTs overlapping it, with their calendar data.
    static func query(_ window: CalendarWindow) -> String {
        """
        <?xml version="1.0" encoding="utf-8"?>
        <C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">\
        <D:prop><C:calendar-data/></D:prop>\
        <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">\
        <C:time-range start="\(stamp(window.start))" end="\(stamp(window.end))"/>\
        </C:comp-filter></C:comp-filter></C:filter>\
        </C:calendar-query>
        """
    }

    /// A UTC date-time as CalDAV's time-range writes it (`20260105T103000Z`).
    static func stamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }

    /// An error's words without the request (which holds no password, but the URL's user part could).
    private static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError { return "\(error)" }
        return String(describing: type(of: error))
    }

    /// Closes the client (after the refresher's last read).
    public func shutdown() async {
        let client = made.withLockedValue { made in
            defer { made = nil }
            return made
        }
        try? await client?.shutdown()
    }
}
