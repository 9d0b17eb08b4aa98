{
  "targets": [
    {
      "target_name": "wren_sockopt",
      "sources": ["wren_sockopt.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
