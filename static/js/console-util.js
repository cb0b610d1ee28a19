// Console helpers without state: DOM and API basics, text as the API counts it, dates and money
// in the page's language, avatars, icons, and which failed sends can be retried.
"use strict";

window.ConsoleUtil = (function () {
  const lang = document.documentElement.lang || "en";
  // English dates day first ("27 Nov"), as the marketplaces' regions write them.
  const dateLang = /^en(-|$)/i.test(lang) ? "en-GB" : lang;
  const clock = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const dayMonth = new Intl.DateTimeFormat(dateLang, { day: "numeric", month: "short" });
  const dayMonthYear = new Intl.DateTimeFormat(dateLang, { day: "numeric", month: "short", year: "numeric" });
  const weekday = new Intl.DateTimeFormat(dateLang, { weekday: "short" });
  const longDay = new Intl.DateTimeFormat(dateLang, { weekday: "long", day: "numeric", month: "long" });
  const longDayYear = new Intl.DateTimeFormat(dateLang, {
    weekday: "long", day: "numeric", month: "long", year: "numeric",
  });
  const stamp = new Intl.DateTimeFormat(dateLang, {
    day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  });
  const relative = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });

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
  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, (_, k) => values[k] ?? "");
  }

  function capitalize(s) { return s.charAt(0).toLocaleUpperCase(lang) + s.slice(1); }
  function daysAgo(d) {
    const now = new Date();
    const a = Date.UTC(d.getFullYear(), d.getMonth(), d.getDate());
    const b = Date.UTC(now.getFullYear(), now.getMonth(), now.getDate());
    return Math.round((b - a) / 86400000);
  }
  const sameYear = (d) => d.getFullYear() === new Date().getFullYear();

  // Inbox rows: the time today, then "Yesterday", the weekday, the date.
  function listTime(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    const days = daysAgo(d);
    if (days <= 0) return clock.format(d);
    if (days === 1) return capitalize(relative.format(-1, "day"));
    if (days < 7) return weekday.format(d);
    return (sameYear(d) ? dayMonth : dayMonthYear).format(d);
  }
  function timeOfDay(iso) { return iso ? clock.format(new Date(iso)) : ""; }
  function fullStamp(iso) { return iso ? stamp.format(new Date(iso)) : ""; }
  function shortDate(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    return (sameYear(d) ? dayMonth : dayMonthYear).format(d);
  }
  // A stored time as a number that orders exactly: microseconds since the epoch (a double holds
  // them exactly). The API writes "…Z" and events "…+00:00", either without trailing zeros, so
  // the strings themselves do not compare.
  function micros(iso) {
    const fraction = /\.(\d+)/.exec(iso);
    const below = fraction ? Number((fraction[1] + "000000").slice(3, 6)) : 0;
    return Date.parse(iso.replace(/(\.\d{3})\d+/, "$1")) * 1000 + below;
  }
  // The thread's order, the server's (chat.selectors.THREAD_AT): the marketplace's time (ours
  // for a message it has not acknowledged), then ours, then the id.
  function threadOrder(a, b) {
    return micros(a.platform_created_at || a.created_at) - micros(b.platform_created_at || b.created_at)
      || micros(a.created_at) - micros(b.created_at)
      || a.id - b.id;
  }
  // The separator above each day's messages.
  function dayLabel(date) {
    const days = Math.max(daysAgo(date), 0);
    if (days <= 1) return capitalize(relative.format(-days, "day"));
    return (sameYear(date) ? longDay : longDayYear).format(date);
  }

  // Currencies the marketplaces price in whole units (no minor unit shown).
  const WHOLE_UNITS = new Set(["VND", "IDR", "CLP", "COP", "TWD", "JPY", "KRW"]);
  function money(amount, currency) {
    const value = Number(amount);
    if (!currency || amount === "" || amount === null || !Number.isFinite(value)) {
      return `${amount ?? ""} ${currency || ""}`.trim();
    }
    const digits = WHOLE_UNITS.has(currency) ? 0 : 2;
    try {
      return new Intl.NumberFormat(lang, {
        style: "currency", currency, currencyDisplay: "code",
        minimumFractionDigits: digits, maximumFractionDigits: digits,
      }).format(value);
    } catch (e) {
      return `${amount} ${currency}`;
    }
  }

  // The API trims with Python's str.strip() (DRF's trim_whitespace) and counts code points
  // (len); JS's trim() and .length differ on a few characters and on emoji.
  const PY_SPACE = "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
  const EDGE_SPACE = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "g");
  function serverText(s) { return s.replace(EDGE_SPACE, ""); }
  function charCount(s) { return [...s].length; }

  function initial(name) {
    const m = (name || "").match(/[\p{L}\p{N}]/u);
    return m ? m[0].toLocaleUpperCase(lang) : "?";
  }
  // One of the palette's tones, the same for a buyer on every page load.
  function tone(key) {
    let h = 2166136261;
    for (const ch of String(key)) h = Math.imul(h ^ ch.codePointAt(0), 16777619);
    return String((h >>> 0) % 8);
  }

  // Refusals an edited text gets past.
  const WORDING_FAILURES = new Set(["too_long", "duplicate_text", "censored"]);
  // Whether a resend of the very same message could pass is the server's call (`retryable`,
  // chat.services.pipeline.send_rules.FINAL_FAILURE_CODES).
  function canRetry(m) { return !!m.retryable; }
  function canEdit(m) { return m.kind === "text" && !!m.text && WORDING_FAILURES.has(m.failure_code); }

  // Inserts at the caret, or over the selection, keeping words apart from the typed text.
  function insertAtCursor(box, text) {
    const start = box.selectionStart, end = box.selectionEnd;
    const before = box.value.slice(0, start), after = box.value.slice(end);
    const piece = (before && !/\s$/.test(before) ? " " : "") + text + (after && !/^\s/.test(after) ? " " : "");
    box.focus();
    box.setSelectionRange(start, end);
    // execCommand keeps the insertion on the undo stack (Ctrl+Z); setRangeText where it is gone.
    let done = false;
    try { done = document.execCommand("insertText", false, piece); } catch (e) { done = false; }
    if (!done || box.value.slice(start, start + piece.length) !== piece) {
      box.setRangeText(piece, start, end, "end");
      box.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  const SVG = "http://www.w3.org/2000/svg";
  const ICONS = {
    bag: "M5.5 8h13l-1 12h-11zM9 8V7a3 3 0 0 1 6 0v1",
    box: "M3.5 7.5L12 3l8.5 4.5v9L12 21l-8.5-4.5zM3.5 7.5L12 12l8.5-4.5M12 12v9",
    photo: "M3.5 5.5h17v13h-17zM3.5 15.5l5-5 5 5 2.5-2.5 4.5 4.5M15.5 9h.01",
    video: "M3.5 6.5h11v11h-11zM14.5 10.5l6-3.5v10l-6-3.5",
    ticket: "M3.5 7.5h17v3a1.5 1.5 0 0 0 0 3v3h-17v-3a1.5 1.5 0 0 0 0-3zM14.5 9.5v.01M14.5 12v.01M14.5 14.5v.01",
    bell: "M6 16.5V11a6 6 0 0 1 12 0v5.5l1.5 1.5h-15zM10 20.5a2.2 2.2 0 0 0 4 0",
    chat: "M20 11.5a7.5 7.5 0 0 1-10.9 6.7L4.5 19.5l1.3-4.2A7.5 7.5 0 1 1 20 11.5z",
    smile: "M3 12a9 9 0 1 0 18 0a9 9 0 1 0-18 0M8.5 14.5a4.5 4.5 0 0 0 7 0M9 9.5h.01M15 9.5h.01",
  };
  function icon(name, cls) {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("class", `icon ${cls || ""}`.trim());
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", ICONS[name]);
    svg.appendChild(path);
    return svg;
  }

  // Each message kind's icon (integrations.types.MessageKind).
  const KIND_ICONS = {
    image: "photo", sticker: "smile", item: "bag", order: "box", video: "video", voucher: "ticket",
    notification: "bell", text: "chat", other: "chat",
  };
  function kindIcon(kind, cls) { return icon(KIND_ICONS[kind] || "chat", cls); }
  // The kind in a preview the server stored for a message without text ("[image]"), else null.
  function placeholderKind(preview) {
    const m = /^\[([a-z_]+)\]$/.exec(preview || "");
    return m ? m[1] : null;
  }

  return {
    el, api, fmt, lang, listTime, timeOfDay, fullStamp, shortDate, dayLabel, threadOrder, money, serverText,
    charCount,
    initial, tone, canRetry, canEdit, insertAtCursor, icon, kindIcon, placeholderKind,
  };
})();
