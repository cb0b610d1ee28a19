"""Idempotent demo reply templates, global, with a variant in each of the nine languages.

The titles are stable: the demo's auto-reply rules find the templates by them."""

from django.db import transaction

from automation.models import ReplyTemplate
from automation.services.template_store import template_save

GREETING = "Greeting"
OFF_HOURS = "Off-hours"
TRACKING_ANSWER = "Tracking answer"
NO_TRACKING_YET = "No tracking yet"
RETURN_REFUND = "Return or refund received"
SHIPPING_TIME = "Shipping time"

DEMO_TEMPLATES: dict[str, dict[str, str]] = {
    GREETING: {
        "en": "Hi {{buyer_name}}, thanks for messaging {{shop_name}}! How can we help you today?",
        "zh-Hans": "{{buyer_name}} 您好，欢迎光临 {{shop_name}}！请问有什么可以帮您？",
        "zh-Hant": "{{buyer_name}} 您好，歡迎光臨 {{shop_name}}！請問有什麼可以幫您？",
        "th": "สวัสดีค่ะคุณ {{buyer_name}} ขอบคุณที่ทักร้าน {{shop_name}} มีอะไรให้เราช่วยไหมคะ",
        "vi": "Chào {{buyer_name}}, cảm ơn bạn đã nhắn tin cho {{shop_name}}! Shop "
        "có thể giúp gì cho bạn?",
        "ms": "Hai {{buyer_name}}, terima kasih kerana menghubungi {{shop_name}}! "
        "Ada apa yang boleh kami bantu?",
        "id": "Halo kak {{buyer_name}}, terima kasih sudah chat {{shop_name}}! Ada "
        "yang bisa kami bantu?",
        "pt-BR": "Olá, {{buyer_name}}! Obrigado por falar com a {{shop_name}}. Como "
        "podemos ajudar?",
        "es": "¡Hola, {{buyer_name}}! Gracias por escribir a {{shop_name}}. ¿En qué "
        "podemos ayudarte?",
    },
    OFF_HOURS: {
        "en": "Thanks for your message! We are closed right now and will be back at 09:00. "
        "We will reply as soon as we are back.",
        "zh-Hans": "感谢您的留言！我们现在已下班，明早 09:00 上班后会第一时间回复您。",
        "zh-Hant": "感謝您的留言！我們現在已下班，明早 09:00 上班後會第一時間回覆您。",
        "th": "ขอบคุณสำหรับข้อความค่ะ ขณะนี้ร้านปิดทำการแล้ว จะกลับมาตอบเวลา 09:00 น. ค่ะ",
        "vi": "Cảm ơn bạn đã nhắn tin! Hiện shop đã nghỉ, 09:00 shop sẽ quay lại và "
        "trả lời bạn ngay.",
        "ms": "Terima kasih atas mesej anda! Kami sudah tutup sekarang dan akan kembali pada "
        "jam 09:00. Kami akan membalas secepat mungkin.",
        "id": "Terima kasih atas pesannya! Saat ini toko sedang tutup dan buka lagi pukul 09:00. "
        "Kami akan segera membalas.",
        "pt-BR": "Obrigado pela mensagem! Estamos fechados agora e voltamos às 09:00. "
        "Responderemos assim que voltarmos.",
        "es": "¡Gracias por tu mensaje! Ahora estamos cerrados y volvemos a las 09:00. "
        "Te responderemos en cuanto regresemos.",
    },
    TRACKING_ANSWER: {
        "en": "Your order {{order_number}} was shipped with {{carrier}}, tracking "
        "{{tracking_number}}: {{latest_tracking_event}}",
        "zh-Hans": "您的订单 {{order_number}} 已由 {{carrier}} 发货，运单号 {{tracking_number}}："
        "{{latest_tracking_event}}",
        "zh-Hant": "您的訂單 {{order_number}} 已由 {{carrier}} 出貨，物流單號 {{tracking_number}}："
        "{{latest_tracking_event}}",
        "th": "คำสั่งซื้อ {{order_number}} จัดส่งกับ {{carrier}} แล้วค่ะ เลขพัสดุ "
        "{{tracking_number}}: {{latest_tracking_event}}",
        "vi": "Đơn hàng {{order_number}} đã được gửi qua {{carrier}}, mã vận đơn "
        "{{tracking_number}}: {{latest_tracking_event}}",
        "ms": "Pesanan {{order_number}} anda telah dihantar dengan {{carrier}}, nombor penjejakan "
        "{{tracking_number}}: {{latest_tracking_event}}",
        "id": "Pesanan {{order_number}} sudah dikirim dengan {{carrier}}, nomor resi "
        "{{tracking_number}}: {{latest_tracking_event}}",
        "pt-BR": "Seu pedido {{order_number}} foi enviado pela {{carrier}}, rastreio "
        "{{tracking_number}}: {{latest_tracking_event}}",
        "es": "Tu pedido {{order_number}} fue enviado con {{carrier}}, seguimiento "
        "{{tracking_number}}: {{latest_tracking_event}}",
    },
    NO_TRACKING_YET: {
        "en": "Your order {{order_number}} is {{order_status}} and has no tracking number yet. "
        "It will ship by {{ship_by_date}}.",
        "zh-Hans": "您的订单 {{order_number}} 目前{{order_status}}，暂时还没有运单号，"
        "将于 {{ship_by_date}} 前发货。",
        "zh-Hant": "您的訂單 {{order_number}} 目前{{order_status}}，暫時還沒有物流單號，"
        "將於 {{ship_by_date}} 前出貨。",
        "th": "คำสั่งซื้อ {{order_number}} สถานะ: {{order_status}} ยังไม่มีเลขพัสดุค่ะ "
        "จะจัดส่งภายในวันที่ {{ship_by_date}}",
        "vi": "Đơn hàng {{order_number}} đang ở trạng thái {{order_status}}, chưa có mã vận đơn. "
        "Shop sẽ gửi hàng trước ngày {{ship_by_date}}.",
        "ms": "Pesanan {{order_number}} anda {{order_status}} dan belum ada nombor penjejakan. "
        "Ia akan dihantar sebelum {{ship_by_date}}.",
        "id": "Pesanan {{order_number}} sedang {{order_status}} dan belum ada nomor resi. "
        "Akan dikirim paling lambat {{ship_by_date}}.",
        "pt-BR": "Seu pedido {{order_number}} está {{order_status}} e ainda não tem código de "
        "rastreio. Será enviado até {{ship_by_date}}.",
        "es": "Tu pedido {{order_number}} está {{order_status}} y aún no tiene número de "
        "seguimiento. Se enviará antes del {{ship_by_date}}.",
    },
    RETURN_REFUND: {
        "en": "Sorry about the trouble, {{buyer_name}}. We have received your return/refund "
        "request and will check it within 1 working day.",
        "zh-Hans": "{{buyer_name}}，非常抱歉给您带来不便。我们已收到您的退货/退款申请，"
        "会在 1 个工作日内处理。",
        "zh-Hant": "{{buyer_name}}，非常抱歉造成您的不便。我們已收到您的退貨/退款申請，"
        "會在 1 個工作天內處理。",
        "th": "ขออภัยในความไม่สะดวกค่ะคุณ {{buyer_name}} ร้านได้รับคำขอคืนสินค้า/คืนเงินแล้ว "
        "จะตรวจสอบภายใน 1 วันทำการค่ะ",
        "vi": "Shop xin lỗi vì sự bất tiện, {{buyer_name}}. Shop đã nhận yêu cầu trả hàng/hoàn "
        "tiền và sẽ kiểm tra trong 1 ngày làm việc.",
        "ms": "Maaf atas kesulitan, {{buyer_name}}. Kami telah menerima permintaan pemulangan/"
        "bayaran balik anda dan akan menyemaknya dalam 1 hari bekerja.",
        "id": "Mohon maaf atas kendalanya, kak {{buyer_name}}. Pengajuan pengembalian/refund "
        "sudah kami terima dan akan dicek dalam 1 hari kerja.",
        "pt-BR": "Sentimos muito, {{buyer_name}}. Recebemos seu pedido de devolução/reembolso "
        "e vamos analisá-lo em até 1 dia útil.",
        "es": "Lamentamos el inconveniente, {{buyer_name}}. Recibimos tu solicitud de "
        "devolución/reembolso y la revisaremos en 1 día hábil.",
    },
    SHIPPING_TIME: {
        "en": "We ship within 24 hours of payment; delivery usually takes 2-5 working days.",
        "zh-Hans": "付款后 24 小时内发货，一般 2-5 个工作日送达。",
        "zh-Hant": "付款後 24 小時內出貨，一般 2-5 個工作天送達。",
        "th": "ร้านจัดส่งภายใน 24 ชั่วโมงหลังชำระเงิน ปกติได้รับสินค้าภายใน 2-5 วันทำการค่ะ",
        "vi": "Shop gửi hàng trong 24 giờ sau khi thanh toán; thường giao trong 2-5 ngày làm việc.",
        "ms": "Kami menghantar dalam masa 24 jam selepas pembayaran; penghantaran biasanya "
        "mengambil 2-5 hari bekerja.",
        "id": "Kami kirim dalam 24 jam setelah pembayaran; biasanya sampai dalam 2-5 hari kerja.",
        "pt-BR": "Enviamos em até 24 horas após o pagamento; a entrega costuma levar de 2 a 5 "
        "dias úteis.",
        "es": "Enviamos dentro de las 24 horas tras el pago; la entrega suele tardar de 2 a 5 "
        "días hábiles.",
    },
}


@transaction.atomic
def demo_templates_seed() -> int:
    """Create the demo templates that are missing (global, English default); a template of
    the same title is left as someone edited it. Returns how many were created."""
    existing = set(ReplyTemplate.objects.filter(shop=None).values_list("title", flat=True))
    created = 0
    for title, variants in DEMO_TEMPLATES.items():
        if title not in existing:
            template_save(title=title, variants=variants)
            created += 1
    return created
