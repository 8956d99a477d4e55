/// One word a contact must hold in one of `fields`: as a whole word, or as the start of one (`prefix`).
/// Matching folds case and the accents of Latin letters, and splits on anything that is not a letter or digit.
public struct ContactTerm: Sendable, Equatable {
    public var word: String
    public var fields: [ContactSearch.Field]
    public var prefix: Bool

    public init(_ word: String, in fields: [ContactSearch.Field], prefix: Bool) {
        self.word = word
        self.fields = fields
        self.prefix = prefix
    }
}
