import Foundation

/// Everything Domain reads and writes inside one database transaction: the records of every capability, each
/// declared by its capability in its own words (`UserRecords`, `ContactIndex`, …).
public protocol StoreTransaction: TenancyRecords, SessionRecords, UserRecords, RightsRecords, ParameterRecords, PbxRecords, DirectoryRecords,
    ContactIndex, UserImportRecords, TelephonyRecords, AlerterRecords, RuleRecords, RuleExecutionRecords,
    ApiKeyRecords, CorsOriginRecords, CallbackRecords, StatisticsRecords
{}
