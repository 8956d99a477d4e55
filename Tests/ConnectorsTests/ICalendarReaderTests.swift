import Connectors
import Domain
import Foundation
import Testing

/// Reading iCalendar objects (issue 21) through libical: what counts as busy, recurrences, zones, whole days.
@Suite("iCalendar reader")
struct ICalendarReaderTests {
    static let utc = TimeZone(identifier: "UTC")!
    static let paris = TimeZone(identifier: "Europe/Paris")!

    /// A VCALENDAR around one VEVENT's lines.
    static func calendar(_ lines: [String], extra: [String] = []) -> String {
        (["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//tests//EN"] + extra + ["BEGIN:VEVENT", "UID:u1", "DTSTAMP:20260101T000000Z"] + lines
            + ["END:VEVENT", "END:VCALENDAR", ""]).joined(separator: "\r\n")
    }

    static func date(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    static let day = CalendarWindow(start: date("2026-03-02T00:00:00Z"), end: date("2026-03-03T00:00:00Z"))

    @Test func aTimedEventInUTCIsOneOccurrenceWithItsSummary() {
        let found = ICalendarReader().occurrences(
            Self.calendar(["DTSTART:20260302T100000Z", "DTEND:20260302T113000Z", "SUMMARY:Budget review"]),
            window: Self.day
        )
        #expect(found == [CalendarOccurrence(start: Self.date("2026-03-02T10:00:00Z"), end: Self.date("2026-03-02T11:30:00Z"), summary: "Budget review")])
    }

    @Test func transparentAndCancelledEventsAreNotBusy() {
        let reader = ICalendarReader()
        #expect(reader.occurrences(Self.calendar(["DTSTART:20260302T100000Z", "DTEND:20260302T110000Z", "TRANSP:TRANSPARENT"]), window: Self.day).isEmpty)
        #expect(reader.occurrences(Self.calendar(["DTSTART:20260302T100000Z", "DTEND:20260302T110000Z", "STATUS:CANCELLED"]), window: Self.day).isEmpty)
        #expect(reader.occurrences(Self.calendar(["DTSTART:20260302T100000Z", "DTEND:20260302T110000Z", "TRANSP:OPAQUE"]), window: Self.day).count == 1)
    }

    @Test(arguments: [("PRIVATE", true), ("CONFIDENTIAL", true), ("PUBLIC", false)])
    func privateAndConfidentialEventsAreMarkedPrivate(_ value: String, _ isPrivate: Bool) {
        let found = ICalendarReader().occurrences(
            Self.calendar(["DTSTART:20260302T100000Z", "DTEND:20260302T110000Z", "CLASS:\(value)", "SUMMARY:Doctor"]),
            window: Self.day
        )
        #expect(found.map(\.isPrivate) == [isPrivate])
    }

    @Test func aTZIDIsReadWithTheObjectsVTIMEZONEOrTheBuiltInZone() {
        // 10:00 in Paris in March (before the change to summer time on the 29th) is 09:00 UTC.
        let builtIn = ICalendarReader().occurrences(
            Self.calendar(["DTSTART;TZID=Europe/Paris:20260302T100000", "DTEND;TZID=Europe/Paris:20260302T110000"]),
            window: Self.day
        )
        #expect(builtIn.map(\.start) == [Self.date("2026-03-02T09:00:00Z")])
        let vtimezone = [
            "BEGIN:VTIMEZONE", "TZID:Custom/Plus3", "BEGIN:STANDARD", "DTSTART:19700101T000000", "TZOFFSETFROM:+0300", "TZOFFSETTO:+0300",
            "TZNAME:P3", "END:STANDARD", "END:VTIMEZONE",
        ]
        let custom = ICalendarReader().occurrences(
            Self.calendar(["DTSTART;TZID=Custom/Plus3:20260302T100000", "DURATION:PT45M"], extra: vtimezone),
            window: Self.day
        )
        #expect(custom.map(\.start) == [Self.date("2026-03-02T07:00:00Z")])
        #expect(custom.map(\.end) == [Self.date("2026-03-02T07:45:00Z")])
    }

    @Test func floatingTimesAreReadInTheConnectionsZone() {
        let found = ICalendarReader(timeZone: Self.paris).occurrences(
            Self.calendar(["DTSTART:20260302T100000", "DTEND:20260302T110000"]),
            window: Self.day
        )
        #expect(found.map(\.start) == [Self.date("2026-03-02T09:00:00Z")])
    }

    @Test func anAllDayEventRunsFromMidnightToMidnightInTheConnectionsZone() {
        let found = ICalendarReader(timeZone: Self.paris).occurrences(
            Self.calendar(["DTSTART;VALUE=DATE:20260302", "DTEND;VALUE=DATE:20260303", "SUMMARY:Seminar"]),
            window: Self.day
        )
        #expect(found == [CalendarOccurrence(start: Self.date("2026-03-01T23:00:00Z"), end: Self.date("2026-03-02T23:00:00Z"), summary: "Seminar", allDay: true)])
        // Without DTEND a whole-day event lasts one day.
        let single = ICalendarReader().occurrences(Self.calendar(["DTSTART;VALUE=DATE:20260302"]), window: Self.day)
        #expect(single.map(\.end) == [Self.date("2026-03-03T00:00:00Z")])
    }

    @Test func aRecurringEventIsExpandedWithinTheWindowLessItsExdatesAndOverrides() {
        let window = CalendarWindow(start: Self.date("2026-03-02T00:00:00Z"), end: Self.date("2026-03-07T00:00:00Z"))
        let text = [
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//tests//EN",
            // A daily stand-up since January, in Paris time: Monday to Friday of the week, less Wednesday.
            "BEGIN:VEVENT", "UID:standup", "DTSTAMP:20260101T000000Z", "DTSTART;TZID=Europe/Paris:20260105T093000",
            "DTEND;TZID=Europe/Paris:20260105T094500", "RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", "EXDATE;TZID=Europe/Paris:20260304T093000",
            "SUMMARY:Stand-up", "END:VEVENT",
            // Thursday's moved to 11:00.
            "BEGIN:VEVENT", "UID:standup", "DTSTAMP:20260101T000000Z", "RECURRENCE-ID;TZID=Europe/Paris:20260305T093000",
            "DTSTART;TZID=Europe/Paris:20260305T110000", "DTEND;TZID=Europe/Paris:20260305T111500", "SUMMARY:Stand-up (moved)", "END:VEVENT",
            "END:VCALENDAR", "",
        ].joined(separator: "\r\n")
        let found = ICalendarReader().occurrences(text, window: window)
        #expect(
            found.map(\.start) == [
                Self.date("2026-03-02T08:30:00Z"), Self.date("2026-03-03T08:30:00Z"), Self.date("2026-03-05T10:00:00Z"), Self.date("2026-03-06T08:30:00Z"),
            ]
        )
        #expect(found.map(\.summary) == ["Stand-up", "Stand-up", "Stand-up (moved)", "Stand-up"])
        #expect(found.allSatisfy { $0.end.timeIntervalSince($0.start) == 15 * 60 })
    }

