/*
 * wren_memory: hands freed heap memory back to the kernel, as a small N-API addon.
 *   - trim()   glibc malloc_trim(0) over every malloc arena (the main one and each thread's):
 *              the top of each heap is given back and, since glibc 2.8, the free pages inside
 *              are released with madvise(MADV_DONTNEED). Returns true when memory was released.
 *   - stats()  mallinfo2(): { arena, inUse, free } bytes of the main arena (glibc >= 2.33;
 *              zeros elsewhere).
 * Large typed arrays (the RIB's columns, the route table's segments) live in malloc; a table
 * load that grows them step by step leaves the earlier sizes freed but resident, which glibc
 * keeps for reuse. wren calls trim() once a burst of route changes has settled.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <node_api.h>

static napi_value js_trim(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
#ifdef __GLIBC__
  napi_get_boolean(env, malloc_trim(0) != 0, &result);
#else
  napi_get_boolean(env, false, &result);
#endif
  return result;
}

static void set_number(napi_env env, napi_value obj, const char *name, double value) {
  napi_value v;
  napi_create_double(env, value, &v);
  napi_set_named_property(env, obj, name, v);
}

static napi_value js_stats(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value obj;
  napi_create_object(env, &obj);
  double arena = 0, in_use = 0, free_bytes = 0;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  struct mallinfo2 mi = mallinfo2();
  arena = (double)mi.arena;
  in_use = (double)mi.uordblks;
  free_bytes = (double)mi.fordblks;
#endif
  set_number(env, obj, "arena", arena);
  set_number(env, obj, "inUse", in_use);
  set_number(env, obj, "free", free_bytes);
  return obj;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"trim", NULL, js_trim, NULL, NULL, NULL, napi_enumerable, NULL},
      {"stats", NULL, js_stats, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
