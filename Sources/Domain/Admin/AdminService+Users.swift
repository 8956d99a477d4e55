import Foundation

/// The editable fields of a user; nil leaves a field unchanged on update.
public struct UserChanges: Sendable {
    public var username: String?
    public var firstName: String?
    public var lastName: String?
    public var email: String?
    public var mobile: String?
    public var enabled: Bool?
    /// A new TWS password; an empty string removes the password.
    public var password: String?
    public var culture: String?
    /// A new voicemail password; an empty string removes it.
    public var voicemailPassword: String?
    public var privateFields: [String]?

    public init(
        username: String? = nil,
        firstName: String? = nil,
        lastName: String? = nil,
        email: String? = nil,
        mobile: String? = nil,
        enabled: Bool? = nil,
        password: String? = nil,
        culture: String? = nil,
        voicemailPassword: String? = nil,
        privateFields: [String]? = nil
    ) {
        self.username = username
        self.firstName = firstName
        self.lastName = lastName
        self.email = email
        self.mobile = mobile
        self.enabled = enabled
        self.password = password
        self.culture = culture
        self.voicemailPassword = voicemailPassword
        self.privateFields = privateFields
    }

    /// Applies and checks the changes; the password is hashed before the transaction starts.
    func apply(to user: inout User, passwordHash: String??) throws(DomainError) {
        if let username { user.username = try Check.name(username, field: "username", max: 128) }
        if let firstName { user.firstName = try Check.text(firstName, field: "firstName", max: 128) }
        if let lastName { user.lastName = try Check.text(lastName, field: "lastName", max: 128) }
        if let email { user.email = try Check.mail(email, field: "email") }
        if let mobile { user.mobile = mobile.isEmpty ? "" : try Check.number(mobile, field: "mobile") }
        if let enabled { user.enabled = enabled }
        if let passwordHash { user.passwordHash = passwordHash }
        if let culture { user.culture = try Check.text(culture, field: "culture", max: 16) }
        if let voicemailPassword {
            user.voicemailPassword = voicemailPassword.isEmpty ? nil : try Check.digits(voicemailPassword, field: "voicemailPassword", max: 16)
        }
        if let privateFields {
            guard privateFields.count <= User.privateFieldCount else {
                throw .invalid(field: "privateFields", "At most \(User.privateFieldCount) private fields")
            }
            var fields = Array(repeating: "", count: User.privateFieldCount)
            for (index, value) in privateFields.enumerated() { fields[index] = try Check.text(value, field: "privateFields[\(index)]", max: 512) }
            user.privateFields = fields
        }
    }
}

/// The editable fields of a device.
public struct DeviceChanges: Sendable {
    public var number: String?
    public var pbxProtocol: Device.PBXProtocol?
    public var lineCount: Int?
    public var video: Bool?
    public var password: String?

    public init(number: String? = nil, pbxProtocol: Device.PBXProtocol? = nil, lineCount: Int? = nil, video: Bool? = nil, password: String? = nil) {
        self.number = number
        self.pbxProtocol = pbxProtocol
        self.lineCount = lineCount
        self.video = video
        self.password = password
    }

    func apply(to device: inout Device) throws(DomainError) {
        if let number { device.number = try Check.number(number, field: "number") }
        if let pbxProtocol { device.pbxProtocol = pbxProtocol }
        if let lineCount {
            try Check.range(lineCount, 1...64, field: "lineCount")
            device.lineCount = lineCount
        }
        if let video { device.video = video }
        if let password { device.password = password.isEmpty ? nil : try Check.text(password, field: "password", max: 64) }
    }
}

// MARK: - Users and devices

extension AdminService {
    public func listUsers(_ admin: AdminPrincipal, domainId: Int64, _ page: PageRequest) async throws -> Page<User> {
        try admin.requireReady()
        return try await store.read { tx in
            _ = try admin.visible(tx.domain(id: domainId), "Domain")
            return try tx.users(domainId: domainId, page)
        }
    }

    public func user(_ admin: AdminPrincipal, id: Int64) async throws -> User {
        try admin.requireReady()
        return try await store.read { tx in try admin.visible(tx.user(id: id), "User") }
    }

    public func createUser(_ admin: AdminPrincipal, domainId: Int64, _ changes: UserChanges) async throws -> User {
        try admin.requireReady()
        guard let username = changes.username else { throw DomainError.invalid(field: "username", "username is required") }
        let passwordHash = try await hashIfSet(changes.password)
        return try await store.write { tx in
            let domain = try admin.visible(tx.domain(id: domainId), "Domain")
            var user = User(companyId: domain.companyId, domainId: domainId, username: username)
            try changes.apply(to: &user, passwordHash: passwordHash)
            return try tx.insert(user)
        }
    }

    public func updateUser(_ admin: AdminPrincipal, id: Int64, _ changes: UserChanges) async throws -> User {
        try admin.requireReady()
        let passwordHash = try await hashIfSet(changes.password)
        return try await store.write { tx in
            var user = try admin.visible(tx.user(id: id), "User")
            try changes.apply(to: &user, passwordHash: passwordHash)
            try tx.update(user)
            // A disabled user, or one whose password was reset, keeps no session: whoever held the old password is out.
            if changes.enabled == false || passwordHash != nil { try tx.revokeSessions(.user, subjectId: id) }
            return user
        }
    }

    public func deleteUser(_ admin: AdminPrincipal, id: Int64) async throws {
        try admin.requireReady()
        try await store.write { tx in
            let user = try admin.visible(tx.user(id: id), "User")
            try tx.deleteUser(id: id)
            try tx.revokeSessions(.user, subjectId: id)
            try tx.pruneDangling(companyId: user.companyId)
        }
    }

    public func devices(_ admin: AdminPrincipal, userId: Int64) async throws -> [Device] {
        try admin.requireReady()
        return try await store.read { tx in
            _ = try admin.visible(tx.user(id: userId), "User")
            return try tx.devices(userId: userId)
        }
    }

    public func device(_ admin: AdminPrincipal, id: Int64) async throws -> Device {
        try admin.requireReady()
        return try await store.read { tx in try admin.visible(tx.device(id: id), "Device") }
    }

    public func createDevice(_ admin: AdminPrincipal, userId: Int64, _ changes: DeviceChanges) async throws -> Device {
        try admin.requireReady()
        guard let number = changes.number else { throw DomainError.invalid(field: "number", "number is required") }
        return try await store.write { tx in
            let user = try admin.visible(tx.user(id: userId), "User")
            var device = Device(companyId: user.companyId, domainId: user.domainId, userId: userId, number: number)
            try changes.apply(to: &device)
            return try tx.insert(device)
        }
    }

    public func updateDevice(_ admin: AdminPrincipal, id: Int64, _ changes: DeviceChanges) async throws -> Device {
        try admin.requireReady()
        return try await store.write { tx in
            var device = try admin.visible(tx.device(id: id), "Device")
            try changes.apply(to: &device)
            try tx.update(device)
            return device
        }
    }

    public func deleteDevice(_ admin: AdminPrincipal, id: Int64) async throws {
        try admin.requireReady()
        try await store.write { tx in
            _ = try admin.visible(tx.device(id: id), "Device")
            try tx.deleteDevice(id: id)
        }
    }

    private func hashIfSet(_ password: String?) async throws -> String?? {
        guard let password else { return .none }
        if password.isEmpty { return .some(nil) }
        try PasswordPolicy.check(password)
        return .some(try await hasher.hash(password))
    }
}
