{
  "targets": [
    {
      "target_name": "wren_netns",
      "sources": ["wren_netns.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
