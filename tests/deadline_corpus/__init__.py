"""Real 时限要求 phrases from other governments' documents (docs/deadline-corpus.md)."""
