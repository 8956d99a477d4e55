#ifndef CLIBXML2_SHIM_H
#define CLIBXML2_SHIM_H

/*
 * Umbrella header for the libxml2 pieces the XML and SOAP modules use. Debian installs the
 * headers under /usr/include/libxml2; the -I flag comes from pkg-config (libxml-2.0).
 */
#include <libxml/xmlversion.h>
/*
 * Debian builds libxml2 with ICU, so encoding.h would include the system <unicode/*.h>, whose UErrorCode
 * clashes with Foundation's bundled ICU ("has different definitions in different modules"). Only the tail of
 * xmlCharEncodingHandler (two ICU converter pointers) depends on this macro; Swift never allocates, copies or
 * reads that struct, so hiding the ICU part is layout-safe for everything the XML and SOAP modules touch.
 */
#undef LIBXML_ICU_ENABLED
#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

/*
 * libxml2's generic error callback is variadic, which Swift cannot implement. This
 * no-op is installed as the generic handler while the XML and SOAP modules call into libxml2,
 * so that no message that bypasses the structured handler can reach stderr.
 */
static inline void clibxml2_discard_generic_error(void *context, const char *message, ...) {
    (void)context;
    (void)message;
}

/* The error handlers that were active on a thread before clibxml2_install_error_handlers. */
typedef struct {
    xmlGenericErrorFunc genericHandler;
    void *genericContext;
    xmlStructuredErrorFunc structuredHandler;
    void *structuredContext;
} clibxml2_error_handlers;

/*
 * Installs `handler` (with `context`) as the structured error handler and silences the
 * generic one, returning the previous handlers. libxml2 2.9 keeps these in per-thread
 * global state, so this only affects the calling thread; the xmlGenericError* and
 * xmlStructuredError* names are macros that Swift cannot import, hence this shim.
 */
static inline clibxml2_error_handlers clibxml2_install_error_handlers(void *context, xmlStructuredErrorFunc handler) {
    clibxml2_error_handlers previous;
    previous.genericHandler = xmlGenericError;
    previous.genericContext = xmlGenericErrorContext;
    previous.structuredHandler = xmlStructuredError;
    previous.structuredContext = xmlStructuredErrorContext;
    xmlSetGenericErrorFunc(NULL, clibxml2_discard_generic_error);
    xmlSetStructuredErrorFunc(context, handler);
    return previous;
}

/* Restores the handlers returned by clibxml2_install_error_handlers on the calling thread. */
static inline void clibxml2_restore_error_handlers(clibxml2_error_handlers previous) {
    xmlSetGenericErrorFunc(previous.genericContext, previous.genericHandler);
    xmlSetStructuredErrorFunc(previous.structuredContext, previous.structuredHandler);
}

#endif /* CLIBXML2_SHIM_H */
