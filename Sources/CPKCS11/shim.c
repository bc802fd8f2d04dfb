#include "CPKCS11.h"
#include <dlfcn.h>
#include <stddef.h>

void *openkcm_p11_load(const char *path, CK_FUNCTION_LIST_PTR *list, const char **error) {
    *list = NULL;
    *error = NULL;
    // RTLD_LOCAL: two modules exporting the same C_* symbols must not shadow each other.
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        const char *reason = dlerror();
        *error = reason != NULL ? reason : "dlopen failed";
        return NULL;
    }
    CK_C_GetFunctionList getFunctionList = (CK_C_GetFunctionList)dlsym(handle, "C_GetFunctionList");
    if (getFunctionList == NULL) {
        *error = "the module does not export C_GetFunctionList";
        dlclose(handle);
        return NULL;
    }
    if (getFunctionList(list) != CKR_OK || *list == NULL) {
        *error = "C_GetFunctionList failed";
        dlclose(handle);
        return NULL;
    }
    return handle;
}
