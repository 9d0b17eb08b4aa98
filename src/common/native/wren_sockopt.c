/*
 * wren_sockopt: the TCP socket options Node has no API for, as a small N-API addon.
 *   - tcpSocket(family)              an unconnected non-blocking TCP socket (4 or 6), so options
 *                                    can be set before the SYN goes out (Node then connects it)
 *   - setMd5Key(fd, address, key)    TCP-MD5 signature key for one peer address (RFC 2385,
 *                                    Linux TCP_MD5SIG); an empty key removes it. Works on
 *                                    listening sockets (per peer) and on connecting sockets.
 *   - setTtl(fd, ttl)                TTL / hop limit of our packets (multihop, GTSM sends 255)
 *   - setMinTtl(fd, ttl)             RFC 5082 GTSM: drop packets arriving with a lower TTL
 *                                    (IP_MINTTL / IPV6_MINHOPCOUNT)
 *   - setTos(fd, tos)                IP_TOS / IPV6_TCLASS (BGP goes out as DSCP CS6, 0xc0)
 * Errors are thrown as JS errors whose `code` is the errno name.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <node_api.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wren_napi.h"

#ifndef IP_MINTTL
#define IP_MINTTL 21
#endif
#ifndef IPV6_MINHOPCOUNT
#define IPV6_MINHOPCOUNT 73
#endif

static int get_args(napi_env env, napi_callback_info info, size_t n, napi_value *argv) {
  size_t argc = n;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < n) {
    napi_throw_type_error(env, "EINVAL", "missing arguments");
    return -1;
  }
  return 0;
}

static int get_int(napi_env env, napi_value v, int32_t *out) {
  if (napi_get_value_int32(env, v, out) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "expected an integer");
    return -1;
  }
  return 0;
}

static int socket_family(int fd) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  memset(&ss, 0, sizeof ss);
  if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) return -1;
  return ss.ss_family;
}

static napi_value tcp_socket(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t family;
  if (get_args(env, info, 1, argv) < 0 || get_int(env, argv[0], &family) < 0) return NULL;
  int fd = socket(family == 6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  napi_value result;
  napi_create_int32(env, fd, &result);
  return result;
}

static napi_value set_md5_key(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd;
  char addr[64];
  char key[TCP_MD5SIG_MAXKEYLEN + 2];
  size_t addr_len = 0, key_len = 0;
  if (get_args(env, info, 3, argv) < 0 || get_int(env, argv[0], &fd) < 0) return NULL;
  if (napi_get_value_string_utf8(env, argv[1], addr, sizeof addr, &addr_len) != napi_ok ||
      napi_get_value_string_utf8(env, argv[2], key, sizeof key, &key_len) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "address and key must be strings");
    return NULL;
  }
  if (key_len > TCP_MD5SIG_MAXKEYLEN) {
    napi_throw_range_error(env, "EINVAL", "TCP-MD5 key longer than 80 bytes");
    return NULL;
  }
  struct tcp_md5sig sig;
  memset(&sig, 0, sizeof sig);
  int fam = socket_family(fd);
  if (fam < 0) return throw_errno(env, "getsockname", errno);
  struct in_addr a4;
  struct in6_addr a6;
  if (inet_pton(AF_INET, addr, &a4) == 1) {
    if (fam == AF_INET6) {
      struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&sig.tcpm_addr;
      sin6->sin6_family = AF_INET6;
      sin6->sin6_addr.s6_addr[10] = 0xff;
      sin6->sin6_addr.s6_addr[11] = 0xff;
      memcpy(&sin6->sin6_addr.s6_addr[12], &a4, 4);
    } else {
      struct sockaddr_in *sin = (struct sockaddr_in *)&sig.tcpm_addr;
      sin->sin_family = AF_INET;
      sin->sin_addr = a4;
    }
  } else if (inet_pton(AF_INET6, addr, &a6) == 1) {
    if (fam != AF_INET6) {
      napi_throw_error(env, "EAFNOSUPPORT", "IPv6 peer address on an IPv4 socket");
      return NULL;
    }
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&sig.tcpm_addr;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_addr = a6;
  } else {
    napi_throw_type_error(env, "EINVAL", "invalid peer address");
    return NULL;
  }
  sig.tcpm_keylen = (uint16_t)key_len;
  memcpy(sig.tcpm_key, key, key_len);
  if (setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof sig) < 0) {
    /* Removing a key that is not there is not an error for us. */
    if (!(key_len == 0 && errno == ENOENT)) return throw_errno(env, "setsockopt(TCP_MD5SIG)", errno);
  }
  return NULL;
}

