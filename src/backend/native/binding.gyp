{
  "targets": [
    { "target_name": "quiet_stderr", "sources": ["quiet_stderr.c"] }
  ]
}
