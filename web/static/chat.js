// The chat page: asks /api/ask, renders answers with clickable citation markers, shows sources.
// Everything the server sends is inserted as text (never as HTML). The conversation (questions,
// answers, the source open, filters, scroll position) is kept in sessionStorage, so that coming
// Back from a report page finds it as it was and follow-ups still use it.
(function () {
  "use strict";
  const form = document.getElementById("ask");
  const box = document.getElementById("question");
  const send = document.getElementById("send");
  const transcript = document.getElementById("transcript");
  const empty = document.getElementById("empty");
  const panel = document.getElementById("source");
  const panelBody = document.getElementById("source-body");
  const panelTitle = document.getElementById("source-title");
  const filterIds = { doc: "f-doc", authority: "f-authority", kind: "f-kind", year_from: "f-from", year_to: "f-to" };
  const MAX_HISTORY = 20; // the API takes the most recent 20 questions of a conversation
  const STORE = "reportqa.conversation.v1";
  const NEAREST = 3; // passages a decline offers instead
  let history = []; // the questions answered, for follow-ups
  let turns = []; // what the transcript shows: {question, answer} or {question, error}
  let shown = null; // the source open: {turn, n}
  let lastOpener = null;
  let restoring = false;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    for (const child of children) node.append(child);
    return node;
  }

  // A URL from the server becomes a link only when it is http(s) or a same-origin relative URL:
  // never javascript:, data: or anything else a crafted answer might carry.
  function safeHref(url) {
    if (typeof url !== "string" || !url) return null;
    let parsed;
    try {
      parsed = new URL(url, location.href);
    } catch (err) {
      return null;
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return null;
    const absolute = /^https?:\/\//i.test(url);
    if (!absolute && parsed.origin !== location.origin) return null; // "//host", "/\\host" look relative but are not
    return absolute ? parsed.href : parsed.pathname + parsed.search + parsed.hash;
  }

  function filters() {
    const out = {};
    for (const [key, id] of Object.entries(filterIds)) {
      const node = document.getElementById(id); // the council filter shows only with two councils or more
      const value = node ? node.value : "";
      if (value) out[key] = key.startsWith("year") ? Number(value) : value;
    }
    return out;
  }

  function updateFilterSummary() {
    const parts = Object.entries(filters()).map(([k, v]) => `${k.replace("_", " ")}: ${v}`);
    document.getElementById("filter-summary").textContent = parts.length ? "(" + parts.join(", ") + ")" : "";
  }

  // A line of the answer with its [n] markers turned into buttons that open the source.
  function markedLine(text, answer, turn) {
    const frag = document.createDocumentFragment();
    const re = /\s?\[(\d+)\]/g;
    let pos = 0, m;
    while ((m = re.exec(text)) !== null) {
      frag.append(text.slice(pos, m.index));
      const n = Number(m[1]);
      const c = answer.citations.find((x) => x.n === n);
      if (c) {
        frag.append(" ", el("button", {
          type: "button", class: "cite", "data-n": String(n), "data-turn": String(turn),
          "aria-label": `Source ${n}: ${c.citation}`, title: `${c.citation} (${c.kind}, ${c.date})`,
          onclick: (e) => openSource(c, e.currentTarget, turn),
        }, `[${n}]`));
      } else frag.append(m[0]);
      pos = m.index + m[0].length;
    }
    frag.append(text.slice(pos));
    return frag;
  }

  function renderAnswer(answer, turn) {
    const wrap = el("div", { class: "answer" + (answer.abstained ? " abstained" : "") });
    if (answer.standalone_query && answer.standalone_query !== answer.question) {
      wrap.append(el("p", { class: "understood muted" }, "Understood as: " + answer.standalone_query));
    }
    // Blocks are separated by a blank line. A block of one line is said as it is (the direct answer,
    // an introduction, a decline); a longer block is a report's group: its first line the lead (no
    // marker), then its points ("- ... [n]"), perhaps under short headings ("Concerns:").
    const blocks = answer.answer.split(/\n\s*\n/).filter((b) => b.trim());
    for (const block of blocks) {
      const lines = block.split("\n");
      const grouped = lines.length > 1 && !answer.abstained;
      const section = el("section", { class: "group" });
      let list = null;
      lines.forEach((line, i) => {
        const cited = /\[\d+\]/.test(line);
        if (line.startsWith("- ")) {
          if (!list) { list = el("ul"); section.append(list); }
          list.append(el("li", {}, markedLine(line.slice(2), answer, turn)));
          return;
        }
        list = null;
        if (grouped && i === 0 && !cited) section.append(el("h3", { class: "lead" }, line));
        else if (grouped && !cited && line.length <= 60 && /:$/.test(line)) section.append(el("h4", {}, line.slice(0, -1)));
        else section.append(el("p", {}, markedLine(line, answer, turn)));
      });
      wrap.append(section);
    }
    if (answer.abstained) wrap.append(nearest(answer, turn));
    if (answer.citations.length) {
      const sources = el("ol", { class: "sources" });
      for (const c of answer.citations) {
        sources.append(el("li", { value: String(c.n) },
          el("button", { type: "button", class: "linklike source-link", onclick: (e) => openSource(c, e.currentTarget, turn) },
            c.citation), ` — ${c.kind}, ${c.date}`));
      }
      wrap.append(el("h4", { class: "sources-title" }, "Sources"), sources);
      wrap.append(el("button", { type: "button", class: "copy", onclick: (e) => copyAnswer(answer, e.currentTarget) },
        "Copy answer with sources"));
    }
    return wrap;
  }

  // A decline is no dead end: the passages nearest the question, each a link into its report.
  function nearest(answer, turn) {
    const near = (answer.passages || []).slice(0, NEAREST);
    const box = el("div", { class: "nearest" });
    if (!near.length) {
      box.append(el("p", {}, "Browse ", el("a", { href: "/reports" }, "the reports in the collection"),
        " or ask another question."));
      return box;
    }
    const id = `nearest-${turn}`;
    const list = el("ul", { "aria-labelledby": id });
    for (const p of near) {
      const href = safeHref(p.url);
      const name = p.citation || p.short_title;
      const item = el("li", {}, href ? el("a", { href }, name) : name, ` — ${p.kind}, ${p.date}`);
      if (p.text) item.append(el("span", { class: "snippet muted" }, snippet(p.text)));
      list.append(item);
    }
    box.append(el("p", { id, class: "nearest-title" }, "Nearest passages in the collection:"), list);
    return box;
  }

  function snippet(text, max = 160) {
    const flat = text.replace(/\s+/g, " ").trim();
    if (flat.length <= max) return flat;
    const cut = flat.slice(0, max);
    return cut.slice(0, Math.max(cut.lastIndexOf(" "), max / 2)) + "…";
  }

  function plainAnswer(answer) {
    const lines = [answer.question, "", answer.answer];
    if (answer.citations.length) {
      lines.push("", "Sources:");
      for (const c of answer.citations) {
        lines.push(`[${c.n}] ${c.citation} — ${c.kind}, ${c.date}${c.section ? " — " + c.section : ""}`);
        lines.push(`    “${c.quote}”`);
        const href = safeHref(c.report_url);
        if (href) lines.push(`    ${new URL(href, location.href).href}`);
      }
    }
    return withoutControls(lines.join("\n"));
  }

  // Control characters a document may hold (ESC, BEL, backspace, the C1 controls, the bidirectional
  // overrides) are dropped from copied text, so pasting it into a terminal cannot drive that terminal.
  const CONTROLS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

  function withoutControls(text) {
    return text.replace(CONTROLS, "");
  }

  async function copyAnswer(answer, button) {
    const text = plainAnswer(answer);
    try {
      await navigator.clipboard.writeText(text);
    } catch (err) {
      const area = el("textarea", { class: "visually-hidden" }, text);
      document.body.append(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    button.textContent = "Copied";
    setTimeout(() => (button.textContent = "Copy answer with sources"), 2000);
  }

  function openSource(c, opener, turn, focus = true) {
    lastOpener = opener;
    shown = { turn, n: c.n };
    panelTitle.textContent = c.citation;
    panelBody.replaceChildren();
    const meta = el("dl", { class: "source-meta" });
    const rows = [["Report", c.title], ["Date", c.date], ["Kind", c.kind], ["Passage", c.display_label || c.citation]];
    if (c.section) rows.push(["Section", c.section]);
    for (const [k, v] of rows) meta.append(el("dt", {}, k), el("dd", {}, v));
    const text = el("div", { class: "source-text" });
    let pos = 0;
    for (const [s, e] of (c.quote_spans || []).slice().sort((a, b) => a[0] - b[0])) {
      if (s < pos) continue;
      text.append(c.text.slice(pos, s), el("mark", {}, c.text.slice(s, e)));
      pos = e;
    }
    text.append(c.text.slice(pos));
    panelBody.append(meta, text);
    const href = safeHref(c.report_url);
    if (href) panelBody.append(el("p", {}, el("a", { class: "open-report", href }, "Open in report →")));
    panel.hidden = false;
    document.body.classList.add("source-open");
    if (focus) panel.focus();
    save();
  }

  function closeSource() {
    panel.hidden = true;
    document.body.classList.remove("source-open");
    shown = null;
    save();
    if (lastOpener && lastOpener.isConnected) lastOpener.focus();
  }

  // ------------------------------------------------------------ the conversation, kept for Back

  function save() {
    if (restoring) return;
    const state = {
      turns, history, shown, filters: filters(),
      scroll: { x: window.scrollX, y: window.scrollY, transcript: transcript.scrollTop },
    };
    for (let drop = 0; drop < turns.length; drop++) { // over the storage quota: the oldest turns go first
      try {
        sessionStorage.setItem(STORE, JSON.stringify({ ...state, turns: turns.slice(drop), first: drop }));
        return;
      } catch (err) {
        if (!(err instanceof DOMException)) return;
      }
    }
    try {
      sessionStorage.setItem(STORE, JSON.stringify({ ...state, turns: [], first: turns.length }));
    } catch (err) { /* storage unavailable (private mode, disabled): the page still works without it */ }
  }

  function forget() {
    try { sessionStorage.removeItem(STORE); } catch (err) { /* nothing kept */ }
  }

  function renderTurn(t, turn) {
    const item = el("article", { class: "turn", "data-turn": String(turn) }, el("p", { class: "question" }, t.question));
    if (t.answer) item.append(renderAnswer(t.answer, turn));
    else item.append(el("p", { class: "error" }, t.error));
    transcript.append(item);
    return item;
  }

  function restore() {
    let state;
    try {
      state = JSON.parse(sessionStorage.getItem(STORE) || "null");
    } catch (err) {
      state = null;
    }
    const valid = (t) => t && typeof t.question === "string" &&
      (t.answer ? typeof t.answer.answer === "string" && Array.isArray(t.answer.citations) : typeof t.error === "string");
    if (!state || !Array.isArray(state.turns) || !state.turns.every(valid) || !Array.isArray(state.history)) return;
    turns = state.turns;
    history = state.history.filter((q) => typeof q === "string").slice(-MAX_HISTORY);
    for (const [key, value] of Object.entries(state.filters || {})) {
      const node = document.getElementById(filterIds[key] || "");
      if (node && [...node.options].some((o) => o.value === String(value))) node.value = String(value);
    }
    updateFilterSummary();
    if (!turns.length && !history.length) return;
    if (empty) empty.hidden = true;
    turns.forEach(renderTurn);
    const turn = state.shown ? Number(state.shown.turn) - (Number(state.first) || 0) : -1; // older turns may be dropped
    const open = turns[turn] && turns[turn].answer;
    const c = open && open.citations.find((x) => x.n === state.shown.n);
    if (c) {
      const opener = transcript.querySelector(`.cite[data-turn="${turn}"][data-n="${c.n}"]`)
        || transcript.querySelector(`.turn[data-turn="${turn}"] .source-link`);
      openSource(c, opener, turn, false);
    }
    const scroll = state.scroll || {};
    transcript.scrollTop = Number(scroll.transcript) || 0;
    window.scrollTo(Number(scroll.x) || 0, Number(scroll.y) || 0);
  }

  async function ask(question) {
    question = question.trim();
    if (!question) return;
    if (empty) empty.hidden = true;
    const turn = turns.length;
    const item = el("article", { class: "turn", "data-turn": String(turn) }, el("p", { class: "question" }, question));
    const pending = el("p", { class: "pending muted", role: "status" }, "Searching the reports…");
    item.append(pending);
    transcript.append(item);
    send.disabled = true;
    box.value = "";
    let error = null;
    try {
      const response = await fetch("/api/ask", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ question, history: history.slice(-MAX_HISTORY), filters: filters() }),
      });
      let data;
      try {
        data = await response.json();
      } catch (err) {
        data = { error: `The server answered with an error (HTTP ${response.status}). Please try again.` };
      }
      pending.remove();
      if (!response.ok) {
        error = data.error || "The question could not be answered.";
      } else {
        item.append(renderAnswer(data, turn));
        turns.push({ question, answer: data });
        history.push(question);
      }
    } catch (err) {
      pending.remove();
      error = "The server could not be reached. Please try again.";
    } finally {
      if (error !== null) {
        item.append(el("p", { class: "error", role: "alert" }, error));
        turns.push({ question, error });
      }
      save();
      send.disabled = false;
      box.focus();
      item.scrollIntoView({ block: "start", behavior: "smooth" });
    }
  }

  if ("scrollRestoration" in window.history) window.history.scrollRestoration = "manual"; // restore() does it
  restoring = true;
  try {
    restore();
  } catch (err) { // a kept conversation this page cannot show: start afresh rather than break the page
    forget();
    history = [];
    turns = [];
    transcript.querySelectorAll(".turn").forEach((n) => n.remove());
    if (empty) empty.hidden = false;
  } finally {
    restoring = false;
  }
  form.addEventListener("submit", (e) => { e.preventDefault(); ask(box.value); });
  box.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); ask(box.value); }
  });
  for (const b of document.querySelectorAll(".example")) b.addEventListener("click", () => ask(b.textContent));
  document.getElementById("source-close").addEventListener("click", closeSource);
  document.addEventListener("keydown", (e) => { if (e.key === "Escape" && !panel.hidden) closeSource(); });
  document.getElementById("new-chat").addEventListener("click", () => {
    history = [];
    turns = [];
    transcript.querySelectorAll(".turn").forEach((n) => n.remove());
    if (empty) empty.hidden = false;
    closeSource();
    forget();
    box.focus();
  });
  for (const id of Object.values(filterIds)) {
    document.getElementById(id)?.addEventListener("change", () => { updateFilterSummary(); save(); });
  }
  // The scroll position is taken as the page is left (a link followed, the tab hidden), not on every scroll.
  window.addEventListener("pagehide", save);
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") save(); });
})();
