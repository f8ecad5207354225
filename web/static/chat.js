// The chat page: asks /api/ask, renders answers with clickable citation markers, shows sources.
// Everything the server sends is inserted as text (never as HTML).
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
  let history = [];
  let lastOpener = null;

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
          onclick: (e) => openSource(c, e.currentTarget),
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
    const groups = answer.answer.split(/\n\s*\n/);
    for (const group of groups) {
      const section = el("section", { class: "group" });
      let list = null;
      group.split("\n").forEach((line, i) => {
        if (line.startsWith("- ")) {
          if (!list) { list = el("ul"); section.append(list); }
          list.append(el("li", {}, markedLine(line.slice(2), answer, turn)));
        } else if (i === 0 && !answer.abstained) {
          section.append(el("h3", { class: "lead" }, line));
          list = null;
        } else if (/^(Judgement|Strengths|Concerns):$/.test(line)) {
          section.append(el("h4", {}, line.slice(0, -1)));
          list = null;
        } else {
          section.append(el("p", {}, markedLine(line, answer, turn)));
          list = null;
        }
      });
      wrap.append(section);
    }
    if (answer.citations.length) {
      const sources = el("ol", { class: "sources" });
      for (const c of answer.citations) {
        sources.append(el("li", { value: String(c.n) },
          el("button", { type: "button", class: "linklike source-link", onclick: (e) => openSource(c, e.currentTarget) },
            c.citation), ` — ${c.kind}, ${c.date}`));
      }
      wrap.append(el("h4", { class: "sources-title" }, "Sources"), sources);
      wrap.append(el("button", { type: "button", class: "copy", onclick: (e) => copyAnswer(answer, e.currentTarget) },
        "Copy answer with sources"));
    }
    return wrap;
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
    return lines.join("\n");
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

  function openSource(c, opener) {
    lastOpener = opener;
    panelTitle.textContent = c.citation;
    panelBody.replaceChildren();
    const meta = el("dl", { class: "source-meta" });
    const rows = [["Report", c.title], ["Date", c.date], ["Kind", c.kind], ["Paragraph", c.label]];
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
    panel.focus();
  }

  function closeSource() {
    panel.hidden = true;
    document.body.classList.remove("source-open");
    if (lastOpener) lastOpener.focus();
  }

  async function ask(question) {
    question = question.trim();
    if (!question) return;
    if (empty) empty.hidden = true;
    const turn = history.length;
    const item = el("article", { class: "turn" }, el("p", { class: "question" }, question));
    const pending = el("p", { class: "pending muted", role: "status" }, "Searching the reports…");
    item.append(pending);
    transcript.append(item);
    send.disabled = true;
    box.value = "";
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
        item.append(el("p", { class: "error", role: "alert" }, data.error || "The question could not be answered."));
      } else {
        item.append(renderAnswer(data, turn));
        history.push(question);
      }
    } catch (err) {
      pending.remove();
      item.append(el("p", { class: "error", role: "alert" }, "The server could not be reached. Please try again."));
    } finally {
      send.disabled = false;
      box.focus();
      item.scrollIntoView({ block: "start", behavior: "smooth" });
    }
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
    transcript.querySelectorAll(".turn").forEach((n) => n.remove());
    if (empty) empty.hidden = false;
    closeSource();
    box.focus();
  });
  for (const id of Object.values(filterIds)) document.getElementById(id)?.addEventListener("change", updateFilterSummary);
})();
