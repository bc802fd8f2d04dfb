// The PKCS#11 C interface (p11-kit's pkcs11.h, copied beside this file with its
// notice) plus the one thing Swift cannot do itself: load a module with dlopen
// and ask it for its function list.
#ifndef OPENKCM_CPKCS11_H
#define OPENKCM_CPKCS11_H

#include "pkcs11.h"

/// Loads the PKCS#11 module at `path` and returns its function list in `list`.
/// Returns the dlopen handle, or NULL with a static message in `error`.
void *openkcm_p11_load(const char *path, CK_FUNCTION_LIST_PTR *list, const char **error);

#endif
