/// The contract documents, embedded in the binary at build time from openapi/tws.yaml and
/// wsdl/tws.wsdl (through the symlinks in Sources/Endpoints/Contract), so a deployed server
/// always serves the contract it was generated from.
public enum Contract {
    public static var openAPI: [UInt8] { PackageResources.tws_yaml }
    public static var wsdl: [UInt8] { PackageResources.tws_wsdl }
}
