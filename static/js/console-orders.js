// The console's side panel: the buyer's orders in this shop, their shipment and returns, with
// their statuses and return reasons in the page's language (by neutral code).
"use strict";

window.ConsoleOrders = (function () {
  const U = window.ConsoleUtil;
  const { el, fmt } = U;

  function humanize(code) {
    const words = String(code).toLowerCase().replace(/_/g, " ");
    return words.charAt(0).toUpperCase() + words.slice(1);
  }
  // A status the marketplace added after these lists were written shows as it names it.
  function statusText(words, code, raw) { return (code && words[code]) || raw || "—"; }
  // So does a reason, as words rather than a code.
  function reasonText(T, code, raw) { return T.returnReasons[code] || humanize(raw); }

  function row(label, value) {
    const r = el("div", "order-row");
    r.appendChild(el("span", "", label));
    r.appendChild(el("b", "", value));
    return r;
  }
  // A card's first line: what it is, and its status at the marketplace.
  function cardHead(className, title, titleClass, status) {
    const head = el("div", className);
    head.appendChild(el("span", titleClass, title));
    head.appendChild(el("span", "ostatus", status));
    return head;
  }
  function returnCard(T, r) {
    const box = el("div", "return");
    box.appendChild(cardHead("return-head", T.returns, "", statusText(T.statuses.return, r.status_code, r.status)));
    box.appendChild(el("div", "return-ref", r.return_ref));
    if (r.reason) box.appendChild(el("div", "return-reason", reasonText(T, r.reason_code, r.reason)));
    if (r.buyer_note) box.appendChild(el("q", "return-note", r.buyer_note));
    if (r.refund_amount && Number(r.refund_amount)) box.appendChild(row(T.refund, U.money(r.refund_amount, r.currency)));
    if (r.due_at) box.appendChild(el("div", "return-due", fmt(T.due, { date: U.shortDate(r.due_at) })));
    return box;
  }
  function orderCard(T, o) {
    const card = el("div", "order");
    card.appendChild(cardHead("order-head", o.order_ref, "order-ref", statusText(T.statuses.order, o.status_code, o.status)));
    if (o.platform_created_at) {
      card.appendChild(el("div", "order-date", fmt(T.ordered, { date: U.shortDate(o.platform_created_at) })));
    }
    const items = el("ul", "order-items");
    for (const it of o.items || []) {
      const li = el("li");
      li.appendChild(el("span", "", it.name || it.item_id));
      li.appendChild(el("span", "qty", `×${it.quantity || 1}`));
      items.appendChild(li);
    }
    card.appendChild(items);
    if (o.total) card.appendChild(row(T.total, U.money(o.total, o.currency)));
    if (o.tracking_number || o.carrier) {
      card.appendChild(row(T.tracking, `${o.carrier || ""} ${o.tracking_number || ""}`.trim()));
    }
    if (o.tracking_status) {
      card.appendChild(row(T.delivery, statusText(T.statuses.tracking, o.tracking_status_code, o.tracking_status)));
    }
    for (const r of o.returns || []) card.appendChild(returnCard(T, r));
    return card;
  }

  function render(box, orders, T) {
    box.replaceChildren();
    if (!orders.length) box.appendChild(el("p", "side-empty", T.noOrders));
    for (const o of orders) box.appendChild(orderCard(T, o));
  }

  return { render };
})();
