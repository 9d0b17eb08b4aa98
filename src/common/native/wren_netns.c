/*
 * wren_netns: network-namespace switching for the calling thread, as a small N-API addon.
 * Node has no setns(2); the CNI plugin needs rtnetlink sockets inside a container's namespace.
 * A socket belongs to the namespace it was created in, so it is enough to enter the namespace
 * on the JS thread, create the socket(s) synchronously and come back at once.
 *
 *   setns(fd, nstype)          setns(2) on the calling thread (nstype 0 = any type)
 *   runInNetns(fd, fn)         enters the network namespace `fd` refers to, calls fn() and
 *                              returns to the thread's original namespace before returning fn's
 *                              value or rethrowing its exception. Returning is mandatory: if the
 *                              thread cannot go back, the process aborts rather than go on in
 *                              the wrong namespace.
 *   CLONE_NEWNET               the nstype constant
 *
 * Errors are thrown as JS errors whose `code` is the errno name.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "wren_napi.h"

static int get_int(napi_env env, napi_value v, int32_t *out, const char *what) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number ||
      napi_get_value_int32(env, v, out) != napi_ok) {
    char msg[96];
    snprintf(msg, sizeof msg, "%s must be a number", what);
    napi_throw_type_error(env, "EINVAL", msg);
    return -1;
  }
  return 0;
}

static napi_value js_setns(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) {
    napi_throw_type_error(env, "EINVAL", "setns(fd, nstype): missing arguments");
    return NULL;
  }
  int32_t fd, nstype = 0;
  if (get_int(env, argv[0], &fd, "fd") < 0) return NULL;
  if (argc > 1 && get_int(env, argv[1], &nstype, "nstype") < 0) return NULL;
  if (setns(fd, nstype) != 0) return throw_errno(env, "setns", errno);
  return NULL;
}

static napi_value js_run_in_netns(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) {
    napi_throw_type_error(env, "EINVAL", "runInNetns(fd, fn): missing arguments");
    return NULL;
  }
  int32_t fd;
  if (get_int(env, argv[0], &fd, "fd") < 0) return NULL;
  napi_valuetype t;
  if (napi_typeof(env, argv[1], &t) != napi_ok || t != napi_function) {
    napi_throw_type_error(env, "EINVAL", "runInNetns(fd, fn): fn must be a function");
    return NULL;
  }
  int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (home < 0) return throw_errno(env, "open /proc/thread-self/ns/net", errno);
  if (setns(fd, CLONE_NEWNET) != 0) {
    int err = errno;
    close(home);
    return throw_errno(env, "setns", err);
  }
  napi_value global, result = NULL;
  napi_get_global(env, &global);
  /* On an exception the call returns napi_pending_exception and the exception stays pending:
     it propagates to the JS caller once this function returns. */
  napi_call_function(env, global, argv[1], 0, NULL, &result);
  if (setns(home, CLONE_NEWNET) != 0) {
    char msg[160];
    snprintf(msg, sizeof msg, "cannot return to the original network namespace: %s",
             strerror(errno));
    napi_fatal_error("wren_netns.runInNetns", NAPI_AUTO_LENGTH, msg, NAPI_AUTO_LENGTH);
  }
  close(home);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value newnet;
  napi_create_int32(env, CLONE_NEWNET, &newnet);
  napi_property_descriptor props[] = {
      {"setns", NULL, js_setns, NULL, NULL, NULL, napi_enumerable, NULL},
      {"runInNetns", NULL, js_run_in_netns, NULL, NULL, NULL, napi_enumerable, NULL},
      {"CLONE_NEWNET", NULL, NULL, NULL, NULL, newnet, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