static napi_value set_ttl_common(napi_env env, napi_callback_info info, int minimum) {
  napi_value argv[2];
  int32_t fd, ttl;
  if (get_args(env, info, 2, argv) < 0 || get_int(env, argv[0], &fd) < 0 ||
      get_int(env, argv[1], &ttl) < 0)
    return NULL;
  if (ttl < 0 || ttl > 255) {
    napi_throw_range_error(env, "EINVAL", "TTL must be 0..255");
    return NULL;
  }
  int fam = socket_family(fd);
  if (fam < 0) return throw_errno(env, "getsockname", errno);
  int v = ttl;
  if (fam == AF_INET6) {
    int opt = minimum ? IPV6_MINHOPCOUNT : IPV6_UNICAST_HOPS;
    if (setsockopt(fd, IPPROTO_IPV6, opt, &v, sizeof v) < 0)
      return throw_errno(env, minimum ? "setsockopt(IPV6_MINHOPCOUNT)" : "setsockopt(IPV6_UNICAST_HOPS)", errno);
    /* IPv4-mapped traffic on a dual-stack socket uses the IPv4 options; best effort. */
    (void)setsockopt(fd, IPPROTO_IP, minimum ? IP_MINTTL : IP_TTL, &v, sizeof v);
  } else {
    if (setsockopt(fd, IPPROTO_IP, minimum ? IP_MINTTL : IP_TTL, &v, sizeof v) < 0)
      return throw_errno(env, minimum ? "setsockopt(IP_MINTTL)" : "setsockopt(IP_TTL)", errno);
  }
  return NULL;
}

static napi_value set_tos(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd, tos;
  if (get_args(env, info, 2, argv) < 0 || get_int(env, argv[0], &fd) < 0 ||
      get_int(env, argv[1], &tos) < 0)
    return NULL;
  if (tos < 0 || tos > 255) {
    napi_throw_range_error(env, "EINVAL", "TOS must be 0..255");
    return NULL;
  }
  int fam = socket_family(fd);
  if (fam < 0) return throw_errno(env, "getsockname", errno);
  int v = tos;
  if (fam == AF_INET6) {
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &v, sizeof v) < 0)
      return throw_errno(env, "setsockopt(IPV6_TCLASS)", errno);
    (void)setsockopt(fd, IPPROTO_IP, IP_TOS, &v, sizeof v);
  } else if (setsockopt(fd, IPPROTO_IP, IP_TOS, &v, sizeof v) < 0) {
    return throw_errno(env, "setsockopt(IP_TOS)", errno);
  }
  return NULL;
}

static napi_value set_ttl(napi_env env, napi_callback_info info) { return set_ttl_common(env, info, 0); }
static napi_value set_min_ttl(napi_env env, napi_callback_info info) { return set_ttl_common(env, info, 1); }

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"tcpSocket", NULL, tcp_socket, NULL, NULL, NULL, napi_default, NULL},
    {"setMd5Key", NULL, set_md5_key, NULL, NULL, NULL, napi_default, NULL},
    {"setTtl", NULL, set_ttl, NULL, NULL, NULL, napi_default, NULL},
    {"setMinTtl", NULL, set_min_ttl, NULL, NULL, NULL, napi_default, NULL},
    {"setTos", NULL, set_tos, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
