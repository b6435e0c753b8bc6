/* treadwatch live page: WebSocket data + MJPEG video, skeleton overlay matched by frame id. */
"use strict";

(() => {
  const TILES = [
    { key: "cadence_spm", label: "Cadence", digits: 0, unit: "steps/min" },
    { key: "overstride", label: "Overstride", digits: 2, unit: "× leg length" },
    { key: "trunk_lean_deg", label: "Trunk lean", digits: 0, unit: "°" },
    { key: "head_pitch_deg", label: "Head (gaze down)", digits: 0, unit: "°" },
    { key: "arm_crossover", label: "Arms across midline", digits: 2, unit: "× shoulder width" },
  ];
  const CHART = [
    { key: "overstride", label: "overstride", color: "#ff8c42" },
    { key: "trunk_lean_deg", label: "trunk lean", color: "#4aa3ff" },
    { key: "head_pitch_deg", label: "head", color: "#c77dff" },
    { key: "arm_crossover", label: "arms", color: "#39ff88" },
  ];
  const CHART_SPAN_S = 60;

  const $ = (id) => document.getElementById(id);
  const videoCanvas = $("video"), overlay = $("overlay");
  const vctx = videoCanvas.getContext("2d"), octx = overlay.getContext("2d");
  const state = {
    edges: [], simulated: false, lmById: new Map(), lastLm: null, lastLmId: -1,
    videoId: -1, lastVideoAt: 0, frozen: false, contact: null, pendingContact: null,
    strides: [], alerts: new Map(), wsOpen: false, source: null, latestT: 0, currentMetrics: {},
  };
  const freezeCanvas = document.createElement("canvas");

  // --- number tiles ------------------------------------------------------------------------
  const numbers = $("numbers");
  for (const t of TILES) {
    const el = document.createElement("div");
    el.className = "tile"; el.id = "tile-" + t.key;
    el.innerHTML = `<div class="label">${t.label}</div><div class="value" id="metric-${t.key}">–</div>` +
      `<div class="unit">${t.unit}</div><div class="last">last step <span id="last-${t.key}">–</span></div>` +
      `<div class="note" id="note-${t.key}"></div>`;
    numbers.appendChild(el);
  }

  function showMetrics(metrics, step) {
    for (const t of TILES) {
      const s = step && step[t.key];
      if (s) $("last-" + t.key).textContent = s.value === null ? "–" : Number(s.value).toFixed(t.digits);
      const m = metrics[t.key];
      const v = $("metric-" + t.key), note = $("note-" + t.key);
      if (!m) continue;
      if (m.value === null || m.value === undefined) {
        v.textContent = "–"; note.textContent = m.reason || "";
      } else {
        v.textContent = Number(m.value).toFixed(t.digits);
        note.textContent = m.confidence !== null && m.confidence < 0.5 ? `low confidence (${Math.round(m.confidence * 100)} %)` : "";
      }
    }
  }

  function clearMetrics() {
    for (const t of TILES) {
      $("metric-" + t.key).textContent = "–"; $("note-" + t.key).textContent = ""; $("last-" + t.key).textContent = "–";
    }
  }

  // --- cues --------------------------------------------------------------------------------
  const speakBox = $("speak");
  speakBox.checked = localStorage.getItem("tw-speak") === "1";
  speakBox.addEventListener("change", () => localStorage.setItem("tw-speak", speakBox.checked ? "1" : "0"));

  function speak(text) {
    if (!speakBox.checked || !("speechSynthesis" in window)) return;
    window.speechSynthesis.cancel();
    window.speechSynthesis.speak(new SpeechSynthesisUtterance(text));
  }

  function renderCue() {
    const cue = $("cue");
    const active = [...state.alerts.values()].sort((a, b) => a.priority - b.priority).slice(0, 2);
    if (!active.length) {
      cue.dataset.active = "false"; cue.dataset.rule = ""; cue.textContent = "Running well";
    } else {
      cue.dataset.active = "true"; cue.dataset.rule = active.map((a) => a.rule).join(",");
      cue.textContent = active.map((a) => a.cue.charAt(0).toUpperCase() + a.cue.slice(1)).join(" · ");
    }
    for (const t of TILES) $("tile-" + t.key).dataset.alert = state.alerts.has(t.key) ? "true" : "false";
  }

  // --- strip chart -------------------------------------------------------------------------
  const chart = $("chart"), cctx = chart.getContext("2d");
  function drawChart() {
    const w = chart.width, h = chart.height;
    cctx.clearRect(0, 0, w, h);
    const tEnd = state.latestT, tStart = tEnd - CHART_SPAN_S;
    const band = h / CHART.length;
    cctx.font = "13px system-ui, sans-serif";
    CHART.forEach((s, k) => {
      const y0 = k * band;
      cctx.fillStyle = "rgba(255,255,255,0.04)"; cctx.fillRect(0, y0 + 2, w, band - 4);
      const pts = state.strides.filter((st) => st.t >= tStart && st.metrics[s.key] && st.metrics[s.key].value !== null)
        .map((st) => [st.t, st.metrics[s.key].value]);
      cctx.fillStyle = s.color; cctx.fillText(s.label, 6, y0 + 15);
      if (!pts.length) return;
      let lo = Math.min(...pts.map((p) => p[1])), hi = Math.max(...pts.map((p) => p[1]));
      if (hi - lo < 1e-6) { lo -= 1; hi += 1; }
      const pad = (hi - lo) * 0.15; lo -= pad; hi += pad;
      const X = (t) => ((t - tStart) / CHART_SPAN_S) * (w - 52);
      const Y = (v) => y0 + band - 4 - ((v - lo) / (hi - lo)) * (band - 8);
      cctx.strokeStyle = s.color; cctx.lineWidth = 2; cctx.beginPath();
      pts.forEach((p, i) => (i ? cctx.lineTo(X(p[0]), Y(p[1])) : cctx.moveTo(X(p[0]), Y(p[1]))));
      cctx.stroke();
      cctx.fillStyle = s.color;
      for (const p of pts) { cctx.beginPath(); cctx.arc(X(p[0]), Y(p[1]), 2.5, 0, 2 * Math.PI); cctx.fill(); }
      const last = pts[pts.length - 1][1];
      cctx.textAlign = "right"; cctx.fillText(last.toFixed(Math.abs(last) >= 10 ? 0 : 2), w - 6, y0 + 15); cctx.textAlign = "left";
    });
  }

  // --- overlay -----------------------------------------------------------------------------
  function sizeCanvases(w, h) {
    for (const c of [videoCanvas, overlay]) if (c.width !== w || c.height !== h) { c.width = w; c.height = h; }
  }

  function drawOverlay(lm, id) {
    octx.clearRect(0, 0, overlay.width, overlay.height);
    if (lm) TW.drawSkeleton(octx, lm, state.edges);
    // Read-only hook for the browser tests: what the overlay shows now.
    window.twOverlay = { id: id === undefined ? -1 : id, lm: lm || null, frozen: state.frozen };
  }

  function showFrozen() {
    if (!state.contact) return;
    sizeCanvases(freezeCanvas.width, freezeCanvas.height);
    vctx.drawImage(freezeCanvas, 0, 0);
    drawOverlay(state.contact.lm, state.contact.id);
    TW.drawAngles(octx, state.contact.lm);
  }

  $("freeze").addEventListener("click", () => {
    state.frozen = !state.frozen && state.contact !== null;
    $("freeze").textContent = state.frozen ? "Back to live" : "Freeze last contact";
    $("frozen-label").hidden = !state.frozen;
    if (state.frozen) showFrozen();
  });

  // Recent decoded video frames, so the frame of a contact (reported a few frames late)
  // can still be held.
  const recent = [];
  const RECENT_MAX = 10;

  function keepContact(id, bitmap) {
    const lm = state.lmById.get(id);
    if (!lm) return false;
    freezeCanvas.width = bitmap.width; freezeCanvas.height = bitmap.height;
    freezeCanvas.getContext("2d").drawImage(bitmap, 0, 0);
    state.contact = { id, lm };
    state.pendingContact = null;
    $("freeze").disabled = false;
    return true;
  }

  function nearestRecent(frameId) {
    let best = null;
    for (const r of recent) if (!best || Math.abs(r.id - frameId) < Math.abs(best.id - frameId)) best = r;
    return best && Math.abs(best.id - frameId) <= 2 ? best : null;
  }

  async function onVideoFrame(id, jpeg) {
    let bitmap;
    try { bitmap = await createImageBitmap(new Blob([jpeg], { type: "image/jpeg" })); } catch (e) { return; }
    state.lastVideoAt = performance.now();
    $("novideo").hidden = true;
    recent.push({ id, bitmap });
    while (recent.length > RECENT_MAX) recent.shift().bitmap.close();
    if (state.pendingContact && Math.abs(id - state.pendingContact.id) <= 2) keepContact(id, bitmap);
    if (!state.frozen && id > state.videoId) {
      state.videoId = id;
      window.twVideoId = id;
      sizeCanvases(bitmap.width, bitmap.height);
      vctx.drawImage(bitmap, 0, 0);
      drawOverlay(state.lmById.get(id) || null, id);
    }
  }

  async function videoLoop() {
    let delay = 500;
    for (;;) {
      try {
        await TW.readMjpeg("/video.mjpeg", (id, jpeg) => { onVideoFrame(id, jpeg); });
        delay = 500;
      } catch (e) { /* reconnect below */ }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 5000);
    }
  }

  // --- live data ---------------------------------------------------------------------------
  function onFrame(m) {
    if (m.lm) { state.lmById.set(m.id, m.lm); state.lastLm = m.lm; }
    state.lastLmId = m.id;
    state.latestT = m.t;
    if (state.lmById.size > 120) {
      for (const k of state.lmById.keys()) { if (k < m.id - 90) state.lmById.delete(k); else break; }
    }
    for (const e of m.ev || []) {
      if (e.kind !== "contact") continue;
      const near = nearestRecent(e.frame);
      if (!near || !keepContact(near.id, near.bitmap)) state.pendingContact = { id: e.frame };
    }
    if (state.frozen) return;
    if (m.id === state.videoId) drawOverlay(m.lm, m.id);
    // No video (yet, or stalled): draw the skeleton as it comes.
    if (performance.now() - state.lastVideoAt > 1500) {
      if (videoCanvas.width !== 640) sizeCanvases(640, 480);
      vctx.fillStyle = "#000"; vctx.fillRect(0, 0, videoCanvas.width, videoCanvas.height);
      drawOverlay(m.lm, m.id);
    }
  }

  function setConn(kind, text) {
    $("conn").dataset.state = kind; $("conn-text").textContent = text;
  }

  function onStatus(s) {
    state.source = s.source;
    const sim = $("simulated");
    sim.hidden = !s.source.simulated;
    if (s.source.simulated) sim.textContent = "SIMULATED" + (s.source.demo_phase ? " · " + s.source.demo_phase.replace("_", " ") : "");
    const gov = $("governor"); // the pose stage cannot keep up: analysis runs at half rate
    gov.hidden = !(s.governor && s.governor.active); gov.title = s.governor ? s.governor.reason : "";
    if (!state.wsOpen) return;
    const st = s.source.state;
    if (st === "running") setConn("live", "Live · " + s.source.name);
    else if (st === "retrying") setConn("retrying", "Camera lost, retrying: " + (s.source.message || ""));
    else if (st === "starting") setConn("connecting", "Starting camera…");
    else setConn("failed", "Camera " + st + (s.source.message ? ": " + s.source.message : ""));
    $("session").textContent = s.session.active ? "Runner on the belt" : "Waiting for a runner";
  }

  function resetRunner() {
    state.strides = []; state.alerts.clear(); state.contact = null; state.pendingContact = null;
    state.frozen = false; $("frozen-label").hidden = true; $("freeze").textContent = "Freeze last contact";
    $("freeze").disabled = true;
    clearMetrics(); renderCue(); drawChart();
  }

  function onMessage(m) {
    switch (m.type) {
      case "frame": onFrame(m); break;
      case "stride":
        state.strides.push(m);
        while (state.strides.length && state.strides[0].t < m.t - CHART_SPAN_S) state.strides.shift();
        state.latestT = Math.max(state.latestT, m.t);
        showMetrics(m.current || m.metrics, m.metrics); drawChart(); break;
      case "alert":
        if (m.state === "raised") { state.alerts.set(m.rule, m); speak(m.cue); } else state.alerts.delete(m.rule);
        renderCue(); break;
      case "session":
        resetRunner();
        $("session").textContent = m.state === "started" ? "Runner on the belt" : "Waiting for a runner";
        break;
      case "status": onStatus(m); break;
      case "hello":
        state.edges = m.edges; state.simulated = m.simulated;
        $("simulated").hidden = !m.simulated;
        resetRunner(); break;
      default: break;
    }
  }

  let wsDelay = 500;
  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${proto}//${location.host}/ws/live`);
    ws.onopen = () => { state.wsOpen = true; wsDelay = 500; setConn("live", "Connected"); };
    ws.onmessage = (ev) => { try { onMessage(JSON.parse(ev.data)); } catch (e) { console.warn("bad message", e); } };
    ws.onclose = () => {
      state.wsOpen = false;
      setConn("down", "Disconnected, reconnecting…");
      setTimeout(connect, wsDelay);
      wsDelay = Math.min(wsDelay * 2, 5000);
    };
  }

  // Therapist: with the settings unlocked on this tablet, moments can be marked for review.
  fetch("/api/auth", { credentials: "same-origin" }).then((r) => r.json()).then((a) => {
    $("mark").hidden = !a.authenticated;
  }).catch(() => {});
  $("mark").addEventListener("click", async () => {
    const r = await fetch("/api/mark", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify({ note: "" }),
    });
    const body = await r.json().catch(() => ({}));
    $("mark-msg").textContent = r.status === 201 ? `Marked at ${body.t.toFixed(1)} s` : (body.detail || "Not marked");
  });

  $("freeze").disabled = true;
  renderCue(); drawChart();
  connect();
  videoLoop();
})();