    @Test func aRecurringEventKeepsItsLocalTimeAcrossTheChangeToSummerTime() {
        let window = CalendarWindow(start: Self.date("2026-03-27T00:00:00Z"), end: Self.date("2026-03-31T00:00:00Z"))
        let found = ICalendarReader().occurrences(
            Self.calendar(["DTSTART;TZID=Europe/Paris:20260301T100000", "DTEND;TZID=Europe/Paris:20260301T110000", "RRULE:FREQ=DAILY"]),
            window: window
        )
        // 10:00 in Paris: 09:00 UTC until Saturday the 28th, 08:00 UTC from Sunday the 29th.
        #expect(found.map(\.start) == ["2026-03-27T09:00:00Z", "2026-03-28T09:00:00Z", "2026-03-29T08:00:00Z", "2026-03-30T08:00:00Z"].map(Self.date))
    }

    @Test func eventsOutsideTheWindowAndBrokenTextAnswerNothing() {
        let reader = ICalendarReader()
        #expect(reader.occurrences(Self.calendar(["DTSTART:20260301T100000Z", "DTEND:20260301T110000Z"]), window: Self.day).isEmpty)
        #expect(reader.occurrences("not an iCalendar object", window: Self.day).isEmpty)
        #expect(reader.occurrences("", window: Self.day).isEmpty)
        // An event ending as the window opens does not overlap it; one that began before and ends inside does.
        #expect(reader.occurrences(Self.calendar(["DTSTART:20260301T230000Z", "DTEND:20260302T000000Z"]), window: Self.day).isEmpty)
        #expect(reader.occurrences(Self.calendar(["DTSTART:20260301T230000Z", "DTEND:20260302T003000Z"]), window: Self.day).count == 1)
    }

