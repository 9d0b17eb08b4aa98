{
  "targets": [
    {
      "target_name": "wren_sockopt",
      "sources": ["wren_sockopt.c", "wren_napi.h"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    },
    {
      "target_name": "wren_netns",
      "sources": ["wren_netns.c", "wren_napi.h"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    },
    {
      "target_name": "wren_memory",
      "sources": ["wren_memory.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
