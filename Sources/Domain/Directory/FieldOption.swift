import Crypto
import Foundation

/// One transformation of a mapped value, written after `|` in the field map (admin guide 8.1 "Adding options").
public enum FieldOption: Sendable, Equatable {
    /// `a`: the value is a postal address, shown with a link to the map service (`MapServiceURL`).
    case address
    /// `h`: the value is replaced by its SHA-256 (lower-case hex).
    case hash
    /// `i`: hidden in the contact card (Caller), still given to the Alerter (reverse lookup).
    case invisible
    /// `l`, `u`, `m`: lower case, upper case, first letter capital and the rest lower case.
    case lowercase, uppercase, capitalized
    /// `p : FORMAT : REGEX`: the value becomes FORMAT with `{0}` replaced by it, when it matches REGEX (or always).
    case decorate(format: String, pattern: String?)
}