    @Test func aMultistatusAnswerGivesTheCalendarDataOfItsSuccessfulPropstats() throws {
        let xml = """
            <?xml version="1.0" encoding="utf-8"?>
            <d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
            <d:response><d:href>/a/calendar/1.ics</d:href><d:propstat><d:prop><c:calendar-data>BEGIN:VCALENDAR
            END:VCALENDAR</c:calendar-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
            <d:response><d:href>/a/calendar/2.ics</d:href><d:propstat><d:prop><c:calendar-data/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat></d:response>
            </d:multistatus>
            """
        #expect(try CalDAVClient.calendarData(multistatus: Array(xml.utf8)) == ["BEGIN:VCALENDAR\nEND:VCALENDAR"])
        // A DTD (entity expansion) is refused by the hardened reader, as is anything but a DAV: multistatus.
        let hostile = #"<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x "boom">]><multistatus xmlns="DAV:">&x;</multistatus>"#
        #expect(throws: CalendarReadError.self) { try CalDAVClient.calendarData(multistatus: Array(hostile.utf8)) }
        #expect(throws: CalendarReadError.self) { try CalDAVClient.calendarData(multistatus: Array("<html/>".utf8)) }
    }
}

/// The CalDAV connector against a real Radicale started by the test.
@Suite("CalDAV client", .serialized)
struct CalDAVClientTests {
    @Test func eventsPutOverCalDAVAreReadBackInTheirWindowAndADownServerIsUnreachable() async throws {
        let server = try RadicaleServer()
        defer { server.stop() }
        try server.makeCalendar("alice@example.com")
        try server.put("alice@example.com", uid: "meeting", ["DTSTART:20260302T100000Z", "DTEND:20260302T110000Z", "SUMMARY:Budget review"])
        try server.put("alice@example.com", uid: "later", ["DTSTART:20260310T100000Z", "DTEND:20260310T110000Z", "SUMMARY:Not this week"])
        let client = CalDAVClient(timeout: .seconds(5))
        let credentials = CalendarCredentials(username: server.username, password: server.password)
        let found = try await client.occurrences(
            url: server.calendarURL("alice@example.com"),
            credentials: credentials,
            window: ICalendarReaderTests.day,
            timeZone: ICalendarReaderTests.utc
        )
        #expect(found.map(\.summary) == ["Budget review"])
        // Wrong password: refused; no calendar: not found.
        await #expect(throws: CalendarReadError(.refused, "HTTP 401")) {
            try await client.calendarData(url: server.calendarURL("alice@example.com"), credentials: .init(username: server.username, password: "wrong"), window: ICalendarReaderTests.day)
        }
        await #expect(throws: CalendarReadError(.notFound, "HTTP 404")) {
            try await client.calendarData(url: server.calendarURL("nobody@example.com"), credentials: credentials, window: ICalendarReaderTests.day)
        }
        server.down()
        do {
            _ = try await client.calendarData(url: server.calendarURL("alice@example.com"), credentials: credentials, window: ICalendarReaderTests.day)
            Issue.record("a server that is down answered")
        } catch let error as CalendarReadError {
            #expect(error.kind == .unreachable)
        }
        await client.shutdown()
    }
}
