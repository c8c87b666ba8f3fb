// The ListeningPost console: a few views over the gateway's own API, with the tokens kept
// in sessionStorage. Everything the page does, the API does: no endpoint of its own.
// Text from events is only ever set as textContent, never parsed as HTML.
"use strict";

const store = window.sessionStorage;
const tokens = () => ({ subscriber: store.getItem("lp.subscriber") || "", operator: store.getItem("lp.operator") || "" });

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// A fresh key per change. crypto.randomUUID exists only in secure contexts (HTTPS or
// localhost); getRandomValues everywhere, so the console also works over plain HTTP on a LAN.
function idempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return "console-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function api(path, { token = "operator", method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  const value = tokens()[token];
  if (value) headers.Authorization = "Bearer " + value;
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    headers["Idempotency-Key"] = idempotencyKey();
  }
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await response.json().catch(() => null);
  if (!response.ok && !(path === "/readyz" && json)) {
    throw new Error((json && (json.detail || json.title)) || ("HTTP " + response.status));
  }
  return json;
}

function duration(seconds) {
  const sign = seconds < 0 ? -1 : 1;
  let left = Math.abs(Math.round(seconds));
  const parts = [];
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60]]) {
    if (left >= size) { parts.push(Math.floor(left / size) + unit); left %= size; }
  }
  if (parts.length === 0) parts.push(left + "s");
  return (sign < 0 ? "overdue " : "") + parts.slice(0, 2).join("") + (sign < 0 ? "" : " left");
}

function clock(item) {
  if (item.state === "resolved") return el("span", {}, "awaiting customer");
  if (item.state === "closed") return el("span", {}, "closed " + (item.outcome || ""));
  const next = (item.targets || []).find(() => true);
  if (!next) return el("span", {}, "no standard");
  return el("span", { class: next.secondsLeft < 0 ? "overdue" : "" }, duration(next.secondsLeft) + " (" + next.name.replace("_", " ") + ")");
}

const view = () => document.getElementById("view");
function show(...nodes) { view().replaceChildren(...nodes); }
function failure(error) { show(el("p", { class: "error", role: "alert" }, error.message)); }

// Cases: the queue, soonest due first, and one case with its timeline and actions.
async function casesView() {
  const data = await api("/v1/cases?limit=200");
  const rows = data.cases.map((item) => el("tr", { "data-case": item.id },
    el("td", {}, el("a", { href: "#/cases/" + encodeURIComponent(item.id) }, item.id)),
    el("td", {}, item.state), el("td", { class: "clock" }, clock(item)), el("td", {}, item.owner || "unassigned"),
    el("td", {}, item.segment), el("td", {}, item.channel), el("td", {}, item.customer ? item.customer.id : "")));
  show(el("h1", {}, "Cases (" + data.total + ")"),
    el("table", { id: "cases" }, el("tr", {}, ["Case", "State", "Clock", "Owner", "Segment", "Channel", "Customer"].map((h) => el("th", {}, h))), rows));
}

// The customer's words that opened the case, from its `opened` event.
function openingExcerpt(item) {
  const opened = (item.timeline || []).find((event) => (event.type || "").endsWith(".opened.v1"));
  return (opened && opened.data && opened.data.details && opened.data.details.excerpt) || "message " + item.openingMessage;
}

async function caseView(id) {
  const item = await api("/v1/cases/" + encodeURIComponent(id));
  const act = (action, fields) => async (event) => {
    event.preventDefault();
    const form = event.target;
    const body = {};
    for (const field of fields) body[field] = form.elements[field].value;
    try {
      await api("/v1/cases/" + encodeURIComponent(id) + "/" + action, { method: "POST", body });
      await caseView(id);
    } catch (error) {
      form.querySelector(".error").textContent = error.message;
    }
  };
  const field = (name, label, multiline) => el("label", {}, label, multiline ? el("textarea", { name, rows: "2" }) : el("input", { name }));
  const timeline = (item.timeline || []).map((event) => el("tr", {},
    el("td", {}, event.time || ""), el("td", {}, (event.type || "").replace("com.listeningpost.case.", "").replace(".v1", "")),
    el("td", {}, el("pre", {}, JSON.stringify((event.data && event.data.details) || {}, null, 1)))));
  show(el("h1", {}, "Case " + item.id),
    el("p", {}, "State: ", el("strong", { id: "case-state" }, item.state), " · Owner: ", el("strong", { id: "case-owner" }, item.owner || "unassigned"),
      " · ", clock(item), " · Rule: " + item.rule + " · Segment: " + item.segment),
    el("p", {}, "Opened by: ", el("q", {}, openingExcerpt(item))),
    el("div", { class: "actions" },
      el("form", { id: "assign", onsubmit: act("assign", ["owner"]) }, field("owner", "Owner"), el("button", {}, "Assign"), el("span", { class: "error" })),
      el("form", { id: "respond", onsubmit: act("responses", ["text"]) }, field("text", "Response to the customer", true), el("button", {}, "Record response"), el("span", { class: "error" })),
      el("form", { id: "resolve", onsubmit: act("resolve", ["root_cause", "resolution"]) }, field("root_cause", "Root cause"), field("resolution", "Resolution", true),
        el("button", {}, "Resolve"), el("span", { class: "error" }))),
    el("h2", {}, "Timeline"), el("table", { id: "timeline" }, el("tr", {}, ["Time", "Change", "Details"].map((h) => el("th", {}, h))), timeline));
}

