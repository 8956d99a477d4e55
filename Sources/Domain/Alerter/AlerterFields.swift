import Foundation

/// The values of a card's `[-Field-]` placeholders (admin guide 9.2.1): the caller's contact, the diverting party,
/// the server, and the called user. Names match ignoring ASCII case; a directory's own private-field labels name
/// fields too (`[-id-]`); unknown fields are empty.
public struct AlerterFields: Sendable, Equatable {
    private(set) var values: [String: String] = [:]

    /// The caller as found (nil card: unknown caller), the diverting party, and the called user.
    public init(
        caller: ScreenPopCaller,
        card: ContactCard?,
        redirection: ScreenPopParty?,
        callee: User,
        calleeCompany: String,
        device: String,
        serverName: String
    ) {
        // Private fields first, so a label equal to a built-in name never hides the built-in field.
        if let card {
            for field in card.privateFields {
                values["custom\(field.index)"] = field.value
                values[field.label.lowercased()] = field.value
            }
        }
        func phone(_ kind: ContactPhone.Kind) -> String { card?.phones.first { $0.kind == kind }?.number ?? "" }
        let builtins: [String: String] = [
            "lastname": card?.lastName ?? "",
            "firstname": card?.firstName ?? "",
            "displayname": caller.displayName ?? "",
            "companyname": card?.company ?? "",
            "picture": card?.picture ?? "",
            "assistantphone": phone(.assistant),
            "standardphone": phone(.standard),
            "workphone": phone(.professional),
            "mobilephone": phone(.mobile),
            "homephone": phone(.personal),
            "email1": card?.mail1 ?? "",
            "email2": card?.mail2 ?? "",
            "url": card?.url ?? "",
            "phonenumber": caller.number,
            "servername": serverName,
            "personguid": card.map { String($0.id) } ?? "",
            "contact2displayname": redirection?.name ?? "",
            "contact2phonenumber": redirection?.number ?? "",
            "myfirstname": callee.firstName,
            "mylastname": callee.lastName,
            "myusername": callee.username,
            "mycompany": calleeCompany,
            "mydevice": device,
            "mygsmphone": callee.mobile,
            "myemail": callee.email,
            "myexternalkey": callee.externalId ?? callee.id.map(String.init) ?? "",
            "mycustom0": callee.privateFields.first ?? "",
            "mycustom1": callee.privateFields.dropFirst().first ?? "",
        ]
        values.merge(builtins) { _, builtin in builtin }
    }

    /// The value of field `name` (without its `[-` `-]`), empty when unknown.
    public func value(_ name: String) -> String { values[name.lowercased()] ?? "" }
}
