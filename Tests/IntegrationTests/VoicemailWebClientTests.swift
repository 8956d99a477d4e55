import Domain
import Foundation
import Telephony
import Testing

/// The web client's voicemail lamp and button in headless Chromium, against the live server and the simulator's
/// voicemail system.
@Suite("Voicemail in the web client", .serialized)
struct VoicemailWebClientTests {
    @Test("In the browser: a message lights bob's lamp without a reload; his Voicemail button calls 8888; hearing it puts the lamp out")
    func lampAndButton() async throws {
        try await VoicemailTests.run(style: .real, live: true) { w in
            try await HeadlessBrowser.run { browser in
                let port = try #require(w.client.port)
                try await browser.open("http://localhost:\(port)/app/")
                try await browser.type("bob", into: "#username")
                try await browser.type(TelephonyWorld.password, into: "#password")
                try await browser.click("#sign-in-button")
                try await browser.wait(
                    "bob's line and the push channel",
                    until: "return document.querySelector('#lines li[data-number=\"1002\"]') !== null && document.body.dataset.push === 'live';"
                )
                #expect(try await browser.run("return document.querySelector('#lines .voicemail-waiting') === null;") as? Bool == true)

                // Someone leaves a message: the lamp comes with the push event.
                try await w.simulator.leaveVoicemail(for: "1002")
                try await browser.wait("the lamp", until: "return document.querySelector('#lines li[data-number=\"1002\"] .voicemail-waiting') !== null;")
                #expect(try await browser.text("#lines li[data-number=\"1002\"] .voicemail-waiting") == "voicemail waiting")

                // The Voicemail button: bob's line calls 8888, the voicemail answers; he hangs up after listening.
                try await browser.click("#lines li[data-number=\"1002\"] button.voicemail")
                try await eventually("1002 at the voicemail") {
                    await w.simulator.calls().contains { call in
                        call.connections.contains { $0.connection.deviceID == "1002" && $0.state == .connected }
                    }
                }
                try await browser.wait("the call in the lines", until: "return document.querySelector('#lines li[data-number=\"1002\"] .calls li[data-state=\"connected\"]') !== null;")
                try await browser.click("#lines button.hangup")
                try await eventually("the call over") { await w.simulator.calls().isEmpty }
                try await browser.wait("the lamp out", until: "return document.querySelector('#lines .voicemail-waiting') === null;")
                #expect(await w.simulator.messageCount(of: "1002") == 0)
            }
        }
    }
}
