// The console's tickets: the agent's queue (the Tickets tab), open-ticket badges on the inbox's
// conversations and the thread header, and the panel beside the thread (create, move, note).
// console.js tells it what the inbox shows and hands it tickets.ticket_updated socket events.
"use strict";

window.ConsoleTickets = (function () {
  const U = window.ConsoleUtil;
  const { el, fmt, api } = U;
  const $ = (id) => document.getElementById(id);
  const BASE = "/api/v1/tickets/";
  const ACTIVE = new Set(["new", "open", "pending_buyer", "pending_internal", "reopened"]);
  let C = null; // what console.js shares: cfg, toast, setSide, open, current, messages
  let T = {};
  const state = {
    counts: new Map(), // conversation id -> its active tickets
    asked: new Set(), // conversation ids whose count was fetched (or came live)
    visible: [], // conversation ids the inbox shows
    queue: new Map(), // ticket id -> row, in the Tickets tab
    queueOrder: [],
    nextCursor: null,
    panelConversation: null,
    panel: new Map(), // ticket id -> detail, of the conversation in the panel
    errors: new Map(), // ticket id -> the last refusal shown on its card
    notes: new Map(), // ticket id -> a note being typed, kept when a live change redraws the card
    picks: new Map(), // ticket id -> the status picked to move to, kept likewise
    types: [],
    reload: null,
  };

  function statusLabel(s) { return T.statuses[s] || s; }
  function badge(cls, text, data) {
    const b = el("span", `badge ${cls}`, text);
    if (data) b.dataset.state = data;
    return b;
  }

  // -- queue (the Tickets tab) -------------------------------------------------------------------
  function byDue(a, b) {
    const ra = state.queue.get(a), rb = state.queue.get(b);
    const da = ra.due_at ? Date.parse(ra.due_at) : Infinity, db = rb.due_at ? Date.parse(rb.due_at) : Infinity;
    return da - db || a - b;
  }
  async function loadQueue(append) {
    const p = new URLSearchParams({ queue: "true", page_size: "30" });
    if (append && state.nextCursor) p.set("cursor", state.nextCursor);
    const data = await api("GET", `${BASE}?${p}`);
    if (!append) { state.queue = new Map(); state.queueOrder = []; }
    for (const row of data.results) {
      if (!state.queue.has(row.id)) state.queueOrder.push(row.id);
      state.queue.set(row.id, row);
    }
    state.nextCursor = data.next_cursor;
    renderQueue();
  }
  function queueRow(t) {
    const li = el("li", "ticket-row");
    li.dataset.id = t.id;
    li.tabIndex = 0;
    const top = el("div", "ticket-top");
    top.appendChild(el("span", "ticket-subject", t.subject));
    top.appendChild(badge("sla", T.sla[t.sla_state] || t.sla_state, t.sla_state));
    li.appendChild(top);
    const meta = el("div", "ticket-meta");
    meta.appendChild(badge("ticket-status", statusLabel(t.status), t.status));
    meta.appendChild(el("span", "ticket-type", t.ticket_type.name));
    meta.appendChild(el("span", "ticket-buyer", t.buyer_name || t.buyer_platform_id || t.shop.name));
    if (t.due_at) meta.appendChild(el("span", "ticket-due", fmt(T.due, { date: U.fullStamp(t.due_at) })));
    li.appendChild(meta);
    const go = () => openTicket(t.id);
    li.addEventListener("click", go);
    li.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); go(); } });
    return li;
  }
  function renderQueue() {
    state.queueOrder.sort(byDue);
    const ul = $("ticket-list");
    ul.replaceChildren();
    if (!state.queueOrder.length) ul.appendChild(el("li", "empty-list", T.queueEmpty));
    for (const id of state.queueOrder) ul.appendChild(queueRow(state.queue.get(id)));
    $("tickets-more").hidden = !state.nextCursor;
    $("tab-tickets-count").textContent = state.queueOrder.length ? String(state.queueOrder.length) : "";
  }
  async function openTicket(id) {
    try {
      const detail = await api("GET", `${BASE}${id}/`);
      if (detail.conversation_ids.length) {
        state.panel.set(detail.id, detail);
        await C.open(detail.conversation_ids[0]);
        showPanel();
      } else C.toast(fmt(T.noConversation, { id: detail.id }));
    } catch (e) { C.toast(e.message, "error"); }
  }
  function inMyQueue(row) {
    return ACTIVE.has(row.status) && (row.assignee ? row.assignee.id === C.cfg.userId : true);
  }
  // A live change: the row is updated at once; the first page is then read again (debounced)
  // so a ticket that joins the queue arrives scoped and in place.
  function queueChanged(row) {
    if (state.queue.has(row.id)) {
      if (inMyQueue(row)) state.queue.set(row.id, row);
      else { state.queue.delete(row.id); state.queueOrder = state.queueOrder.filter((id) => id !== row.id); }
      renderQueue();
    }
    clearTimeout(state.reload);
    state.reload = setTimeout(() => loadQueue(false).catch(() => {}), 400);
  }
  function showTab(tickets) {
    $("inbox").classList.toggle("show-tickets", tickets);
    $("tab-inbox").setAttribute("aria-selected", String(!tickets));
    $("tab-tickets").setAttribute("aria-selected", String(tickets));
    if (tickets) loadQueue(false).catch((e) => C.toast(e.message, "error"));
  }

  // -- badges -------------------------------------------------------------------------------------
  async function fetchCounts(ids) {
    for (let i = 0; i < ids.length; i += 100) {
      const chunk = ids.slice(i, i + 100);
      for (const id of chunk) state.asked.add(id);
      const data = await api("GET", `${BASE}by-conversation/?ids=${chunk.join(",")}`);
      for (const id of chunk) state.counts.set(id, data.counts[String(id)] || 0);
    }
    paintBadges();
  }
  function paintBadges() {
    for (const li of document.querySelectorAll(".conv[data-id]")) {
      const id = Number(li.dataset.id);
      const n = state.counts.get(id) || 0;
      let b = li.querySelector(".badge.tickets");
      if (!n) { if (b) b.remove(); continue; }
      if (!b) {
        b = el("button", "badge tickets");
        b.type = "button";
        b.addEventListener("click", async (e) => {
          e.stopPropagation();
          await C.open(id);
          showPanel();
        });
        li.querySelector(".conv-top").appendChild(b);
      }
      b.textContent = String(n);
      b.title = b.ariaLabel = fmt(T.openTickets, { count: n });
    }
    const current = C && C.current();
    const n = current ? state.counts.get(current.id) || 0 : 0;
    $("t-tickets-count").textContent = n ? String(n) : "";
  }

  // -- panel beside the thread --------------------------------------------------------------------
  function showPanel() {
    C.setSide(true);
    $("ticket-panel").scrollIntoView({ block: "start" });
  }
  function lastBuyerText() {
    const inbound = C.messages().filter((m) => m.direction === "in" && m.text);
    inbound.sort(U.threadOrder);
    const text = inbound.length ? inbound[inbound.length - 1].text.trim() : "";
    return text.length > 200 ? text.slice(0, 199) + "…" : text;
  }
  async function loadPanel(conversationId) {
    const data = await api("GET", `${BASE}?conversation=${conversationId}&page_size=20`);
    const details = await Promise.all(data.results.map((r) => api("GET", `${BASE}${r.id}/`)));
    if (state.panelConversation !== conversationId) return;
    state.panel = new Map(details.map((d) => [d.id, d]));
    state.counts.set(conversationId, details.filter((d) => ACTIVE.has(d.status)).length);
    state.asked.add(conversationId);
    renderPanel();
    paintBadges();
  }
  function renderPanel() {
    const list = $("ticket-cards");
    list.replaceChildren();
    const tickets = [...state.panel.values()].sort((a, b) => b.id - a.id);
    if (!tickets.length) list.appendChild(el("p", "side-empty", T.noTickets));
    for (const t of tickets) list.appendChild(card(t));
    if (!$("ticket-subject").value) $("ticket-subject").value = lastBuyerText();
  }
  function card(t) {
    const box = el("article", "ticket-card");
    box.dataset.id = t.id;
    const head = el("div", "ticket-top");
    head.appendChild(el("span", "ticket-subject", `#${t.id} ${t.subject}`));
    head.appendChild(badge("ticket-status", statusLabel(t.status), t.status));
    box.appendChild(head);
    const meta = el("div", "ticket-meta");
    meta.appendChild(el("span", "ticket-type", t.ticket_type.name));
    meta.appendChild(badge("sla", T.sla[t.sla_state] || t.sla_state, t.sla_state));
    if (t.order_ref) meta.appendChild(el("span", "ticket-ref", `${T.order} ${t.order_ref}`));
    if (t.return_ref) meta.appendChild(el("span", "ticket-ref", `${T.returns} ${t.return_ref}`));
    box.appendChild(meta);
    if (t.allowed_statuses.length) {
      const row = el("div", "ticket-move");
      const pick = el("select", "ticket-next");
      pick.setAttribute("aria-label", T.moveTo);
      for (const s of t.allowed_statuses) {
        const o = el("option", "", statusLabel(s));
        o.value = s;
        pick.appendChild(o);
      }
      const go = el("button", "btn small ticket-go", T.move);
      go.type = "button";
      if (t.allowed_statuses.includes(state.picks.get(t.id))) pick.value = state.picks.get(t.id);
      pick.addEventListener("change", () => state.picks.set(t.id, pick.value));
      go.addEventListener("click", () => transition(t.id, pick.value));
      row.append(pick, go);
      box.appendChild(row);
    }
    const error = el("div", "ticket-error", state.errors.get(t.id) || "");
    error.setAttribute("role", "alert");
    error.hidden = !state.errors.get(t.id);
    box.appendChild(error);
    const notes = el("ul", "ticket-notes");
    for (const n of t.notes) {
      const li = el("li", "ticket-note", n.body);
      li.title = `${n.author ? n.author.name : ""} · ${U.fullStamp(n.created_at)}`;
      notes.appendChild(li);
    }
    box.appendChild(notes);
    const form = el("form", "ticket-note-form");
    const body = el("textarea", "ticket-note-body");
    body.rows = 2;
    body.placeholder = T.notePlaceholder;
    body.setAttribute("aria-label", T.note);
    body.value = state.notes.get(t.id) || "";
    body.addEventListener("input", () => state.notes.set(t.id, body.value));
    const add = el("button", "btn small", T.addNote);
    add.type = "submit";
    form.append(body, add);
    form.addEventListener("submit", (e) => { e.preventDefault(); addNote(t.id, body); });
    box.appendChild(form);
    return box;
  }
  function keep(detail) {
    // Answers can arrive out of order (a live change's read, then the agent's own write): the
    // history only grows, so a detail with a shorter one is older than the card's and is dropped.
    const held = state.panel.get(detail.id);
    if (held && detail.history.length < held.history.length) return;
    state.panel.set(detail.id, detail);
    renderPanel();
  }
  async function transition(id, status) {
    try {
      state.errors.delete(id);
      const detail = await api("POST", `${BASE}${id}/transition/`, { status });
      state.picks.delete(id);
      keep(detail);
    } catch (e) {
      state.errors.set(id, e.message); // the API's refusal names the allowed statuses
      renderPanel();
    }
  }
  async function addNote(id, box) {
    const body = box.value;
    if (!body.trim()) return;
    try {
      const detail = await api("POST", `${BASE}${id}/notes/`, { body });
      state.notes.delete(id);
      keep(detail);
    } catch (e) { C.toast(e.message, "error"); }
  }
  async function create(e) {
    e.preventDefault();
    const c = C.current();
    if (!c) return;
    const payload = {
      ticket_type: $("ticket-type").value,
      subject: $("ticket-subject").value,
      conversation_ids: [c.id], // the API fills in the shop, buyer, order and return from it
      assignee_id: C.cfg.userId, // who opens it takes it: it lands in their queue
    };
    $("ticket-create-error").hidden = true;
    try {
      keep(await api("POST", BASE, payload));
      $("ticket-subject").value = "";
      renderPanel();
    } catch (err) {
      $("ticket-create-error").textContent = err.message;
      $("ticket-create-error").hidden = false;
    }
  }
  async function loadTypes() {
    state.types = (await api("GET", `${BASE}types/`)).results;
    const pick = $("ticket-type");
    pick.replaceChildren();
    for (const t of state.types) {
      const o = el("option", "", t.name);
      o.value = t.code;
      pick.appendChild(o);
    }
  }

  // -- what console.js calls ----------------------------------------------------------------------
  function listRendered(ids) {
    state.visible = ids;
    if (!C) return;
    const unknown = ids.filter((id) => !state.asked.has(id));
    paintBadges();
    if (unknown.length) fetchCounts(unknown).catch(() => {});
  }
  function conversationShown(c) {
    paintBadges();
    if (state.panelConversation === c.id) {
      // Shown again once its messages are in: now the subject can default to the buyer's last.
      if (!$("ticket-subject").value) $("ticket-subject").value = lastBuyerText();
      return;
    }
    state.panelConversation = c.id;
    state.panel = new Map();
    state.errors = new Map();
    state.notes = new Map();
    state.picks = new Map();
    $("ticket-subject").value = "";
    renderPanel();
    loadPanel(c.id).catch((e) => C.toast(e.message, "error"));
  }
  function ticketUpdated(ev) {
    for (const [id, n] of Object.entries(ev.open_ticket_counts)) {
      state.counts.set(Number(id), n);
      state.asked.add(Number(id));
    }
    paintBadges();
    queueChanged(ev.ticket);
    const shown = state.panelConversation;
    if (shown && (state.panel.has(ev.ticket.id) || ev.conversation_ids.includes(shown))) {
      api("GET", `${BASE}${ev.ticket.id}/`).then((d) => {
        if (state.panelConversation === shown) keep(d);
      }).catch(() => {});
    }
  }
  function resync() {
    state.asked = new Set();
    listRendered(state.visible);
    if (state.panelConversation) loadPanel(state.panelConversation).catch(() => {});
    if ($("inbox").classList.contains("show-tickets")) loadQueue(false).catch(() => {});
  }
  function start(shared) {
    C = shared;
    T = C.cfg.strings.tickets;
    $("tab-inbox").addEventListener("click", () => showTab(false));
    $("tab-tickets").addEventListener("click", () => showTab(true));
    $("tickets-more").addEventListener("click", () => loadQueue(true).catch((e) => C.toast(e.message, "error")));
    $("t-tickets").addEventListener("click", showPanel);
    $("ticket-create").addEventListener("submit", create);
    loadTypes().catch(() => {});
    loadQueue(false).catch(() => {});
    if (state.visible.length) listRendered(state.visible);
  }
  return { start, listRendered, conversationShown, ticketUpdated, resync };
})();
