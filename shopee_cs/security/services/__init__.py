"""The only writers of security state (audit log, API keys, OTP devices, allowlist, roles).

Import from here: `from shopee_cs.security.services import audit_record, ...`.
"""

from shopee_cs.security.services.access import (
    allowlist_changed,
    sessions_end_on_unrecorded_logout,
    user_access_revoke,
)
from shopee_cs.security.services.api_keys import (
    ApiKeyRefused,
    api_key_authenticate,
    api_key_create,
    api_key_revoke,
)
from shopee_cs.security.services.audit import audit_export, audit_record
from shopee_cs.security.services.otp import (
    OtpRefused,
    backup_codes_generate,
    otp_enroll_confirm,
    otp_verify,
    totp_device_pending,
)
from shopee_cs.security.services.setup import (
    allowlist_entry_add,
    allowlist_seed_loopback,
    roles_ensure,
)

__all__ = [
    "ApiKeyRefused",
    "OtpRefused",
    "allowlist_changed",
    "allowlist_entry_add",
    "allowlist_seed_loopback",
    "api_key_authenticate",
    "api_key_create",
    "api_key_revoke",
    "audit_export",
    "audit_record",
    "backup_codes_generate",
    "otp_enroll_confirm",
    "otp_verify",
    "roles_ensure",
    "sessions_end_on_unrecorded_logout",
    "totp_device_pending",
    "user_access_revoke",
]