// A bar 0–100 px wide for an NPS from −100 to +100 (set through the style object, which the
// page's Content-Security-Policy allows, where a style attribute would not be).
function bar(nps) {
  const node = el("span", { class: "bar" });
  node.style.width = Math.max(1, Math.round(((nps || 0) + 100) / 2)) + "px";
  return node;
}

// NPS: segment × channel with its interval, insufficient cells marked, and the trend.
async function npsView() {
  const grid = await api("/v1/nps?group_by=segment,channel", { token: "subscriber" });
  const trend = await api("/v1/nps?window=84d&step=7d", { token: "subscriber" });
  const segments = [...new Set(grid.cells.map((c) => c.segment))].sort();
  const channels = [...new Set(grid.cells.map((c) => c.channel))].sort();
  const cell = (segment, channel) => {
    const c = grid.cells.find((x) => x.segment === segment && x.channel === channel);
    if (!c) return el("td", { class: "cell" }, "–");
    const label = c.nps === null ? "no answers" : (c.nps > 0 ? "+" : "") + c.nps;
    return el("td", { class: "cell" + (c.insufficient ? " insufficient" : ""), "data-segment": segment, "data-channel": channel, "data-nps": c.nps === null ? "" : String(c.nps),
      title: c.responses + " answers, 95% interval " + c.npsInterval[0] + " to " + c.npsInterval[1] },
      el("strong", {}, label), el("br"), "[" + c.npsInterval[0] + ", " + c.npsInterval[1] + "]", el("br"), c.responses + (c.responses === 1 ? " answer" : " answers") + (c.insufficient ? " · insufficient" : ""));
  };
  const rows = segments.map((segment) => el("tr", {}, el("th", {}, segment), channels.map((channel) => cell(segment, channel))));
  const trendRows = trend.cells.map((c) => el("tr", {}, el("td", {}, c.from.slice(0, 10)), el("td", {}, c.nps === null ? "–" : String(c.nps)),
    el("td", {}, bar(c.nps)), el("td", {}, String(c.responses) + (c.insufficient ? " (insufficient)" : ""))));
  show(el("h1", {}, "NPS"), el("p", {}, "From " + grid.from + " to " + grid.to + "; cells under " + grid.minResponses + " answers are marked insufficient."),
    el("table", { id: "nps-grid" }, el("tr", {}, el("th", {}, "segment \\ channel"), channels.map((c) => el("th", {}, c))), rows),
    el("h2", {}, "Trend, weekly"), el("table", { id: "nps-trend" }, el("tr", {}, ["Week from", "NPS", "", "Answers"].map((h) => el("th", {}, h))), trendRows));
}

