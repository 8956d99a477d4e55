/// What a search asks of the contact index, in directory words; Storage turns it into its full-text query.
public enum ContactMatch: Sendable, Equatable {
    /// Contacts that every term matches, less those that every term of `excluding` matches (when it has any).
    case words([ContactTerm], excluding: [ContactTerm])
    /// Contacts with a number whose key (`PhoneKey`) is one of these: a reverse lookup.
    case phoneKey(anyOf: [String])
}
