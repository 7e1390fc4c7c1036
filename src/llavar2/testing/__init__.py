"""Test tools shipped with the package, so that the tests and the benchmarks share them: a local
OpenAI-compatible chat server with scripted replies and injectable faults, and a build's
records read back for comparison."""
