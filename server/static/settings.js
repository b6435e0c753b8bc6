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
    return { status: resp.status, data };
  }

  function resolve(s) {
    if (s && s.$ref) return schema.$defs[s.$ref.split("/").pop()];
    if (s && s.anyOf) {
      const real = s.anyOf.find((x) => x.type !== "null");
      return Object.assign({ nullable: true }, resolve(real));
    }
    return s;
  }

  function fieldInput(path, s, value) {
    const wrap = document.createElement("div");
    wrap.className = "field"; wrap.dataset.field = path;
    const label = document.createElement("label");
    label.innerHTML = `<div>${path.split(".").slice(1).join(" › ")}</div><div class="help"></div><div class="error"></div>`;
    label.querySelector(".help").textContent = s.description || "";
    let input;
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
    } else {
      input = document.createElement("input"); input.type = "text";
      input.value = typeof value === "string" ? value : JSON.stringify(value);
    }
    input.name = path; input.dataset.kind = s.enum ? "enum" : (s.type || "json");
    label.htmlFor = input.id = "f-" + path.replace(/\./g, "-");
    wrap.appendChild(label); wrap.appendChild(input);
    return wrap;
  }

  // Shown at once; every other option of a group sits under "More".
  const PRIMARY = new Set(["enabled", "threshold", "clear", "cue", "view", "max_active"]);

  function build(container, prefix, s, value, nested) {
    let more = null;
    for (const [name, sub0] of Object.entries(s.properties || {})) {
      const path = prefix + "." + name;
      if (path === "pose.belt_zone") continue; // drawn on the picture
      const sub = resolve(sub0);
      if (sub.properties && value[name] !== null && value[name] !== undefined) {
        const fs = document.createElement("fieldset");
        const lg = document.createElement("legend"); lg.textContent = name.replace(/_/g, " ");
        fs.appendChild(lg);
        if (sub0.description) { const p = document.createElement("div"); p.className = "help"; p.textContent = sub0.description; fs.appendChild(p); }
        build(fs, path, sub, value[name], true);
        container.appendChild(fs);
      } else if (!sub.properties) {
        const field = fieldInput(path, sub, value[name]);
        if (nested && !PRIMARY.has(name)) {
          if (!more) {
            more = document.createElement("details");
            const sm = document.createElement("summary"); sm.textContent = "More"; more.appendChild(sm);
          }
          more.appendChild(field);
        } else container.appendChild(field);
      }
    }
    if (more) container.appendChild(more);
  }

  function collect() {
    const out = {};
    for (const input of $("form").querySelectorAll("input, select")) {
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
    for (const section of schema.editable) {
      const fs = document.createElement("fieldset");
      const lg = document.createElement("legend"); lg.textContent = section; fs.appendChild(lg);
      build(fs, section, resolve(schema.properties[section]), config[section], true);
      form.appendChild(fs);
    }
    refreshPicture(); drawZone();
  }

  $("save").addEventListener("click", async () => {
    $("save-msg").className = ""; $("save-msg").textContent = "Saving…";
    for (const e of document.querySelectorAll(".field .error")) e.textContent = "";
    const r = await api("PUT", "/api/config", collect());
    if (r.status === 200) { $("save-msg").className = "ok-msg"; $("save-msg").textContent = "Saved"; config = r.data; return; }
    $("save-msg").className = "error";
    if (r.status === 422) {
      const msgs = [];
      for (const d of r.data.detail) {
        const el = document.querySelector(`.field[data-field="${d.field}"] .error`);
        if (el) el.textContent = d.msg;
        msgs.push(`${d.field}: ${d.msg}`);
      }
      $("save-msg").textContent = "Not saved: " + msgs.join("; ");
    } else if (r.status === 401) {
      $("save-msg").textContent = "Locked again: enter the PIN.";
      $("editor").hidden = true; $("login").hidden = false;
    } else $("save-msg").textContent = "Not saved (" + r.status + ")";
  });

  $("pin-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const r = await api("POST", "/api/auth/login", { pin: $("pin").value });
    $("pin").value = "";
    if (r.status === 204) {
      $("pin-error").textContent = "";
      const next = new URLSearchParams(location.search).get("next");
      if (next && next.startsWith("/review")) { location.href = next; return; }
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
