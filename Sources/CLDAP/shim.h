#ifndef CLDAP_SHIM_H
#define CLDAP_SHIM_H

/*
 * Umbrella header for the OpenLDAP client library (libldap + liblber, Debian package libldap-dev).
 * Only the LDAP module uses the handle (LDAPConnection, for sign-in binds and directory searches); every
 * option is set on the handle, never globally, so connections with different TLS settings run side by side.
 */
#include <lber.h>
#include <ldap.h>

#endif /* CLDAP_SHIM_H */
