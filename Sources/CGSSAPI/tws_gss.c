#include "tws_gss.h"

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tws_gss_acceptor { gss_cred_id_t credential; };
struct tws_gss_context { gss_ctx_id_t handle; };

static gss_OID_desc spnego_oid = {6, (void *)"\x2b\x06\x01\x05\x05\x02"};                  // 1.3.6.1.5.5.2
static gss_OID_desc krb5_oid = {9, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"};        // 1.2.840.113554.1.2.2
static gss_OID_desc ntlm_oid = {10, (void *)"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"};   // 1.3.6.1.4.1.311.2.2.10

static void status_text(OM_uint32 major, OM_uint32 minor, gss_OID mech, char *out, size_t size) {
    if (size == 0) return;
    out[0] = 0;
    size_t used = 0;
    OM_uint32 ignored, more = 0;
    gss_buffer_desc text;
    do {
        if (gss_display_status(&ignored, major, GSS_C_GSS_CODE, GSS_C_NO_OID, &more, &text) != GSS_S_COMPLETE) break;
        used += snprintf(out + used, used < size ? size - used : 0, "%s%.*s", used ? "; " : "", (int)text.length, (char *)text.value);
        gss_release_buffer(&ignored, &text);
    } while (more && used < size);
    more = 0;
    if (minor) do {
        if (gss_display_status(&ignored, minor, GSS_C_MECH_CODE, mech, &more, &text) != GSS_S_COMPLETE) break;
        used += snprintf(out + used, used < size ? size - used : 0, "%s%.*s", used ? "; " : "", (int)text.length, (char *)text.value);
        gss_release_buffer(&ignored, &text);
    } while (more && used < size);
}

tws_gss_acceptor *tws_gss_acceptor_create(const char *keytab, const char *service, const char *ntlm_user_file, int kerberos_only,
                                          char *error, size_t error_size) {
    OM_uint32 major, minor;
    gss_key_value_element_desc elements[2];
    gss_key_value_set_desc store = {0, elements};
    elements[store.count].key = "keytab";
    elements[store.count++].value = keytab;
    if (ntlm_user_file && !kerberos_only) {
        elements[store.count].key = "ntlmssp_keyfile";
        elements[store.count++].value = ntlm_user_file;
    }
    // Always a named credential: with no name, gss-ntlmssp crashes on the first NTLM token after a Kerberos login.
    gss_name_t name = GSS_C_NO_NAME;
    gss_buffer_desc service_buffer = {strlen(service), (void *)service};
    major = gss_import_name(&minor, &service_buffer, GSS_C_NT_HOSTBASED_SERVICE, &name);
    if (GSS_ERROR(major)) {
        status_text(major, minor, GSS_C_NO_OID, error, error_size);
        return NULL;
    }
    gss_OID_set_desc kerberos = {1, &krb5_oid};
    gss_cred_id_t probe = GSS_C_NO_CREDENTIAL;
    major = gss_acquire_cred_from(&minor, name, GSS_C_INDEFINITE, &kerberos, GSS_C_ACCEPT, &store, &probe, NULL, NULL);
    if (GSS_ERROR(major)) {
        status_text(major, minor, &krb5_oid, error, error_size);
        gss_release_name(&minor, &name);
        return NULL;
    }
    gss_release_cred(&minor, &probe);
    gss_OID_set_desc spnego = {1, &spnego_oid};
    gss_cred_id_t credential = GSS_C_NO_CREDENTIAL;
    major = gss_acquire_cred_from(&minor, name, GSS_C_INDEFINITE, &spnego, GSS_C_ACCEPT, &store, &credential, NULL, NULL);
    gss_release_name(&minor, &name);
    if (GSS_ERROR(major)) {
        status_text(major, minor, GSS_C_NO_OID, error, error_size);
        return NULL;
    }
    if (kerberos_only || !ntlm_user_file) {
        major = gss_set_neg_mechs(&minor, credential, &kerberos);
        if (GSS_ERROR(major)) {
            status_text(major, minor, GSS_C_NO_OID, error, error_size);
            gss_release_cred(&minor, &credential);
            return NULL;
        }
    }
    tws_gss_acceptor *acceptor = malloc(sizeof *acceptor);
    if (!acceptor) {
        gss_release_cred(&minor, &credential);
        snprintf(error, error_size, "out of memory");
        return NULL;
    }
    acceptor->credential = credential;
    return acceptor;
}

void tws_gss_acceptor_free(tws_gss_acceptor *acceptor) {
    if (!acceptor) return;
    OM_uint32 minor;
    gss_release_cred(&minor, &acceptor->credential);
    free(acceptor);
}

void tws_gss_context_free(tws_gss_context *context) {
    if (!context) return;
    OM_uint32 minor;
    if (context->handle != GSS_C_NO_CONTEXT) gss_delete_sec_context(&minor, &context->handle, GSS_C_NO_BUFFER);
    free(context);
}

void tws_gss_free(void *pointer) { free(pointer); }

int tws_gss_accept(tws_gss_acceptor *acceptor, tws_gss_context **context, const uint8_t *token, size_t token_size,
                   uint8_t **output, size_t *output_size, char *principal, size_t principal_size, int *mech, char *error,
                   size_t error_size) {
    *output = NULL;
    *output_size = 0;
    *mech = TWS_GSS_MECH_OTHER;
    if (principal_size) principal[0] = 0;
    if (!*context) {
        *context = calloc(1, sizeof **context);
        if (!*context) {
            snprintf(error, error_size, "out of memory");
            return TWS_GSS_ERROR;
        }
        (*context)->handle = GSS_C_NO_CONTEXT;
    }
    OM_uint32 major, minor, ignored;
    gss_buffer_desc input = {token_size, (void *)token}, out = GSS_C_EMPTY_BUFFER;
    gss_name_t source = GSS_C_NO_NAME;
    gss_OID used_mech = GSS_C_NO_OID;
    major = gss_accept_sec_context(&minor, &(*context)->handle, acceptor->credential, &input, GSS_C_NO_CHANNEL_BINDINGS, &source,
                                   &used_mech, &out, NULL, NULL, NULL);
    if (out.length) {
        *output = malloc(out.length);
        if (*output) {
            memcpy(*output, out.value, out.length);
            *output_size = out.length;
        }
    }
    gss_release_buffer(&ignored, &out);
    if (GSS_ERROR(major)) {
        status_text(major, minor, used_mech, error, error_size);
        if (source != GSS_C_NO_NAME) gss_release_name(&ignored, &source);
        tws_gss_context_free(*context);
        *context = NULL;
        return TWS_GSS_ERROR;
    }
    if (major & GSS_S_CONTINUE_NEEDED) {
        if (source != GSS_C_NO_NAME) gss_release_name(&ignored, &source);
        return TWS_GSS_CONTINUE;
    }
    if (used_mech && gss_oid_equal(used_mech, &krb5_oid)) *mech = TWS_GSS_MECH_KERBEROS;
    else if (used_mech && gss_oid_equal(used_mech, &ntlm_oid)) *mech = TWS_GSS_MECH_NTLM;
    gss_buffer_desc display = GSS_C_EMPTY_BUFFER;
    major = gss_display_name(&minor, source, &display, NULL);
    gss_release_name(&ignored, &source);
    if (GSS_ERROR(major)) {
        status_text(major, minor, GSS_C_NO_OID, error, error_size);
        tws_gss_context_free(*context);
        *context = NULL;
        return TWS_GSS_ERROR;
    }
    snprintf(principal, principal_size, "%.*s", (int)display.length, (char *)display.value);
    gss_release_buffer(&ignored, &display);
    tws_gss_context_free(*context);
    *context = NULL;
    return TWS_GSS_COMPLETE;
}
