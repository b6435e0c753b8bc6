/* Instant replay on the live page: "Replay last stride" (or the last 3) in slow motion with
   the landing held and its angles drawn, looped until "Back to live"; a reference stride
   beside it (this session's first minute, just before a cue cleared, an earlier visit).
   The live page underneath keeps running (cue box, numbers, chart). Player: replay-player.js. */
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const { el, play, hook } = TWReplay;

  // The page's parts, built here so the live page's own files change little.
  const controls = document.querySelector(".controls");
  const stage = document.querySelector(".stage");
  const btnLast = el("button", { id: "replay-last", type: "button", className: "replay-big" }, "Replay last stride");
  const btnThree = el("button", { id: "replay-three", type: "button", className: "secondary" }, "Last 3 strides");
  controls.prepend(btnLast, btnThree);
  const panel = el("div", { id: "replay", className: "replay" });
  panel.hidden = true;
  stage.insertBefore(panel, $("video-wrap"));
  const kept = el("span", { id: "rp-kept", className: "rp-kept" });
  kept.setAttribute("role", "status");
  const keepBtn = el("button", { id: "rp-keep", type: "button", className: "secondary" }, "Keep this replay");
  keepBtn.hidden = true;
  const liveBtn = el("button", { id: "rp-live", type: "button" }, "Back to live");
  TWReplay.mount(panel, [kept, keepBtn, liveBtn]);
  window.twInstant = hook;

  async function showReferences() {
    const box = $("rp-compare");
    box.innerHTML = "";
    let refs = [];
    try {
      const r = await fetch("/api/replay/references", { cache: "no-store", credentials: "same-origin" });
      if (r.ok) refs = (await r.json()).references || [];
    } catch (e) { /* no comparison offered */ }
    if (!play.active) return;
    box.appendChild(el("span", { className: "rp-compare-label" }, refs.length ? "Beside it:" : "No reference stride held yet (first minute, or a cue cleared)"));
    for (const ref of refs) {
      const b = el("button", { type: "button", className: "secondary" }, ref.label);
      b.dataset.kind = ref.kind;
      b.addEventListener("click", () => TWReplay.compareWith(`/api/replay/reference/${encodeURIComponent(ref.kind)}`, ref.kind, showReferences));
      box.appendChild(b);
    }
    if (play.panes.length > 1) {
      const alone = el("button", { type: "button", className: "secondary", id: "rp-alone" }, "Alone");
      alone.addEventListener("click", () => { for (const p of play.panes.slice(1)) TWReplay.freeClip(p.clip); TWReplay.setup([play.main]); showReferences(); });
      box.appendChild(alone);
    }
  }

  async function start(strides, tapAt) {
    hook.error = null;
    for (const b of [btnLast, btnThree]) b.disabled = true;
    let clip;
    try {
      clip = await TWReplay.loadClip(`/api/replay?strides=${strides}`);
    } catch (e) {
      hook.error = String(e.message || e);
      $("mark-msg").textContent = hook.error;
      return;
    } finally {
      for (const b of [btnLast, btnThree]) b.disabled = false;
    }
    panel.hidden = false;
    document.body.dataset.replay = "on";
    TWReplay.begin(clip, tapAt);
    showReferences();
    showKeep();
  }

  function backToLive() {
    TWReplay.end();
    panel.hidden = true;
    document.body.dataset.replay = "";
  }

  /* The therapist (settings unlocked on this tablet) keeps a replay into the session. */
  async function showKeep() {
    $("rp-kept").textContent = "";
    let unlocked = false;
    try {
      const r = await fetch("/api/auth", { credentials: "same-origin", cache: "no-store" });
      unlocked = r.ok && Boolean((await r.json()).authenticated);
    } catch (e) { /* stays hidden */ }
    $("rp-keep").hidden = !unlocked;
  }

  $("rp-keep").addEventListener("click", async () => {
    const clip = play.main;
    if (!clip) return;
    const body = { first: clip.frames[0].id, last: clip.frames[clip.frames.length - 1].id };
    const r = await fetch("/api/replay/keep", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    const answer = await r.json().catch(() => ({}));
    $("rp-kept").textContent = r.status === 202 ? `Kept in this session (${answer.frames} frames)` : (answer.detail || "Not kept");
    hook.kept = { status: r.status, answer };
  });


  btnLast.addEventListener("click", (e) => start(1, e.timeStamp));
  btnThree.addEventListener("click", (e) => start(3, e.timeStamp));
  liveBtn.addEventListener("click", backToLive);
})();
