/*
 * A PKCS#11 pass-through module for tests: forwards every call to the module named by
 * GARAGE_SHIM_TARGET and appends one line per session/login/sign/mechanism-list call to
 * GARAGE_SHIM_LOG:
 *
 *   <function> <CKR value in hex> sessions=<open sessions> max=<most open at once>
 *
 * so a test can count C_Login per run and check that no run opened more sessions than allowed.
 * GARAGE_SHIM_PAUSE=<function>:<n>:<folder> makes the n-th call of that function (counted from the
 * module's load) create <folder>/paused and wait, up to 120 s, until <folder>/resume exists, so a
 * test can kill the token server between two calls deterministically.
 * GARAGE_SHIM_MAX_SESSIONS=<n> makes C_GetTokenInfo report ulMaxSessionCount n, as a token with
 * few sessions (YubiHSM 2: 16) would.
 * GARAGE_SHIM_SLOW=<function>:<ms>:<folder> makes every call of that function (C_Sign: only the
 * call producing the signature) create <folder>/slow and then take <ms> milliseconds inside the
 * module, as a token waiting for a touch, a PIN pad or a far network does. Meanwhile the module
 * is busy: every other call this shim wraps (sessions, login, logout, C_Finalize, ...) waits until
 * the slow one has returned, as on a module that serialises its calls — so a process that tried
 * to clean up on the token while the slow call runs would wait for it.
 *
 * GARAGE_SHIM_RESTRICTED_TEMPLATE=<n> adds CKA_ENCRYPT=CKA_WRAP=false to the public and
 * CKA_DECRYPT=CKA_UNWRAP=false to the private template of the first n C_GenerateKeyPair calls: the
 * template tpm2-pkcs11 1.9 refuses, so a test can make a generation fail inside the real module.
 *
 * Built by the tests with gcc (io.garagehsm.remote.LoggingShim); never shipped.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <p11-kit/pkcs11.h>

static CK_FUNCTION_LIST *target;
static CK_FUNCTION_LIST shim;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long open_sessions, max_sessions;
static char pause_function[64];
static long pause_at;
static char pause_folder[4096];
static long calls_of_pause_function;
static char slow_function[64];
static long slow_ms;
static char slow_folder[4096];
static long restricted_generations;
/* Held for the whole of every wrapped call while GARAGE_SHIM_SLOW is set: the module is busy. */
static pthread_mutex_t busy = PTHREAD_MUTEX_INITIALIZER;

static void busy_begin(void) {
  if (slow_ms > 0) pthread_mutex_lock(&busy);
}

static void busy_end(void) {
  if (slow_ms > 0) pthread_mutex_unlock(&busy);
}

