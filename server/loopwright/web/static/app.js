// Loopwright's phone page: one view of the attention queue, live over server-sent events.
// The token comes once in the link's fragment (#token=...), is kept in localStorage and
// sent in the Authorization header; text from the loop is only ever set as textContent.
"use strict";
(() => {
  const KEY = "loopwright-token";
  let token = localStorage.getItem(KEY) || "";
  let snap = null;
  let conn = null; // the live stream's AbortController
  let backoff = 500;
  let retryTimer = 0;
  const drafts = {}; // text typed in a box survives re-renders
  const openDiffs = {}; // session id -> files, once loaded
  const notes = {}; // ref -> message shown on its card
  const opened = new Set(); // the <details> the user opened stay open across updates

  // A <details> that remembers being opened, by `key`, across re-renders.
  const det = (key, attrs, summary, ...body) => {
    const el = h("details", { ...attrs, open: opened.has(key) || !!attrs.open }, h("summary", {}, summary), ...body);
    el.addEventListener("toggle", () => { if (el.open) opened.add(key); else opened.delete(key); });
    return el;
  };

  const h = (tag, attrs, ...kids) => {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "on") for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
      else if (k === "text") el.textContent = v;
      else if (v !== false && v != null) el.setAttribute(k, v === true ? "" : v);
    }
    for (const kid of kids.flat()) if (kid != null && kid !== false)
      el.append(typeof kid === "string" ? document.createTextNode(kid) : kid);
    return el;
  };
  const $ = (s) => document.querySelector(s);

  function takeTokenFromLink() {
    const m = location.hash.match(/^#token=([A-Za-z0-9_-]+)/);
    if (!m) return false;
    token = m[1];
    localStorage.setItem(KEY, token);
    history.replaceState(null, "", location.pathname + "#/");
    return true;
  }

  function toast(text) {
    const t = $("#toast");
    t.textContent = text;
    t.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { t.hidden = true; }, 4000);
  }

  function setConn(state, text) {
    const c = $("#conn");
    c.dataset.state = state;
    c.textContent = text || state;
  }

  async function call(path, body) {
    const res = await fetch(path, {
      method: body === undefined ? "GET" : "POST",
      headers: { Authorization: "Bearer " + token, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = {};
    try { data = await res.json(); } catch (_) { /* an empty or odd answer */ }
    if (res.status === 401) locked(data.error);
    return { ok: res.ok, status: res.status, data };
  }

  function locked(why) {
    setConn("locked", "no access");
    $("#main").replaceChildren(h("div", { class: "card" },
      h("h2", { text: "Open the page from its link" }),
      h("p", { class: "meta", text: why || "This page needs the link that `loopwright web url` prints (or its QR code)." })));
  }

  // --- live ------------------------------------------------------------------

  function connect() {
    clearTimeout(retryTimer);
    if (conn) conn.abort();
    if (!token) return locked();
    const ctl = new AbortController();
    conn = ctl;
    fetch("/api/live", { headers: { Authorization: "Bearer " + token, Accept: "text/event-stream" }, signal: ctl.signal })
      .then(async (res) => {
        if (res.status === 401) { conn = null; const d = await res.json().catch(() => ({})); return locked(d.error); }
        if (!res.ok || !res.body) throw new Error("status " + res.status);
        setConn("live");
        backoff = 500;
        const reader = res.body.getReader();
        const dec = new TextDecoder();
        let buf = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += dec.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
          let cut;
          while ((cut = buf.indexOf("\n\n")) >= 0) {
            const block = buf.slice(0, cut);
            buf = buf.slice(cut + 2);
            const data = block.split("\n").filter((l) => l.startsWith("data:"))
              .map((l) => l.slice(5).replace(/^ /, "")).join("\n");
            if (data && /(^|\n)event: ?snapshot/.test(block)) onSnapshot(JSON.parse(data));
          }
        }
        throw new Error("stream ended");
      })
      .catch(() => {
        if (ctl.signal.aborted && conn !== ctl) return; // replaced by a newer stream
        conn = null;
        setConn("reconnecting", "reconnecting…");
        retryTimer = setTimeout(connect, backoff);
        backoff = Math.min(backoff * 2, 8000);
      });
  }

  function onSnapshot(data) {
    snap = data;
    render();
  }

  // --- views -----------------------------------------------------------------

  const route = () => {
    const m = location.hash.match(/^#\/(item\/(.+)|sessions|digest|manager)?$/);
    if (!m) return { tab: "inbox" };
    if (m[2]) return { tab: "inbox", item: decodeURIComponent(m[2]) };
    return { tab: m[1] || "inbox" };
  };

  function render() {
    if (!snap) return;
    const r = route();
    $("#project").textContent = snap.project;
    const m = $("#manager");
    m.textContent = snap.managerRunning ? "manager running" : "manager stopped";
    m.className = "pill " + (snap.managerRunning ? "" : "warn");
    const count = $("#count");
    count.textContent = String(snap.inbox.length);
    count.dataset.n = String(snap.inbox.length);
    for (const a of document.querySelectorAll("nav a")) a.classList.toggle("on", a.dataset.tab === r.tab);
    const focused = document.activeElement && document.activeElement.dataset.draft;
    const main = $("#main");
    $("nav a[data-tab=manager]").hidden = !snap.manager;
    if (r.tab === "sessions") main.replaceChildren(...sessionsView());
    else if (r.tab === "digest") main.replaceChildren(digestView());
    else if (r.tab === "manager" && snap.manager) main.replaceChildren(...managerView(snap.manager));
    else main.replaceChildren(...inboxView(r.item));
    if (focused) {
      const el = document.querySelector(`[data-draft="${CSS.escape(focused)}"]`);
      if (el) { el.focus(); el.setSelectionRange(el.value.length, el.value.length); }
    }
  }

  function inboxView(only) {
    let items = snap.inbox;
    const out = [];
    if (only) {
      const one = items.filter((i) => i.ref === only || i.sessionId === only);
      if (!one.length) out.push(h("div", { class: "card", "data-gone": only },
        h("h2", { text: "Nothing waits here any more" }),
        h("p", { class: "meta", text: notes[only] || "It was answered or dealt with already." }),
        h("a", { href: "#/" }, "Everything that needs you")));
      items = one;
    }
    if (!items.length && !only) out.push(h("p", { class: "empty", text: "Nothing needs you. Well done." }));
    for (const i of items) out.push(card(i));
    return out;
  }

  function card(i) {
    const kids = [
      h("div", { class: "kind", text: i.kind.replace("_", " ") + (i.sessionName ? " · " + i.sessionName : "") }),
      h("h2", { text: i.title }),
      h("p", { class: "meta", text: i.detail }),
    ];
    if (i.kind === "decision") kids.push(...decision(i));
    else if (i.kind === "review") kids.push(...review(i));
    else {
      const acts = [];
      if (i.actions.includes("retry")) acts.push(actButton("Retry", "retry", i.ref));
      if (i.actions.includes("kill")) acts.push(actButton("Kill", "kill", i.ref, "", "danger"));
      if (acts.length) kids.push(h("div", { class: "row" }, acts));
    }
    if (notes[i.ref]) kids.push(h("p", { class: "note bad", text: notes[i.ref] }));
    return h("section", { class: "card", "data-ref": i.ref, "data-kind": i.kind }, kids);
  }

  function decision(i) {
    const out = [];
    if (i.options.length) {
      out.push(h("div", { class: "row" }, i.options.map((o) =>
        actButton(o, "answer", i.ref, o, "opt" + (o === i.default ? " primary" : "")))));
    } else {
      const key = "answer:" + i.ref;
      const box = h("textarea", { "data-draft": key, placeholder: i.default ? "Working on: " + i.default : "Your answer", on: { input: (e) => { drafts[key] = e.target.value; } } });
      box.value = drafts[key] || "";
      out.push(box, h("div", { class: "row" }, h("button", { class: "primary", on: { click: () => send("answer", i.ref, box.value, key) } }, "Answer")));
    }
    return out;
  }

  function review(i) {
    const r = i.review || {};
    const out = [];
    const k = i.ref + ":";
    if (r.task && r.task.body) out.push(det(k + "task", {}, "The task", h("p", { class: "meta", text: r.task.body })));
    if (r.checks) {
      const c = r.checks;
      const verdict = c.passed ? "passed" : c.timedOut ? "timed out" : "FAILED (exit " + c.exitCode + ")";
      out.push(det(k + "checks", { "data-part": "checks" },
        ["Checks ", h("span", { class: c.passed ? "ok" : "bad", text: verdict })],
        h("pre", {}, h("span", { text: "$ " + (c.command || "(none)") }), ...(c.outputTail || "").split("\n").map((l) => h("span", { text: l })))));
    }
    if (r.reviewer) {
      const rv = r.reviewer;
      out.push(det(k + "reviewer", { open: true, "data-part": "reviewer" },
        ["Reviewer ", h("span", { class: rv.verdict === "approve" ? "ok" : "warn", text: rv.verdict.replace("_", " ") || "no verdict" })],
        rv.summary ? h("p", { class: "meta", text: rv.summary }) : null,
        rv.comments.map((c) => h("div", { class: "comment", text: `${c.path}:${c.line} ${c.body}` }))));
    }
    const diffKey = i.sessionId + "@" + (r.head || "");
    const diff = openDiffs[diffKey];
    const files = h("div", { "data-part": "diff" });
    if (diff) for (const f of diff) files.append(det(k + "file:" + f.path, { "data-file": f.path }, f.path, diffPre(f.diff)));
    else files.append(h("button", { on: { click: () => loadDiff(i.sessionId, diffKey) } }, `Show the diff (${(r.files || []).length} file(s))`));
    out.push(files);
    const key = "note:" + i.ref;
    const note = h("textarea", { "data-draft": key, placeholder: "What to change (goes to the worker)", on: { input: (e) => { drafts[key] = e.target.value; } } });
    note.value = drafts[key] || "";
    out.push(h("div", { class: "row" },
      actButton("Approve & land", "approve", i.ref, "", "primary"),
      actButton("Reject", "reject", i.ref, "", "danger")));
    out.push(det(k + "request", { "data-part": "request" }, "Request changes", note,
      h("div", { class: "row" }, h("button", { on: { click: () => send("request-changes", i.ref, note.value, key) } }, "Send back with this note"))));
    return out;
  }

  function diffPre(text) {
    return h("pre", {}, text.split("\n").map((l) => h("span", {
      class: l.startsWith("+") && !l.startsWith("+++") ? "a" : l.startsWith("-") && !l.startsWith("---") ? "d" : l.startsWith("@@") ? "h" : false,
      text: l,
    })));
  }

  async function loadDiff(sid, key) {
    const res = await call("/api/review/" + encodeURIComponent(sid));
    if (!res.ok) return toast(res.data.error || "could not load the diff");
    openDiffs[key] = res.data.files;
    render();
  }

  function actButton(label, verb, ref, text, cls) {
    return h("button", { class: cls || false, "data-act": verb, on: { click: (e) => { e.target.disabled = true; send(verb, ref, text || ""); } } }, label);
  }

  async function send(verb, ref, text, draftKey) {
    const res = await call("/api/act/" + verb, { ref, text });
    if (res.ok) {
      if (draftKey) delete drafts[draftKey];
      delete notes[ref];
      toast(res.data.message || "done");
    } else {
      notes[ref] = res.data.error || "refused";
      toast(notes[ref]);
    }
    render();
  }

  function sessionsView() {
    const groups = new Map();
    for (const s of snap.sessions) {
      if (!groups.has(s.group)) groups.set(s.group, []);
      groups.get(s.group).push(s);
    }
    if (!groups.size) return [h("p", { class: "empty", text: "No sessions yet." })];
    const out = [];
    for (const [g, rows] of groups) {
      out.push(h("div", { class: "group", text: g }));
      for (const s of rows) {
        const live = !s.endedAt;
        const elapsed = s.elapsedSeconds + (live ? Math.max(0, Date.now() / 1000 - snap.now) : 0);
        out.push(h("section", { class: "card sess", "data-session": s.sessionId, "data-state": s.state },
          h("div", { class: "n", text: s.name }),
          h("div", { class: "r" }, h("span", { class: "state", text: s.state.replace("_", " ") })),
          h("div", { class: "meta", text: s.title }),
          h("div", { class: "r", "data-elapsed": live ? String(elapsed) : false, text: duration(elapsed) }),
          h("div", { class: "meta " + (s.health === "ok" ? "" : "warn"), text: (s.health === "ok" ? "" : s.health + " · ") + (s.lastMessage || "") }),
          h("div", { class: "r", text: "$" + s.costUsd.toFixed(2) })));
      }
    }
    return out;
  }

  function managerView(t) {
    const state = t.thinking ? "thinking" : t.running ? "waiting for news" : "not running";
    const out = [h("section", { class: "card", "data-part": "manager" },
      h("div", { class: "kind", text: `manager · ${t.agent} · ${state}` }),
      h("p", { class: "meta", text: `${t.turns} turn(s) · $${t.costUsd.toFixed(2)}` }))];
    const list = h("section", { class: "card" });
    if (!t.entries.length) list.append(h("p", { class: "meta", text: "Nothing in the thread yet." }));
    for (const e of t.entries) {
      const who = e.by === "manager" ? e.kind : e.by + " · " + e.kind;
      const kids = [h("div", { class: "kind", text: who }), h("div", { class: "comment", text: e.text })];
      if (e.kind === "escalated" && e.decisionId) kids.push(h("a", { href: "#/item/" + encodeURIComponent(e.decisionId) }, "Answer it"));
      list.append(h("div", { "data-entry": e.kind }, kids));
    }
    const key = "tell";
    const box = h("textarea", { "data-draft": key, placeholder: "Tell the manager something", on: { input: (ev) => { drafts[key] = ev.target.value; } } });
    box.value = drafts[key] || "";
    out.push(list, h("section", { class: "card" }, box, h("div", { class: "row" },
      h("button", { class: "primary", on: { click: () => send("tell", "", box.value, key) } }, "Tell the manager"))));
    return out;
  }

  function duration(sec) {
    if (sec < 10) return sec.toFixed(1) + "s";
    const w = Math.round(sec);
    if (w < 60) return w + "s";
    if (w < 3600) return Math.floor(w / 60) + "m" + String(w % 60).padStart(2, "0") + "s";
    return Math.floor(w / 3600) + "h" + String(Math.floor((w % 3600) / 60)).padStart(2, "0") + "m";
  }

  function digestView() {
    if (!snap.digest.length) return h("p", { class: "empty", text: "Nothing new since the last digest." });
    return h("section", { class: "card" }, h("ul", { class: "digest" }, snap.digest.map((l) => h("li", { text: l }))));
  }

  setInterval(() => {
    for (const el of document.querySelectorAll("[data-elapsed]")) {
      const v = Number(el.dataset.elapsed) + 1;
      el.dataset.elapsed = String(v);
      el.textContent = duration(v);
    }
  }, 1000);

  window.addEventListener("hashchange", () => { if (takeTokenFromLink() || !conn) connect(); render(); });
  // After sleep or a network change the old stream may be dead without a word: start anew.
  window.addEventListener("online", connect);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) connect(); });
  takeTokenFromLink();
  connect();
})();
