import Foundation
import SOAP

/// Shared test data: the real WSDL, a parser built from it and envelope builders.
enum Fixtures {
    /// The service namespace declared by wsdl/tws.wsdl.
    static let namespace = "urn:opentws:soap:v1"

    /// `<package root>/wsdl/tws.wsdl`, found from this file's path (Tests/SOAPTests/Fixtures.swift), so the same
    /// code works in the scratch package and in the real repository.
    static let wsdlURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("wsdl/tws.wsdl")

    /// The schema compiled once for the whole test run, exactly like the server does at start-up.
    private static let loadedSchema = Result { () throws -> SOAPSchema in
        try SOAPSchema(wsdl: Data(contentsOf: wsdlURL))
    }

    /// The compiled schema of the real WSDL.
    static func schema() throws -> SOAPSchema {
        try loadedSchema.get()
    }

    /// A parser with default limits over the real WSDL's schema.
    static func parser(limits: SOAPLimits = SOAPLimits()) throws -> SOAPEnvelopeParser {
        SOAPEnvelopeParser(schema: try schema(), limits: limits)
    }

    /// A SOAP envelope of `version` whose Body contains `body` verbatim, with `tws` bound to the service namespace.
    static func envelope(_ version: SOAPVersion, body: String, header: String? = nil) -> [UInt8] {
        let headerXML = header.map { "<e:Header>\($0)</e:Header>" } ?? ""
        let xml = """
            <?xml version="1.0" encoding="utf-8"?>
            <e:Envelope xmlns:e="\(version.envelopeNamespace)" xmlns:tws="\(namespace)">\(headerXML)<e:Body>\(body)</e:Body></e:Envelope>
            """
        return Array(xml.utf8)
    }

    /// A Login request body with the given fields; nil fields are omitted.
    static func loginBody(
        company: String? = "acme",
        domain: String? = "main",
        username: String? = "alice",
        password: String? = "s3cret"
    )
        -> String
    {
        var fields = ""
        if let company { fields += "<tws:company>\(company)</tws:company>" }
        if let domain { fields += "<tws:domain>\(domain)</tws:domain>" }
        if let username { fields += "<tws:username>\(username)</tws:username>" }
        if let password { fields += "<tws:password>\(password)</tws:password>" }
        return "<tws:Login>\(fields)</tws:Login>"
    }

    /// Parses `bytes` and returns the fault the parser threw, or nil if it accepted the document.
    static func fault(_ parser: SOAPEnvelopeParser, _ bytes: [UInt8]) -> SOAPFault? {
        do {
            _ = try parser.parse(bytes)
            return nil
        } catch {
            return error
        }
    }
}
