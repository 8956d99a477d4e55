import Foundation
import Testing

@testable import Endpoints

/// Request date-times as RFC 3339 writes them (the fuzzer sends every form the `date-time` format allows).
@Suite struct RFC3339DateTranscoderTests {
    let transcoder = RFC3339DateTranscoder()

    @Test func everyFormTheFormatAllowsIsReadToTheSameInstant() throws {
        let instant = Date(timeIntervalSince1970: 1_796_637_600)  // 2026-12-07T10:00:00Z
        for text in ["2026-12-07T10:00:00Z", "2026-12-07t10:00:00z", "2026-12-07 10:00:00Z", "2026-12-07T11:00:00+01:00", "2026-12-07T10:00:00.000Z"] {
            #expect(try transcoder.decode(text) == instant, "\(text)")
        }
        #expect(try transcoder.decode("2026-12-07T10:00:00.250Z").timeIntervalSince(instant) == 0.25)
        // Offsets up to ±23:59 (Foundation's parser stops at ±18:00), and years far from ours.
        #expect(try transcoder.decode("2026-12-08T09:59:00+23:59") == instant)
        #expect(try transcoder.decode("1970-01-01T00:00:00Z") == Date(timeIntervalSince1970: 0))
        #expect(try transcoder.decode("2000-03-01T00:00:00Z") == Date(timeIntervalSince1970: 951_868_800))
        #expect(try transcoder.encode(instant) == "2026-12-07T10:00:00Z")
    }

    @Test func whatIsNotADateTimeIsRefused() {
        for text in ["", "2026-12-07", "2026-12-07T10:00Z", "2026-02-30T10:00:00Z", "2026-12-07T24:00:00Z", "2026-12-07T10:00:00+24:00",
            "2026-12-07T10:00:00.Z", "2026-12-07T10:00:00", "Monday 10am", "2026-12-07T10:00:00Z trailing"] {
            #expect(throws: DecodingError.self, "\(text)") { try transcoder.decode(text) }
        }
    }
}
