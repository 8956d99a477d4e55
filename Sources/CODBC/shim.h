#ifndef CODBC_SHIM_H
#define CODBC_SHIM_H

/*
 * Umbrella header for the unixODBC driver manager (Debian package unixodbc-dev), used by the
 * Connectors module to read directories from SQL databases. Function-like macros and pointer-valued
 * constants do not import into Swift, so they are re-exported as inline functions.
 */
#include <sql.h>
#include <sqlext.h>

/* SQL_SUCCEEDED(rc): SQL_SUCCESS or SQL_SUCCESS_WITH_INFO. */
static inline int codbc_succeeded(SQLRETURN rc) { return SQL_SUCCEEDED(rc); }

/* SQLSetEnvAttr(SQL_ATTR_ODBC_VERSION) takes the version as a pointer-sized integer. */
static inline SQLPOINTER codbc_ov_odbc3(void) { return (SQLPOINTER)SQL_OV_ODBC3; }

/* Integer-valued connection attributes are passed the same way. */
static inline SQLPOINTER codbc_uinteger(SQLUINTEGER value) { return (SQLPOINTER)(SQLULEN)value; }

#endif /* CODBC_SHIM_H */
