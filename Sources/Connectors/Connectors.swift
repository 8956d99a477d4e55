// Directory and user-import connectors (LDAP, SQL over ODBC, CSV) arrive with the directories issue.
