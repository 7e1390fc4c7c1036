// The dataset browser: filters the index (data/index.js), loads the chunks of full cards that
// the current page needs (data/chunk-*.js, by <script>, which file:// allows), renders them.
// Data goes into the page through textContent and attributes only, never as HTML.
"use strict";
(function () {
  const INDEX = window.LLAVAR2_INDEX || [];
  const META = window.LLAVAR2_META || { facets: {}, cards: 0 };
  const PAGE_SIZE = 24;
  const SVG = "http://www.w3.org/2000/svg";
  const chunks = {};
  const pending = {};
  const $ = (id) => document.getElementById(id);
  let page = 0;
  let matches = [];
  let renderCount = 0;

  window.LLAVAR2_CHUNK = function (n, cards) { chunks[n] = cards; };

  function loadChunk(n) {
    if (chunks[n]) return Promise.resolve();
    if (!pending[n]) {
      pending[n] = new Promise(function (resolve, reject) {
        const s = document.createElement("script");
        s.src = "data/chunk-" + String(n).padStart(5, "0") + ".js";
        s.onload = function () { resolve(); };
        s.onerror = function () { reject(new Error("cannot load " + s.src)); };
        document.head.appendChild(s);
      });
    }
    return pending[n];
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function fmt(x) { return x === null || x === undefined ? "–" : Number(x).toFixed(3); }

  function picture(card) {
    const box = el("div", "pic");
    if (!card.thumb) {
      box.appendChild(el("div", "nopic", "picture not found: " + card.image));
      return box;
    }
    const img = el("img");
    img.alt = card.image;
    img.src = card.thumb;
    box.appendChild(img);
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 " + card.w + " " + card.h);
    svg.setAttribute("preserveAspectRatio", "none");
    (card.ocr || []).forEach(function (line, i) {
      const p = document.createElementNS(SVG, "polygon");
      const c = line[2];
      p.setAttribute("points", [0, 2, 4, 6].map(function (k) { return c[k] + "," + c[k + 1]; }).join(" "));
      p.dataset.line = String(i);
      const t = document.createElementNS(SVG, "title");
      t.textContent = line[0] + " (" + Number(line[1]).toFixed(2) + ")";
      p.appendChild(t);
      svg.appendChild(p);
    });
    box.appendChild(svg);
    return box;
  }

  function duoBlock(duo, svg) {
    const d = el("div", "duo " + duo.status);
    const head = el("div");
    head.appendChild(el("span", "tag", duo.qtype));
    if (duo.status !== "unfiltered") head.appendChild(el("span", "tag " + duo.status, duo.status));
    if (duo.reason) head.appendChild(el("span", "tag dropped", duo.step + ": " + duo.reason));
    d.appendChild(head);
    if (duo.detail) d.appendChild(el("div", "scores", duo.detail));
    d.appendChild(el("div", "q", "Q: " + duo.q));
    d.appendChild(el("div", null, "A: " + duo.a));
    d.appendChild(el("div", "q", "Q: " + duo.eq));
    d.appendChild(el("div", null, "A: " + duo.ea));
    if (duo.scores) {
      const s = duo.scores;
      d.appendChild(el("div", "scores", "mIFD " + fmt(s.mifd) + " · FFD " + fmt(s.ffd) +
        " · IFD " + fmt(s.ifd) + " · VFD " + fmt(s.vfd)));
    }
    if (svg) {  // hovering a duo highlights the OCR lines its answer comes from
      const lines = svg.querySelectorAll("polygon");
      d.addEventListener("mouseenter", function () {
        duo.evidence.forEach(function (i) { if (lines[i]) lines[i].classList.add("evidence"); });
      });
      d.addEventListener("mouseleave", function () {
        duo.evidence.forEach(function (i) { if (lines[i]) lines[i].classList.remove("evidence"); });
      });
    }
    return d;
  }

  function cardNode(card) {
    const node = el("article", "card");
    node.dataset.id = card.id;
    const pic = picture(card);
    node.appendChild(pic);
    const text = el("div");
    text.appendChild(el("div", "name", card.image));
    Object.keys(card.meta || {}).forEach(function (k) {
      text.appendChild(el("span", "tag", k + ": " + card.meta[k]));
    });
    card.rejects.forEach(function (r) {
      text.appendChild(el("div", null)).appendChild(
        el("span", "tag reject", "rejected at " + r.stage + ": " + r.reason + " " + r.detail));
    });
    text.appendChild(el("div", "label", "human caption"));
    text.appendChild(el("div", null, card.human));
    text.appendChild(el("div", "label", "enriched caption"));
    text.appendChild(el("div", null, card.caption === null ? "(none)" : card.caption));
    text.appendChild(el("div", "label", "duo conversations (" + card.duos.length + ")"));
    const svg = pic.querySelector("svg");
    card.duos.forEach(function (duo) { text.appendChild(duoBlock(duo, svg)); });
    card.gen_dropped.forEach(function (g) {
      const d = el("div", "duo dropped");
      d.appendChild(el("span", "tag dropped", "generation: " + g.reason));
      d.appendChild(el("div", "scores", g.detail));
      d.appendChild(el("div", "q", "Q: " + g.q));
      d.appendChild(el("div", null, "A: " + g.a));
      text.appendChild(d);
    });
    node.appendChild(text);
    return node;
  }

  function matchesFilters(item, terms, f) {
    if (f.status === "kept" && item.k === 0) return false;
    if (f.status === "dropped" && item.d === 0) return false;
    if (f.status === "none" && item.k > 0) return false;
    if (f.reason && item.r.indexOf(f.reason) < 0) return false;
    if (f.qtype && item.q.indexOf(f.qtype) < 0) return false;
    if (f.source && item.s !== f.source) return false;
    return terms.every(function (t) { return item.t.indexOf(t) >= 0; });
  }

  function update() {
    const terms = $("search").value.toLowerCase().split(/\s+/).filter(Boolean);
    const f = { status: $("status").value, reason: $("reason").value,
                qtype: $("qtype").value, source: $("source").value };
    matches = [];
    INDEX.forEach(function (item, i) { if (matchesFilters(item, terms, f)) matches.push(i); });
    page = 0;
    render();
  }

  function render() {
    const mine = ++renderCount;  // a newer render supersedes this one
    const pages = Math.max(1, Math.ceil(matches.length / PAGE_SIZE));
    const shown = matches.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
    document.body.dataset.ready = "0";
    $("summary").textContent = matches.length + " of " + INDEX.length + " images match";
    $("page").textContent = "page " + (page + 1) + " of " + pages;
    $("prev").disabled = page === 0;
    $("next").disabled = page + 1 >= pages;
    const needed = Array.from(new Set(shown.map(function (i) { return INDEX[i].c; })));
    Promise.all(needed.map(loadChunk)).then(function () {
      if (mine !== renderCount) return;
      const main = $("cards");
      main.textContent = "";
      shown.forEach(function (i) {
        main.appendChild(cardNode(chunks[INDEX[i].c][i % META.chunk]));
      });
      const imgs = Array.from(main.querySelectorAll("img"));
      return Promise.all(imgs.map(function (img) {
        return img.complete ? null : new Promise(function (r) { img.onload = img.onerror = r; });
      })).then(function () { if (mine === renderCount) document.body.dataset.ready = "1"; });
    }).catch(function (e) { console.error(e.message); });
  }

  function fillSelect(id, values) {
    values.forEach(function (v) {
      const o = el("option", null, v);
      o.value = v;
      $(id).appendChild(o);
    });
    if (!values.length) $(id).hidden = true;
  }

  document.title = "llavar2 · " + (META.title || "dataset");
  $("title").textContent = "llavar2 dataset browser · " + (META.title || "") +
    " (" + INDEX.length + " images)";
  fillSelect("reason", META.facets.reason || []);
  fillSelect("qtype", META.facets.qtype || []);
  fillSelect("source", META.facets.source || []);
  let timer = null;
  $("search").addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(update, 150);
  });
  ["status", "reason", "qtype", "source"].forEach(function (id) {
    $(id).addEventListener("change", update);
  });
  $("boxes").addEventListener("change", function () {
    document.body.classList.toggle("noboxes", !$("boxes").checked);
  });
  $("prev").addEventListener("click", function () { page -= 1; render(); });
  $("next").addEventListener("click", function () { page += 1; render(); });
  update();
})();
