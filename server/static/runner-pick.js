/* "Who is running?" on the live page, for staff only (the settings PIN unlocked on this
   tablet): picks the runner of the session being recorded, or a guest. Self-contained: it
   adds its own control to the header bar; nothing else on the page depends on it. */
"use strict";

(() => {
  const POLL_MS = 3000;
  const NEW = "new";
  let box = null, select = null, msg = null, sessionId = null, busy = false;

  function build(runners) {
    box = document.createElement("span");
    box.id = "runner-pick";
    box.className = "runner-pick";
    // Readable from the treadmill, about 2 m away.
    box.style.cssText = "display:inline-flex;gap:8px;align-items:center;font-size:19px;font-weight:600";
    const label = document.createElement("label");
    label.textContent = "Who is running? ";
    label.htmlFor = "runner-select";
    select = document.createElement("select");
    select.id = "runner-select";
    select.style.cssText = "font-size:19px;padding:4px 8px;border-radius:8px;min-height:40px";
    select.disabled = true;
    msg = document.createElement("span");
    msg.id = "runner-msg";
    msg.className = "session";
    msg.setAttribute("role", "status");
    box.append(label, select, msg);
    fill(runners);
    const bar = document.querySelector("header.bar") || document.body;
    const spacer = bar.querySelector(".spacer");
    bar.insertBefore(box, spacer || null);
    select.addEventListener("change", choose);
    select.addEventListener("focus", async () => {  // runners added since the page opened
      const r = await fetch("/api/runners", { credentials: "same-origin" });
      if (r.ok && !busy) fill((await r.json()).runners);
    });
  }

  function fill(runners) {
    const current = select.value;
    select.replaceChildren();
    const guest = document.createElement("option");
    guest.value = ""; guest.textContent = "Guest";
    select.append(guest);
    for (const r of runners) {
      const o = document.createElement("option");
      o.value = String(r.id);
      o.textContent = r.name + (r.consent_clips ? "" : " (no clips)");
      select.append(o);
    }
    const add = document.createElement("option");
    add.value = NEW; add.textContent = "+ New runner…";
    select.append(add);
    select.value = current === NEW ? "" : current;
  }

  /* "+ New runner…": a name (or pseudonym) typed on the spot; clips stay off until the
     runner's consent is recorded on their page. Resolves to the new id, or null. */
  async function addRunner() {
    const name = (window.prompt("New runner's name (or a pseudonym)") || "").trim();
    if (!name) return null;
    const r = await fetch("/api/runners", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name }),
    });
    const body = await r.json().catch(() => ({}));
    if (!r.ok) { msg.textContent = body.detail || "Not added"; return null; }
    const list = await fetch("/api/runners", { credentials: "same-origin" });
    if (list.ok) fill((await list.json()).runners);
    return body.id;
  }

  async function choose() {
    busy = true;
    if (select.value === NEW) {
      const id = await addRunner().catch(() => null);
      select.value = id === null ? (box.dataset.runner || "") : String(id);
      if (id === null) { busy = false; return; }
    }
    const runnerId = select.value ? Number(select.value) : null;
    msg.textContent = "…";
    try {
      const r = await fetch("/api/live/runner", {
        method: "PUT", credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ runner_id: runnerId }),
      });
      const body = await r.json().catch(() => ({}));
      if (r.ok) {
        sessionId = body.session_id;
        // Short: the picker shows who; the header must stay one line on an upright tablet.
        msg.textContent = "✓ saved";
        msg.title = body.runner ? `Recording for ${body.runner.name}` : "Recording as a guest";
        box.dataset.runner = body.runner ? String(body.runner.id) : "";
      } else {
        msg.textContent = body.detail || "Not saved";
      }
    } finally {
      busy = false;
    }
  }

  async function poll() {
    if (busy) return;
    const r = await fetch("/api/live/runner", { credentials: "same-origin" });
    if (!r.ok) return;
    const body = await r.json();
    const active = body.session_id !== null;
    select.disabled = !active;
    if (body.session_id !== sessionId) {  // a new session starts as a guest's
      sessionId = body.session_id;
      select.value = body.runner ? String(body.runner.id) : "";
      box.dataset.runner = body.runner ? String(body.runner.id) : "";
      msg.textContent = active ? "" : "no session yet";
    }
    box.dataset.session = active ? String(body.session_id) : "";
  }

  async function start() {
    const auth = await fetch("/api/auth", { credentials: "same-origin" }).then((r) => r.json());
    if (!auth.authenticated) return;
    const r = await fetch("/api/runners", { credentials: "same-origin" });
    if (!r.ok) return;
    build((await r.json()).runners);
    await poll();
    setInterval(() => { poll().catch(() => {}); }, POLL_MS);
  }

  start().catch(() => {});
})();