static void maybe_slow(const char *fn) {
  if (slow_ms <= 0 || strcmp(fn, slow_function) != 0) return;
  char marker[4200];
  snprintf(marker, sizeof marker, "%s/slow", slow_folder);
  FILE *f = fopen(marker, "w");
  if (f != NULL) fclose(f);
  struct timespec ts = {slow_ms / 1000, (slow_ms % 1000) * 1000 * 1000};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

static void log_call(const char *fn, CK_RV rv, long delta) {
  pthread_mutex_lock(&lock);
  if (rv == CKR_OK) {
    open_sessions += delta;
    if (open_sessions < 0) open_sessions = 0;
    if (open_sessions > max_sessions) max_sessions = open_sessions;
  }
  const char *path = getenv("GARAGE_SHIM_LOG");
  if (path != NULL) {
    FILE *f = fopen(path, "a");
    if (f != NULL) {
      fprintf(f, "%s 0x%lx sessions=%ld max=%ld\n", fn, (unsigned long)rv, open_sessions,
              max_sessions);
      fclose(f);
    }
  }
  pthread_mutex_unlock(&lock);
}

static void maybe_pause(const char *fn) {
  if (pause_at <= 0 || strcmp(fn, pause_function) != 0) return;
  pthread_mutex_lock(&lock);
  long n = ++calls_of_pause_function;
  pthread_mutex_unlock(&lock);
  if (n != pause_at) return;
  char marker[4200];
  snprintf(marker, sizeof marker, "%s/paused", pause_folder);
  FILE *f = fopen(marker, "w");
  if (f != NULL) fclose(f);
  snprintf(marker, sizeof marker, "%s/resume", pause_folder);
  struct stat st;
  for (int i = 0; i < 12000 && stat(marker, &st) != 0; i++) {
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
}

static CK_RV shim_Initialize(CK_VOID_PTR args) {
  busy_begin();
  CK_RV rv = target->C_Initialize(args);
  log_call("C_Initialize", rv, 0);
  busy_end();
  return rv;
}

static CK_RV shim_Finalize(CK_VOID_PTR reserved) {
  busy_begin();
  CK_RV rv = target->C_Finalize(reserved);
  pthread_mutex_lock(&lock);
  open_sessions = 0;
  pthread_mutex_unlock(&lock);
  log_call("C_Finalize", rv, 0);
  busy_end();
  return rv;
}

static CK_RV shim_OpenSession(CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR app, CK_NOTIFY notify,
                              CK_SESSION_HANDLE_PTR session) {
  busy_begin();
  CK_RV rv = target->C_OpenSession(slot, flags, app, notify, session);
  log_call("C_OpenSession", rv, 1);
  busy_end();
  return rv;
}

static CK_RV shim_CloseSession(CK_SESSION_HANDLE session) {
  busy_begin();
  CK_RV rv = target->C_CloseSession(session);
  log_call("C_CloseSession", rv, -1);
  busy_end();
  return rv;
}

static CK_RV shim_CloseAllSessions(CK_SLOT_ID slot) {
  busy_begin();
  CK_RV rv = target->C_CloseAllSessions(slot);
  pthread_mutex_lock(&lock);
  if (rv == CKR_OK) open_sessions = 0;
  pthread_mutex_unlock(&lock);
  log_call("C_CloseAllSessions", rv, 0);
  busy_end();
  return rv;
}

static CK_RV shim_Login(CK_SESSION_HANDLE session, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin,
                        CK_ULONG pin_len) {
  maybe_pause("C_Login");
  busy_begin();
  maybe_slow("C_Login");
  CK_RV rv = target->C_Login(session, user, pin, pin_len);
  log_call(user == CKU_CONTEXT_SPECIFIC ? "C_Login(context)" : "C_Login", rv, 0);
  busy_end();
  return rv;
}

static CK_RV shim_Logout(CK_SESSION_HANDLE session) {
  busy_begin();
  CK_RV rv = target->C_Logout(session);
  log_call("C_Logout", rv, 0);
  busy_end();
  return rv;
}

static CK_RV shim_SignInit(CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key) {
  maybe_pause("C_SignInit");
  busy_begin();
  CK_RV rv = target->C_SignInit(session, mechanism, key);
  log_call("C_SignInit", rv, 0);
  busy_end();
  return rv;
}

static CK_RV shim_Sign(CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig,
                       CK_ULONG_PTR sig_len) {
  /* Only a call that produces the signature counts (not the length query with sig == NULL). */
  if (sig != NULL) maybe_pause("C_Sign");
  busy_begin();
  if (sig != NULL) maybe_slow("C_Sign");
  CK_RV rv = target->C_Sign(session, data, len, sig, sig_len);
  busy_end();
  if (sig != NULL) log_call("C_Sign", rv, 0);
  return rv;
}

static CK_RV shim_GenerateKeyPair(CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism,
                                  CK_ATTRIBUTE_PTR pub, CK_ULONG pub_count, CK_ATTRIBUTE_PTR priv,
                                  CK_ULONG priv_count, CK_OBJECT_HANDLE_PTR pub_key,
                                  CK_OBJECT_HANDLE_PTR priv_key) {
  maybe_pause("C_GenerateKeyPair");
  busy_begin();
  maybe_slow("C_GenerateKeyPair");
  CK_RV rv;
  pthread_mutex_lock(&lock);
  int restrict_this = restricted_generations > 0 && pub_count < 60 && priv_count < 60;
  if (restrict_this) restricted_generations--;
  pthread_mutex_unlock(&lock);
  if (restrict_this) {
    static CK_BBOOL no = CK_FALSE;
    CK_ATTRIBUTE pub2[64], priv2[64];
    memcpy(pub2, pub, pub_count * sizeof *pub);
    memcpy(priv2, priv, priv_count * sizeof *priv);
    pub2[pub_count] = (CK_ATTRIBUTE){CKA_ENCRYPT, &no, sizeof no};
    pub2[pub_count + 1] = (CK_ATTRIBUTE){CKA_WRAP, &no, sizeof no};
    priv2[priv_count] = (CK_ATTRIBUTE){CKA_DECRYPT, &no, sizeof no};
    priv2[priv_count + 1] = (CK_ATTRIBUTE){CKA_UNWRAP, &no, sizeof no};
    rv = target->C_GenerateKeyPair(session, mechanism, pub2, pub_count + 2, priv2, priv_count + 2,
                                   pub_key, priv_key);
  } else {
    rv = target->C_GenerateKeyPair(session, mechanism, pub, pub_count, priv, priv_count, pub_key,
                                   priv_key);
  }
  log_call("C_GenerateKeyPair", rv, 0);
  busy_end();
  return rv;
}

static CK_RV shim_GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info) {
  busy_begin();
  CK_RV rv = target->C_GetTokenInfo(slot, info);
  const char *max = getenv("GARAGE_SHIM_MAX_SESSIONS");
  if (rv == CKR_OK && info != NULL && max != NULL) info->ulMaxSessionCount = strtoul(max, NULL, 10);
  busy_end();
  return rv;
}

/* Logged so that a test can count round trips spent on listing a token's mechanisms. */
static CK_RV shim_GetMechanismList(CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count) {
  busy_begin();
  CK_RV rv = target->C_GetMechanismList(slot, list, count);
  log_call("C_GetMechanismList", rv, 0);
  busy_end();
  return rv;
}

static CK_RV shim_GetMechanismInfo(CK_SLOT_ID slot, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info) {
  busy_begin();
  CK_RV rv = target->C_GetMechanismInfo(slot, type, info);
  log_call("C_GetMechanismInfo", rv, 0);
  busy_end();
  return rv;
}

static CK_RV shim_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list);

