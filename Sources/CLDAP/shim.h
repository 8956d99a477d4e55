#ifndef CLDAP_SHIM_H
#define CLDAP_SHIM_H

/*
 * Umbrella header for the OpenLDAP client library (libldap + liblber, Debian package libldap-dev).
 * Only the LDAP module uses the handle (LDAPConnection, for sign-in binds and directory searches); every
 * option is set on the handle, never globally, so connections with different TLS settings run side by side.
 */
#include <lber.h>
#include <ldap.h>

/*
 * Puts liblber's read-ahead layer (16 KiB) above a connection's socket, once. libldap 2.5 reads TCP without one:
 * two read(2) calls per message, its header and then the rest (2.6 adds the layer itself, as 2.5 does for UDP).
 * Returns 1 when the layer is there afterwards. A C global (the layer's table) is not reachable from Swift 6's strict
 * concurrency, hence this helper.
 */
static inline int cldap_read_ahead(Sockbuf *sockbuf) {
    if (ber_sockbuf_ctrl(sockbuf, LBER_SB_OPT_HAS_IO, &ber_sockbuf_io_readahead) == 1) return 1;
    if (ber_sockbuf_add_io(sockbuf, &ber_sockbuf_io_readahead, LBER_SBIOD_LEVEL_PROVIDER, NULL) != 0) return 0;
    return ber_sockbuf_ctrl(sockbuf, LBER_SB_OPT_HAS_IO, &ber_sockbuf_io_readahead) == 1;
}

#endif /* CLDAP_SHIM_H */
