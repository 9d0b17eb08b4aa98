/*
 * Helpers shared by wren's N-API addons (wren_sockopt.c, wren_netns.c): throwing a failed
 * system call as a JS error whose `code` is the errno name. Header-only (static functions), so
 * each addon stays one translation unit in binding.gyp.
 */
#ifndef WREN_NAPI_H
#define WREN_NAPI_H

#include <errno.h>
#include <node_api.h>
#include <stdio.h>
#include <string.h>

/* Throws "<what>: <strerror>" with the errno name as `code` (EIO for names not listed here);
   returns NULL for the caller to return. */
static napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  const char *code = "EIO";
  switch (err) {
    case EPERM: code = "EPERM"; break;
    case EINVAL: code = "EINVAL"; break;
    case ENOPROTOOPT: code = "ENOPROTOOPT"; break;
    case EBADF: code = "EBADF"; break;
    case ENOENT: code = "ENOENT"; break;
    case EAFNOSUPPORT: code = "EAFNOSUPPORT"; break;
    case ENOTSOCK: code = "ENOTSOCK"; break;
    case ENOMEM: code = "ENOMEM"; break;
    case ENOSYS: code = "ENOSYS"; break;
    default: break;
  }
  napi_throw_error(env, code, msg);
  return NULL;
}

#endif
