// Message bodies in the thread: text, a buyer's photo at its own size, stickers, and item and
// order cards, in the page's language (T, the console's strings).
"use strict";

window.ConsoleMessages = (function () {
  const U = window.ConsoleUtil;
  const { el } = U;

  // A buyer's photo at its own size, at most PHOTO_MAX px either way (never enlarged), narrower
  // where the bubble is (CSS max-width). The size is known only once the picture has loaded, so
  // it is kept per URL: the thread is redrawn on every event and must not jump each time.
  const PHOTO_MAX = 240;
  const photoSizes = new Map(); // url -> [width, height] as shown
  const badPhotos = new Set(); // URLs that failed to load, not asked for again
  function fitPhoto(img, size) { [img.width, img.height] = size; }
  function missingPhoto(T) {
    const node = kindLabel(T, "image");
    node.classList.add("photo-missing");
    return node;
  }
  // `box` is the scrolling thread: a photo that loads at the end keeps the end in view.
  function photo(T, url, box) {
    if (badPhotos.has(url)) return missingPhoto(T);
    const img = el("img");
    img.alt = T.image;
    img.decoding = "async";
    img.loading = "lazy";
    fitPhoto(img, photoSizes.get(url) || [PHOTO_MAX, PHOTO_MAX * 3 / 4]); // until it loads
    img.addEventListener("load", () => {
      const w = img.naturalWidth, h = img.naturalHeight;
      if (!w || !h) return;
      const scale = Math.min(1, PHOTO_MAX / w, PHOTO_MAX / h);
      const size = [Math.round(w * scale), Math.round(h * scale)];
      photoSizes.set(url, size);
      if (img.width === size[0] && img.height === size[1]) return;
      const atEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
      fitPhoto(img, size);
      if (atEnd) box.scrollTop = box.scrollHeight;
    });
    img.addEventListener("error", () => {
      badPhotos.add(url);
      const node = img.parentElement && img.parentElement.tagName === "A" ? img.parentElement : img;
      node.replaceWith(missingPhoto(T));
    });
    img.src = url;
    // The full picture in a new tab; a data: URL (the simulator's) cannot be opened that way.
    if (!/^https?:\/\//i.test(url)) return img;
    const link = el("a", "photo-link");
    link.href = url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    link.appendChild(img);
    return link;
  }
  function kindLabel(T, kind) {
    const node = el("div", "kind-msg");
    node.appendChild(U.kindIcon(kind));
    node.appendChild(el("span", "", T.kinds[kind] || kind));
    return node;
  }
  function messageBody(T, m, box) {
    const b = el("div", "bubble");
    const p = m.payload || {};
    if (m.kind === "image" && p.image_url) {
      b.classList.add("photo");
      b.appendChild(photo(T, p.image_url, box));
      if (m.text) b.appendChild(el("div", "photo-text", m.text));
    } else if (m.kind === "sticker") {
      b.appendChild(U.icon("smile", "sticker"));
      b.appendChild(el("div", "card-sub", T.sticker));
    } else if (m.kind === "item" || m.kind === "order") {
      const card = el("div", "card-msg");
      const badge = el("div", "card-icon");
      badge.appendChild(U.icon(m.kind === "item" ? "bag" : "box"));
      card.appendChild(badge);
      const txt = el("div");
      txt.appendChild(el("div", "card-title", m.kind === "item" ? T.item : T.order));
      txt.appendChild(el("div", "card-sub", m.kind === "item" ? `#${p.item_id || ""}` : (p.order_ref || "")));
      card.appendChild(txt);
      b.appendChild(card);
      if (m.text) b.appendChild(el("div", "", m.text));
    } else if (m.text) {
      b.textContent = m.text;
    } else {
      b.appendChild(kindLabel(T, m.kind));
    }
    return b;
  }

  return { kindLabel, messageBody };
})();
