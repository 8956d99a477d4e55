import Foundation

/// An incoming call's Alerter card as rendered for its user (admin guide 9.2.1): the window's mode and size, and in XML
/// mode the template's elements with every field substituted, in URL mode the substituted address.
public struct AlerterCard: Codable, Sendable, Equatable {
    public enum Mode: String, Codable, Sendable, CaseIterable {
        case xml = "XML"
        case url = "URL"
    }

    /// One element of a rendered card.
    public struct Element: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable {
            case text, image, button
        }
        public var kind: Kind
        public var x: Int?
        public var y: Int?
        /// The text, the image's address, or the button's label.
        public var text: String
        public var url: String?
        public var exe: String?

        public init(kind: Kind, x: Int? = nil, y: Int? = nil, text: String, url: String? = nil, exe: String? = nil) {
            self.kind = kind
            self.x = x
            self.y = y
            self.text = text
            self.url = url
            self.exe = exe
        }
    }

    public var callId: String
    public var device: String
    public var mode: Mode
    public var width: Int
    public var height: Int
    public var vip: Bool
    /// XML mode: the template used, or `builtin`.
    public var template: String?
    public var elements: [Element]
    /// XML mode: the card as an `<alerter>` document.
    public var xml: String?
    /// URL mode: the substituted address.
    public var url: String?
    public var caller: ScreenPopCaller
    public var redirection: ScreenPopParty?

    public init(
        callId: String,
        device: String,
        mode: Mode,
        width: Int,
        height: Int,
        vip: Bool,
        template: String? = nil,
        elements: [Element] = [],
        xml: String? = nil,
        url: String? = nil,
        caller: ScreenPopCaller,
        redirection: ScreenPopParty? = nil
    ) {
        self.callId = callId
        self.device = device
        self.mode = mode
        self.width = width
        self.height = height
        self.vip = vip
        self.template = template
        self.elements = elements
        self.xml = xml
        self.url = url
        self.caller = caller
        self.redirection = redirection
    }
}
