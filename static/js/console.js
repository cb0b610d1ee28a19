// Agent console: renders REST data, applies /ws/agent/ events, resumes from the last event id.
// No framework. Every value from the server goes through textContent (never innerHTML).
"use strict";

(function () {
  const cfg = JSON.parse(document.getElementById("console-config").textContent);
  const T = cfg.strings;
  const U = window.ConsoleUtil;
  const { el, fmt, api } = U;
  const $ = (id) => document.getElementById(id);
  const narrow = window.matchMedia("(max-width: 759px)");
  const state = {
    conversations: new Map(), // id -> conversation (REST shape)
    order: [], // ids in list order
    view: "all",
    shop: "",
    nextCursor: null,
    current: null, // open conversation id
    messages: new Map(), // id -> message of the open conversation
    olderCursor: null,
    drafts: new Map(), // conversation id -> unsent text, while the agent looks elsewhere
    flash: null, // {id, until}: a failed message whose retry was just refused again
    retrying: new Set(), // ids this page resent, until they are sent or fail again
    badAvatars: new Set(), // avatar URLs that failed to load, not asked for again
    lastEventId: cfg.lastEventId,
    applied: new Map(), // "m<id>" / "c<id>" -> event_id last applied (events may arrive out of order)
    clockOffset: 0, // server time - browser time, ms
    retryDelay: 500,
  };

  // -- helpers ------------------------------------------------------------------------------
  function now() { return Date.now() + state.clockOffset; }
  // The ticket tab, badges and panel (console_tickets.js), told what the inbox shows.
  function tickets() { return window.ConsoleTickets; }
  function toast(text, kind) {
    const t = el("div", kind ? `toast ${kind}` : "toast", text);
    t.addEventListener("click", () => t.remove());
    $("toasts").appendChild(t);
    setTimeout(() => t.remove(), kind === "error" ? 6000 : 3000);
  }
  function displayName(c) { return c.buyer_name || c.buyer_platform_id || ""; }
  // The buyer's initial on a stable colour; their marketplace portrait on top once it loads.
  function paintAvatar(node, c) {
    node.replaceChildren(el("span", "", U.initial(displayName(c))));
    node.dataset.tone = U.tone(c.buyer_platform_id || displayName(c));
    const url = c.buyer_avatar_url;
    if (url && !state.badAvatars.has(url)) {
      const img = el("img");
      img.alt = "";
      img.decoding = "async";
      img.addEventListener("error", () => { state.badAvatars.add(url); img.remove(); });
      img.src = url;
      node.appendChild(img);
    }
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
  // The last message, or for one without text, what it was ("Image", "Sticker", …) with its icon.
  function preview(text) {
    const node = el("span", "conv-preview");
    const kind = U.placeholderKind(text);
    if (!kind || !T.kinds[kind]) {
      node.textContent = text;
      return node;
    }
    node.classList.add("kind");
    node.appendChild(U.kindIcon(kind));
    node.appendChild(document.createTextNode(T.kinds[kind]));
    return node;
  }
  function renderRow(c) {
    const li = el("li", "conv");
    li.dataset.id = c.id;
    li.tabIndex = 0;
    if (c.unread_count) li.classList.add("unread");
    if (c.id === state.current) li.classList.add("active");
    const shop = c.shop || cfg.shops[c.shop_id] || {};
    const avatar = el("div", "avatar");
    paintAvatar(avatar, c);
    li.appendChild(avatar);
    const top = el("div", "conv-top");
    top.appendChild(el("span", "conv-buyer", displayName(c)));
    li.appendChild(top);
    const side = el("div", "conv-side");
    const time = el("span", "conv-time", U.listTime(c.last_message_at));
    time.title = U.fullStamp(c.last_message_at);
    side.appendChild(time);
    li.appendChild(side);
    const meta = el("div", "conv-meta");
    const site = el("span", "badge site", shop.site || "");
    site.dataset.site = shop.site || "";
    meta.appendChild(site);
    meta.appendChild(preview(c.last_message_preview));
    li.appendChild(meta);
    const extra = el("div", "conv-meta");
    extra.appendChild(el("span", "conv-shop", shop.name || ""));
    if (c.assignee) extra.appendChild(el("span", "badge assignee", c.assignee.name));
    for (const tag of c.tags || []) extra.appendChild(el("span", "badge tag", tag));
    const right = el("span", "conv-side push-right");
    if (c.first_response_due_at) {
      const timer = el("span", "timer");
      timer.dataset.due = c.first_response_due_at;
      const target = (cfg.shops[c.shop_id] || {}).targetSeconds || cfg.targetSeconds;
      timer.dataset.target = String(target);
      right.appendChild(timer);
    }
    if (c.unread_count) right.appendChild(el("span", "unread-count", String(c.unread_count)));
    extra.appendChild(right);
    li.appendChild(extra);
    li.addEventListener("click", () => openConversation(c.id, true));
    li.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); openConversation(c.id, true); }
    });
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
    tickets().listRendered(visible.map((c) => c.id)); // their ticket badges
  }
  function tickTimers() {
    for (const t of document.querySelectorAll(".timer[data-due]")) {
      const left = Math.round((Date.parse(t.dataset.due) - now()) / 1000);
      const abs = Math.abs(left);
      const mmss = `${Math.floor(abs / 60)}:${String(abs % 60).padStart(2, "0")}`;
      t.textContent = left >= 0 ? mmss : `${T.overdue} ${mmss}`;
      t.classList.toggle("amber", left >= 0 && left < Number(t.dataset.target) / 3);
      t.classList.toggle("red", left < 0);
    }
  }

  // -- thread ---------------------------------------------------------------------------------
  function messageBody(m) { return window.ConsoleMessages.messageBody(T, m, $("messages")); }
  // A send-rule refusal in the page's language; other reasons as the server wrote them.
  function failureText(m) {
    const conversation = state.conversations.get(m.conversation_id);
    const shop = conversation ? conversation.shop || cfg.shops[conversation.shop_id] || {} : {};
    const template = (T.refusals[shop.platform] || {})[m.failure_code];
    if (!template) return m.failure_reason || "";
    const site = shop.site || "";
    return fmt(template, { count: U.charCount(m.text || ""), site });
  }
  function linkButton(label, onClick) {
    const b = el("button", "link", label);
    b.type = "button";
    b.addEventListener("click", () => onClick(b));
    return b;
  }
  function failureRow(m) {
    const reason = el("div", "fail-reason");
    if (state.flash && state.flash.id === m.id && state.flash.until > Date.now()) reason.classList.add("flash");
    reason.appendChild(el("span", "fail-text", failureText(m)));
    const actions = el("span", "fail-actions");
    if (U.canRetry(m)) actions.appendChild(linkButton(T.retry, (b) => retryMessage(m.id, b)));
    if (U.canEdit(m)) actions.appendChild(linkButton(T.edit, () => editFailed(m)));
    if (actions.childNodes.length) reason.appendChild(actions);
    return reason;
  }
  function classificationTags(m, meta) {
    // The buyer message's detected language and intent, once automation has classified it.
    if (m.language) {
      const lang = el("span", "tag lang", m.language.toUpperCase());
      lang.title = T.languageTitle.replace("%(language)s", m.language);
      meta.appendChild(lang);
    }
    if (m.intent) {
      const intent = el("span", `tag intent ${m.intent}`, T.intents[m.intent] || m.intent);
      intent.dataset.intent = m.intent;
      const pct = Math.round((m.intent_confidence || 0) * 100);
      intent.title = T.intentTitle.replace("%(confidence)s", `${pct}%`);
      meta.appendChild(intent);
    }
  }
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
    if (m.sender_kind === "buyer") classificationTags(m, meta);
    const at = m.platform_created_at || m.created_at;
    const time = el("time", "msg-time", U.timeOfDay(at));
    time.dateTime = at;
    time.title = U.fullStamp(at);
    meta.appendChild(time);
    if (m.direction === "out") {
      const st = el("span", `status ${m.status}`, T[m.status] || m.status);
      st.dataset.status = m.status;
      meta.appendChild(st);
    }
    row.appendChild(meta);
    if (m.status === "failed") row.appendChild(failureRow(m));
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
    const list = [...state.messages.values()].sort(U.threadOrder);
    let day = "";
    for (const m of list) {
      const d = new Date(m.platform_created_at || m.created_at);
      if (d.toDateString() !== day) {
        day = d.toDateString();
        box.appendChild(el("div", "day", U.dayLabel(d)));
      }
      box.appendChild(renderMessage(m));
    }
    box.scrollTop = scrollToEnd ? box.scrollHeight : box.scrollHeight - keep;
  }
  function renderHead(c) {
    const shop = c.shop || cfg.shops[c.shop_id] || {};
    paintAvatar($("t-avatar"), c);
    $("t-buyer").textContent = displayName(c);
    $("t-buyer").title = displayName(c);
    $("t-site").textContent = shop.site || "";
    $("t-site").dataset.site = shop.site || "";
    $("t-shop").textContent = shop.name || "";
    $("t-shop").title = shop.name || "";
    $("t-assignee").textContent = c.assignee ? c.assignee.name : T.unassigned;
    $("t-assignee").classList.toggle("none", !c.assignee);
    $("t-assign").textContent = c.assignee_id === cfg.userId ? T.unassign : T.assignToMe;
    $("t-status").textContent = c.status === "open" ? T.resolve : T.reopen;
    tickets().conversationShown(c);
  }

  // -- panes: one at a time on a phone, the orders as a drawer below the wide layout -----------
  function hashConversation() {
    const m = location.hash.match(/^#c(\d+)$/);
    return m ? Number(m[1]) : null;
  }
  function setSide(open) {
    $("app").classList.toggle("side-open", open);
    $("t-orders").setAttribute("aria-expanded", String(open));
  }
  function showList() {
    $("app").classList.remove("pane-thread");
    setSide(false);
  }
  function backToList() {
    // The entry this conversation pushed, so the phone's own back gesture does the same.
    if (history.state && history.state.conv) history.back();
    else { history.replaceState(null, "", location.pathname + location.search); showList(); }
  }
  function closeConversation() {
    state.current = null;
    $("thread-empty").hidden = false;
    for (const k of ["thread-head", "messages", "composer", "side"]) $(k).hidden = true;
    $("app").classList.remove("has-conv");
    showList();
  }
  function showThread(c) {
    $("thread-empty").hidden = true;
    for (const k of ["thread-head", "messages", "composer", "side"]) $(k).hidden = false;
    $("app").classList.add("has-conv");
    renderHead(c);
    renderMessages(true);
  }
  async function openConversation(id, push) {
    const box = $("reply");
    const switching = state.current !== id;
    if (switching && state.current) state.drafts.set(state.current, box.value);
    state.current = id;
    if (push && hashConversation() !== id) history.pushState({ conv: id }, "", `#c${id}`);
    if (switching) {
      state.messages = new Map();
      state.olderCursor = null;
      box.value = state.drafts.get(id) || "";
      updateCounter();
      $("composer-error").hidden = true;
      $("orders").replaceChildren();
      $("t-orders-count").textContent = "";
      const known = state.conversations.get(id);
      if (known) showThread(known); // the list's copy, while the messages load
    }
    for (const li of document.querySelectorAll(".conv")) li.classList.toggle("active", li.dataset.id === String(id));
    $("app").classList.add("pane-thread");
    let data;
    try {
      data = await api("GET", `/api/v1/conversations/${id}/?page_size=50`);
    } catch (e) {
      if (state.current === id) { toast(e.message, "error"); closeConversation(); }
      return;
    }
    if (state.current !== id) return;
    state.conversations.set(id, data.conversation);
    state.olderCursor = data.older_cursor;
    for (const m of data.messages) state.messages.set(m.id, m);
    showThread(data.conversation);
    $("template-language").value = "";
    $("templates").replaceChildren($("templates").options[0]); // never another buyer's text
    loadTemplates(id).catch(() => {});
    loadOrders(false).catch(() => {});
    if (data.conversation.unread_count) {
      api("POST", `/api/v1/conversations/${id}/read/`).then((r) => upsertConversation(r.conversation)).catch(() => {});
    }
    if (!narrow.matches) box.focus(); // on a phone the keyboard would cover the thread
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
    // What the API will count: trimmed, in code points.
    const n = U.charCount(U.serverText($("reply").value));
    const counter = $("counter");
    // The limit of the open conversation's marketplace (none: the count alone).
    const conversation = state.conversations.get(state.current);
    const shop = conversation ? cfg.shops[conversation.shop_id] || {} : {};
    const max = shop.maxLength;
    counter.textContent = max ? `${n} / ${max}` : `${n}`;
    counter.classList.toggle("over", Boolean(max) && n > max);
    counter.classList.toggle("near", Boolean(max) && n <= max && n > max * 0.9);
  }
  function showComposerError(text) {
    $("composer-error").textContent = text;
    $("composer-error").hidden = !text;
  }
  async function send() {
    const box = $("reply");
    const id = state.current;
    const text = box.value;
    if (!U.serverText(text) || !id || $("send").disabled) return;
    const key = (crypto.randomUUID && crypto.randomUUID()) || String(Date.now()) + Math.random();
    $("send").disabled = true;
    try {
      const m = await api("POST", `/api/v1/conversations/${id}/messages/`, { text }, { "Idempotency-Key": key });
      upsertMessage(m, true);
      if (state.current !== id) return;
      // A refused text stays, to be edited; so does anything typed while the send was on its way.
      if (m.status !== "failed" && box.value === text) { box.value = ""; updateCounter(); }
      showComposerError(m.status === "failed" ? fmt(T.sendFailed, { reason: failureText(m) }) : "");
    } catch (e) {
      if (state.current === id) showComposerError(fmt(T.sendFailed, { reason: e.message }));
    } finally {
      $("send").disabled = false;
      if (!narrow.matches) box.focus();
    }
  }
  async function retryMessage(id, button) {
    button.disabled = true;
    const before = state.messages.get(id);
    // Marked before the call: delivery's events can come before the answer does.
    state.retrying.add(id);
    try {
      const m = await api("POST", `/api/v1/messages/${id}/retry/`);
      if (m.status === "failed" && state.retrying.has(id)) refusedAgain(m);
      // Events may already have moved it on (queued, sent); the answer only replaces the copy
      // it started from.
      if (state.messages.get(id) === before) upsertMessage(m);
    } catch (e) {
      state.retrying.delete(id);
      toast(fmt(T.retryRefused, { reason: e.message }), "error");
    } finally {
      button.disabled = false;
    }
  }
  function refusedAgain(m) {
    state.retrying.delete(m.id);
    state.flash = { id: m.id, until: Date.now() + 2000 };
    toast(fmt(T.retryRefused, { reason: failureText(m) }), "error");
  }
  function editFailed(m) {
    const box = $("reply");
    if (U.serverText(box.value) === m.text) box.select();
    else U.insertAtCursor(box, m.text);
    box.focus();
  }
  // Reply templates rendered for the open conversation (its buyer's order and tracking filled
  // in), in the buyer's detected language unless the agent picks another.
  async function loadTemplates(conversationId) {
    const language = $("template-language").value;
    const query = language ? `?language=${encodeURIComponent(language)}` : "";
    const body = await api("GET", `/api/v1/conversations/${conversationId}/templates/${query}`);
    if (state.current !== conversationId || $("template-language").value !== language) return;
    const sel = $("templates");
    sel.replaceChildren(sel.options[0]);
    for (const t of body.templates) {
      const preview = t.text.length > 60 ? `${t.text.slice(0, 59)}…` : t.text;
      const opt = el("option", "", `${t.title} [${t.language}] ${preview}`);
      opt.value = t.text;
      opt.title = t.text;
      opt.dataset.language = t.language;
      sel.appendChild(opt);
    }
  }

  // -- side panel -----------------------------------------------------------------------------
  function renderOrders(orders) {
    $("t-orders-count").textContent = orders.length ? String(orders.length) : "";
    window.ConsoleOrders.render($("orders"), orders, T);
  }
  async function loadOrders(refresh) {
    const id = state.current;
    if (refresh) {
      const r = await api("POST", `/api/v1/conversations/${id}/orders/refresh/`);
      if (state.current === id) renderOrders(r.orders);
      toast(r.errors.length ? T.refreshFailed : T.refreshed, r.errors.length ? "error" : "");
    } else {
      const orders = await api("GET", `/api/v1/conversations/${id}/orders/`);
      if (state.current === id) renderOrders(orders);
    }
  }

  // -- live events ----------------------------------------------------------------------------
  function upsertMessage(m, fromRest) {
    if (state.retrying.has(m.id) && m.status === "failed") refusedAgain(m);
    else if (m.status === "sent") state.retrying.delete(m.id);
    if (m.conversation_id !== state.current) return;
    // A REST answer can be older than the socket's events (delivery may finish before the
    // POST returns): once a message is known, only events update it.
    if (fromRest && state.messages.has(m.id)) return;
    // Older than the loaded page while older pages remain: "Load older" brings it in its place.
    if (!state.messages.has(m.id) && state.olderCursor && isBeforeLoaded(m)) return;
    state.messages.set(m.id, m);
    const box = $("messages");
    const atEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    renderMessages(atEnd || m.direction === "out");
  }
  function isBeforeLoaded(m) {
    for (const loaded of state.messages.values()) if (U.threadOrder(m, loaded) > 0) return false;
    return state.messages.size > 0;
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
    if (window.ConsoleTeam) window.ConsoleTeam.event(ev);
    if (ev.event_id) state.lastEventId = Math.max(state.lastEventId, ev.event_id);
    if (ev.message && isStale(`m${ev.message.id}`, ev.event_id)) return;
    if (ev.conversation && isStale(`c${ev.conversation.id}`, ev.event_id)) return;
    switch (ev.type) {
      case "chat.message_created":
      case "chat.message_status_changed":
      case "chat.message_updated":
        upsertMessage(ev.message);
        break;
      case "chat.conversation_updated":
        upsertConversation(ev.conversation);
        break;
      case "chat.first_response_countdown":
        state.clockOffset = Date.parse(ev.server_time) - Date.now();
        tickTimers();
        break;
      case "tickets.ticket_updated":
        tickets().ticketUpdated(ev);
        break;
      case "alerts.alert_raised": case "alerts.alert_acknowledged": window.ConsoleAlerts.event(ev); break;
      case "chat.resync_required":
        state.lastEventId = ev.last_event_id;
        loadList(false);
        if (state.current) openConversation(state.current, false);
        tickets().resync();
        break;
      default:
        break;
    }
  }
  function setConn(s, label) {
    $("conn").dataset.state = s;
    $("conn-label").textContent = label;
    if (window.ConsoleTeam) window.ConsoleTeam.connection(s);
  }
  function connect() {
    const proto = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${proto}://${location.host}/ws/agent/?last_event_id=${state.lastEventId}`);
    ws.onopen = () => { state.retryDelay = 500; setConn("live", T.live); };
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
    for (const b of document.querySelectorAll(".view")) {
      b.addEventListener("click", () => {
        for (const o of document.querySelectorAll(".view")) {
          o.classList.toggle("active", o === b);
          o.setAttribute("aria-selected", String(o === b));
        }
        state.view = b.dataset.view;
        loadList(false);
      });
    }
    $("shop-filter").addEventListener("change", (e) => { state.shop = e.target.value; loadList(false); });
    $("list-more").addEventListener("click", () => loadList(true));
    $("reply").addEventListener("input", () => { updateCounter(); showComposerError(""); });
    $("reply").addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); }
    });
    $("composer").addEventListener("submit", (e) => { e.preventDefault(); send(); });
    $("template-language").addEventListener("change", () => {
      if (state.current) loadTemplates(state.current).catch((e) => toast(e.message, "error"));
    });
    $("templates").addEventListener("change", (e) => {
      const text = e.target.value;
      e.target.selectedIndex = 0;
      if (text) U.insertAtCursor($("reply"), text);
    });
    $("t-assign").addEventListener("click", async () => {
      const c = state.conversations.get(state.current);
      const target = c.assignee_id === cfg.userId ? null : cfg.userId;
      try { upsertConversation(await api("POST", `/api/v1/conversations/${c.id}/assign/`, { assignee_id: target })); } catch (e) { toast(e.message, "error"); }
    });
    $("t-status").addEventListener("click", async () => {
      const c = state.conversations.get(state.current);
      const action = c.status === "open" ? "resolve" : "reopen";
      try { upsertConversation(await api("POST", `/api/v1/conversations/${c.id}/${action}/`)); } catch (e) { toast(e.message, "error"); }
    });
    $("t-back").addEventListener("click", backToList);
    $("t-orders").addEventListener("click", () => setSide(!$("app").classList.contains("side-open")));
    $("side-close").addEventListener("click", () => { setSide(false); $("t-orders").focus(); });
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && $("app").classList.contains("side-open")) setSide(false);
    });
    window.addEventListener("popstate", () => {
      const id = hashConversation();
      if (id) openConversation(id, false); else showList();
    });
    $("orders-refresh").addEventListener("click", () => loadOrders(true).catch((e) => toast(e.message, "error")));
    updateCounter();
    loadList(false).then(() => {
      const id = hashConversation(); // a reload, or a language switch, reopens the conversation
      if (id) openConversation(id, false);
      connect();
    });
    setInterval(tickTimers, 1000);
    window.ConsoleTeam.start({
      cfg, toast,
      current: () => state.conversations.get(state.current) || null,
      upsert: upsertConversation,
    });
    tickets().start({
      cfg, toast, setSide,
      open: (id) => openConversation(id, true),
      current: () => state.conversations.get(state.current) || null,
      messages: () => [...state.messages.values()],
    });
  });
})();
