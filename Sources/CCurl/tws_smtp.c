#include "tws_smtp.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

struct tws_upload {
    const char *data;
    size_t size;
    size_t sent;
};

static size_t tws_read(char *buffer, size_t size, size_t count, void *context) {
    struct tws_upload *upload = context;
    size_t room = size * count;
    size_t left = upload->size - upload->sent;
    size_t chunk = left < room ? left : room;
    memcpy(buffer, upload->data + upload->sent, chunk);
    upload->sent += chunk;
    return chunk;
}

int tws_smtp_send(const char *host, int port, int tls, const char *username, const char *password, const char *ca_file,
                  int verify, const char *from, const char *const *recipients, size_t count, const char *message,
                  size_t message_size, long timeout_ms, long *smtp_code, char *error, size_t error_size) {
    char url[600];
    char reason[CURL_ERROR_SIZE] = {0};
    struct curl_slist *to = NULL;
    struct tws_upload upload = {message, message_size, 0};
    CURLcode result;
    CURL *curl;

    *smtp_code = 0;
    if (error_size > 0) error[0] = '\0';
    if (snprintf(url, sizeof url, "%s://%s:%d", tls == TWS_SMTP_TLS_IMPLICIT ? "smtps" : "smtp", host, port) >= (int)sizeof url) {
        snprintf(error, error_size, "host name too long");
        return CURLE_URL_MALFORMAT;
    }
    curl = curl_easy_init();
    if (curl == NULL) {
        snprintf(error, error_size, "libcurl could not start");
        return CURLE_FAILED_INIT;
    }
    for (size_t i = 0; i < count; i++) {
        struct curl_slist *next = curl_slist_append(to, recipients[i]);
        if (next == NULL) {
            curl_slist_free_all(to);
            curl_easy_cleanup(curl);
            snprintf(error, error_size, "out of memory");
            return CURLE_OUT_OF_MEMORY;
        }
        to = next;
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    // SMTP only: no redirect to another protocol, no proxy from the environment.
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(curl, CURLOPT_PROXY, "");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, reason);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    if (tls == TWS_SMTP_TLS_WHEN_OFFERED) curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
    if (tls == TWS_SMTP_TLS_REQUIRED || tls == TWS_SMTP_TLS_IMPLICIT) curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    if (ca_file != NULL) curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
    if (username != NULL) {
        curl_easy_setopt(curl, CURLOPT_USERNAME, username);
        curl_easy_setopt(curl, CURLOPT_PASSWORD, password != NULL ? password : "");
    }
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, to);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, tws_read);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)message_size);

    result = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, smtp_code);
    if (result != CURLE_OK) {
        snprintf(error, error_size, "%s", reason[0] != '\0' ? reason : curl_easy_strerror(result));
    }
    curl_slist_free_all(to);
    curl_easy_cleanup(curl);
    return (int)result;
}
