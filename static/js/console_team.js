// Routing in the console: my status switch (Online / Away; Offline while the socket is down),
// heartbeats on input, the team panel and the transfer dialog. console.js calls
// ConsoleTeam.start(), .event(ev) for every socket event and .connection(state).
"use strict";

window.ConsoleTeam = (function () {
  const HEARTBEAT_MS = 30000; // the server stores activity at most once per 30 s anyway
  const $ = (id) => document.getElementById(id);
  let ctx = null; // {cfg, toast, current, upsert}
  let T = {};
  let team = { me: null, groups: [], agents: [] };
  let socketLive = false;
  let lastBeat = 0;
  let reloadTimer = null;
  let pick = null; // {agent: id} or {group: id}

  function U() { return window.ConsoleUtil; }
  function dot(status) {
    const d = U().el("i", `status-dot ${status}`);
    d.setAttribute("aria-hidden", "true");
    return d;
  }
  function loadText(a) { return U().fmt(T.load, { load: a.load, capacity: a.capacity }); }
  function over(a) { return a.load >= a.capacity; }

  // -- my status ------------------------------------------------------------------------------
  function paintMine() {
    const select = $("my-status");
    const status = !socketLive ? "offline" : (team.me ? team.me.status : "online");
    select.value = status;
    select.dataset.status = status;
  }
  async function chooseStatus(status) {
    try {
      team.me = await U().api("PUT", "/api/v1/me/status/", { status });
    } catch (e) { ctx.toast(e.message, "error"); }
    paintMine();
    reload();
  }
  function heartbeat() {
    const now = Date.now();
    if (now - lastBeat < HEARTBEAT_MS) return;
    lastBeat = now;
    U().api("POST", "/api/v1/me/activity/").catch(() => { lastBeat = 0; });
  }

  // -- team panel -----------------------------------------------------------------------------
  async function reload() {
    try { team = await U().api("GET", "/api/v1/team/"); } catch (e) { return; }
    paintMine();
    renderPanel();
    if ($("transfer-dialog").open) renderDialog();
  }
  function reloadSoon() {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(reload, 300);
  }
  function agentLine(a, tag) {
    const row = U().el(tag || "li", "team-agent");
    row.dataset.userId = a.user_id;
    row.dataset.status = a.status;
    row.appendChild(dot(a.status));
    const name = a.user_id === ctx.cfg.userId ? `${a.name} ${T.you}` : a.name;
    row.appendChild(U().el("span", "team-name", name));
    row.appendChild(U().el("span", "team-status", T[a.status] || a.status));
    row.appendChild(U().el("span", `team-load${over(a) ? " full" : ""}`, loadText(a)));
    const langs = a.languages.length ? a.languages.join(", ") : T.anyLanguage;
    row.appendChild(U().el("span", "team-langs", langs));
    return row;
  }
  function renderPanel() {
    const list = $("team-list");
    list.replaceChildren();
    const mates = team.agents;
    if (!mates.length) list.appendChild(U().el("li", "team-empty", T.noTeammates));
    for (const a of mates) list.appendChild(agentLine(a));
  }
  function togglePanel(open) {
    const panel = $("team-panel");
    const show = open === undefined ? panel.hidden : open;
    panel.hidden = !show;
    $("team-toggle").setAttribute("aria-expanded", String(show));
    if (show) reload();
  }

  // -- transfer dialog ------------------------------------------------------------------------
  function choice(name, value, label, onPick) {
    const li = U().el("li", "transfer-choice");
    const input = U().el("input");
    input.type = "radio";
    input.name = "transfer-target";
    input.value = `${name}:${value}`;
    input.addEventListener("change", onPick);
    const lab = U().el("label");
    lab.appendChild(input);
    lab.appendChild(label);
    li.appendChild(lab);
    return li;
  }
  function renderDialog() {
    const c = ctx.current();
    if (!c) return;
    const agents = $("transfer-agents");
    const groups = $("transfer-groups");
    agents.replaceChildren();
    groups.replaceChildren();
    const inShop = team.groups.filter((g) => g.shop_ids.includes(c.shop_id)).map((g) => g.id);
    for (const a of team.agents) {
      if (a.user_id === c.assignee_id || !a.groups.some((g) => inShop.includes(g))) continue;
      const label = agentLine(a, "span");
      if (over(a)) label.appendChild(U().el("span", "badge warn", T.overCapacity));
      agents.appendChild(choice("agent", a.user_id, label, () => choose({ agent: a.user_id }, a)));
    }
    for (const g of team.groups) {
      if (!inShop.includes(g.id) || g.id === c.group_id) continue;
      groups.appendChild(choice("group", g.id, U().el("span", "team-name", g.name), () => choose({ group: g.id }, null)));
    }
  }
  function choose(target, agent) {
    pick = target;
    $("transfer-submit").disabled = false;
    const warning = $("transfer-warning");
    warning.hidden = !(agent && over(agent));
    warning.textContent = agent && over(agent) ? U().fmt(T.overCapacityWarning, { name: agent.name }) : "";
  }
  async function openDialog() {
    pick = null;
    $("transfer-submit").disabled = true;
    $("transfer-warning").hidden = true;
    await reload();
    renderDialog();
    $("transfer-dialog").showModal();
  }
  async function submitTransfer() {
    const c = ctx.current();
    if (!c || !pick) return;
    try {
      const res = await U().api("POST", `/api/v1/conversations/${c.id}/transfer/`, pick);
      ctx.upsert(res.conversation);
      const name = pick.agent
        ? (team.agents.find((a) => a.user_id === pick.agent) || {}).name
        : (team.groups.find((g) => g.id === pick.group) || {}).name;
      ctx.toast(U().fmt(pick.agent ? T.transferred : T.transferredGroup, { name }));
    } catch (e) { ctx.toast(e.message, "error"); }
    reload();
  }

  // -- wiring ---------------------------------------------------------------------------------
  function start(options) {
    ctx = options;
    T = ctx.cfg.strings.team;
    $("my-status").addEventListener("change", (e) => chooseStatus(e.target.value));
    $("team-toggle").addEventListener("click", () => togglePanel());
    $("t-transfer").addEventListener("click", openDialog);
    $("transfer-dialog").addEventListener("close", () => {
      if ($("transfer-dialog").returnValue === "default") submitTransfer();
    });
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && !$("team-panel").hidden) togglePanel(false);
    });
    for (const type of ["keydown", "pointerdown", "input"]) {
      document.addEventListener(type, heartbeat, { passive: true, capture: true });
    }
    reload();
  }
  function event(ev) {
    if (ev.type === "automation.agent_status" || ev.type === "chat.agent_presence") reloadSoon();
    else if (ev.type === "chat.conversation_updated" && !$("team-panel").hidden) reloadSoon();
  }
  function connection(state) {
    const live = state === "live";
    if (live === socketLive) return;
    socketLive = live;
    paintMine();
    if (live) reloadSoon();
  }
  return { start, event, connection };
})();
