// The console's alerts: a live banner for each new alert that concerns the user (one that
// mentions them; for supervisors and admins, every warning and breach of their shops), and the
// bell in the top bar with the count of unacknowledged alerts, opening the list (REST) where each
// can be acknowledged or opened. console.js hands it the socket's alerts.* events.
"use strict";

window.ConsoleAlerts = (function () {
  const U = window.ConsoleUtil;
  const { el, fmt, api } = U;
  const $ = (id) => document.getElementById(id);
  const BASE = "/api/v1/alerts/";
  const BREACHES = new Set(["frt_breach", "ticket_breached"]);
  const MAX_BANNERS = 4; // older ones are folded away; the bell still counts them
  let cfg = null;
  let T = {};
  const state = {
    started: false,
    supervisor: false,
    count: 0,
    rows: new Map(), // id -> alert (REST shape), in the open list
    order: [],
    nextCursor: null,
    onlyOpen: true,
    countTimer: null,
  };

  function level(kind) { return BREACHES.has(kind) ? "breach" : "warning"; }
  function kindLabel(kind) { return T.kinds[kind] || kind; }
  // The stored text is the robots' markdown line; its link is the robots' own, not ours.
  function plainText(text) {
    return (text || "").replace(/\s*·?\s*\[[^\]]*\]\([^)]*\)/g, "").replace(/\*\*|`/g, "").trim();
  }

  function toast(text) {
    const t = el("div", "toast error", text);
    t.addEventListener("click", () => t.remove());
    $("toasts").appendChild(t);
    setTimeout(() => t.remove(), 6000);
  }

  // -- opening what an alert is about --------------------------------------------------------
  async function openTicket(ticketId) {
    try {
      const ticket = await api("GET", `/api/v1/tickets/${ticketId}/`);
      const first = (ticket.conversation_ids || [])[0];
      if (first) location.hash = `#c${first}`;
      else toast(fmt(T.noConversation, { id: ticketId }));
    } catch (e) { console.error(e); }
  }
  function openLink(alert, onOpen) {
    if (alert.conversation_id) {
      const a = el("a", "alert-open", T.openConversation);
      a.href = `#c${alert.conversation_id}`;
      a.addEventListener("click", () => onOpen && onOpen());
      return a;
    }
    if (alert.ticket_id) {
      const b = el("button", "alert-open linkish", T.openTicket);
      b.type = "button";
      b.addEventListener("click", () => { if (onOpen) onOpen(); openTicket(alert.ticket_id); });
      return b;
    }
    return null;
  }

  // -- banners --------------------------------------------------------------------------------
  function concernsMe(ev) {
    if ((ev.mention_user_ids || []).includes(cfg.userId)) return true;
    return state.supervisor && ev.kind !== "digest";
  }
  function dismiss(node) { node.remove(); }
  function showBanner(ev) {
    const box = $("alert-banners");
    if (!box || box.querySelector(`[data-id="${ev.alert_id}"]`)) return;
    const node = el("div", "alert-banner");
    node.dataset.id = ev.alert_id;
    node.dataset.level = level(ev.kind);
    const body = el("div", "alert-body");
    body.appendChild(el("span", "alert-kind", kindLabel(ev.kind)));
    body.appendChild(el("strong", "alert-title", ev.title));
    const text = plainText(ev.text);
    if (text) body.appendChild(el("span", "alert-text", text));
    node.appendChild(body);
    const link = openLink({ conversation_id: ev.conversation_id, ticket_id: ev.ticket_id }, () => dismiss(node));
    if (link) node.appendChild(link);
    const close = el("button", "icon-btn alert-dismiss", "×");
    close.type = "button";
    close.title = T.dismiss;
    close.setAttribute("aria-label", T.dismiss);
    close.addEventListener("click", () => dismiss(node));
    node.appendChild(close);
    box.prepend(node); // newest on top
    while (box.children.length > MAX_BANNERS) box.lastElementChild.remove();
  }
  function dropBanner(alertId) {
    const node = document.querySelector(`#alert-banners [data-id="${alertId}"]`);
    if (node) node.remove();
  }

  // -- the bell ---------------------------------------------------------------------------------
  function paintCount() {
    const n = state.count;
    $("alert-bell-count").textContent = n > 0 ? String(n > 99 ? "99+" : n) : "";
    $("alert-bell").dataset.count = String(n);
    const label = fmt(T.unacknowledged, { count: n });
    $("alert-bell").title = label;
    $("alert-bell").setAttribute("aria-label", label);
  }
  async function refreshCount() {
    try {
      const data = await api("GET", `${BASE}?unacknowledged=true&page_size=1`);
      state.count = data.unacknowledged_count;
      paintCount();
    } catch (e) { console.error(e); }
  }
  function scheduleCount() {
    // A burst of events (a replay after reconnecting) asks once.
    clearTimeout(state.countTimer);
    state.countTimer = setTimeout(refreshCount, 150);
  }

  // -- the list -------------------------------------------------------------------------------
  function panel() { return $("alert-panel"); }
  function isOpen() { return panel() && !panel().hidden; }
  function buildPanel() {
    const p = el("section", "alert-panel");
    p.id = "alert-panel";
    p.hidden = true;
    p.setAttribute("aria-label", T.listTitle);
    const head = el("div", "alert-panel-head");
    head.appendChild(el("h2", "", T.listTitle));
    const only = el("label", "alert-only");
    const box = el("input");
    box.type = "checkbox";
    box.id = "alert-only-open";
    box.checked = state.onlyOpen;
    box.addEventListener("change", () => { state.onlyOpen = box.checked; loadList(false); });
    only.append(box, document.createTextNode(" " + T.onlyOpen));
    head.appendChild(only);
    p.appendChild(head);
    const list = el("ul", "alert-list");
    list.id = "alert-list";
    list.setAttribute("aria-live", "polite");
    p.appendChild(list);
    const more = el("button", "more", T.loadMore);
    more.id = "alert-more";
    more.type = "button";
    more.hidden = true;
    more.addEventListener("click", () => loadList(true));
    p.appendChild(more);
    document.body.appendChild(p);
    document.addEventListener("click", (e) => {
      if (isOpen() && !p.contains(e.target) && !$("alert-bell").contains(e.target)) setOpen(false);
    });
    document.addEventListener("keydown", (e) => { if (e.key === "Escape" && isOpen()) setOpen(false); });
  }
  function setOpen(open) {
    panel().hidden = !open;
    $("alert-bell").setAttribute("aria-expanded", String(open));
    if (open) loadList(false);
  }
  async function loadList(append) {
    const p = new URLSearchParams({ page_size: "20" });
    if (state.onlyOpen) p.set("unacknowledged", "true");
    if (append && state.nextCursor) p.set("cursor", state.nextCursor);
    let data;
    try { data = await api("GET", `${BASE}?${p}`); } catch (e) { console.error(e); return; }
    if (!append) { state.rows = new Map(); state.order = []; }
    for (const row of data.results) {
      if (!state.rows.has(row.id)) state.order.push(row.id);
      state.rows.set(row.id, row);
    }
    state.nextCursor = data.next_cursor;
    state.count = data.unacknowledged_count;
    paintCount();
    renderList();
  }
  function row(alert) {
    const li = el("li", "alert-row");
    li.dataset.id = alert.id;
    li.dataset.level = level(alert.kind);
    if (alert.acknowledged_at) li.classList.add("done");
    const top = el("div", "alert-row-top");
    top.appendChild(el("span", "alert-kind", kindLabel(alert.kind)));
    if (alert.mentions_me) top.appendChild(el("span", "alert-me", T.mentionsYou));
    top.appendChild(el("time", "alert-when", U.listTime(alert.raised_at)));
    li.appendChild(top);
    li.appendChild(el("div", "alert-title", alert.title));
    const text = plainText(alert.text);
    if (text) li.appendChild(el("div", "alert-text", text));
    const actions = el("div", "alert-actions");
    const link = openLink(alert, () => setOpen(false));
    if (link) actions.appendChild(link);
    if (alert.acknowledged_at) {
      actions.appendChild(el("span", "alert-acked", fmt(T.acknowledged, { date: U.listTime(alert.acknowledged_at) })));
    } else {
      const ack = el("button", "btn small alert-ack", T.acknowledge);
      ack.type = "button";
      ack.addEventListener("click", () => acknowledge(alert.id, ack));
      actions.appendChild(ack);
    }
    li.appendChild(actions);
    return li;
  }
  function renderList() {
    const list = $("alert-list");
    if (!list) return;
    const rows = state.order.map((id) => state.rows.get(id)).filter((a) => !(state.onlyOpen && a.acknowledged_at));
    list.replaceChildren(...rows.map(row));
    if (!rows.length) list.appendChild(el("li", "alert-empty", T.empty));
    $("alert-more").hidden = !state.nextCursor;
  }
  async function acknowledge(alertId, button) {
    if (button) button.disabled = true;
    try {
      const alert = await api("POST", `${BASE}${alertId}/acknowledge/`);
      acknowledged(alert.id, alert.acknowledged_at);
    } catch (e) {
      console.error(e);
      if (button) button.disabled = false;
    }
  }
  function acknowledged(alertId, at) {
    const known = state.rows.get(alertId);
    if (known) state.rows.set(alertId, { ...known, acknowledged_at: at });
    dropBanner(alertId);
    renderList();
    scheduleCount();
  }

  // -- socket events (from console.js) -------------------------------------------------------------
  function event(ev) {
    if (!state.started) return;
    if (ev.type === "alerts.alert_raised") {
      if (concernsMe(ev)) showBanner(ev);
      if (isOpen()) loadList(false); else scheduleCount();
    } else if (ev.type === "alerts.alert_acknowledged") {
      acknowledged(ev.alert_id, ev.acknowledged_at);
    }
  }

  function start() {
    const node = document.getElementById("console-config");
    if (!node || !$("alert-bell")) return;
    cfg = JSON.parse(node.textContent);
    T = (cfg.strings && cfg.strings.alerts) || { kinds: {} };
    state.supervisor = (cfg.roles || []).some((r) => r === "Supervisor" || r === "Admin");
    buildPanel();
    $("alert-bell").addEventListener("click", (e) => { e.stopPropagation(); setOpen(!isOpen()); });
    state.started = true;
    paintCount();
    refreshCount();
  }
  document.addEventListener("DOMContentLoaded", start);

  return { event, refresh: scheduleCount };
})();
