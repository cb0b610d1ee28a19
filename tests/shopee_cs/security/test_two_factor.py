"""2FA: enrollment on first login, verification, replay, throttling, single-use backup codes."""

import threading

import pytest
from django.db import connection
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from shopee_cs.models import AuditEvent
from shopee_cs.security.services import OtpRefused, backup_codes_generate, otp_verify
from tests.factories import PASSWORD, TOTPDeviceFactory, UserFactory

pytestmark = pytest.mark.django_db


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits):0{device.digits}d}"


def _password_login(client, user):
    return client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})


def test_first_login_forces_enrollment_with_qr_then_shows_backup_codes_once(client):
    user = UserFactory(roles=["Supervisor"])  # someone the admin lets in once verified
    response = _password_login(client, user)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/setup/")
    assert client.get("/admin/").status_code == 302  # password alone opens nothing

    page = client.get(response["Location"])
    assert page.status_code == 200 and b"<svg" in page.content
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    key_before = client.session.session_key

    done = client.post(response["Location"], {"code": _code(device)})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 and all(code.encode() in done.content for code in codes)
    assert client.session.session_key != key_before  # rotated after OTP
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get("/admin/").status_code == 200
    actions = set(AuditEvent.objects.filter(actor=user).values_list("action", flat=True))
    assert {"login.password_ok", "otp.enrolled", "otp.backup_codes_generated"} <= actions


def test_enrolled_user_cannot_enroll_another_device_with_a_password_only(client):
    user = UserFactory()
    TOTPDeviceFactory(user=user)
    response = _password_login(client, user)
    assert response["Location"].startswith("/accounts/2fa/verify/")
    setup = client.get("/accounts/2fa/setup/")
    assert setup.status_code == 302 and setup["Location"].startswith("/accounts/2fa/verify/")
    assert not TOTPDevice.objects.filter(user=user, confirmed=False).exists()


def test_verify_accepts_a_code_once_and_refuses_its_reuse_in_the_same_step(client):
    user = UserFactory()
    device = TOTPDeviceFactory(user=user)
    _password_login(client, user)
    code = _code(device)
    ok = client.post("/accounts/2fa/verify/?next=/admin/", {"code": code})
    assert ok.status_code == 302 and ok["Location"] == "/admin/"

    client.post("/accounts/logout/")
    _password_login(client, user)
    replay = client.post("/accounts/2fa/verify/", {"code": code})
    assert replay.status_code == 200 and "not valid" in replay.context["error"]
    assert client.get("/admin/").status_code == 302
    failed = AuditEvent.objects.filter(actor=user, action="otp.failed").get()
    assert failed.ip == "127.0.0.1" and failed.details["reason"] == "wrong_code"


def test_wrong_codes_are_throttled_with_the_seconds_to_wait(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 600  # the window cannot pass during the test
    user = UserFactory()
    device = TOTPDeviceFactory(user=user)
    _password_login(client, user)
    client.post("/accounts/2fa/verify/", {"code": "000000"})
    throttled = client.post("/accounts/2fa/verify/", {"code": _code(device)})
    error = throttled.context["error"]
    assert error.startswith("Please wait ") and error.endswith(
        " seconds before entering another code."
    )
    assert 590 <= int(error.split()[2]) <= 600
    assert client.get("/admin/").status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_a_wrong_backup_code_does_not_throttle_the_authenticator_app(client, settings):
    settings.OTP_STATIC_THROTTLE_FACTOR = 600
    user = UserFactory()
    device = TOTPDeviceFactory(user=user)
    backup_codes_generate(user=user)
    _password_login(client, user)
    client.post("/accounts/2fa/verify/", {"code": "wrongcode"})
    assert client.post("/accounts/2fa/verify/", {"code": _code(device)}).status_code == 302


def test_backup_code_works_once(client):
    user = UserFactory()
    TOTPDeviceFactory(user=user)
    code = backup_codes_generate(user=user)[0]
    _password_login(client, user)
    assert client.post("/accounts/2fa/verify/", {"code": code}).status_code == 302
    assert AuditEvent.objects.filter(actor=user, action="otp.backup_code_used").exists()
    client.post("/accounts/logout/")
    _password_login(client, user)
    again = client.post("/accounts/2fa/verify/", {"code": code})
    assert again.status_code == 200 and "not valid" in again.context["error"]


@pytest.mark.django_db(transaction=True)
def test_backup_code_submitted_in_parallel_passes_exactly_once(rf):
    user = UserFactory()
    code = backup_codes_generate(user=user)[0]
    device = StaticDevice.objects.get(user=user)
    workers = 8
    barrier = threading.Barrier(workers)
    results: list[bool] = []

    def submit():
        request = rf.post("/accounts/2fa/verify/")
        request.user = user
        request.session = _Session()
        barrier.wait()
        try:
            otp_verify(request=request, device=device, token=code)
            results.append(True)
        except OtpRefused:
            results.append(False)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * (workers - 1) + [True]
    assert StaticToken.objects.filter(device=device).count() == 9


class _Session(dict):
    """Just enough of a session for django_otp.login and cycle_key."""

    def cycle_key(self):
        self["cycled"] = True
