import Endpoints
import Foundation
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads the contract documents of the package (openapi/tws.yaml and wsdl/tws.wsdl).
enum ContractDocuments {
    static let openAPIURL = packageRoot.appendingPathComponent("openapi/tws.yaml")
    static let wsdlURL = packageRoot.appendingPathComponent("wsdl/tws.wsdl")

    /// Every `operationId:` of the OpenAPI document, in document order.
    static func openAPIOperationIds() throws -> [String] {
        let text = try String(contentsOf: openAPIURL, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line -> String? in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("operationId:") else { return nil }
            return trimmed.dropFirst("operationId:".count).trimmingCharacters(in: CharacterSet(charactersIn: " '\""))
        }
    }

    /// The names of the top-level `xsd:element`s of the WSDL's schema (operation wrappers and their responses).
    static func wsdlTopLevelElements() throws -> [String] {
        let parser = XMLParser(data: try Data(contentsOf: wsdlURL))
        let collector = TopLevelElementCollector()
        parser.delegate = collector
        parser.shouldProcessNamespaces = true
        guard parser.parse() else { throw parser.parserError ?? CocoaError(.fileReadCorruptFile) }
        return collector.names
    }

    /// Collects `name` of each `element` (XML Schema namespace) whose parent is the `schema` element.
    private final class TopLevelElementCollector: NSObject, XMLParserDelegate {
        static let xsd = "http://www.w3.org/2001/XMLSchema"
        var stack: [String] = []
        var names: [String] = []

        func parser(
            _ parser: XMLParser,
            didStartElement elementName: String,
            namespaceURI: String?,
            qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            let qualified = "\(namespaceURI ?? "")#\(elementName)"
            if qualified == "\(Self.xsd)#element", stack.last == "\(Self.xsd)#schema", let name = attributes["name"] {
                names.append(name)
            }
            stack.append(qualified)
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            stack.removeLast()
        }
    }
}

@Suite("Contract table")
struct ContractTests {
    @Test
    func everySOAPOperationHasARESTTwinInTheOpenAPIDocument() throws {
        let operationIds = Set(try ContractDocuments.openAPIOperationIds())
        #expect(operationIds.contains("getMe"), "the OpenAPI document was read")
        for operation in SOAPOperation.allCases {
            #expect(operationIds.contains(operation.restOperationId), "\(operation.rawValue) → \(operation.restOperationId) is not an operationId")
        }
    }

    @Test
    func operationIdsOfTheOpenAPIDocumentAreUnique() throws {
        let operationIds = try ContractDocuments.openAPIOperationIds()
        #expect(operationIds.count == 182)
        let duplicates = Dictionary(grouping: operationIds, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
        #expect(duplicates == [])
    }

    @Test
    func wsdlOperationsAndSOAPOperationCasesAreTheSameSet() throws {
        let elements = try ContractDocuments.wsdlTopLevelElements()
        let operations = Set(elements.filter { !$0.hasSuffix("Response") })
        let cases = Set(SOAPOperation.allCases.map(\.rawValue))
        #expect(!operations.isEmpty)
        #expect(operations.subtracting(cases).sorted() == [], "WSDL operations without a SOAPOperation case")
        #expect(cases.subtracting(operations).sorted() == [], "SOAPOperation cases missing from the WSDL")
        // Each operation also declares its response wrapper.
        for operation in cases {
            #expect(elements.contains("\(operation)Response"), "\(operation)Response is not declared")
        }
    }

    @Test
    func theServedContractsAreTheFilesOfTheRepository() throws {
        #expect(Contract.openAPI == Array(try Data(contentsOf: ContractDocuments.openAPIURL)))
        #expect(Contract.wsdl == Array(try Data(contentsOf: ContractDocuments.wsdlURL)))
    }
}