// Live tail: any stream the subscriber token may read, filtered in the page.
let tailAbort = null;
async function tailView() {
  const list = await api("/v1/streams", { token: "subscriber" });
  const select = el("select", { id: "tail-stream" }, list.streams.map((s) => el("option", { value: s.name }, s.name + " (" + s.head + ")")));
  const filters = ["channel", "segment", "customer"].map((name) => el("input", { id: "tail-" + name, placeholder: name }));
  const body = el("tbody");
  const start = async () => {
    if (tailAbort) tailAbort.abort();
    tailAbort = new AbortController();
    body.replaceChildren();
    const stream = list.streams.find((s) => s.name === select.value) || list.streams[0];
    const after = Math.max(0, stream.head - 50);
    const response = await fetch("/v1/streams/" + encodeURIComponent(stream.name) + "/events?after=" + after,
      { headers: { Authorization: "Bearer " + tokens().subscriber, Accept: "text/event-stream" }, signal: tailAbort.signal });
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ done: true }));
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = frame.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
        const id = (frame.split("\n").find((l) => l.startsWith("id:")) || "").slice(3).trim();
        if (!data) continue;
        const event = JSON.parse(data);
        const customer = (event.data && event.data.customer && event.data.customer.id) || "";
        const [channel, segment, who] = filters.map((f) => f.value.trim());
        if ((channel && event.channel !== channel) || (segment && event.segment !== segment) || (who && customer !== who)) continue;
        const text = (event.data && (event.data.text || (event.data.details && JSON.stringify(event.data.details)))) || "";
        body.prepend(el("tr", {}, el("td", {}, id), el("td", {}, event.time || ""), el("td", {}, event.type), el("td", {}, event.channel || ""),
          el("td", {}, event.segment || ""), el("td", {}, customer), el("td", {}, text.slice(0, 200))));
      }
    }
  };
  select.addEventListener("change", start);
  show(el("h1", {}, "Live tail"), el("p", {}, select, ...filters, el("button", { type: "button", onclick: start }, "Apply")),
    el("table", { id: "tail" }, el("thead", {}, el("tr", {}, ["Offset", "Time", "Type", "Channel", "Segment", "Customer", "Text"].map((h) => el("th", {}, h)))), body));
  start().catch(failure);
}

// Outbox: messages with their state; dead letters can be re-driven.
async function outboxView() {
  const data = await api("/v1/outbox?limit=200");
  const rows = data.messages.map((m) => el("tr", {}, el("td", {}, m.id), el("td", {}, m.state), el("td", {}, m.channel),
    el("td", {}, Object.values(m.to || {}).join(", ")), el("td", {}, String(m.attempts)), el("td", {}, m.lastError || ""),
    el("td", {}, m.state === "dead_lettered" ? el("button", { type: "button", onclick: async () => {
      try { await api("/v1/outbox/" + encodeURIComponent(m.id) + "/redrive", { method: "POST" }); await outboxView(); } catch (error) { failure(error); }
    } }, "Re-drive") : "")));
  show(el("h1", {}, "Outbox (" + data.total + ")"),
    el("table", { id: "outbox" }, el("tr", {}, ["Message", "State", "Channel", "To", "Attempts", "Last error", ""].map((h) => el("th", {}, h))), rows));
}

// Health: readiness and each channel's state.
async function healthView() {
  const ready = await api("/readyz");
  const rows = Object.entries(ready.channels).sort().map(([id, c]) => el("tr", {}, el("td", {}, id), el("td", {}, c.status), el("td", {}, c.error || "")));
  show(el("h1", {}, "Health"), el("p", {}, "Gateway: ", el("strong", { id: "ready-status" }, ready.status), " · log " + ready.log),
    el("table", { id: "channels" }, el("tr", {}, ["Channel", "Status", "Error"].map((h) => el("th", {}, h))), rows));
}

async function route() {
  const signedIn = tokens().subscriber || tokens().operator;
  document.getElementById("login").hidden = !!signedIn;
  document.getElementById("nav").hidden = !signedIn;
  if (!signedIn) { view().replaceChildren(); return; }
  if (tailAbort && !location.hash.startsWith("#/tail")) { tailAbort.abort(); tailAbort = null; }
  const hash = location.hash || "#/cases";
  for (const link of document.querySelectorAll("#nav a")) link.classList.toggle("active", hash.startsWith(link.getAttribute("href")));
  try {
    if (hash.startsWith("#/cases/")) await caseView(decodeURIComponent(hash.slice(8)));
    else if (hash.startsWith("#/nps")) await npsView();
    else if (hash.startsWith("#/tail")) await tailView();
    else if (hash.startsWith("#/outbox")) await outboxView();
    else if (hash.startsWith("#/health")) await healthView();
    else await casesView();
  } catch (error) {
    failure(error);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("login").addEventListener("submit", async (event) => {
    event.preventDefault();
    const subscriber = document.getElementById("subscriber-token").value.trim();
    const operator = document.getElementById("operator-token").value.trim();
    store.setItem("lp.subscriber", subscriber);
    store.setItem("lp.operator", operator);
    try {
      if (subscriber) await api("/v1/streams", { token: "subscriber" });
      if (operator) await api("/v1/cases?limit=1");
      document.getElementById("login-error").textContent = "";
      route();
    } catch (error) {
      store.clear();
      document.getElementById("login-error").textContent = "Sign-in failed: " + error.message;
    }
  });
  document.getElementById("logout").addEventListener("click", () => { store.clear(); if (tailAbort) tailAbort.abort(); location.hash = ""; route(); });
  window.addEventListener("hashchange", route);
  route();
});
