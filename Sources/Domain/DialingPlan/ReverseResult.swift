import Foundation

/// What the dialing plan made of an incoming number: the number to show and the keys to look it up in directories.
public struct ReverseResult: Sendable, Equatable, Codable {
    /// The number as the PBX presented it.
    public var input: String
    /// The number to display, after the settings' `remove` and `add`; empty when the caller withheld it.
    public var number: String
    /// True for an internal number (no longer than `internalReverseLength`), shown and searched as is.
    public var isInternal: Bool
    /// The forms a directory may hold the number in, most specific first, without duplicates: the displayed number,
    /// then for an external number its E.164 form (`+33155171889`), its national form (`0155171889`) when in the
    /// local country, and its form behind the international prefix (`0033155171889`). Empty for a withheld number.
    public var searchKeys: [String]

    public init(input: String, number: String, isInternal: Bool, searchKeys: [String]) {
        self.input = input
        self.number = number
        self.isInternal = isInternal
        self.searchKeys = searchKeys
    }
}
