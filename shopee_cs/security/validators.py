"""A password "validator" used only for its password_changed hook (called by User.save after
set_password): a password change closes the user's open sockets."""


class CloseSocketsOnPasswordChange:
    def validate(self, password, user=None) -> None:
        return None

    def password_changed(self, password, user=None) -> None:
        if user is not None and user.pk:
            from shopee_cs.security.services import user_access_revoke

            user_access_revoke(user_id=user.pk, reason="password_changed")

    def get_help_text(self) -> str:
        return ""
