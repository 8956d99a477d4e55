// The server side of SPNEGO (RFC 4559 "Negotiate") over MIT GSSAPI, with Kerberos and, when gss-ntlmssp is
// installed, NTLM. A thin C layer because GSSAPI's macros (GSS_ERROR, GSS_C_NO_*, status bits) do not import into
// Swift; everything else stays in Swift (Sources/Auth/Negotiate*.swift).
#ifndef TWS_GSS_H
#define TWS_GSS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// An acceptor credential (opaque `gss_cred_id_t`).
typedef struct tws_gss_acceptor tws_gss_acceptor;
/// One client's security context while a multi-leg exchange goes on (opaque `gss_ctx_id_t`).
typedef struct tws_gss_context tws_gss_context;

enum tws_gss_mech { TWS_GSS_MECH_OTHER = 0, TWS_GSS_MECH_KERBEROS = 1, TWS_GSS_MECH_NTLM = 2 };
enum tws_gss_result { TWS_GSS_ERROR = -1, TWS_GSS_COMPLETE = 0, TWS_GSS_CONTINUE = 1 };

/// Acquires the acceptor credential for `service` (host-based, e.g. "HTTP@localhost") from `keytab`, plus NTLM users
/// from `ntlm_user_file` (gss-ntlmssp's `DOMAIN:user:password` file) when not NULL. Passed per credential, never
/// through process-wide environment variables. The Kerberos part is checked on its own first, because SPNEGO would
/// otherwise accept a missing keytab when NTLM alone is available. Returns NULL and writes `error` on failure.
tws_gss_acceptor *tws_gss_acceptor_create(const char *keytab, const char *service, const char *ntlm_user_file, int kerberos_only,
                                          char *error, size_t error_size);
void tws_gss_acceptor_free(tws_gss_acceptor *acceptor);

/// One leg: consumes `token`, may update `*context` (create it on the first leg). On TWS_GSS_CONTINUE or
/// TWS_GSS_COMPLETE, `*output` (free with `tws_gss_free`) holds the token to send back, possibly empty. On
/// TWS_GSS_COMPLETE, `principal` holds the client's name (`user@REALM`, or `DOMAIN\user` for NTLM) and `*mech` the
/// mechanism. On TWS_GSS_ERROR, `error` says why; the context is released.
int tws_gss_accept(tws_gss_acceptor *acceptor, tws_gss_context **context, const uint8_t *token, size_t token_size,
                   uint8_t **output, size_t *output_size, char *principal, size_t principal_size, int *mech, char *error,
                   size_t error_size);
void tws_gss_context_free(tws_gss_context *context);
void tws_gss_free(void *pointer);

#ifdef __cplusplus
}
#endif
#endif
