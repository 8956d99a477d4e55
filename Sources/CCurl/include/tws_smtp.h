// Sending one e-mail over SMTP with libcurl (Debian's libcurl4-openssl-dev): STARTTLS, AUTH, timeouts. A thin C layer
// because curl_easy_setopt is variadic and does not import into Swift; the message itself is built in Swift
// (Sources/Connectors/Mail).
#ifndef TWS_SMTP_H
#define TWS_SMTP_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum tws_smtp_tls {
    /// Plain SMTP: no STARTTLS even when offered.
    TWS_SMTP_TLS_NONE = 0,
    /// STARTTLS when the server offers it, plain otherwise.
    TWS_SMTP_TLS_WHEN_OFFERED = 1,
    /// STARTTLS or fail.
    TWS_SMTP_TLS_REQUIRED = 2,
    /// TLS from the first byte (smtps://, port 465).
    TWS_SMTP_TLS_IMPLICIT = 3,
};

/// Sends `message` (a complete RFC 5322 message, CRLF line ends) from `from` to the `count` addresses of `recipients`
/// through `host`:`port`. `username` and `password` (NULL: no AUTH) log in after STARTTLS. `ca_file` (NULL: the
/// system's) checks the server's certificate; `verify` 0 skips the check (tests with a self-signed sink only).
/// `timeout_ms` bounds the whole exchange. Returns 0 when the server accepted the message; otherwise curl's error code,
/// with a readable reason in `error` and the SMTP reply code (0 when there was none) in `*smtp_code`.
int tws_smtp_send(const char *host, int port, int tls, const char *username, const char *password, const char *ca_file,
                  int verify, const char *from, const char *const *recipients, size_t count, const char *message,
                  size_t message_size, long timeout_ms, long *smtp_code, char *error, size_t error_size);

#ifdef __cplusplus
}
#endif

#endif
