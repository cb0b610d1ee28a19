"""Cross-cutting security: client IP, IP allowlist, OTP enforcement, API keys, audit log."""
