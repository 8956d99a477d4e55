import SOAP
import Testing

/// One shared parser used from many tasks at once, as the server does.
@Suite struct ConcurrencyTests {
    @Test func twoHundredConcurrentParsesAllSucceed() async throws {
        let parser = try Fixtures.parser()
        let usernames = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            for index in 0..<200 {
                group.addTask {
                    let version: SOAPVersion = index.isMultiple(of: 2) ? .soap11 : .soap12
                    let request = try parser.parse(Fixtures.envelope(version, body: Fixtures.loginBody(username: "user\(index)")))
                    #expect(request.version == version)
                    return (index, request.payload.string("username"))
                }
            }
            var results: [Int: String?] = [:]
            for try await (index, username) in group {
                results[index] = username
            }
            return results
        }
        #expect(usernames.count == 200)
        for index in 0..<200 {
            #expect(usernames[index] == "user\(index)")
        }
    }

    @Test func concurrentFailuresKeepTheirOwnErrorMessages() async throws {
        // libxml2's error state is per thread; interleaving valid and invalid requests shows that no task sees
        // another one's message (each invalid request has a distinct offending element name).
        let parser = try Fixtures.parser()
        let outcomes = await withTaskGroup(of: (Int, String).self) { group in
            for index in 0..<200 {
                group.addTask {
                    let body =
                        index.isMultiple(of: 2)
                        ? Fixtures.loginBody(username: "ok\(index)")
                        : "<tws:Login><tws:username>a</tws:username><tws:bogus\(index)/></tws:Login>"
                    do throws(SOAPFault) {
                        return (index, try parser.parse(Fixtures.envelope(.soap11, body: body)).payload.string("username") ?? "")
                    } catch {
                        return (index, "\(error.code): \(error.message)")
                    }
                }
            }
            var results: [Int: String] = [:]
            for await (index, outcome) in group {
                results[index] = outcome
            }
            return results
        }
        #expect(outcomes.count == 200)
        for index in 0..<200 {
            let outcome = outcomes[index] ?? ""
            if index.isMultiple(of: 2) {
                #expect(outcome == "ok\(index)")
            } else {
                #expect(outcome.hasPrefix("schema_violation: "))
                #expect(outcome.contains("bogus\(index)'"), "\(outcome)")
            }
        }
    }
}
