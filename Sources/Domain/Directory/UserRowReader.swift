import Foundation

/// The TWS users directory's source: the domain's enabled users, with their first device as professional number.
struct UserRowReader: DirectoryReader {
    let store: any TenantStore
    let domainId: Int64
    private let position = PositionBox()

    init(store: any TenantStore, domainId: Int64) {
        self.store = store
        self.domainId = domainId
    }

    func next(limit: Int) async throws(DirectorySourceError) -> [SourceRow]? {
        let after = position.value
        let domainId = domainId
        let rows: [SourceRow]
        do {
            rows = try await store.read { tx -> [SourceRow] in
                let users = try tx.enabledUsers(domainId: domainId)
                    .filter { ($0.id ?? 0) > after }.prefix(limit)
                let devices = try tx.devices(userIds: users.map { $0.id! })
                return users.map { user in
                    var values: [String: [String]] = [
                        "id": [String(user.id!)], "lastname": [user.lastName], "firstname": [user.firstName], "mail": [user.email],
                        "mobile": [user.mobile],
                    ]
                    if let device = devices.first(where: { $0.userId == user.id }) { values["number"] = [device.number] }
                    if user.lastName.isEmpty && user.firstName.isEmpty { values["lastname"] = [user.username] }
                    for (index, field) in user.privateFields.enumerated() { values["private\(index)"] = [field] }
                    return SourceRow(values.filter { !($0.value.first ?? "").isEmpty })
                }
            }
        } catch {
            throw DirectorySourceError(.readFailed, "\(error)")
        }
        guard let last = rows.last?["id"].flatMap({ Int64($0) }) else { return nil }
        position.value = last
        return rows
    }

    func close() async {}

    /// The last user id read; readers are driven by one task at a time.
    private final class PositionBox: @unchecked Sendable {
        // Safe: `DirectoryReader` calls come one at a time from one task (its contract), never concurrently.
        var value: Int64 = 0
    }
}