static int load_target(void) {
  if (target != NULL) return 1;
  const char *path = getenv("GARAGE_SHIM_TARGET");
  if (path == NULL) return 0;
  void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (handle == NULL) return 0;
  CK_C_GetFunctionList get = (CK_C_GetFunctionList)dlsym(handle, "C_GetFunctionList");
  if (get == NULL || get(&target) != CKR_OK || target == NULL) return 0;
  shim = *target;
  shim.C_Initialize = shim_Initialize;
  shim.C_Finalize = shim_Finalize;
  shim.C_GetFunctionList = shim_GetFunctionList;
  shim.C_GetTokenInfo = shim_GetTokenInfo;
  shim.C_GetMechanismList = shim_GetMechanismList;
  shim.C_GetMechanismInfo = shim_GetMechanismInfo;
  shim.C_OpenSession = shim_OpenSession;
  shim.C_CloseSession = shim_CloseSession;
  shim.C_CloseAllSessions = shim_CloseAllSessions;
  shim.C_Login = shim_Login;
  shim.C_Logout = shim_Logout;
  shim.C_SignInit = shim_SignInit;
  shim.C_Sign = shim_Sign;
  shim.C_GenerateKeyPair = shim_GenerateKeyPair;
  const char *p = getenv("GARAGE_SHIM_PAUSE");
  if (p != NULL) {
    const char *c1 = strchr(p, ':');
    const char *c2 = c1 == NULL ? NULL : strchr(c1 + 1, ':');
    if (c1 != NULL && c2 != NULL && (size_t)(c1 - p) < sizeof pause_function) {
      memcpy(pause_function, p, (size_t)(c1 - p));
      pause_at = strtol(c1 + 1, NULL, 10);
      snprintf(pause_folder, sizeof pause_folder, "%s", c2 + 1);
    }
  }
  const char *r = getenv("GARAGE_SHIM_RESTRICTED_TEMPLATE");
  if (r != NULL) restricted_generations = strtol(r, NULL, 10);
  const char *w = getenv("GARAGE_SHIM_SLOW");
  if (w != NULL) {
    const char *c1 = strchr(w, ':');
    const char *c2 = c1 == NULL ? NULL : strchr(c1 + 1, ':');
    if (c1 != NULL && c2 != NULL && (size_t)(c1 - w) < sizeof slow_function) {
      memcpy(slow_function, w, (size_t)(c1 - w));
      slow_ms = strtol(c1 + 1, NULL, 10);
      snprintf(slow_folder, sizeof slow_folder, "%s", c2 + 1);
    }
  }
  return 1;
}

static CK_RV shim_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list) {
  if (list == NULL) return CKR_ARGUMENTS_BAD;
  pthread_mutex_lock(&lock);
  int ok = load_target();
  pthread_mutex_unlock(&lock);
  if (!ok) return CKR_GENERAL_ERROR;
  *list = &shim;
  return CKR_OK;
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list) { return shim_GetFunctionList(list); }
