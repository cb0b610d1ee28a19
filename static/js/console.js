// Agent console: renders REST data, applies /ws/agent/ events, resumes from the last event id.
// No framework. Every value from the server goes through textContent (never innerHTML).
"use strict";

(function () {
  const cfg = JSON.parse(document.getElementById("console-config").textContent);
  const T = cfg.strings;
  const $ = (id) => document.getElementById(id);
  const state = {
    conversations: new Map(), // id -> conversation (REST shape)
    order: [], // ids in list order
    view: "all",
    shop: "",
    nextCursor: null,
    current: null, // open conversation id
    messages: new Map(), // id -> message of the open conversation
    olderCursor: null,
    lastEventId: cfg.lastEventId,
    applied: new Map(), // "m<id>" / "c<id>" -> event_id last applied (events may arrive out of order)
    clockOffset: 0, // server time - browser time, ms
    socket: null,
    retryDelay: 500,
  };

  // -- helpers ------------------------------------------------------------------------------
  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function csrf() {
    const m = document.cookie.match(/(?:^|;\s*)(?:__Host-)?csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  async function api(method, url, body, headers) {
    const opts = { method, credentials: "same-origin", headers: { Accept: "application/json", ...(headers || {}) } };
    if (method !== "GET") {
      opts.headers["X-CSRFToken"] = csrf();
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body || {});
    }
    const res = await fetch(url, opts);
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    if (!res.ok) {
      const detail = data && (data.detail || JSON.stringify(data));
      throw new Error(detail || res.statusText);
    }
    return data;
  }
  function initials(name) { return (name || "?").trim().slice(0, 2); }
  function now() { return Date.now() + state.clockOffset; }
  function timeLabel(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    const same = new Date().toDateString() === d.toDateString();
    return same ? d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
      : d.toLocaleDateString([], { month: "short", day: "numeric" });
  }
  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, (_, k) => values[k] ?? "");
  }
  function toast(text) {
    const t = el("div", "toast", text);
    document.body.appendChild(t);
    setTimeout(() => t.remove(), 2500);
  }

  // -- inbox list -----------------------------------------------------------------------------
  function listQuery(cursor) {
    const p = new URLSearchParams({ page_size: "50" });
    if (state.view === "resolved") p.set("status", "resolved"); else p.set("status", "open");
    if (state.view === "mine") p.set("mine", "true");
    if (state.view === "unassigned") p.set("unassigned", "true");
    if (state.view === "awaiting") p.set("awaiting_reply", "true");
    if (state.shop) p.set("shop", state.shop);
    if (cursor) p.set("cursor", cursor);
    return "/api/v1/conversations/?" + p.toString();
  }
  function matchesView(c) {
    if (state.shop && String(c.shop_id) !== state.shop) return false;
    if (state.view === "resolved") return c.status === "resolved";
    if (c.status !== "open") return false;
    if (state.view === "mine") return c.assignee_id === cfg.userId;
    if (state.view === "unassigned") return c.assignee_id === null;
    if (state.view === "awaiting") return !!c.awaiting_reply_since;
    return true;
  }
  async function loadList(append) {
    const data = await api("GET", listQuery(append ? state.nextCursor : null));
    if (!append) { state.order = []; }
    for (const c of data.results) {
      state.conversations.set(c.id, c);
      if (!state.order.includes(c.id)) state.order.push(c.id);
    }
    state.nextCursor = data.next_cursor;
    $("list-more").hidden = !state.nextCursor;
    renderList();
  }
  function sortOrder() {
    state.order.sort((a, b) => {
      const ca = state.conversations.get(a), cb = state.conversations.get(b);
      return (cb.last_message_at || "").localeCompare(ca.last_message_at || "") || b - a;
    });
  }
  function renderRow(c) {
    const li = el("li", "conv");
    li.dataset.id = c.id;
    if (c.unread_count) li.classList.add("unread");
    if (c.id === state.current) li.classList.add("active");
    const shop = c.shop || cfg.shops[c.shop_id] || {};
    li.appendChild(el("div", "avatar", initials(c.buyer_name || c.buyer_platform_id)));
    const top = el("div", "conv-top");
    top.appendChild(el("span", "conv-buyer", c.buyer_name || c.buyer_platform_id));
    li.appendChild(top);
    const side = el("div", "conv-side");
    side.appendChild(el("span", "conv-time", timeLabel(c.last_message_at)));
    li.appendChild(side);
    const meta = el("div", "conv-meta");
    const preview = el("span", "conv-preview", c.last_message_preview);
    const site = el("span", "badge site", shop.site || "");
    site.dataset.site = shop.site || "";
    meta.appendChild(site);
    meta.appendChild(preview);
    li.appendChild(meta);
    const extra = el("div", "conv-meta");
    extra.appendChild(el("span", "conv-shop", shop.name || ""));
    if (c.assignee) extra.appendChild(el("span", "badge assignee", c.assignee.name));
    const right = el("span", "conv-side push-right");
    if (c.first_response_due_at) {
      const timer = el("span", "timer");
      timer.dataset.due = c.first_response_due_at;
      right.appendChild(timer);
    }
    if (c.unread_count) right.appendChild(el("span", "unread-count", String(c.unread_count)));
    extra.appendChild(right);
    li.appendChild(extra);
    li.addEventListener("click", () => openConversation(c.id));
    return li;
  }
  function renderList() {
    sortOrder();
    const ul = $("conv-list");
    ul.replaceChildren();
    const visible = state.order.map((id) => state.conversations.get(id)).filter(matchesView);
    if (!visible.length) ul.appendChild(el("li", "empty-list", T.noConversations));
    for (const c of visible) ul.appendChild(renderRow(c));
    tickTimers();
  }
  function tickTimers() {
    for (const t of document.querySelectorAll(".timer[data-due]")) {
      const left = Math.round((Date.parse(t.dataset.due) - now()) / 1000);
      const abs = Math.abs(left);
      const mmss = `${Math.floor(abs / 60)}:${String(abs % 60).padStart(2, "0")}`;
      t.textContent = left >= 0 ? mmss : `${T.overdue} ${mmss}`;
      t.classList.toggle("amber", left >= 0 && left < cfg.targetSeconds / 3);
      t.classList.toggle("red", left < 0);
    }
  }

  // -- thread ---------------------------------------------------------------------------------
  function messageBody(m) {
    const b = el("div", "bubble");
    const p = m.payload || {};
    if (m.kind === "image" && p.image_url) {
      const img = el("img");
      img.src = p.image_url; img.alt = T.image; img.loading = "lazy";
      b.appendChild(img);
    } else if (m.kind === "sticker") {
      b.appendChild(el("div", "sticker", "🙂"));
      b.appendChild(el("div", "card-sub", T.sticker));
    } else if (m.kind === "item" || m.kind === "order") {
      const card = el("div", "card-msg");
      card.appendChild(el("div", "card-icon", m.kind === "item" ? "🛍" : "📦"));
      const txt = el("div");
      txt.appendChild(el("div", "card-title", m.kind === "item" ? T.item : T.order));
      txt.appendChild(el("div", "card-sub", m.kind === "item" ? `#${p.item_id || ""}` : (p.order_ref || "")));
      card.appendChild(txt);
      b.appendChild(card);
      if (m.text) b.appendChild(el("div", "", m.text));
    } else {
      b.textContent = m.text || `[${m.kind}]`;
    }
    return b;
  }
  // A send-rule refusal in the page's language; other reasons as the server wrote them.
  function failureText(m) {
    const template = T.refusals[m.failure_code];
    if (!template) return m.failure_reason || "";
    const conversation = state.conversations.get(m.conversation_id);
    const site = conversation && conversation.shop ? conversation.shop.site : "";
    return fmt(template, { count: Array.from(m.text || "").length, site });
  }
  function statusText(code) { return (code && T.statuses[code]) || code || "—"; }
  function renderMessage(m) {
    const row = el("div", `msg ${m.direction}`);
    row.dataset.id = m.id;
    if (m.sender_kind === "auto") row.classList.add("auto");
    if (m.sender_kind === "outside") row.classList.add("outside");
    if (m.status === "failed") row.classList.add("failed");
    row.appendChild(messageBody(m));
    const meta = el("div", "msg-meta");
    if (m.sender_kind === "auto") meta.appendChild(el("span", "tag", T.auto));
    if (m.sender_kind === "outside") meta.appendChild(el("span", "tag outside", T.outside));
    meta.appendChild(el("span", "", timeLabel(m.platform_created_at || m.created_at)));
    if (m.direction === "out") {
      const st = el("span", `status ${m.status}`, T[m.status] || m.status);
      st.dataset.status = m.status;
      meta.appendChild(st);
    }
    row.appendChild(meta);
    if (m.status === "failed") {
      const reason = el("div", "fail-reason", failureText(m));
      if (m.sender_kind !== "outside") {
        const retry = el("button", "link", T.retry);
        retry.type = "button";
        retry.addEventListener("click", () => retryMessage(m.id));
        reason.appendChild(document.createTextNode(" "));
        reason.appendChild(retry);
      }
      row.appendChild(reason);
    }
    return row;
  }
  function renderMessages(scrollToEnd) {
    const box = $("messages");
    const keep = box.scrollHeight - box.scrollTop;
    box.replaceChildren();
    if (state.olderCursor) {
      const older = el("button", "btn small older", T.loadOlder);
      older.type = "button";
      older.addEventListener("click", loadOlder);
      box.appendChild(older);
    }
    const list = [...state.messages.values()].sort(
      (a, b) => a.created_at.localeCompare(b.created_at) || a.id - b.id);
    let day = "";
    for (const m of list) {
      const d = new Date(m.platform_created_at || m.created_at).toDateString();
      if (d !== day) { day = d; box.appendChild(el("div", "day", new Date(d).toLocaleDateString())); }
      box.appendChild(renderMessage(m));
    }
    box.scrollTop = scrollToEnd ? box.scrollHeight : box.scrollHeight - keep;
  }
  function renderHead(c) {
    const shop = c.shop || cfg.shops[c.shop_id] || {};
    $("t-avatar").textContent = initials(c.buyer_name || c.buyer_platform_id);
    $("t-buyer").textContent = c.buyer_name || c.buyer_platform_id;
    $("t-site").textContent = shop.site || "";
    $("t-shop").textContent = shop.name || "";
    $("t-assignee").textContent = c.assignee ? c.assignee.name : T.unassigned;
    $("t-assign").textContent = c.assignee_id === cfg.userId ? T.unassign : T.assignToMe;
    $("t-status").textContent = c.status === "open" ? T.resolve : T.reopen;
  }
  async function openConversation(id) {
    state.current = id;
    state.messages = new Map();
    for (const li of document.querySelectorAll(".conv")) li.classList.toggle("active", li.dataset.id === String(id));
    const data = await api("GET", `/api/v1/conversations/${id}/?page_size=50`);
    if (state.current !== id) return;
    state.conversations.set(id, data.conversation);
    state.olderCursor = data.older_cursor;
    for (const m of data.messages) state.messages.set(m.id, m);
    $("thread-empty").hidden = true;
    for (const k of ["thread-head", "messages", "composer", "side"]) $(k).hidden = false;
    $("app").classList.remove("no-side");
    $("composer-error").hidden = true;
    renderHead(data.conversation);
    renderMessages(true);
    subscribe();
    loadSavedReplies(data.conversation.shop_id);
    loadOrders(false);
    if (data.conversation.unread_count) {
      api("POST", `/api/v1/conversations/${id}/read/`).then((r) => upsertConversation(r.conversation)).catch(() => {});
    }
    $("reply").focus();
  }
  async function loadOlder() {
    const id = state.current;
    const data = await api("GET", `/api/v1/conversations/${id}/messages/?before=${encodeURIComponent(state.olderCursor)}`);
    if (state.current !== id) return;
    for (const m of data.results) state.messages.set(m.id, m);
    state.olderCursor = data.older_cursor;
    renderMessages(false);
  }

  // -- composer -------------------------------------------------------------------------------
  function updateCounter() {
    const n = [...$("reply").value].length;
    const counter = $("counter");
    counter.textContent = `${n} / ${cfg.maxLength}`;
    counter.classList.toggle("over", n > cfg.maxLength);
  }
  async function send() {
    const box = $("reply");
    const text = box.value;
    if (!text.trim() || !state.current) return;
    const key = (crypto.randomUUID && crypto.randomUUID()) || String(Date.now()) + Math.random();
    $("send").disabled = true;
    try {
      const m = await api("POST", `/api/v1/conversations/${state.current}/messages/`, { text }, { "Idempotency-Key": key });
      if (m.status !== "failed") box.value = ""; // a refused text stays, to be edited
      updateCounter();
      upsertMessage(m, true);
      $("composer-error").hidden = m.status !== "failed";
      $("composer-error").textContent = m.status === "failed" ? fmt(T.sendFailed, { reason: failureText(m) }) : "";
    } catch (e) {
      $("composer-error").hidden = false;
      $("composer-error").textContent = fmt(T.sendFailed, { reason: e.message });
    } finally {
      $("send").disabled = false;
      box.focus();
    }
  }
  async function retryMessage(id) {
    try { upsertMessage(await api("POST", `/api/v1/messages/${id}/retry/`)); } catch (e) { toast(e.message); }
  }
  async function loadSavedReplies(shopId) {
    const sel = $("saved-replies");
    const first = sel.options[0];
    sel.replaceChildren(first);
    const replies = await api("GET", `/api/v1/saved-replies/?shop=${shopId}`);
    for (const r of replies) {
      const opt = el("option", "", r.title);
      opt.value = r.text;
      sel.appendChild(opt);
    }
  }

  // -- side panel -----------------------------------------------------------------------------
  function renderOrders(orders) {
    const box = $("orders");
    box.replaceChildren();
    if (!orders.length) { box.appendChild(el("p", "side-empty", T.noOrders)); return; }
    for (const o of orders) {
      const card = el("div", "order");
      const head = el("div", "order-head");
      head.appendChild(el("span", "order-ref", o.order_ref));
      head.appendChild(el("span", "ostatus", statusText(o.status)));
      card.appendChild(head);
      const items = el("ul", "order-items");
      for (const it of o.items || []) {
        const li = el("li");
        li.appendChild(el("span", "", it.name || it.item_id));
        li.appendChild(el("span", "", `×${it.quantity || 1}`));
        items.appendChild(li);
      }
      card.appendChild(items);
      if (o.total) card.appendChild(orderRow("Σ", `${o.total} ${o.currency}`));
      if (o.tracking_number || o.carrier) {
        card.appendChild(orderRow(T.tracking, `${o.carrier || ""} ${o.tracking_number || ""}`.trim()));
      }
      if (o.tracking_status) card.appendChild(orderRow("", statusText(o.tracking_status)));
      for (const r of o.returns || []) {
        card.appendChild(el("div", "return", `${T.returns} ${r.return_ref}: ${statusText(r.status)}${r.reason ? " · " + r.reason : ""}`));
      }
      box.appendChild(card);
    }
  }
  function orderRow(label, value) {
    const row = el("div", "order-row");
    row.appendChild(el("span", "", label));
    row.appendChild(el("b", "", value));
    return row;
  }
  async function loadOrders(refresh) {
    const id = state.current;
    if (refresh) {
      const r = await api("POST", `/api/v1/conversations/${id}/orders/refresh/`);
      if (state.current === id) renderOrders(r.orders);
      toast(r.errors.length ? T.refreshFailed : T.refreshed);
    } else {
      const orders = await api("GET", `/api/v1/conversations/${id}/orders/`);
      if (state.current === id) renderOrders(orders);
    }
  }

  // -- live events ----------------------------------------------------------------------------
  function upsertMessage(m, fromRest) {
    if (m.conversation_id !== state.current) return;
    // A REST answer can be older than the socket's events (delivery may finish before the
    // POST returns): once a message is known, only events update it.
    if (fromRest && state.messages.has(m.id)) return;
    state.messages.set(m.id, m);
    const box = $("messages");
    const atEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    renderMessages(atEnd || m.direction === "out");
  }
  async function upsertConversation(data) {
    let c = state.conversations.get(data.id);
    if (!c) {
      try { c = (await api("GET", `/api/v1/conversations/${data.id}/?page_size=1`)).conversation; } catch (e) { return; }
      if (!state.order.includes(c.id)) state.order.push(c.id);
      state.conversations.set(c.id, c);
      renderList();
      const li = document.querySelector(`.conv[data-id="${c.id}"]`);
      if (li) li.classList.add("new");
      return;
    }
    const assigneeChanged = data.assignee_id !== c.assignee_id;
    Object.assign(c, data);
    if (assigneeChanged) {
      if (data.assignee_id === null) c.assignee = null;
      else {
        try { c = (await api("GET", `/api/v1/conversations/${c.id}/?page_size=1`)).conversation; } catch (e) { /* keep */ }
        state.conversations.set(c.id, c);
      }
    }
    renderList();
    if (c.id === state.current) renderHead(c);
  }
  function isStale(key, eventId) {
    // Event ids follow the order the changes were written; a publish can overtake another
    // (e.g. "sent" before "created"), so an older event never overwrites a newer one.
    if (!eventId) return false;
    if ((state.applied.get(key) || 0) > eventId) return true;
    state.applied.set(key, eventId);
    return false;
  }
  function handleEvent(ev) {
    if (ev.event_id) state.lastEventId = Math.max(state.lastEventId, ev.event_id);
    if (ev.message && isStale(`m${ev.message.id}`, ev.event_id)) return;
    if (ev.conversation && isStale(`c${ev.conversation.id}`, ev.event_id)) return;
    switch (ev.type) {
      case "chat.message_created":
      case "chat.message_status_changed":
        upsertMessage(ev.message);
        break;
      case "chat.conversation_updated":
        upsertConversation(ev.conversation);
        break;
      case "chat.first_response_countdown":
        state.clockOffset = Date.parse(ev.server_time) - Date.now();
        tickTimers();
        break;
      case "chat.resync_required":
        state.lastEventId = ev.last_event_id;
        loadList(false);
        if (state.current) openConversation(state.current);
        break;
      default:
        break;
    }
  }
  function setConn(s, label) { $("conn").dataset.state = s; $("conn-label").textContent = label; }
  function subscribe() {
    if (state.socket && state.socket.readyState === WebSocket.OPEN && state.current) {
      state.socket.send(JSON.stringify({ type: "subscribe", conversation_id: state.current }));
    }
  }
  function connect() {
    const proto = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${proto}://${location.host}/ws/agent/?last_event_id=${state.lastEventId}`);
    state.socket = ws;
    ws.onopen = () => { state.retryDelay = 500; setConn("live", T.live); subscribe(); };
    ws.onmessage = (msg) => { try { handleEvent(JSON.parse(msg.data)); } catch (e) { console.error(e); } };
    ws.onclose = (e) => {
      setConn("offline", T.offline);
      if (e.code === 4401 || e.code === 4403) { location.reload(); return; } // access changed
      setTimeout(connect, state.retryDelay);
      state.retryDelay = Math.min(state.retryDelay * 2, 10000);
    };
  }

  // -- wiring ---------------------------------------------------------------------------------
  document.addEventListener("DOMContentLoaded", () => {
    $("app").classList.add("no-side");
    for (const b of document.querySelectorAll(".view")) {
      b.addEventListener("click", () => {
        for (const o of document.querySelectorAll(".view")) o.classList.toggle("active", o === b);
        state.view = b.dataset.view;
        loadList(false);
      });
    }
    $("shop-filter").addEventListener("change", (e) => { state.shop = e.target.value; loadList(false); });
    $("list-more").addEventListener("click", () => loadList(true));
    $("reply").addEventListener("input", updateCounter);
    $("reply").addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); }
    });
    $("composer").addEventListener("submit", (e) => { e.preventDefault(); send(); });
    $("saved-replies").addEventListener("change", (e) => {
      if (!e.target.value) return;
      $("reply").value = e.target.value;
      e.target.selectedIndex = 0;
      updateCounter();
      $("reply").focus();
    });
    $("t-assign").addEventListener("click", async () => {
      const c = state.conversations.get(state.current);
      const target = c.assignee_id === cfg.userId ? null : cfg.userId;
      try { upsertConversation(await api("POST", `/api/v1/conversations/${c.id}/assign/`, { assignee_id: target })); } catch (e) { toast(e.message); }
    });
    $("t-status").addEventListener("click", async () => {
      const c = state.conversations.get(state.current);
      const action = c.status === "open" ? "resolve" : "reopen";
      try { upsertConversation(await api("POST", `/api/v1/conversations/${c.id}/${action}/`)); } catch (e) { toast(e.message); }
    });
    $("orders-refresh").addEventListener("click", () => loadOrders(true).catch((e) => toast(e.message)));
    for (const sel of document.querySelectorAll(".lang select")) {
      sel.addEventListener("change", () => sel.form.submit());
    }
    updateCounter();
    loadList(false).then(connect);
    setInterval(tickTimers, 1000);
  });
})();
