/// The SOAP operations of wsdl/tws.wsdl and the REST operation each one mirrors. The contract
/// test checks that this table, the WSDL and the OpenAPI document agree.
public enum SOAPOperation: String, CaseIterable, Sendable {
    case login = "Login"
    case logout = "Logout"
    case getMe = "GetMe"
    case adminLogin = "AdminLogin"
    case changeAdminPassword = "ChangeAdminPassword"
    case listUsers = "ListUsers"
    case getLicences = "GetLicences"
    case getResolvedParameters = "GetResolvedParameters"

    /// The operationId of the REST twin in openapi/tws.yaml.
    public var restOperationId: String {
        switch self {
        case .login: "login"
        case .logout: "logout"
        case .getMe: "getMe"
        case .adminLogin: "adminLogin"
        case .changeAdminPassword: "changeAdminPassword"
        case .listUsers: "listUsers"
        case .getLicences: "listLicences"
        case .getResolvedParameters: "getResolvedParameters"
        }
    }
}
