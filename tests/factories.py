"""factory-boy factories shared by the suite, plus the one helper for an OTP-verified login."""

import factory
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from chat.models import AgentGroup
from integrations.models import Platform, Shop, Site
from shopee_cs.models import User

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            from shopee_cs.security.services import roles_ensure

            groups = roles_ensure()
            self.groups.add(*(groups[name] for name in extracted))
        if create:
            self.save()


class ShopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shop

    platform = Platform.SHOPEE
    platform_shop_id = factory.Sequence(lambda n: str(2**60 + n))
    site = Site.MY
    name = factory.Sequence(lambda n: f"Shop {n}")


class AgentGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgentGroup
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Team {n}")

    @factory.post_generation
    def shops(self, create, extracted, **kwargs):
        if create and extracted:
            self.shops.add(*extracted)

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.members.add(*extracted)


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "Authenticator app"
    confirmed = True


def login_verified(client, user) -> TOTPDevice:
    """Log `client` in as `user` with an OTP-verified session (what the 2FA step produces)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDeviceFactory(
        user=user
    )
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "chat.Conversation"

    shop = factory.SubFactory(ShopFactory)
    platform_conversation_id = factory.Sequence(lambda n: str(2**55 + n))
    buyer_platform_id = factory.Sequence(lambda n: str(9000 + n))
    buyer_name = factory.Sequence(lambda n: f"buyer{n}")
    last_message_at = factory.LazyFunction(timezone.now)
    last_message_preview = "hello"


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "chat.Message"

    conversation = factory.SubFactory(ConversationFactory)
    shop = factory.LazyAttribute(lambda m: m.conversation.shop)
    platform_message_id = factory.Sequence(lambda n: str(2**56 + n))
    direction = "in"
    sender_kind = "buyer"
    text = "hello"
    status = "received"
