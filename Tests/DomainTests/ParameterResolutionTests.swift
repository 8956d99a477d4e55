import Domain
import Testing

@Suite struct ParameterResolutionTests {
    let definition = ParameterDefinition(.caller, "AuthorizeChat", "true", .bool, "chat")
    let user = User(id: 7, companyId: 1, domainId: 3, username: "alice")

    func value(_ scope: ParameterScope, _ scopeId: Int64, _ value: String) -> ParameterValue {
        ParameterValue(companyId: 1, scope: scope, scopeId: scopeId, application: .caller, name: "AuthorizeChat", value: value)
    }

    @Test func defaultAppliesWithoutOverrides() {
        let resolved = ParameterResolver().resolve([definition], user: user, groupIds: [], overrides: [])
        #expect(resolved.first?.value == "true")
        #expect(resolved.first?.source == .default)
    }

    @Test func userBeatsGroupBeatsDomainBeatsDefault() {
        let resolver = ParameterResolver()
        let domain = value(.domain, 3, "false")
        let group = value(.group, 10, "true")
        let own = value(.user, 7, "false")
        #expect(resolver.resolve([definition], user: user, groupIds: [10], overrides: [domain]).first?.source == .domain)
        #expect(resolver.resolve([definition], user: user, groupIds: [10], overrides: [domain, group]).first?.source == .group)
        let all = resolver.resolve([definition], user: user, groupIds: [10], overrides: [domain, group, own]).first
        #expect(all?.source == .user)
        #expect(all?.value == "false")
    }

    @Test func lowestGroupIdWinsWhenGroupsDisagree() {
        let overrides = [value(.group, 12, "false"), value(.group, 5, "true"), value(.group, 9, "false")]
        let resolved = ParameterResolver().resolve([definition], user: user, groupIds: [12, 9, 5], overrides: overrides).first
        #expect(resolved?.value == "true")
        #expect(resolved?.groupId == 5)
    }

    @Test func overridesOfOtherUsersDomainsAndGroupsAreIgnored() {
        let overrides = [value(.user, 8, "false"), value(.domain, 4, "false"), value(.group, 99, "false")]
        let resolved = ParameterResolver().resolve([definition], user: user, groupIds: [10], overrides: overrides).first
        #expect(resolved?.source == .default)
    }

    @Test(arguments: [
        (ParameterKind.bool, "Yes", "true"), (.bool, "0", "false"), (.integer(1...30), " 12 ", "12"), (.timeOfDay, "03:30", "03:30"),
        (.authMethods, "tws | none", "TWS|None"), (.authMethods, "WindowsSecurity|TWS|TWS", "WindowsSecurity|TWS"),
    ])
    func valuesAreNormalised(kind: ParameterKind, raw: String, expected: String) throws {
        #expect(try ParameterDefinition(.system, "P", "", kind, "").normalise(raw) == expected)
    }

    @Test(arguments: [
        (ParameterKind.bool, "maybe"), (.integer(1...30), "31"), (.integer(1...30), "ten"), (.timeOfDay, "25:00"), (.timeOfDay, "3:30"),
        (.authMethods, "Kerberos"), (.authMethods, "|"), (.text(maxLength: 3), "abcd"),
    ])
    func invalidValuesAreRefusedNamingTheField(kind: ParameterKind, raw: String) {
        do {
            let accepted = try ParameterDefinition(.system, "P", "", kind, "").normalise(raw)
            Issue.record("\(raw) was accepted as \(accepted)")
        } catch {
            // Which text fits depends on the parameter the path names, which the contract cannot say: 422.
            #expect(error.code == "invalid_parameter_value")
            #expect(error.kind == .unprocessable)
            #expect(error.field == "value")
        }
    }

    @Test func catalogueHasTheSeedsRetentionAndAuthenticationParameters() throws {
        #expect(try ParameterCatalogue.definition(.system, "CallLog-NumberDaysOfStorage").defaultValue == "30")
        #expect(try ParameterCatalogue.definition(.twsServer, "AuthMethods").defaultValue == "TWS")
        #expect(try ParameterCatalogue.definition(.twsServer, "AuthLdapDn").defaultValue == "?")
        #expect(throws: DomainError.self) { try ParameterCatalogue.definition(.caller, "NoSuchParameter") }
    }
}
