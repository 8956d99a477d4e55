import Domain
import Foundation
import GRDB

extension AppDatabase {
    /// Append-only migrations; never edit one that has shipped.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "company") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull().unique().collate(.nocase)
            }
            try db.create(table: "domain") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("company", onDelete: .cascade).notNull()
                t.column("name", .text).notNull().collate(.nocase)
                t.column("numberingPlanLength", .integer).notNull()
                t.uniqueKey(["companyId", "name"])
            }
            try db.create(table: "admin_account") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("username", .text).notNull().unique().collate(.nocase)
                t.column("passwordHash", .text).notNull()
                t.column("superUser", .boolean).notNull()
                t.column("companyIds", .jsonText).notNull()
                t.column("mustChangePassword", .boolean).notNull()
            }
            try db.create(table: "session") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("tokenId", .text).notNull().unique()
                t.column("kind", .text).notNull()
                t.column("subjectId", .integer).notNull()
                t.belongsTo("company", onDelete: .cascade)
                t.column("method", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("expiresAt", .datetime).notNull().indexed()
                t.column("revokedAt", .datetime)
            }
            try db.create(index: "session_subject", on: "session", columns: ["kind", "subjectId"])
            try db.create(table: "user") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("company", onDelete: .cascade).notNull()
                t.belongsTo("domain", onDelete: .cascade).notNull()
                t.column("username", .text).notNull().collate(.nocase)
                t.column("firstName", .text).notNull()
                t.column("lastName", .text).notNull()
                t.column("email", .text).notNull()
                t.column("mobile", .text).notNull()
                t.column("enabled", .boolean).notNull()
                t.column("passwordHash", .text)
                t.column("culture", .text).notNull()
                t.column("voicemailPassword", .text)
                t.column("privateFields", .jsonText).notNull()
                t.uniqueKey(["domainId", "username"])
            }
            try db.create(table: "device") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("company", onDelete: .cascade).notNull()
                t.belongsTo("domain", onDelete: .cascade).notNull()
                t.belongsTo("user", onDelete: .cascade).notNull()
                t.column("number", .text).notNull()
                t.column("pbxProtocol", .text).notNull()
                t.column("lineCount", .integer).notNull()
                t.column("video", .boolean).notNull()
                t.column("password", .text)
                t.uniqueKey(["domainId", "number"])
            }
            try db.create(table: "user_group") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("company", onDelete: .cascade).notNull()
                t.belongsTo("domain", onDelete: .cascade).notNull()
                t.column("name", .text).notNull().collate(.nocase)
                t.uniqueKey(["domainId", "name"])
            }
            try db.create(table: "group_membership") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("company", onDelete: .cascade).notNull()
                t.column("groupId", .integer).notNull().references("user_group", onDelete: .cascade)
                t.belongsTo("user", onDelete: .cascade).notNull()
                t.uniqueKey(["groupId", "userId"])
            }
            try db.create(table: "licence") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("company", onDelete: .cascade).notNull()
                t.column("application", .text).notNull()
                t.column("available", .integer).notNull()
                t.uniqueKey(["companyId", "application"])
            }
            try db.create(table: "authorization") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("company", onDelete: .cascade).notNull()
                t.column("objectType", .text).notNull()
                t.column("application", .text)
                t.column("objectId", .integer)
                t.column("objectKind", .text)
                t.column("granteeType", .text).notNull()
                t.column("granteeId", .integer).notNull()
            }
            try db.create(index: "authorization_object", on: "authorization", columns: ["companyId", "objectType", "application"])
            try db.create(index: "authorization_grantee", on: "authorization", columns: ["granteeType", "granteeId"])
            try db.create(table: "parameter_value") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("company", onDelete: .cascade).notNull()
                t.column("scope", .text).notNull()
                t.column("scopeId", .integer).notNull()
                t.column("application", .text).notNull()
                t.column("name", .text).notNull()
                t.column("value", .text).notNull()
                t.uniqueKey(["scope", "scopeId", "application", "name"])
            }
            try db.create(table: "pbx_link") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("company", onDelete: .cascade).notNull()
                t.belongsTo("domain", onDelete: .cascade).notNull()
                t.column("host", .text).notNull()
                t.column("port", .integer).notNull()
                t.column("capacity", .integer).notNull()
                t.column("pbxType", .text).notNull()
                t.column("pbxDomain", .text).notNull()
                t.column("username", .text).notNull()
                t.column("password", .text)
            }
            try db.create(table: "intercom_group") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("company", onDelete: .cascade).notNull()
                t.belongsTo("domain", onDelete: .cascade).notNull()
                t.column("name", .text).notNull().collate(.nocase)
                t.column("devices", .jsonText).notNull()
                t.uniqueKey(["domainId", "name"])
            }
            try db.create(table: "phone_queue") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("company", onDelete: .cascade).notNull()
                t.belongsTo("domain", onDelete: .cascade).notNull()
                t.column("name", .text).notNull().collate(.nocase)
                t.column("device", .jsonText).notNull()
                t.uniqueKey(["domainId", "name"])
            }
            try db.create(table: "dialing_plan") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("company", onDelete: .cascade).notNull()
                t.belongsTo("domain", onDelete: .cascade).notNull().unique()
                t.column("internationalPrefix", .text).notNull()
                t.column("localCountryPrefix", .text).notNull()
                t.column("externalPrefix", .text).notNull()
                t.column("add", .text).notNull()
                t.column("remove", .integer).notNull()
                t.column("internalLength", .integer).notNull()
                t.column("internalReverseLength", .integer).notNull()
            }
            try db.create(table: "directory") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("company", onDelete: .cascade).notNull()
                t.belongsTo("domain", onDelete: .cascade).notNull()
                t.column("name", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("source", .text).notNull()
                t.column("priority", .integer).notNull()
            }
        }
        migrator.registerMigration("v2-telephony") { db in
            try db.alter(table: "dialing_plan") { t in
                t.add(column: "rules", .jsonText)
            }
            try db.create(table: "call_log") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("company", onDelete: .cascade).notNull()
                t.belongsTo("domain", onDelete: .cascade).notNull()
                t.belongsTo("user", onDelete: .cascade).notNull()
                t.column("device", .text).notNull()
                t.column("callId", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("peerNumber", .text)
                t.column("startedAt", .datetime).notNull()
                t.column("answeredAt", .datetime)
                t.column("durationSeconds", .integer).notNull()
            }
            try db.create(index: "call_log_user_time", on: "call_log", columns: ["userId", "startedAt"])
            try db.create(table: "user_presence") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("company", onDelete: .cascade).notNull()
                t.belongsTo("domain", onDelete: .cascade).notNull()
                t.belongsTo("user", onDelete: .cascade).notNull().unique()
                t.column("status", .text).notNull()
                t.column("message", .text)
                t.column("updatedAt", .datetime).notNull()
            }
        }
        migrator.registerMigration("v3-audit") { db in
            // No foreign keys: the trail outlives the users and companies it mentions.
            try db.create(table: "audit_log") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("time", .datetime).notNull()
                t.column("kind", .text).notNull()
                t.column("companyId", .integer)
                t.column("userId", .integer)
                t.column("username", .text).notNull()
                t.column("method", .text)
                t.column("clientAddress", .text)
                t.column("detail", .text)
            }
            try db.create(index: "audit_log_company_time", on: "audit_log", columns: ["companyId", "time"])
        }
        migrator.registerMigration("v4-directories") { db in
            try db.alter(table: "directory") { t in
                t.add(column: "connection", .jsonText)
                t.add(column: "fieldMap", .jsonText).notNull().defaults(to: #"{"fields":{}}"#)
                t.add(column: "synchronization", .jsonText).notNull().defaults(to: #"{"manual":{}}"#)
                t.add(column: "mergeContacts", .boolean).notNull().defaults(to: false)
                t.add(column: "syncGeneration", .integer).notNull().defaults(to: 0)
                t.add(column: "lastSync", .jsonText)
            }
            // The TWS users directory merges by e-mail from the start (admin guide 8.2.2).
            try db.execute(
                sql: #"UPDATE directory SET mergeContacts = 1, fieldMap = ? WHERE source = 'TwsUsers'"#,
                arguments: [
                    String(decoding: try JSONEncoder().encode(FieldMap.twsUsers), as: UTF8.self)
                ]
            )
            try db.create(table: "contact") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("company", onDelete: .cascade).notNull()
                t.belongsTo("domain", onDelete: .cascade).notNull()
                t.column("directoryId", .integer).notNull().references("directory", onDelete: .cascade)
                t.column("ownerUserId", .integer).references("user", onDelete: .cascade)
                t.column("externalId", .text).notNull()
                t.column("lastName", .text).notNull()
                t.column("firstName", .text).notNull()
                t.column("company", .text).notNull()
                t.column("picture", .text).notNull()
                t.column("phones", .jsonText).notNull()
                t.column("mail1", .text).notNull()
                t.column("mail2", .text).notNull()
                t.column("url", .text).notNull()
                t.column("privateFields", .jsonText).notNull()
                t.column("vip", .text).notNull()
                t.column("mergeKey", .text).notNull()
                t.column("contentHash", .text).notNull()
                t.column("syncGeneration", .integer).notNull()
                t.column("searchName", .text).notNull()
                t.column("searchCompany", .text).notNull()
                t.column("searchMail", .text).notNull()
                t.column("searchNumbers", .text).notNull()
                t.column("phoneKeys", .text).notNull()
                t.column("scope", .text).notNull()
            }
            try db.create(index: "contact_directory_external", on: "contact", columns: ["directoryId", "externalId"], unique: true)
            try db.create(index: "contact_directory_generation", on: "contact", columns: ["directoryId", "syncGeneration"])
            // Not a partial index (mergeKey <> ''): SQLite cannot prove that condition from `mergeKey IN (?)`, so the
            // merge lookup of every search page walked the company's whole companyId index instead (200 ms at 500,000).
            try db.create(index: "contact_merge", on: "contact", columns: ["companyId", "mergeKey"])
            try db.create(index: "contact_owner", on: "contact", columns: ["ownerUserId"])
            // Accent- and case-insensitive words, with 2- to 4-character prefix indexes (without them "gar*" merges
            // the lists of every word starting so, company words included: 300 ms at 500,000 contacts instead of 1 ms);
            // the contact table is the content, the triggers keep the index in step with every write. Who may read a
            // contact (its `scope`) is filtered in SQL, not indexed: a token every contact of a directory shares made
            // each lookup walk that whole directory's list (20 ms at 500,000).
            try db.execute(
                sql: """
                    CREATE VIRTUAL TABLE contact_fts USING fts5(
                        searchName, searchCompany, searchMail, searchNumbers, phoneKeys,
                        content='contact', content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='2 3 4');
                    CREATE TRIGGER contact_fts_insert AFTER INSERT ON contact BEGIN
                        INSERT INTO contact_fts(rowid, searchName, searchCompany, searchMail, searchNumbers, phoneKeys)
                        VALUES (new.id, new.searchName, new.searchCompany, new.searchMail, new.searchNumbers, new.phoneKeys);
                    END;
                    CREATE TRIGGER contact_fts_delete AFTER DELETE ON contact BEGIN
                        INSERT INTO contact_fts(contact_fts, rowid, searchName, searchCompany, searchMail, searchNumbers, phoneKeys)
                        VALUES ('delete', old.id, old.searchName, old.searchCompany, old.searchMail, old.searchNumbers, old.phoneKeys);
                    END;
                    CREATE TRIGGER contact_fts_update AFTER UPDATE OF searchName, searchCompany, searchMail, searchNumbers, phoneKeys ON contact BEGIN
                        INSERT INTO contact_fts(contact_fts, rowid, searchName, searchCompany, searchMail, searchNumbers, phoneKeys)
                        VALUES ('delete', old.id, old.searchName, old.searchCompany, old.searchMail, old.searchNumbers, old.phoneKeys);
                        INSERT INTO contact_fts(rowid, searchName, searchCompany, searchMail, searchNumbers, phoneKeys)
                        VALUES (new.id, new.searchName, new.searchCompany, new.searchMail, new.searchNumbers, new.phoneKeys);
                    END;
                    """
            )
            try db.create(table: "contact_list") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("company", onDelete: .cascade).notNull()
                t.belongsTo("domain", onDelete: .cascade).notNull()
                t.column("ownerUserId", .integer).notNull().references("user", onDelete: .cascade)
                t.column("name", .text).notNull()
                t.column("isPublic", .boolean).notNull()
                t.column("contactIds", .jsonText).notNull()
            }
            try db.create(index: "contact_list_owner", on: "contact_list", columns: ["ownerUserId"])
            try db.alter(table: "call_log") { t in t.add(column: "peerName", .text) }
            try db.create(index: "contact_list_domain_public", on: "contact_list", columns: ["domainId", "isPublic"])
        }
        migrator.registerMigration("v5-user-import") { db in
            // Admin guide 7.2: imports of users from LDAP or Active Directory into one domain.
            try db.create(table: "user_import") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("company", onDelete: .cascade).notNull()
                t.belongsTo("domain", onDelete: .cascade).notNull()
                t.column("name", .text).notNull().collate(.nocase)
                t.column("kind", .text).notNull()
                t.column("connection", .jsonText).notNull()
                t.column("mode", .text).notNull()
                t.column("fieldMap", .jsonText).notNull()
                t.column("pbxProtocol", .text).notNull()
                t.column("lineCount", .integer).notNull()
                // A deleted group stops being joined; the import itself stays.
                t.column("addToGroupId", .integer).references("user_group", onDelete: .setNull)
                t.column("customiseNumber", .boolean).notNull()
                t.column("lastReport", .jsonText)
                t.uniqueKey(["domainId", "name"])
            }
            // Deleting an import keeps its users, which then count as created by hand.
            try db.alter(table: "user") { t in
                t.add(column: "importId", .integer).references("user_import", onDelete: .setNull)
                t.add(column: "externalId", .text)
            }
            try db.create(index: "user_import_member", on: "user", columns: ["importId", "externalId"])
        }
        migrator.registerMigration("v6-contact-batch-index") { db in
            // The insert trigger costs FTS5 a statement per row: 500,000 synchronised contacts took a minute of index
            // writes, where one INSERT … SELECT per batch of 2,000 takes a quarter of that. Rows inserted by a batch
            // (`StoreTransaction.insertAll`) are marked and skipped by the trigger; the batch indexes them itself.
            try db.alter(table: "contact") { t in t.add(column: "indexedInBatch", .boolean).notNull().defaults(to: false) }
            try db.execute(
                sql: """
                    DROP TRIGGER contact_fts_insert;
                    CREATE TRIGGER contact_fts_insert AFTER INSERT ON contact WHEN NOT new.indexedInBatch BEGIN
                        INSERT INTO contact_fts(rowid, searchName, searchCompany, searchMail, searchNumbers, phoneKeys)
                        VALUES (new.id, new.searchName, new.searchCompany, new.searchMail, new.searchNumbers, new.phoneKeys);
                    END;
                    """
            )
        }
        migrator.registerMigration("v7-call-log-end") { db in
            // When each call ended at the device, and why an unanswered one ended (busy, link_lost, a refused MakeCall):
            // a CRM's history needs both. Rows written before have neither; their end is startedAt + duration at best.
            try db.alter(table: "call_log") { t in
                t.add(column: "endedAt", .datetime)
                t.add(column: "cause", .text)
            }
        }
        migrator.registerMigration("v8-alerter-templates") { db in
            // Admin guide 9.2.1: the Alerter's card templates, one set per domain, named as the AlerterXml parameter names them.
            try db.create(table: "alerter_template") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("company", onDelete: .cascade).notNull()
                t.belongsTo("domain", onDelete: .cascade).notNull()
                t.column("name", .text).notNull().collate(.nocase)
                t.column("xml", .text).notNull()
                t.column("updatedAt", .datetime).notNull()
                t.uniqueKey(["domainId", "name"])
            }
        }
        migrator.registerMigration("v9-phone-queue-alerts") { db in
            // Supervision thresholds of a shared phone queue (admin guide 9.2.2); NULL is no alert.
            try db.alter(table: "phone_queue") { t in
                t.add(column: "alertWaitingCalls", .integer)
                t.add(column: "alertLongestWaitSeconds", .integer)
            }
        }
        migrator.registerMigration("v10-forwarding-rules") { db in
            // Admin guide 9.1.8 and 9.6: users' forwarding rules (simple and advanced), and rules administrators impose on a
            // user or on every member of a group. The action and the conditions are JSON (Domain's RuleAction, RuleConditions).
            try db.create(table: "forwarding_rule") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("company", onDelete: .cascade).notNull()
                t.belongsTo("domain", onDelete: .cascade).notNull()
                t.belongsTo("user", onDelete: .cascade)
                t.column("groupId", .integer).references("user_group", onDelete: .cascade)
                t.column("imposed", .boolean).notNull()
                t.column("name", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("active", .boolean).notNull()
                t.column("priority", .integer).notNull()
                t.column("source", .text).notNull()
                t.column("action", .text).notNull()
                t.column("conditions", .text)
                t.column("updatedAt", .datetime).notNull()
                t.check(sql: "(userId IS NULL) != (groupId IS NULL)")
            }
            try db.create(index: "forwarding_rule_group", on: "forwarding_rule", columns: ["groupId"])
            try db.create(index: "forwarding_rule_company_active", on: "forwarding_rule", columns: ["companyId", "active"])
            // Schedules are read in the domain's time zone (IANA name).
            try db.alter(table: "domain") { t in t.add(column: "timeZone", .text).notNull().defaults(to: "UTC") }
            // A call that a rule forwarded away from the device says so in its call log.
            try db.alter(table: "call_log") { t in
                t.add(column: "ruleId", .integer)
                t.add(column: "ruleName", .text)
                t.add(column: "ruleDestination", .text)
            }
        }
        migrator.registerMigration("v11-rule-executions") { db in
            // What the rule engine decided for each call at each device (admin guide 9.6: no-answer timers, forwards,
            // prevented loops), kept so that a restart neither forgets a timer nor forwards a call twice. Pruned after
            // a day; not configuration (no version moves with it).
            try db.create(table: "rule_execution") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("domain", onDelete: .cascade).notNull()
                t.column("callId", .text).notNull()
                t.column("device", .text).notNull()
                t.belongsTo("user", onDelete: .cascade).notNull()
                // The rule may be deleted since: the decision keeps its name.
                t.column("ruleId", .integer)
                t.column("ruleName", .text).notNull()
                t.column("type", .text).notNull()
                t.column("stage", .text).notNull()
                t.column("deadline", .datetime)
                t.column("destination", .text)
                t.column("chain", .text).notNull()
                t.column("callerNumber", .text)
                t.column("reason", .text)
                t.column("createdAt", .datetime).notNull()
                t.uniqueKey(["domainId", "callId", "device"])
            }
            try db.create(index: "rule_execution_stage", on: "rule_execution", columns: ["stage"])
            try db.create(index: "rule_execution_created", on: "rule_execution", columns: ["createdAt"])
        }
        migrator.registerMigration("v12-api-keys") { db in
            // Issue 19: companies' API keys. Only the SHA-256 of a secret is stored (hex); the previous secret's hash is
            // kept during a rotation's overlap. Scopes, users and groups acted for, and allowed addresses are JSON.
            try db.create(table: "api_key") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("company", onDelete: .cascade).notNull()
                t.column("name", .text).notNull()
                t.column("scopes", .text).notNull()
                t.column("actsForUsers", .text).notNull()
                t.column("actsForGroups", .text).notNull()
                t.column("expiresAt", .datetime)
                t.column("allowedAddresses", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("lastUsedAt", .datetime)
                t.column("revokedAt", .datetime)
                t.column("prefix", .text).notNull()
                t.column("secretHash", .text).notNull().unique()
                t.column("previousSecretHash", .text)
                t.column("previousSecretUntil", .datetime)
            }
            try db.create(index: "api_key_previous_secret", on: "api_key", columns: ["previousSecretHash"])
        }
        migrator.registerMigration("v13-webhooks") { db in
            // Issue 19: webhook subscriptions of a company, and their outbox (one row per event and subscription,
            // written with the event) with the attempts made. Not configuration (no version moves with them).
            try db.create(table: "webhook") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("company", onDelete: .cascade).notNull()
                t.column("url", .text).notNull()
                t.column("events", .text).notNull()
                t.column("filters", .text).notNull()
                t.column("secret", .text).notNull()
                t.column("active", .boolean).notNull()
                t.column("description", .text)
                t.column("createdAt", .datetime).notNull()
                t.column("updatedAt", .datetime).notNull()
            }
            try db.create(table: "webhook_delivery") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("webhook", onDelete: .cascade).notNull()
                t.column("companyId", .integer).notNull()
                t.column("domainId", .integer)
                t.column("eventId", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("seq", .integer)
                t.column("body", .text).notNull()
                t.column("status", .text).notNull()
                t.column("attemptCount", .integer).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("windowStart", .datetime).notNull()
                t.column("nextAttemptAt", .datetime)
                t.column("deadReason", .text)
            }
            // The head of each subscription's queue: its oldest pending delivery.
            try db.create(index: "webhook_delivery_queue", on: "webhook_delivery", columns: ["webhookId", "status", "id"])
            try db.create(table: "webhook_attempt") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("delivery", inTable: "webhook_delivery", onDelete: .cascade).notNull()
                t.column("at", .datetime).notNull()
                t.column("httpStatus", .integer)
                t.column("error", .text)
                t.column("durationMs", .integer).notNull()
                t.column("responseExcerpt", .text)
            }
        }
        migrator.registerMigration("v14-cors-origins") { db in
            // Issue 19: the browser origins (normalised: lower-case, no default port) allowed to call the REST API
            // for a company; part of the configuration (configurationVersion moves with it).
            try db.create(table: "cors_origin") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("company", onDelete: .cascade).notNull()
                t.column("origin", .text).notNull()
                t.uniqueKey(["companyId", "origin"])
            }
            try db.create(index: "cors_origin_origin", on: "cors_origin", columns: ["origin"])
        }
        migrator.registerMigration("v15-callbacks") { db in
            // Issue 20: callback groups (configuration: their devices are supervised) and the visitors' requests, kept
            // through restarts. Hours and number rules are JSON. The partial index finds a number's pending request.
            try db.create(table: "callback_group") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("company", onDelete: .cascade).notNull()
                t.belongsTo("domain", onDelete: .cascade).notNull()
                t.column("name", .text).notNull().collate(.nocase)
                t.column("device", .text).notNull()
                t.column("members", .text).notNull()
                t.column("queue", .text)
                t.column("hours", .text).notNull()
                t.column("maxPending", .integer).notNull()
                t.column("noAnswerSeconds", .integer).notNull()
                t.column("retries", .integer).notNull()
                t.column("retrySpacingSeconds", .integer).notNull()
                t.column("numbers", .text).notNull()
                t.uniqueKey(["companyId", "name"])
            }
            try db.create(table: "callback_request") { t in
                t.primaryKey("id", .text)
                t.column("companyId", .integer).notNull()
                t.column("domainId", .integer).notNull()
                t.column("groupId", .integer).notNull().indexed()
                t.column("memberId", .integer)
                t.column("number", .text).notNull()
                t.column("dialled", .text).notNull()
                t.column("name", .text)
                t.column("status", .text).notNull()
                t.column("reason", .text)
                t.column("dueAt", .datetime).notNull()
                t.column("notAfter", .datetime)
                t.column("attempts", .integer).notNull()
                t.column("maxAttempts", .integer).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("updatedAt", .datetime).notNull()
                t.column("connectedAt", .datetime)
                t.column("completedAt", .datetime)
                t.column("apiKeyId", .integer)
                t.column("agentDevice", .text)
                t.column("agentCallId", .text)
            }
            try db.execute(
                sql: """
                    CREATE INDEX callback_request_pending ON callback_request(groupId, number)
                    WHERE status IN ('scheduled', 'calling-agent', 'calling-visitor')
                    """
            )
            try db.create(index: "callback_request_status", on: "callback_request", columns: ["status", "dueAt"])
            // A publishable key names the web origins whose pages may use it.
            try db.alter(table: "api_key") { t in t.add(column: "allowedOrigins", .text).notNull().defaults(to: "[]") }
        }
        migrator.registerMigration("v16-mail-outbox") { db in
            // Issue 20: whether a user wants missed-call e-mails; the mail outbox (one row per e-mail, written with
            // the call-log line of the missed call); the call-back links those e-mails carry (single use, expiring).
            // Not configuration (no version moves with them).
            try db.create(table: "notification_setting") { t in
                t.primaryKey("userId", .integer).references("user", onDelete: .cascade)
                t.column("companyId", .integer).notNull()
                t.column("missedCallEmail", .boolean).notNull()
            }
            try db.create(table: "mail_outbox") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("companyId", .integer).notNull()
                t.column("domainId", .integer).notNull()
                t.belongsTo("user", onDelete: .cascade).notNull()
                t.column("fromAddress", .text).notNull()
                t.column("fromName", .text)
                t.column("toAddress", .text).notNull()
                t.column("toName", .text)
                t.column("subject", .text).notNull()
                t.column("textBody", .text).notNull()
                t.column("htmlBody", .text)
                t.column("messageId", .text).notNull()
                t.column("status", .text).notNull()
                t.column("attemptCount", .integer).notNull()
                t.column("createdAt", .datetime).notNull()
                // When it is due: its creation, then its next attempt.
                t.column("dueAt", .datetime).notNull()
                t.column("lastError", .text)
                t.column("sentAt", .datetime)
            }
            // What is due: pending mails by when.
            try db.create(index: "mail_outbox_due", on: "mail_outbox", columns: ["status", "dueAt"])
            try db.create(table: "call_back_link") { t in
                t.primaryKey("id", .text)
                t.column("companyId", .integer).notNull()
                t.column("domainId", .integer).notNull()
                t.belongsTo("user", onDelete: .cascade).notNull()
                t.column("device", .text).notNull()
                t.column("number", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("expiresAt", .datetime).notNull()
                t.column("usedAt", .datetime)
            }
            try db.create(index: "call_back_link_expiry", on: "call_back_link", columns: ["expiresAt"])
        }
        migrator.registerMigration("v17-statistics") { db in
            // Issue 21: per user and local hour (the domain's time zone) call figures, added to in the transaction
            // that writes the call-log lines, kept as counts and sums so averages stay exact. `hourStart` is the
            // instant (Unix seconds) the local hour began. The primary key is the query's order: a user's days, then
            // hours, read as one range; pruning goes by domain and day. Not configuration (no version moves with it).
            try db.execute(
                sql: """
                    CREATE TABLE call_statistics (
                        userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                        day TEXT NOT NULL,
                        hourStart INTEGER NOT NULL,
                        hour INTEGER NOT NULL,
                        companyId INTEGER NOT NULL,
                        domainId INTEGER NOT NULL,
                        incoming INTEGER NOT NULL,
                        outgoing INTEGER NOT NULL,
                        missed INTEGER NOT NULL,
                        answered INTEGER NOT NULL,
                        outgoingConnected INTEGER NOT NULL,
                        talkSeconds INTEGER NOT NULL,
                        answerWaitSeconds INTEGER NOT NULL,
                        PRIMARY KEY (userId, day, hourStart)
                    ) WITHOUT ROWID
                    """
            )
            try db.create(index: "call_statistics_domain_day", on: "call_statistics", columns: ["domainId", "day"])
        }
        migrator.registerMigration("v18-calendar") { db in
            // Issue 21: a domain's CalDAV calendar connection (one per domain); the password is a secret, never answered.
            try db.create(table: "calendar_connection") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("companyId", .integer).notNull()
                t.column("domainId", .integer).notNull().unique().references("domain", onDelete: .cascade)
                t.column("serverURL", .text).notNull()
                t.column("username", .text).notNull()
                t.column("password", .text).notNull()
                t.column("calendarURLTemplate", .text).notNull()
                t.column("refreshSeconds", .integer).notNull()
                t.column("timeZone", .text).notNull()
                t.column("enabled", .boolean).notNull()
                t.column("updatedAt", .datetime).notNull()
            }
        }
        migrator.registerMigration("v19-voicemail-mail") { db in
            // Issue 21: whether a user wants an e-mail when a voicemail message is left for them.
            try db.alter(table: "notification_setting") { t in
                t.add(column: "voicemailEmail", .boolean).notNull().defaults(to: false)
            }
        }
        migrator.registerMigration("v20-contact-source-digest") { db in
            // Issue 22: a synchronisation compares a digest of each source row (and of the mapping that read it) with
            // the stored one, and skips mapping and writing the rows that did not change: 0 for rows written before,
            // which are mapped once more. Updated rows are indexed by batch like inserted ones (`updateBatch`): the update
            // trigger cost 0.35 ms of CPU a row. It now skips rows written with `indexedInBatch` set; every other
            // write of a contact (the record's own `encode`) sets it to false, so the trigger still indexes those.
            try db.alter(table: "contact") { t in t.add(column: "sourceDigest", .integer).notNull().defaults(to: 0) }
            // Unchanged contacts are no longer stamped with each run's generation; vanished ones are found by id.
            try db.drop(index: "contact_directory_generation")
            try db.execute(
                sql: """
                    DROP TRIGGER contact_fts_update;
                    CREATE TRIGGER contact_fts_update AFTER UPDATE OF searchName, searchCompany, searchMail, searchNumbers, phoneKeys ON contact
                    WHEN NOT new.indexedInBatch BEGIN
                        INSERT INTO contact_fts(contact_fts, rowid, searchName, searchCompany, searchMail, searchNumbers, phoneKeys)
                        VALUES ('delete', old.id, old.searchName, old.searchCompany, old.searchMail, old.searchNumbers, old.phoneKeys);
                        INSERT INTO contact_fts(rowid, searchName, searchCompany, searchMail, searchNumbers, phoneKeys)
                        VALUES (new.id, new.searchName, new.searchCompany, new.searchMail, new.searchNumbers, new.phoneKeys);
                    END;
                    """
            )
        }
        migrator.registerMigration("v21-contact-terms") { db in
            // Issue 22: the search index's terms, with the contacts and columns each is in, as FTS5 holds them; the
            // server reads them into memory (`ContactWordIndex`) to answer searches of words without FTS5.
            try db.execute(sql: "CREATE VIRTUAL TABLE contact_fts_vocab USING fts5vocab(contact_fts, instance)")
        }
        migrator.registerMigration("v22-contact-index-hash-size") { db in
            // Issue 22: FTS5 keeps a transaction's new index entries in memory up to this size, then writes them as a
            // new segment, which later merges rewrite. At the default 1 MiB, each 10,000-contact batch of a
            // synchronisation made several segments; at 8 MiB it makes one: replaying a first synchronisation of
            // 500,000 contacts through SQLite alone wrote 1,364 MiB instead of 1,554 and took 11% less time (32 MiB
            // gave the same). Only a transaction's own entries are held, so single writes are unchanged.
            try db.execute(sql: "INSERT INTO contact_fts(contact_fts, rank) VALUES('hashsize', 8388608)")
        }
        return migrator
    }
}
