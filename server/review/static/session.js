/* Session view: per-step plots, alert timeline, step table, replay (clip with skeleton overlay
   in slow motion, or a stick figure from the stored landmarks), marks and notes. */
"use strict";

(() => {
  const { el, api, date, duration, num, label } = TWR;
  const id = TWR.param("id");
  const LEFT = "#4aa3ff", RIGHT = "#f5b041";
  let S = null;            // the session JSON
  let t0 = 0;              // capture time of the session start
  let span = 1;            // session length in seconds
  let edges = [];
  const lm = { t: [], frames: [], from: Infinity, to: -Infinity, loading: null };
  const player = { t: 0, playing: false, speed: 0.25, clip: null, last: null };

  const video = document.getElementById("video");
  const overlay = document.getElementById("overlay");

  // --- landmarks ---------------------------------------------------------------------------
  async function ensureLandmarks(t) {
    if (t >= lm.from && t <= lm.to - 1) return;
    if (lm.loading) return lm.loading;
    const from = t - 2, to = t + 20;
    lm.loading = api(`/api/review/sessions/${id}/landmarks?t_from=${from}&t_to=${to}`)
      .then(d => { lm.t = d.t_s; lm.frames = d.frames; lm.from = from; lm.to = to; })
      .finally(() => { lm.loading = null; });
    return lm.loading;
  }

  function frameAt(t) {
    const ts = lm.t;
    if (!ts.length) return null;
    let lo = 0, hi = ts.length - 1;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (ts[mid] <= t) lo = mid; else hi = mid - 1; }
    if (lo + 1 < ts.length && Math.abs(ts[lo + 1] - t) < Math.abs(ts[lo] - t)) lo++;
    return Math.abs(ts[lo] - t) < 0.25 ? lm.frames[lo] : null;
  }

  function drawSkeleton(frame, withBackground) {
    const dpr = window.devicePixelRatio || 1;
    const w = overlay.clientWidth, h = overlay.clientHeight;
    if (overlay.width !== Math.round(w * dpr)) { overlay.width = Math.round(w * dpr); overlay.height = Math.round(h * dpr); }
    const ctx = overlay.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    if (withBackground) { ctx.fillStyle = "#000"; ctx.fillRect(0, 0, w, h); }
    overlay.dataset.drawn = frame ? "1" : "0";
    if (!frame) {
      ctx.fillStyle = "#93a1b0"; ctx.font = "16px system-ui"; ctx.textAlign = "center";
      ctx.fillText("nobody in view", w / 2, h / 2);
      return;
    }
    const P = i => [frame[3 * i] * w, frame[3 * i + 1] * h, frame[3 * i + 2]];
    ctx.lineWidth = 3; ctx.lineCap = "round";
    for (const [a, b] of edges) {
      const pa = P(a), pb = P(b);
      if (pa[2] < 0.3 || pb[2] < 0.3) continue;
      // Body landmarks: odd indices are the left side, even the right (BlazePose layout).
      const side = a >= 11 && b >= 11 && a % 2 === b % 2 ? (a % 2 ? LEFT : RIGHT) : "#eef2f6";
      ctx.strokeStyle = side;
      ctx.beginPath(); ctx.moveTo(pa[0], pa[1]); ctx.lineTo(pb[0], pb[1]); ctx.stroke();
    }
    ctx.fillStyle = "#eef2f6";
    for (let i = 0; i < 33; i++) {
      const p = P(i);
      if (p[2] < 0.3) continue;
      ctx.beginPath(); ctx.arc(p[0], p[1], 3, 0, 2 * Math.PI); ctx.fill();
    }
  }

  // --- player ------------------------------------------------------------------------------
  function clipTime() {
    const c = player.clip;
    const i = Math.max(0, Math.min(c.frame_times.length - 1, Math.floor(video.currentTime * c.fps + 1e-3)));
    return c.frame_times[i];
  }

  function render() {
    const t = player.clip ? clipTime() : player.t;
    player.t = t;
    ensureLandmarks(t);
    drawSkeleton(frameAt(t), !player.clip);
    // Read-only hook for the browser tests: the time shown and where it came from.
    window.twReplay = { t, clip: player.clip ? player.clip.id : null,
      videoTime: player.clip ? video.currentTime : null, drawn: overlay.dataset.drawn === "1" };
    document.getElementById("clock").textContent = `${(t - t0).toFixed(2)} s`;
    highlightStride(t);
  }

  function tick(now) {
    if (player.playing && !player.clip) {
      if (player.last !== null) player.t += (now - player.last) / 1000 * player.speed;
      if (player.t >= t0 + span) { player.t = t0 + span; setPlaying(false); }
    }
    player.last = now;
    render();
    requestAnimationFrame(tick);
  }

  function setPlaying(on) {
    player.playing = on;
    document.getElementById("play").textContent = on ? "Pause" : "Play";
    if (player.clip) { if (on) video.play(); else video.pause(); }
  }

  function seek(t) {
    if (player.clip && (t < player.clip.t_start_s || t > player.clip.t_end_s)) closeClip();
    if (player.clip) video.currentTime = Math.max(0, (t - player.clip.t_start_s)) ; else player.t = t;
    ensureLandmarks(t);
  }

  /* Seek and bring the replay into view (from the tables, plots and timeline). */
  function jump(t) {
    seek(t);
    document.getElementById("stage").scrollIntoView({ behavior: "smooth", block: "center" });
  }

  function step(dir) {
    setPlaying(false);
    if (player.clip) {
      video.currentTime = Math.max(0, video.currentTime + dir / player.clip.fps);
    } else {
      const ts = lm.t;
      let i = ts.findIndex(x => x >= player.t - 1e-6);
      if (i < 0) i = ts.length - 1;
      const j = Math.max(0, Math.min(ts.length - 1, i + dir));
      if (ts.length) player.t = ts[j];
    }
  }

  function openClip(c, play = true) {
    player.clip = c;
    video.hidden = false;
    video.src = `/api/review/clips/${c.id}`;
    video.playbackRate = player.speed;
    setAspect(c.width, c.height);
    document.getElementById("mode").textContent = c.reason === "video"
      ? `(the analysed video, ${c.width}×${c.height}, skeleton from stored landmarks)`
      : `(clip ${c.reason}, ${num(c.fps, 0)} fps, skeleton from stored landmarks)`;
    ensureLandmarks(c.t_start_s);
    if (play) setPlaying(true);
    else video.addEventListener("loadeddata", () => { video.playbackRate = player.speed; }, { once: true });
  }

  /* The replay keeps the frame's shape and fits the screen, portrait clips too. */
  function setAspect(w, h) {
    const stage = document.getElementById("stage");
    stage.style.aspectRatio = `${w} / ${h}`;
    stage.style.setProperty("--ar", String(w / h));
  }

  /* Width / height of the camera frames: from a clip, the stored video size, or the
     capture settings in force (demo or camera); 4:3 when unknown. */
  function frameAspect() {
    const st = S.settings || {};
    if (st.frame && st.frame.width && st.frame.height) return [st.frame.width, st.frame.height];
    const cap = st.capture || {};
    if (st.source === "demo" && cap.demo_width) return [cap.demo_width, cap.demo_height];
    if (cap.width && cap.height) return [cap.width, cap.height];
    return [4, 3];
  }

  function closeClip() {
    player.clip = null;
    video.pause(); video.removeAttribute("src"); video.load();
    video.hidden = true;
    setAspect(...frameAspect());
    document.getElementById("mode").textContent = "(stick figure from stored landmarks)";
  }

  // --- stride table highlight ------------------------------------------------------------
  let rows = [];
  let currentRow = null;
  function highlightStride(t) {
    let best = null;
    for (const r of rows) { if (r.t <= t + 1e-6) best = r; else break; }
    if (best !== currentRow) {
      if (currentRow) currentRow.tr.classList.remove("current");
      if (best) best.tr.classList.add("current");
      currentRow = best;
    }
  }

  // --- sections ----------------------------------------------------------------------------
  /* The metric catalogue (label, unit, digits), the same as every other screen. */
  function meta(name) {
    return (S.catalogue || {})[name] || { label: label(name), unit: "", digits: undefined };
  }

  function metricNames() {
    const names = [];
    for (const s of S.strides) for (const k of Object.keys(s.metrics)) if (!names.includes(k)) names.push(k);
    return names;
  }

  function renderSummary() {
    const s = S.session;
    document.getElementById("title").textContent = `${date(s.started_at)} · ${s.device_id}` +
      (s.source_name ? ` · ${s.source_name}` : "");
    document.title = `treadwatch — session ${s.id}`;
    document.getElementById("csv").href = `/api/review/sessions/${s.id}/export.csv`;
    document.getElementById("json").href = `/api/review/sessions/${s.id}/export.json`;
    document.getElementById("session-json").href = `/api/review/sessions/${s.id}/export.session.json`;
    const items = [["Duration", duration(s.duration_s)], ["Steps", s.n_strides], ["Alerts", s.n_alerts]];
    if (s.frames_unstored) items.push(["Frames not stored (disk)", s.frames_unstored]);
    if (s.end_reason === "recovered") items.push(["Ended", "power cut / crash"]);
    // The session's figures, as the live page (at the end), progress page and report show
    // them: the catalogue's label, unit and digits; a low-confidence metric is not judged.
    const figures = (S.key_metrics || []).filter(k => S.summary[k]).map(k => {
      const m = meta(k), f = S.summary[k];
      const unit = m.unit === "°" ? "°" : "";
      const text = f.value === null || f.value === undefined ? "–" : num(f.value, m.digits) + unit;
      const lbl = f.low_confidence ? `${m.label} (low confidence: not judged)` : `${m.label}${m.unit && m.unit !== "°" ? " (" + m.unit + ")" : ""}`;
      return el("div", { "data-metric": k, "data-band": f.low_confidence ? "" : f.band || "" },
        el("div", { class: "num" }, text), el("div", { class: "lbl" }, lbl));
    });
    document.getElementById("summary").replaceChildren(...items.map(([l, v]) =>
      el("div", {}, el("div", { class: "num" }, v), el("div", { class: "lbl" }, l))), ...figures);
  }

  function renderPlots() {
    const box = document.getElementById("plots");
    box.replaceChildren();
    for (const name of metricNames()) {
      const unit = (S.strides.find(s => s.metrics[name]) || {}).metrics[name].unit;
      const sum = S.summary[name] || {};
      const canvas = el("canvas", { "data-metric": name });
      const m = meta(name);
      const shown = sum.value === null || sum.value === undefined ? null : num(sum.value, m.digits);
      const what = name === "cadence_spm" ? "the session, while running" : `session median of ${sum.n_sure} steps`;
      box.append(el("div", { class: "plot" },
        el("div", { class: "title" }, el("strong", {}, m.label),
          el("span", { class: "muted" }, shown !== null ? `${shown} ${m.unit} (${what})`
            : sum.low_confidence ? "low confidence in this view: not judged" : "not measured")),
        canvas));
      const pts = foot => S.strides.filter(s => s.foot === foot && s.metrics[name]).map(s => ({
        x: s.t_s - t0, y: s.metrics[name].value, ref: s }));
      const markers = S.alerts.filter(a => a.rule === name && (a.state === "raised" || a.feedback))
        .map(a => ({ x: a.t_s - t0, color: a.state === "raised" ? "#e74c3c" : "#2ecc71" }));
      TWPlot.draw(canvas, [
        { name: `${label(name)} (left)`, color: LEFT, points: pts("left") },
        { name: `${label(name)} (right)`, color: RIGHT, points: pts("right") },
      ], { xLabel: "s", unit, markers, xMin: 0, xMax: Math.max(span, 1), onPick: p => jump(p.ref.t_s) });
    }
  }

  /* A settings key as a person reads it: "alerts.overstride.threshold" → "Overstride cue:
     threshold". */
  function settingName(key) {
    const parts = key.split(".");
    if (parts[0] === "alerts" && parts.length === 3) return `${meta(parts[1]).label} cue: ${parts[2].replace(/_/g, " ")}`;
    return parts.slice(1).join(" ").replace(/_/g, " ") || key;
  }

  /* A cue cleared when the settings changed (the analysis restarts with the new ones) is no
     sign that the runner improved: said so, never ticked. */
  function clearedBySettings(a) {
    return a.state !== "raised" && !a.feedback &&
      (S.settings_changes || []).some(ch => Math.abs(ch.t_s - a.t_s) < 0.5);
  }

  function alertWord(a) {
    if (a.state === "raised") return "⚠ ";
    return clearedBySettings(a) ? "– " : "✓ ";
  }

  function renderTimeline() {
    const items = [
      // a cue cleared because the fault was gone: the runner was shown its praise
      ...S.alerts.map(a => ({ x: a.t_s - t0, row: 0, t: a.t_s, praise: a.feedback || null,
        color: a.state === "raised" ? "#e74c3c" : a.feedback ? "#2ecc71" : "#93a1b0",
        label: (clearedBySettings(a) ? `cleared by a settings change (not an improvement): ${a.cue}`
          : `${a.state}: ${a.cue} (${meta(a.rule).label} ${num(a.value)})`) +
          (a.feedback ? ` · praise: “${a.feedback}”` : "") })),
      ...S.marks.map(m => ({ x: m.t_s - t0, color: "#4aa3ff", row: 1, label: `mark: ${m.note}`, t: m.t_s })),
      ...S.clips.map(c => ({ x: c.t_start_s - t0, color: "#b37feb", row: 2, label: `clip: ${c.reason}`, t: c.t_start_s, clip: c })),
      ...(S.settings_changes || []).map(ch => ({ x: ch.t_s - t0, color: "#f5b041", row: 1, t: ch.t_s,
        label: "settings changed: " + Object.entries(ch.changes).map(([k, v]) => `${settingName(k)} ${v.from} → ${v.to}`).join(", ") })),
    ];
    TWPlot.timeline(document.getElementById("timeline"), Math.max(span, 1), items, {
      onPick: it => (it.clip ? openClip(it.clip) : jump(it.t)),
    });
    const tb = document.querySelector("#alerts tbody");
    tb.replaceChildren(...S.alerts.map(a => el("tr", { class: "clickable", onclick: () => jump(a.t_s) },
      el("td", { class: "l" }, `${(a.t_s - t0).toFixed(1)} s`),
      el("td", { class: "l", "data-cleared-by-settings": clearedBySettings(a) ? "true" : "false" },
        `${alertWord(a)}${meta(a.rule).label}` + (clearedBySettings(a) ? " (cleared by a settings change)" : "")),
      el("td", { class: "l" }, a.cue),
      el("td", { class: "l" }, a.feedback ? el("span", { class: "praise" }, a.feedback) : ""),
      el("td", {}, num(a.value)), el("td", {}, a.stride_index))));
  }

  function renderStrides() {
    const names = metricNames();
    const units = Object.fromEntries(names.map(n => [n, (S.strides.find(s => s.metrics[n]) || {}).metrics[n].unit]));
    document.querySelector("#strides thead").replaceChildren(el("tr", {},
      el("th", { class: "l" }, "#"), el("th", { class: "l" }, "Foot"), el("th", {}, "Time (s)"),
      ...names.map(n => el("th", { title: units[n] }, `${label(n)} (${units[n]})`))));
    const tb = document.querySelector("#strides tbody");
    rows = [];
    tb.replaceChildren(...S.strides.map(s => {
      const tr = el("tr", { class: "clickable", onclick: () => jump(s.t_s) },
        el("td", { class: "l" }, s.index), el("td", { class: "l" }, s.foot), el("td", {}, (s.t_s - t0).toFixed(2)),
        ...names.map(n => {
          const m = s.metrics[n];
          if (!m) return el("td", {}, "");
          if (m.value === null) return el("td", { class: "muted", title: m.reason || "" }, "–");
          return el("td", { title: `confidence ${num(m.confidence, 2)}` }, (m.label ? m.label + " " : "") + num(m.value));
        }));
      rows.push({ t: s.t_s, tr });
      return tr;
    }));
  }

  function renderClips() {
    const ul = document.getElementById("clips");
    ul.replaceChildren(...S.clips.map(c => el("li", {},
      el("button", { type: "button", class: "secondary", onclick: () => openClip(c) }, "▶"),
      el("span", {}, `${(c.t_start_s - t0).toFixed(1)} s · ${c.reason} · ${(c.t_end_s - c.t_start_s).toFixed(1)} s at ${num(c.fps, 0)} fps`))));
    document.getElementById("no-clips").hidden = S.clips.length > 0;
  }

  function renderMarks() {
    const ul = document.getElementById("marks");
    ul.replaceChildren(...S.marks.map(m => {
      const input = el("input", { value: m.note, "aria-label": "note" });
      return el("li", {},
        el("a", { href: "#", onclick: ev => { ev.preventDefault(); seek(m.t_s); } }, `${(m.t_s - t0).toFixed(1)} s`),
        input,
        el("button", { type: "button", class: "secondary", onclick: async () => {
          await api(`/api/review/marks/${m.id}`, { method: "PUT", headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ note: input.value }) });
          m.note = input.value;
        } }, "Save"));
    }));
  }

  async function addMark() {
    const note = document.getElementById("mark-note").value;
    const m = await api(`/api/review/sessions/${id}/marks`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ t_s: player.t, note }),
    });
    S.marks.push({ id: m.id, t_s: m.t_s, note: m.note, created_at: Date.now() / 1000 });
    S.marks.sort((a, b) => a.t_s - b.t_s);
    document.getElementById("mark-note").value = "";
    renderMarks(); renderTimeline();
  }

  /* Previous / next step: the replay jumps to the foot contact of the step before or after
     the moment shown (the strides table highlights it). */
  function strideStep(dir) {
    setPlaying(false);
    const now = player.clip ? player.clip.t_start_s + video.currentTime : player.t;
    const times = S.strides.map(s => s.t_s);
    let k = -1;
    if (dir > 0) k = times.findIndex(t => t > now + 1e-3);
    else for (let i = times.length - 1; i >= 0; i--) if (times[i] < now - 1e-3) { k = i; break; }
    if (k < 0) return;
    seek(times[k]);
    if (!player.clip) player.t = times[k];
    window.twStride = S.strides[k].index;
    document.getElementById("clock").textContent = `${(times[k] - t0).toFixed(2)} s · step ${S.strides[k].index}`;
  }

  async function main() {
    if (!id) throw new Error("no session id in the address");
    S = await api(`/api/review/sessions/${id}`);
    t0 = S.session.t_start_s;
    span = S.session.duration_s;
    edges = S.skeleton_edges;
    player.t = t0;
    setAspect(...frameAspect());
    renderSummary(); renderPlots(); renderTimeline(); renderStrides(); renderClips(); renderMarks();
    await ensureLandmarks(t0);
    document.getElementById("play").addEventListener("click", () => setPlaying(!player.playing));
    document.getElementById("back").addEventListener("click", () => step(-1));
    document.getElementById("fwd").addEventListener("click", () => step(1));
    document.getElementById("prev-step").addEventListener("click", () => strideStep(-1));
    document.getElementById("next-step").addEventListener("click", () => strideStep(1));
    document.getElementById("speed").addEventListener("change", ev => {
      player.speed = parseFloat(ev.target.value);
      video.playbackRate = player.speed;
    });
    document.getElementById("mark").addEventListener("click", () => addMark().catch(TWR.showError));
    document.getElementById("delete").addEventListener("click", async () => {
      if (!confirm("Delete this session, its steps, landmarks, marks and clips? This cannot be undone.")) return;
      const r = await fetch(`/api/review/sessions/${id}`, { method: "DELETE", credentials: "same-origin", headers: { "X-Requested-With": "treadwatch" } });
      if (r.ok) location.href = "/review"; else TWR.showError(new Error(`${r.status}: ${(await r.json()).detail}`));
    });
    video.addEventListener("ended", () => setPlaying(false));
    // An analysed phone video replays as itself, with the skeleton over it.
    const own = S.clips.find(c => c.reason === "video");
    if (own) openClip(own, false);
    window.addEventListener("resize", () => { renderPlots(); renderTimeline(); });
    requestAnimationFrame(tick);
    document.body.dataset.loaded = "true";
  }

  main().catch(TWR.showError);
})();
