/// The devices a domain wants supervised, in planning order: user devices by number, then intercom-group devices, then
/// phone-queue devices, CSTA ones only, then callback devices, each once.
public enum SupervisedDevices {
    public static func of(domainId: Int64, _ tx: any StoreTransaction) throws -> [String] {
        // Sorted here rather than by the store, whose case-insensitive sort of 10,000 rows took 77 ms per refresh.
        var wanted = try tx.deviceNumbers(domainId: domainId, pbxProtocol: .csta).sorted()
        for group in try tx.intercomGroups(domainId: domainId) {
            wanted += group.devices.filter { $0.pbxProtocol == .csta }.flatMap(\.numbers)
        }
        for queue in try tx.phoneQueues(domainId: domainId)
        where queue.device.pbxProtocol == .csta {
            wanted += queue.device.numbers
        }
        // Callback groups place their double calls from their callback device and follow them there.
        wanted += try tx.callbackGroups(domainId: domainId).map(\.device)
        var seen = Set<String>()
        return wanted.filter { seen.insert($0).inserted }
    }
}
