import Foundation
import Synchronization

/// Names the callers of incoming calls for the telephony events, Alerter cards and call logs.
public protocol CallerNameResolver: Sendable {
    /// Who `number` calling `device` is, from the directories of the device's owner (or of the phone queue or
    /// intercom group the device belongs to), fields marked `i` included; nil when nobody has the number.
    func callerIdentity(domainId: Int64, device: String, number: String) async -> CallerIdentity?
    /// The name of a party of a call seen from `device` (the one that diverted it): the user of the domain whose
    /// device it is, else the contact the device's directories have; nil when nobody is known.
    func partyName(domainId: Int64, device: String, number: String) async -> String?
}

extension CallerNameResolver {
    /// The caller's name as events and call logs show it (the contact's display name, or its company).
    public func callerName(domainId: Int64, device: String, number: String) async -> String? {
        await callerIdentity(domainId: domainId, device: device, number: number)?.name
    }

    /// The party that diverted a call to `device` (its number as the PBX said), named when someone knows it.
    public func redirection(domainId: Int64, device: String, from number: String?) async -> ScreenPopParty? {
        guard let number else { return nil }
        return ScreenPopParty(number: number, name: await partyName(domainId: domainId, device: device, number: number))
    }
}
