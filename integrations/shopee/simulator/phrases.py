"""Short, realistic buyer questions per language, and site defaults for generated shops."""

from __future__ import annotations

# intent -> language -> phrases. Intents mirror what CS teams triage: where is my order, refund,
# size, stock, cancel, address change, delivery damage.
PHRASES: dict[str, dict[str, list[str]]] = {
    "where_is_order": {
        "zh": ["我的订单到哪里了？", "请问什么时候发货？", "快递几天能到？"],
        "en": ["Where is my order?", "When will you ship my parcel?", "Tracking shows no update"],
        "th": ["พัสดุของฉันอยู่ที่ไหนคะ", "จะส่งของเมื่อไหร่ครับ"],
        "vi": ["Đơn hàng của tôi đến đâu rồi?", "Khi nào shop giao hàng ạ?"],
        "ms": ["Di mana pesanan saya?", "Bila barang akan dihantar?"],
        "id": ["Pesanan saya sudah sampai mana?", "Kapan barangnya dikirim kak?"],
        "pt": ["Onde está meu pedido?", "Quando vocês vão enviar?"],
    },
    "refund": {
        "zh": ["收到的商品坏了，可以退款吗？", "我想申请退货退款"],
        "en": ["The item arrived broken, can I get a refund?", "I want to return this"],
        "th": ["สินค้าเสียหาย ขอคืนเงินได้ไหมคะ"],
        "vi": ["Hàng bị lỗi, tôi muốn hoàn tiền", "Shop ơi cho mình trả hàng hoàn tiền nhé"],
        "ms": ["Barang rosak, boleh saya dapat bayaran balik?"],
        "id": ["Barangnya rusak, bisa refund?"],
        "pt": ["O produto chegou quebrado, quero reembolso"],
    },
    "size": {
        "zh": ["这件衣服有L码吗？", "165cm 55kg 穿什么尺码？"],
        "en": ["Do you have this in size L?", "What size for 165cm 55kg?"],
        "th": ["มีไซส์ L ไหมคะ"],
        "vi": ["Còn size L không shop?"],
        "ms": ["Ada saiz L tak?"],
        "id": ["Ada ukuran L kak?"],
        "pt": ["Tem no tamanho G?"],
    },
    "greeting": {
        "zh": ["你好，在吗？", "老板在吗"],
        "en": ["Hi, anyone there?", "Hello shop"],
        "th": ["สวัสดีค่ะ", "สวัสดีครับ มีใครอยู่ไหม"],
        "vi": ["Chào shop ạ", "Shop ơi"],
        "ms": ["Hai, selamat petang", "Assalamualaikum, ada orang tak?"],
        "id": ["Halo kak", "Selamat siang kak"],
        "pt": ["Olá, tudo bem?", "Oi, boa tarde"],
    },
    "cancel": {
        "zh": ["我想取消订单"],
        "en": ["Please cancel my order", "Can I change my address?"],
        "th": ["ขอยกเลิกคำสั่งซื้อค่ะ"],
        "vi": ["Tôi muốn hủy đơn"],
        "ms": ["Saya nak batalkan pesanan"],
        "id": ["Mau batalin pesanan kak"],
        "pt": ["Quero cancelar o pedido"],
    },
}

RATINGS: dict[str, list[tuple[int, str]]] = {
    "zh": [(5, "质量很好，物流很快"), (2, "颜色和图片不一样")],
    "en": [(5, "Great quality, fast delivery"), (1, "Item broken on arrival")],
    "th": [(5, "ของดีมาก ส่งไว")],
    "vi": [(4, "Hàng đẹp, giao nhanh")],
    "ms": [(5, "Barang bagus, penghantaran cepat")],
    "id": [(3, "Lumayan, pengiriman agak lama")],
    "pt": [(5, "Produto ótimo, chegou rápido")],
}

# region -> (currency, buyer languages, shop name)
SITES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "MY": ("MYR", ("ms", "en", "zh"), "Kedai Demo MY"),
    "TH": ("THB", ("th", "en"), "ร้านเดโม TH"),
    "VN": ("VND", ("vi",), "Cửa hàng Demo VN"),
    "PH": ("PHP", ("en",), "Demo Shop PH"),
    "SG": ("SGD", ("en", "zh"), "Demo Shop SG"),
    "ID": ("IDR", ("id",), "Toko Demo ID"),
    "TW": ("TWD", ("zh",), "示範商店 TW"),
    "BR": ("BRL", ("pt",), "Loja Demo BR"),
}

# ITEMS are priced in MYR; other sites' prices follow roughly (whole units where there are no
# cents in practice).
PRICE_PER_MYR = {"MYR": 1, "THB": 8, "VND": 5500, "PHP": 12, "SGD": 0.3, "IDR": 3500,
                 "TWD": 7, "BRL": 1.2}  # fmt: skip
WHOLE_UNIT_CURRENCIES = {"VND", "IDR", "TWD"}

ITEMS = [
    ("Cotton T-shirt", "19.90"),
    ("Running shoes", "89.00"),
    ("Phone case", "9.50"),
    ("Rice cooker 1.8L", "129.00"),
    ("Skincare set", "59.90"),
]

# Usernames are generated from these per language, as Shopee buyers' look ("nattaya.382").
BUYER_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("jasmine", "ryan", "megan", "kevin", "chloe", "marcus"),
    "ms": ("nurul", "aisyah", "farid", "hafiz", "siti", "amir"),
    "zh": ("weilin", "meiting", "junhao", "xiaoyu", "jiahui", "zhiwei"),
    "th": ("somchai", "nattaya", "kanya", "prasert", "malee", "anan"),
    "vi": ("linh", "minhanh", "tuan", "huong", "quang", "thao"),
    "id": ("putri", "budi", "dewi", "rizky", "ayu", "fajar"),
    "pt": ("ana", "lucas", "mariana", "pedro", "julia", "rafael"),
}

# What a seller types in Seller Centre or the phone app, outside this system.
SELLER_CENTRE_REPLIES = (
    "Hi! Let me check that for you.",
    "Your parcel has been handed to the courier.",
    "Thank you for your patience!",
)
SHOP_AUTO_REPLY = "Hi, thanks for your message! We reply within a few minutes during 9:00-18:00."
# Shopee sticker ids are opaque strings; any pair renders as "sticker" in a client.
STICKERS = (("shopee_pepe", "023"), ("shopee_cat", "007"), ("shopee_bear", "112"))
