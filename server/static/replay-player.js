/* The replay player: packed replays (edge/live/replay_pack.py) played on canvases, alone or
   side by side aligned on a landing, in slow motion, landings held with their angles drawn,
   looped, scrubbed by touch. One player per page (TWReplay.mount); the live page and the
   runner's page bring their own buttons. */
"use strict";

const TWReplay = (() => {
  const SPEEDS = [[0.125, "⅛"], [0.25, "¼"], [0.5, "½"], [1, "1×"]];
  /* How long a landing stays on screen with its angles (page time, whatever the speed). */
  const HOLD_MS = 1200;
  const ANGLE = "#ffe066";
  const LEG = {
    left: { hip: 23, knee: 25, ankle: 27, heel: 29 },
    right: { hip: 24, knee: 26, ankle: 28, heel: 30 },
  };
  const NUMBERS = [
    { key: "overstride", label: "heel ahead of hip", digits: 2, suffix: " × leg" },
    { key: "shank_angle_deg", label: "shank", digits: 0, suffix: "° from vertical" },
    { key: "knee_flexion_deg", label: "knee", digits: 0, suffix: "° bend" },
    { key: "trunk_lean_deg", label: "trunk", digits: 0, suffix: "° lean" },
  ];

  const $ = (id) => document.getElementById(id);
  const el = (tag, props, text) => {
    const e = Object.assign(document.createElement(tag), props || {});
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const fmt = (v, d) => (v === null || v === undefined ? "–" : Number(v).toFixed(d).replace("-", "\u2212"));
  const metric = (c, key) => {
    const m = c && c.metrics ? c.metrics[key] : null;
    return m && m.value !== null && m.value !== undefined ? m.value : null;
  };
  let panel = null;

  /* Builds the player inside ``root`` (its controls, and ``actions``: the page's own buttons). */
  function mount(root, actions) {
    panel = root;
    panel.innerHTML =
      '<div class="rp-head"><span id="rp-title" class="rp-title"></span>' +
      '<span id="rp-speed-label" class="rp-speed-label"></span><span class="spacer"></span>' +
      '<span class="rp-actions"></span></div>' +
      '<div id="rp-panes" class="rp-panes"></div>' +
      '<div id="rp-msg" class="rp-msg" role="status"></div>' +
      '<div class="rp-bar"><div class="rp-speeds" role="group" aria-label="Replay speed"></div>' +
      '<button id="rp-pause" type="button" class="secondary">Pause</button>' +
      '<input id="rp-scrub" type="range" min="0" max="1000" value="0" aria-label="Move through the replay"></div>' +
      '<div id="rp-compare" class="rp-compare"></div>';
    panel.querySelector(".rp-actions").append(...(actions || []));
    const speeds = panel.querySelector(".rp-speeds");
    for (const [v, label] of SPEEDS) {
      const b = el("button", { type: "button", className: "secondary rp-sp" }, label);
      b.dataset.speed = String(v);
      b.addEventListener("click", () => setSpeed(v));
      speeds.appendChild(b);
    }
    wireControls();
    setSpeed(0.25);
  }

  // --- state and the hook the browser tests read --------------------------------------------
  const play = {
    active: false, panes: [], r: 0, rStart: 0, rEnd: 0, holds: [], holdLeft: 0, holdAt: null,
    holdTotal: 0, nextHold: 0, speed: 0.25, last: null, paused: false, scrubbing: false, loops: 0, raf: 0,
    main: null, strides: 1,
  };
  const hook = { active: false, shown: [], contactDrawn: [], startLatencyMs: null, speed: 0.25, loops: 0 };
  window.twInstant = hook;

  // --- loading ------------------------------------------------------------------------------
  async function loadClip(url) {
    const resp = await fetch(url, { cache: "no-store", credentials: "same-origin" });
    if (!resp.ok) {
      let msg = "replay not available (HTTP " + resp.status + ")";
      try { msg = (await resp.json()).detail || msg; } catch (e) { /* keep the status */ }
      throw new Error(msg);
    }
    const buf = new Uint8Array(await resp.arrayBuffer());
    if (String.fromCharCode(...buf.subarray(0, 4)) !== "TWR1") throw new Error("not a replay");
    const n = new DataView(buf.buffer, buf.byteOffset).getUint32(4);
    const clip = JSON.parse(new TextDecoder().decode(buf.subarray(8, 8 + n)));
    const body = buf.subarray(8 + n);
    // Playing starts once the first frame is decoded; the others decode meanwhile, and the
    // timeline waits at a frame not decoded yet (readyLimit) rather than skip it.
    const decode = (f) => createImageBitmap(new Blob([body.subarray(f.o, f.o + f.n)], { type: "image/jpeg" }))
      .then((b) => { if (clip.freed) b.close(); else f.bitmap = b; }, () => { f.broken = true; });
    for (const f of clip.frames) f.bitmap = null;
    const first = decode(clip.frames[0]);
    clip.frames.slice(1).forEach((f) => { decode(f); });
    await first;
    if (!clip.frames[0].bitmap) throw new Error("the replay's first frame could not be decoded");
    // Each landing is shown on the held video frame nearest to it.
    for (const c of clip.contacts) {
      let best = -1;
      clip.frames.forEach((f, i) => { if (best < 0 || Math.abs(f.t - c.t) < Math.abs(clip.frames[best].t - c.t)) best = i; });
      c.fi = best >= 0 && Math.abs(clip.frames[best].t - c.t) < 0.12 ? best : -1;
    }
    return clip;
  }

  function freeClip(clip) {
    if (!clip || clip.freed) return;
    clip.freed = true;
    for (const f of clip.frames) if (f.bitmap) f.bitmap.close();
  }

  // --- timeline -------------------------------------------------------------------------------
  /* Panes share one timeline r (s, capture time relative to each pane's aligned landing). */
  function setup(clips) {
    const [main, ref] = clips;
    const landed = (clip) => clip.contacts.filter((c) => c.fi >= 0);
    // Aligned on the main clip's last landing; beside a reference, on the latest landing of
    // a foot the reference also shows landing (the same foot in both).
    let mainAlign = landed(main).slice(-1)[0] || null;
    let refAlign = ref ? landed(ref).slice(-1)[0] || null : null;
    if (ref) {
      for (const c of landed(main).reverse()) {
        const same = landed(ref).filter((x) => x.foot === c.foot).slice(-1)[0];
        if (same) { mainAlign = c; refAlign = same; break; }
      }
    }
    play.panes.forEach((p) => p.root.remove());
    play.panes = clips.map((clip, k) => {
      const align = k === 0 ? mainAlign : refAlign;
      const a = align ? clip.frames[align.fi].t : clip.frames[0].t;
      return makePane(clip, k, align, a);
    });
    play.rStart = Math.min(...play.panes.map((p) => p.clip.frames[0].t - p.a));
    play.rEnd = Math.max(...play.panes.map((p) => p.clip.frames[p.clip.frames.length - 1].t - p.a));
    play.rEnd = Math.max(play.rEnd, play.rStart + 0.001);
    // Alone: every landing is held. Side by side: the aligned landing, held in both at once.
    const holds = ref ? (mainAlign ? [0] : [])
      : landed(main).map((c) => main.frames[c.fi].t - play.panes[0].a);
    play.holds = [...new Set(holds.map((h) => Math.round(h * 1e6) / 1e6))].sort((x, y) => x - y);
    play.r = play.rStart; play.holdLeft = 0; play.holdAt = null; play.loops = 0;
    play.nextHold = holdAfter(play.r);
    hook.holds = play.holds; hook.rStart = play.rStart; hook.rEnd = play.rEnd;
    panel.dataset.panes = String(clips.length);
    const missing = clips.flatMap((c) => c.missing.map(([x, y]) => ({ label: c.label, x, y, t0: c.t_from })));
    $("rp-msg").textContent = missing.length
      ? missing.map((m) => m.x - m.t0 < 0.01
        ? `${m.label}: no video held for its first ${(m.y - m.x).toFixed(2)} s`
        : `${m.label}: no video held for ${(m.y - m.x).toFixed(2)} s of it, from ${(m.x - m.t0).toFixed(2)} s in`).join(" · ")
      : "";
    $("rp-title").textContent = ref ? `${main.label} beside ${ref.label.toLowerCase()}` : main.label;
  }

  function makePane(clip, k, align, a) {
    const root = el("div", { className: "rp-pane" });
    root.dataset.pane = String(k);
    const title = el("div", { className: "rp-pane-title" }, clip.label);
    const wrap = el("div", { className: "rp-canvas-wrap" });
    const canvas = el("canvas");
    const f0 = clip.frames[0].bitmap;  // decoded before any pane is made
    canvas.width = f0.width; canvas.height = f0.height;
    wrap.appendChild(canvas);
    const nums = el("div", { className: "rp-nums" });
    root.append(title, wrap, nums);
    showNumbers(nums, align);
    $("rp-panes").appendChild(root);
    attachScrub(canvas);
    return { root, canvas, ctx: canvas.getContext("2d"), clip, k, align, a, fi: -1, annotated: false };
  }

  /* The frame shown at time r: the last decoded one not after r. */
  /* Under the picture: the numbers of the landing held last (at first, the aligned one). */
  function showNumbers(nums, c) {
    nums.innerHTML = "";
    if (!c) { nums.textContent = "no landing in this replay"; return; }
    nums.dataset.frame = String(c.frame);
    nums.appendChild(el("span", { className: "rp-foot" }, `${c.foot} foot landing:`));
    for (const n of NUMBERS) {
      const v = metric(c, n.key);
      const s = el("span", { className: "rp-num" }, `${n.label} ${fmt(v, n.digits)}${v === null ? "" : n.suffix}`);
      s.dataset.key = n.key; s.dataset.value = v === null ? "" : String(v);
      nums.appendChild(s);
    }
  }

  function frameAt(pane, r) {
    const fr = pane.clip.frames;
    let i = 0;
    for (let j = 1; j < fr.length && fr[j].t - pane.a <= r + 1e-6; j++) if (fr[j].bitmap) i = j;
    return i;
  }

  /* The furthest time every pane has decoded frames for. */
  function readyLimit() {
    let limit = Infinity;
    for (const p of play.panes) {
      const i = p.clip.frames.findIndex((f) => !f.bitmap && !f.broken);
      if (i >= 0) limit = Math.min(limit, p.clip.frames[i].t - p.a - 1e-6);
    }
    return limit;
  }

  function advance(dt) {
    const limit = readyLimit();
    let guard = 0;
    while (dt > 0 && guard++ < 1000) {
      if (play.holdLeft > 0) {
        const u = Math.min(dt, play.holdLeft);
        play.holdLeft -= u; play.holdTotal += u; dt -= u;
        continue;
      }
      // The next landing to hold is tracked by its index, never found again by comparing
      // times: a time that arrives a rounding error short of a landing must still hold it.
      const h = play.nextHold < play.holds.length ? play.holds[play.nextHold] : undefined;
      const target = h === undefined ? play.rEnd : Math.max(h, play.r);
      if (target > limit) { play.r = Math.min(limit, Math.max(play.r, play.r + (dt * play.speed) / 1000)); break; }
      const need = ((target - play.r) / play.speed) * 1000;
      if (dt < need) { play.r += (dt * play.speed) / 1000; dt = 0; break; }
      dt -= need; play.r = target;
      if (h !== undefined) { play.holdLeft = HOLD_MS; play.holdAt = h; play.nextHold++; }
      else { play.r = play.rStart; play.nextHold = holdAfter(play.r); play.loops++; hook.loops = play.loops; }
    }
  }

  /* Index of the first landing still ahead of time r (at r itself counts as ahead). */
  function holdAfter(r) {
    const i = play.holds.findIndex((x) => x >= r - 1e-9);
    return i < 0 ? play.holds.length : i;
  }

  function tick(now) {
    if (!play.active) return;
    const dt = play.last === null ? 0 : now - play.last;
    play.last = now;
    if (!play.paused && !play.scrubbing && dt < 1000) advance(dt);
    render(now);
    play.raf = requestAnimationFrame(tick);
  }

  function render(now) {
    const holding = play.holdLeft > 0;
    hook.holding = holding; hook.r = play.r;
    for (const p of play.panes) {
      const fi = frameAt(p, play.r);
      const contact = holding ? p.clip.contacts.find((c) => c.fi === fi && Math.abs(p.clip.frames[fi].t - p.a - play.holdAt) < 1e-4) : null;
      const annotate = Boolean(contact);
      if (fi === p.fi && annotate === p.annotated) continue;
      const f = p.clip.frames[fi];
      p.ctx.drawImage(f.bitmap, 0, 0, p.canvas.width, p.canvas.height);
      if (f.lm) TW.drawSkeleton(p.ctx, f.lm, p.clip.edges);
      if (annotate) {
        const drawn = drawLanding(p.ctx, f.lm, contact);
        const nums = p.root.querySelector(".rp-nums");
        if (nums.dataset.frame !== String(contact.frame)) showNumbers(nums, contact);
        hook.contactDrawn.push({ pane: p.k, frame: f.id, t: f.t, contactFrame: contact.frame, foot: contact.foot,
          labels: drawn, at: now, r: play.r });
        if (hook.contactDrawn.length > 200) hook.contactDrawn.shift();
      }
      if (fi !== p.fi) {
        hook.shown.push({ pane: p.k, id: f.id, t: f.t, rel: f.t - p.a, at: now, hold: play.holdTotal, loop: play.loops, speed: play.speed, scrub: play.scrubbing });
        if (hook.shown.length > 3000) hook.shown.shift();
      }
      if (hook.startLatencyMs === null && hook.tapAt !== null) hook.startLatencyMs = now - hook.tapAt;
      p.fi = fi; p.annotated = annotate;
    }
    hook.current = play.panes.map((p) => p.clip.frames[Math.max(0, p.fi)].id);
    if (!play.scrubbing) $("rp-scrub").value = String(Math.round(((play.r - play.rStart) / (play.rEnd - play.rStart)) * 1000));
  }

  // --- the landing's angles, drawn on the frame ----------------------------------------------
  function drawLanding(ctx, lm, c) {
    if (!lm) return [];
    const w = ctx.canvas.width, h = ctx.canvas.height;
    const ok = (i) => lm[3 * i] >= 0 && lm[3 * i + 1] >= 0;
    const P = (i) => [lm[3 * i] * w, lm[3 * i + 1] * h];
    const mid = (i, j) => [(P(i)[0] + P(j)[0]) / 2, (P(i)[1] + P(j)[1]) / 2];
    const leg = LEG[c.foot] || LEG.left;
    const lw = Math.max(3, w / 170);
    const labels = [];
    ctx.save();
    ctx.strokeStyle = ANGLE; ctx.fillStyle = ANGLE; ctx.lineWidth = lw; ctx.lineCap = "round";
    const line = (a, b, dash) => { ctx.setLineDash(dash ? [lw * 2.5, lw * 2] : []); ctx.beginPath(); ctx.moveTo(...a); ctx.lineTo(...b); ctx.stroke(); };
    const arc = (o, a1, a2, rad) => { ctx.setLineDash([]); ctx.beginPath(); ctx.arc(o[0], o[1], rad, Math.min(a1, a2), Math.max(a1, a2)); ctx.stroke(); };
    const dir = (o, p) => Math.atan2(p[1] - o[1], p[0] - o[0]);
    const len = (a, b) => Math.hypot(b[0] - a[0], b[1] - a[1]);
    const UP = -Math.PI / 2;
    // Shank from vertical: the ankle→knee line against the vertical through the ankle.
    if (ok(leg.knee) && ok(leg.ankle)) {
      const K = P(leg.knee), A = P(leg.ankle), L = len(A, K);
      line(A, K, false); line(A, [A[0], A[1] - L], true);
      arc(A, UP, dir(A, K), L * 0.45);
      labels.push({ key: "shank_angle_deg", at: A, text: `shank ${fmt(metric(c, "shank_angle_deg"), 0)}° from vertical` });
    }
    // Knee bend: the shank against the thigh's straight continuation.
    if (ok(leg.hip) && ok(leg.knee) && ok(leg.ankle)) {
      const H = P(leg.hip), K = P(leg.knee), A = P(leg.ankle), L = len(H, K);
      const ext = [K[0] + (K[0] - H[0]) * 0.5, K[1] + (K[1] - H[1]) * 0.5];
      line(H, K, false); line(K, ext, true);
      arc(K, dir(K, ext), dir(K, A), L * 0.3);
      labels.push({ key: "knee_flexion_deg", at: K, text: `knee ${fmt(metric(c, "knee_flexion_deg"), 0)}° bend` });
    }
    // Heel to hip: the horizontal distance, at the heel's height, from under the hip.
    if (ok(leg.heel) && ok(leg.hip)) {
      const E = P(leg.heel), H = P(leg.hip), foot = [H[0], E[1]];
      line(H, foot, true); line(foot, E, false);
      for (const x of [foot[0], E[0]]) line([x, E[1] - lw * 3], [x, E[1] + lw * 3], false);
      labels.push({ key: "overstride", at: [(foot[0] + E[0]) / 2, E[1]], text: `heel ${fmt(metric(c, "overstride"), 2)} × leg from hip` });
    }
    // Trunk lean: mid-hip → mid-shoulder against the vertical.
    if (ok(11) && ok(12) && ok(23) && ok(24)) {
      const M = mid(23, 24), S = mid(11, 12), L = len(M, S);
      line(M, S, false); line(M, [M[0], M[1] - L], true);
      arc(M, UP, dir(M, S), L * 0.35);
      labels.push({ key: "trunk_lean_deg", at: S, text: `trunk ${fmt(metric(c, "trunk_lean_deg"), 0)}° lean` });
    }
    ctx.setLineDash([]);
    // Labels beside their joints, stacked so none covers another.
    const size = Math.max(14, Math.round(w / 34)), gap = size + 10;
    ctx.font = `bold ${size}px system-ui, sans-serif`; ctx.textBaseline = "middle";
    labels.sort((a, b) => a.at[1] - b.at[1]);
    let y = -Infinity;
    for (const l of labels) { l.y = Math.max(l.at[1], y + gap); y = l.y; }
    const over = labels.length ? labels[labels.length - 1].y - (h - gap / 2) : 0;
    if (over > 0) for (const l of labels) l.y -= over;
    for (const l of labels) {
      const tw = ctx.measureText(l.text).width;
      const x = Math.max(4, Math.min(w - tw - 8, l.at[0] + 18));
      ctx.fillStyle = "rgba(0,0,0,0.78)"; ctx.fillRect(x - 4, l.y - gap / 2 + 2, tw + 8, gap - 4);
      ctx.fillStyle = ANGLE; ctx.fillText(l.text, x, l.y);
      l.box = [x - 4, l.y - gap / 2 + 2, tw + 8, gap - 4];
    }
    ctx.restore();
    return labels.map((l) => ({ key: l.key, text: l.text, at: l.at, box: l.box }));
  }

  // --- controls -------------------------------------------------------------------------------
  function setSpeed(v) {
    play.speed = v; hook.speed = v;
    for (const b of panel.querySelector(".rp-speeds").children) b.setAttribute("aria-pressed", b.dataset.speed === String(v) ? "true" : "false");
    const label = SPEEDS.find((s) => s[0] === v);
    $("rp-speed-label").textContent = label ? `${label[1]} speed` : "";
  }

  function scrubTo(frac) {
    play.r = play.rStart + Math.max(0, Math.min(1, frac)) * (play.rEnd - play.rStart);
    play.holdLeft = 0;
    play.nextHold = holdAfter(play.r + 1e-6);
    render(performance.now());
  }

  /* Dragging across a picture moves through the replay (touch or mouse). */
  function attachScrub(canvas) {
    canvas.style.touchAction = "none";
    let from = null;
    canvas.addEventListener("pointerdown", (e) => { from = { x: e.clientX, r: play.r }; canvas.setPointerCapture(e.pointerId); });
    canvas.addEventListener("pointermove", (e) => {
      if (!from) return;
      const dx = (e.clientX - from.x) / canvas.clientWidth;
      if (!play.scrubbing && Math.abs(dx) < 0.01) return;
      play.scrubbing = true;
      scrubTo((from.r - play.rStart) / (play.rEnd - play.rStart) + dx);
    });
    const up = () => { from = null; if (play.scrubbing) endScrub(); };
    canvas.addEventListener("pointerup", up);
    canvas.addEventListener("pointercancel", up);
  }


  function endScrub() { play.scrubbing = false; hook.scrubbing = false; play.last = null; }

  function wireControls() {
    const scrub = $("rp-scrub");
    scrub.addEventListener("input", () => { play.scrubbing = true; hook.scrubbing = true; scrubTo(Number(scrub.value) / 1000); });
    scrub.addEventListener("change", endScrub);
    scrub.addEventListener("pointerup", endScrub);
    $("rp-pause").addEventListener("click", () => {
      play.paused = !play.paused; play.last = null;
      $("rp-pause").textContent = play.paused ? "Play" : "Pause";
    });
  }

  /* A reference clip beside the main one (``kind`` recorded for the tests). */
  async function compareWith(url, kind, after) {
    try {
      const ref = await loadClip(url);
      if (!play.active) { freeClip(ref); return; }
      for (const p of play.panes.slice(1)) freeClip(p.clip);
      setup([play.main, ref]);
      hook.compared = kind;
      if (after) after();
    } catch (e) { $("rp-msg").textContent = String(e.message || e); }
  }

  /* Plays ``clip`` alone from its start (``tapAt``: page time of the tap, for the latency). */
  function begin(clip, tapAt) {
    if (play.main) { for (const p of play.panes) freeClip(p.clip); }
    play.main = clip;
    hook.tapAt = tapAt; hook.startLatencyMs = null;
    hook.shown = []; hook.contactDrawn = []; hook.compared = null;
    play.active = true; hook.active = true; play.paused = false; play.last = null; play.holdTotal = 0;
    $("rp-pause").textContent = "Pause";
    setup([clip]);
    hook.clip = { frames: clip.frames.map((f) => ({ id: f.id, t: f.t })), contacts: clip.contacts.map((c) => ({ frame: c.frame, t: c.t, foot: c.foot, fi: c.fi, metrics: c.metrics })), missing: clip.missing };
    cancelAnimationFrame(play.raf);
    play.raf = requestAnimationFrame(tick);
  }

  /* Plays two clips side by side from their start, aligned on their landings. */
  function beginPair(main, ref, kind) {
    begin(main, performance.now());
    setup([main, ref]);
    hook.compared = kind;
  }

  function end() {
    play.active = false; hook.active = false;
    cancelAnimationFrame(play.raf);
    for (const p of play.panes) { freeClip(p.clip); p.root.remove(); }
    play.panes = []; play.main = null;
  }

  return { mount, loadClip, freeClip, setup, begin, beginPair, end, compareWith, play, hook, el };
})();
