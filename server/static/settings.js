/* treadwatch settings: PIN login, a form built from the config schema, the belt-zone editor. */
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  let schema = null, config = null, zone = null;

  async function api(method, url, body) {
    const resp = await fetch(url, {
      // The custom header tells the server this is the page, not a form from elsewhere.
      method, headers: body ? { "Content-Type": "application/json" } : { "X-Requested-With": "treadwatch" },
      body: body ? JSON.stringify(body) : undefined, credentials: "same-origin",
    });
    let data = null;
    try { data = await resp.json(); } catch (e) { data = null; }
    return { status: resp.status, data, headers: resp.headers };
  }

  function resolve(s) {
    if (s && s.$ref) return schema.$defs[s.$ref.split("/").pop()];
    if (s && s.anyOf) {
      const real = s.anyOf.find((x) => x.type !== "null");
      return Object.assign({ nullable: true }, resolve(real));
    }
    return s;
  }

  /* A config description as a therapist reads it: without references meant for developers
     (the project's seed texts, its product notes, config class names). */
  function plain(text) {
    return (text || "")
      .replace(/\(([^()]*)\)/g, (all, inner) => {
        const kept = inner.split(/;\s*/).filter((part) => !/seed|PRODUCT\.md|[A-Z][a-z]+Config\./.test(part));
        return kept.length ? `(${kept.join("; ")})` : "";
      })
      .replace(/,?\s*(running-form )?seed texts? [\d, and]+/gi, "")
      .replace(/\s+([.,;)])/g, "$1").replace(/\s{2,}/g, " ").trim();
  }

  // --- human labels ----------------------------------------------------------------------
  const RULES = {
    // The cue counts landing signs (heel ahead of the hips, then a forward shank, a nearly
    // straight knee, a low cadence); the live tile shows the heel's distance in leg lengths.
    overstride: ["Overstride — the tile shows × leg length; this cue counts", "landing signs, 0–4"], head_pitch_deg: ["Gaze down", "°"],
    head_forward: ["Head forward", "× torso length"], arm_crossover: ["Arm crossover", "× shoulder width"],
    trunk_lean_deg: ["Trunk lean", "°"], cadence_spm: ["Cadence", "steps/min"],
    elbow_angle_deg: ["Elbow angle", "°"], vertical_oscillation: ["Bounce", "× leg length"],
  };
  const RULE_FIELDS = {
    enabled: ["Cue on"], cue: ["Cue text"], threshold: ["Raise the cue at", "unit"],
    clear: ["Clear it again at", "unit"], direction: ["Raise it when the value is"],
    n_of: ["Steps that must cross", "steps"], last_m: ["…out of the last", "steps"],
    cooldown_s: ["Quiet after it clears", "s"], priority: ["Priority (1 = most important)"],
    min_confidence: ["Ignore steps less sure than", "0–1"],
  };
  const LABELS = {
    "gait.view": ["Camera view"], "alerts.enabled": ["Coaching cues"], "alerts.max_active": ["Cues shown at once"],
    "gait.window_s": ["Analysis window", "s"], "gait.event_delay_s": ["Foot-contact delay", "s"],
    "gait.min_step_s": ["Shortest step", "s"], "gait.contact_prominence": ["Contact prominence", "× leg length"],
    "gait.min_visibility": ["Least landmark visibility", "0–1"],
    "gait.head_pitch_neutral_deg": ["Head pitch counted as level", "°"],
    "gait.rearfoot_above_deg": ["Heel strike above", "°"], "gait.forefoot_below_deg": ["Forefoot strike below", "°"],
    "gait.min_fps_contact_time": ["Contact time needs at least", "frames/s"],
    "gait.min_runner_height": ["Smallest runner", "× frame height"], "gait.min_contacts": ["Contacts before numbers are sure"],
    "gait.cadence_agreement_spm": ["Cadence checks must agree within", "steps/min"],
    "pose.landmark_model": ["Landmark model"], "pose.num_threads": ["Pose threads"],
    "pose.min_detection_score": ["Least detection score", "0–1"], "pose.min_presence": ["Least pose presence", "0–1"],
    "pose.smoothing": ["Smooth the landmarks"],
  };
  const SUFFIX_UNITS = [["_deg", "°"], ["_spm", "steps/min"], ["_ms", "ms"], ["_s", "s"]];

  function human(path) {
    const parts = path.split(".");
    const name = parts[parts.length - 1];
    if (parts[0] === "alerts" && parts.length === 3 && RULE_FIELDS[name]) {
      const [label, unit] = RULE_FIELDS[name];
      return [label, unit === "unit" ? (RULES[parts[1]] || ["", ""])[1] : unit || ""];
    }
    if (LABELS[path]) return [LABELS[path][0], LABELS[path][1] || ""];
    let words = name, unit = "";
    for (const [suf, u] of SUFFIX_UNITS) if (words.endsWith(suf)) { words = words.slice(0, -suf.length); unit = u; break; }
    words = words.replace(/_/g, " ");
    return [words.charAt(0).toUpperCase() + words.slice(1), unit];
  }

  function fieldInput(path, s, value) {
    const wrap = document.createElement("div");
    wrap.className = "field"; wrap.dataset.field = path;
    const [text, unit] = human(path);
    const label = document.createElement("label");
    label.innerHTML = `<div class="name"></div><div class="help"></div><div class="error" role="alert"></div>`;
    label.querySelector(".name").textContent = text + (unit ? ` (${unit})` : "");
    label.querySelector(".help").textContent = plain(s.description);
    let input;
    const name = path.split(".").pop();
    if (s.enum) {
      input = document.createElement("select");
      for (const opt of s.enum) { const o = document.createElement("option"); o.value = opt; o.textContent = opt; input.appendChild(o); }
      input.value = value;
    } else if (s.type === "boolean") {
      input = document.createElement("input"); input.type = "checkbox"; input.checked = !!value;
    } else if (s.type === "number" || s.type === "integer") {
      input = document.createElement("input"); input.type = "number";
      input.step = s.type === "integer" ? "1" : "any";
      if (s.minimum !== undefined) input.min = s.minimum;
      if (s.maximum !== undefined) input.max = s.maximum;
      input.value = value;
    } else if (s.type === "string" && name === "cue") {
      input = document.createElement("textarea"); input.rows = 2; input.value = value;
      if (s.maxLength) input.maxLength = s.maxLength;
      wrap.classList.add("wide");
    } else {
      input = document.createElement("input"); input.type = "text";
      input.value = typeof value === "string" ? value : JSON.stringify(value);
    }
    input.name = path; input.dataset.kind = s.enum ? "enum" : (s.type || "json");
    label.htmlFor = input.id = "f-" + path.replace(/\./g, "-");
    const box = document.createElement("div"); box.className = "input";
    box.appendChild(input);
    if (unit && input.type === "number") { const u = document.createElement("span"); u.className = "unit"; u.textContent = unit; box.appendChild(u); }
    wrap.appendChild(label); wrap.appendChild(box);
    return wrap;
  }

  // The options a therapist changes, shown at once; every other one of a group sits under "More".
  const PRIMARY = new Set(["enabled", "threshold", "clear", "cue"]);

  function more(container) {
    const d = document.createElement("details");
    const sm = document.createElement("summary"); sm.textContent = "More"; d.appendChild(sm);
    container.appendChild(d);
    return d;
  }

  function leafFields(prefix, s, value) {
    const out = [];
    for (const [name, sub0] of Object.entries(s.properties || {})) {
      const path = prefix + "." + name;
      if (path === "pose.belt_zone") continue; // drawn on the picture
      const sub = resolve(sub0);
      if (!sub.properties) out.push(fieldInput(path, sub, value[name]));
    }
    return out;
  }

  /* Main options first: the view and the cues; then each cue's rule; the rest under "Advanced". */
  function buildForm(form) {
    const main = document.createElement("div"); main.className = "card";
    main.innerHTML = "<h2>Camera and cues</h2>";
    const gaitS = resolve(schema.properties.gait), alertsS = resolve(schema.properties.alerts);
    const poseS = resolve(schema.properties.pose);
    const gaitFields = leafFields("gait", gaitS, config.gait);
    const alertFields = leafFields("alerts", alertsS, config.alerts);
    for (const f of [...gaitFields, ...alertFields]) {
      if (["gait.view", "alerts.enabled", "alerts.max_active"].includes(f.dataset.field)) main.appendChild(f);
    }
    form.appendChild(main);
    const cues = document.createElement("div"); cues.className = "card";
    cues.innerHTML = "<h2>Cues</h2>";
    for (const [name, sub0] of Object.entries(alertsS.properties || {})) {
      const sub = resolve(sub0);
      if (!sub.properties || !config.alerts[name]) continue;
      const fs = document.createElement("fieldset"); fs.dataset.rule = name;
      const lg = document.createElement("legend");
      const [title, unit] = RULES[name] || [name.replace(/_/g, " "), ""];
      lg.textContent = title + (unit ? ` (${unit})` : "");
      fs.appendChild(lg);
      if (sub0.description) { const p = document.createElement("div"); p.className = "help"; p.textContent = plain(sub0.description); fs.appendChild(p); }
      const rest = [];
      for (const f of leafFields("alerts." + name, sub, config.alerts[name])) {
        if (PRIMARY.has(f.dataset.field.split(".").pop())) fs.appendChild(f); else rest.push(f);
      }
      if (rest.length) { const d = more(fs); for (const f of rest) d.appendChild(f); }
      cues.appendChild(fs);
    }
    form.appendChild(cues);
    const adv = document.createElement("details"); adv.className = "card advanced";
    adv.innerHTML = "<summary>Advanced: step detection and pose model</summary>";
    const g = document.createElement("fieldset"); g.innerHTML = "<legend>Step detection</legend>";
    for (const f of gaitFields) if (f.dataset.field !== "gait.view") g.appendChild(f);
    const p = document.createElement("fieldset"); p.innerHTML = "<legend>Pose model</legend>";
    for (const f of leafFields("pose", poseS, config.pose)) p.appendChild(f);
    adv.appendChild(g); adv.appendChild(p);
    form.appendChild(adv);
  }

  function collect() {
    const out = {};
    for (const input of $("form").querySelectorAll("input, select, textarea")) {
      const parts = input.name.split(".");
      let v;
      const kind = input.dataset.kind;
      if (kind === "boolean") v = input.checked;
      else if (kind === "number" || kind === "integer") v = input.value === "" ? null : Number(input.value);
      else if (kind === "enum" || kind === "string") v = input.value;
      else { try { v = JSON.parse(input.value); } catch (e) { v = input.value; } }
      let o = out;
      for (const p of parts.slice(0, -1)) o = o[p] = o[p] || {};
      o[parts[parts.length - 1]] = v;
    }
    out.pose = out.pose || {};
    out.pose.belt_zone = zone;
    return out;
  }

  /* Where a refusal is shown: the field it names, or the nearest group (e.g. the belt zone). */
  function errorSlot(field) {
    let path = field;
    while (path) {
      const el = document.querySelector(`.field[data-field="${path}"] .error`);
      if (el) return el;
      if (path === "pose.belt_zone" || path.startsWith("pose.belt_zone.")) return $("zone-error");
      path = path.includes(".") ? path.slice(0, path.lastIndexOf(".")) : "";
    }
    return null;
  }

  /* A cue text is shown whole: the box grows with its text. */
  function autosize(t) { t.style.height = "auto"; t.style.height = (t.scrollHeight + 4) + "px"; }

  // --- belt zone ---------------------------------------------------------------------------
  const zc = $("zone-canvas"), zctx = zc.getContext("2d");
  function drawZone() {
    zctx.clearRect(0, 0, zc.width, zc.height);
    $("zone-text").textContent = zone
      ? `x ${zone.x_min.toFixed(2)}–${zone.x_max.toFixed(2)}, y ${zone.y_min.toFixed(2)}–${zone.y_max.toFixed(2)}`
      : "No zone: the person who runs is tracked.";
    if (!zone) return;
    zctx.fillStyle = "rgba(74,163,255,0.18)"; zctx.strokeStyle = "#4aa3ff"; zctx.lineWidth = 3;
    const x = zone.x_min * zc.width, y = zone.y_min * zc.height;
    const w = (zone.x_max - zone.x_min) * zc.width, h = (zone.y_max - zone.y_min) * zc.height;
    zctx.fillRect(x, y, w, h); zctx.strokeRect(x, y, w, h);
  }
  let dragFrom = null;
  const norm = (ev) => {
    const r = zc.getBoundingClientRect();
    return [Math.min(1, Math.max(0, (ev.clientX - r.left) / r.width)), Math.min(1, Math.max(0, (ev.clientY - r.top) / r.height))];
  };
  zc.addEventListener("pointerdown", (ev) => { dragFrom = norm(ev); zc.setPointerCapture(ev.pointerId); });
  zc.addEventListener("pointermove", (ev) => {
    if (!dragFrom) return;
    const p = norm(ev);
    zone = { x_min: Math.min(dragFrom[0], p[0]), x_max: Math.max(dragFrom[0], p[0]),
             y_min: Math.min(dragFrom[1], p[1]), y_max: Math.max(dragFrom[1], p[1]) };
    drawZone();
  });
  zc.addEventListener("pointerup", () => { dragFrom = null; });
  $("zone-clear").addEventListener("click", () => { zone = null; drawZone(); });
  function refreshPicture() {
    const img = $("zone-img");
    img.onload = () => { zc.width = img.naturalWidth; zc.height = img.naturalHeight; drawZone(); };
    img.src = "/video.jpg?t=" + Date.now();
  }

  // --- flow --------------------------------------------------------------------------------
  async function openEditor() {
    $("login").hidden = true; $("editor").hidden = false; $("logout").hidden = false;
    $("review-link").hidden = false;
    schema = (await api("GET", "/api/config/schema")).data;
    config = (await api("GET", "/api/config")).data;
    zone = config.pose.belt_zone;
    const form = $("form"); form.innerHTML = "";
    buildForm(form);
    form.insertBefore($("zone-card"), form.querySelector(".advanced"));
    $("zone-card").hidden = false;
    for (const t of form.querySelectorAll("textarea")) {
      autosize(t); t.addEventListener("input", () => autosize(t));
    }
    refreshPicture(); drawZone();
  }

  $("save").addEventListener("click", async () => {
    $("save-msg").className = ""; $("save-msg").textContent = "Saving…";
    for (const e of document.querySelectorAll(".field .error, #zone-error")) e.textContent = "";
    for (const e of document.querySelectorAll(".field.invalid")) e.classList.remove("invalid");
    const r = await api("PUT", "/api/config", collect());
    if (r.status === 200) {
      config = r.data;
      if (r.headers.get("X-Settings-Saved") === "no") {
        // Applied to the running analysis, but the settings file could not be written
        // (read-only data directory, full disk, or no data directory).
        $("save-msg").className = "warn-msg";
        $("save-msg").textContent = "Applied, but not saved: this change holds until the next restart.";
      } else { $("save-msg").className = "ok-msg"; $("save-msg").textContent = "Saved"; }
      return;
    }
    $("save-msg").className = "error";
    if (r.status === 422) {
      const msgs = [];
      let first = null;
      for (const d of r.data.detail) {
        const msg = String(d.msg).replace(/^Value error, /, "");
        const el = errorSlot(d.field);
        if (el) {
          el.textContent = msg;
          const f = el.closest(".field");
          if (f) {
            f.classList.add("invalid");
            for (let p = f.parentElement; p; p = p.parentElement) if (p.tagName === "DETAILS") p.open = true;
          }
          first = first || el;
        }
        const [label] = human(d.field);
        msgs.push(`${label} (${d.field}): ${msg}`);
      }
      if (first) first.closest(".field, .card").scrollIntoView({ block: "center" });
      $("save-msg").textContent = "Not saved: " + msgs.join("; ");
    } else if (r.status === 401) {
      $("save-msg").textContent = "Locked again: enter the PIN.";
      $("editor").hidden = true; $("login").hidden = false;
    } else $("save-msg").textContent = "Not saved (" + r.status + ")";
  });

  /* Where to go after the PIN: a path on this server only (never another site). */
  function safeNext(next) {
    if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return null;
    let url;
    try { url = new URL(next, location.origin); } catch (e) { return null; }
    if (url.origin !== location.origin) return null;
    return url.pathname + url.search + url.hash;
  }

  $("pin-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const r = await api("POST", "/api/auth/login", { pin: $("pin").value });
    $("pin").value = "";
    if (r.status === 204) {
      $("pin-error").textContent = "";
      const next = safeNext(new URLSearchParams(location.search).get("next"));
      if (next) { location.assign(next); return; }
      openEditor(); return;
    }
    $("pin-error").textContent = r.status === 429 ? "Too many wrong PINs: wait 30 s." : "Wrong PIN";
  });

  $("logout").addEventListener("click", async () => {
    await api("POST", "/api/auth/logout");
    location.reload();
  });

  (async () => {
    const a = (await api("GET", "/api/auth")).data;
    if (!a.enabled) { $("locked").hidden = false; return; }
    if (a.authenticated) openEditor(); else $("login").hidden = false;
  })();
})();
