#ifndef CLDAP_SHIM_H
#define CLDAP_SHIM_H

/*
 * Umbrella header for the OpenLDAP client library (libldap + liblber, Debian package libldap-dev).
 * The Auth module uses it for one simple bind per sign-in; every option is set on the handle,
 * never globally, so binds with different TLS settings can run side by side.
 */
#include <lber.h>
#include <ldap.h>

#endif /* CLDAP_SHIM_H */
