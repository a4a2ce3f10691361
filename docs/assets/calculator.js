// The calculator page: inputs, URL state and output. It computes nothing itself: every
// number comes from globalThis.t5sym (assets/t5sym-calc.js, generated from the SymPy trees).
"use strict";
(() => {
  const T = globalThis.t5sym, $ = (id) => document.getElementById(id);
  const WORK = ["batch", "encoder_length", "decoder_length"];
  const SETUP = Object.keys(T.setups);  // fine-tuning's attention, device, precision (the library's)
  const CHOICES = { dtype: T.dtypes, optimizer: T.optimizers, checkpointing: ["false", "true"], ...T.setups,
    serve_dtype: T.inferenceDtypes, format: T.formats, encoder_only: ["false", "true"] };
  const LABELS = { dtype: "training dtype", optimizer: "training optimizer",
    checkpointing: "gradient checkpointing", attention: "fine-tuning: attention",
    device: "fine-tuning: device", precision: "fine-tuning: precision (autocast: over fp32 weights)", serve_dtype: "inference dtype",
    format: "weight format", encoder_only: "weights of the encoder only" };
  // what a choice means, where its name does not say (the values stay the library's names)
  const MEANS = { sdpa: "sdpa (transformers' default)", cuda: "CUDA (derived, not measured)",
    cpu: "CPU (as torch saves, measured)", cast: "model cast to the training dtype",
    "autocast-bf16": "autocast bf16 (Trainer bf16=True)", "autocast-fp16": "autocast fp16 (Trainer fp16=True)" };
  const FALLBACK = { dtype: T.defaults.dtype, optimizer: T.defaults.optimizer, checkpointing: "false",
    ...Object.fromEntries(SETUP.map((k) => [k, T.setups[k][0]])),
    serve_dtype: T.defaults.inference_dtype, format: "bf16", encoder_only: "false" };
  const isWork = (k) => WORK.includes(k) || k in CHOICES || k === "cores";  // st.work, not a config field
  // The picker's text encoders: a preset with the encoder-only option (not presets of their own).
  const ENCODERS = [["t5-v1_1-xxl", "T5-v1.1-XXL encoder (FLUX, SD3)"], ["umt5-xxl", "UMT5-XXL encoder (Wan 2.1/2.2)"]]
    .filter(([name]) => name in T.presets);
  const ENCODER = "encoder:";  // the picker's value of a text encoder: ENCODER + preset name
  const st = { preset: "t5-small", json: "", edits: {}, head: "", work: {} };
  const num = (v) => (typeof v === "bigint" ? v.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",") : String(v));
  const show = (v) => (v === null || v === undefined ? "" : typeof v === "string" ? v : num(v).replace(/,/g, ""));
  const el = (tag, attrs = {}, text = "") => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text) e.textContent = text;
    return e;
  };

  function base() {  // the config.json fields before the edits
    if (st.preset) return { ...T.presets[st.preset] };
    return st.json.trim() ? T.parse(st.json) : {};
  }
  function value(text) {  // a field's text as JSON reads it (a string when not JSON)
    try { return T.parse(`{"v":${text}}`).v; } catch { return text; }
  }
  function config() {
    const c = { ...base() };
    const type = "model_type" in st.edits ? value(st.edits.model_type) : c.model_type || "t5";
    for (const [k, text] of Object.entries(st.edits)) {
      c[k] = value(text);
      for (const [alias, to] of Object.entries(aliases(type))) if (to === k) delete c[alias];
    }
    if (st.head) c.architectures = [(T.classPrefix[type] || "") + st.head];
    return c;
  }
  const aliases = (type) => T.aliases[type] || {};  // the loader's, printed from t5sym

  // --- inputs -------------------------------------------------------------------------------
  function field(box, name, label, control) {
    const wrap = el("div"), id = `f-${name}`;
    control.id = id;
    wrap.append(el("label", { for: id }, label), control, el("span", { class: "calc-err", id: `e-${name}`, role: "alert" }));
    box.append(wrap);
    control.addEventListener(control.tagName === "SELECT" ? "change" : "input", () => edit(name, control.value));
    return control;
  }
  function select(options, current) {
    const s = el("select");
    for (const o of options) s.append(el("option", { value: o }, MEANS[o] || o));
    s.value = current;
    return s;
  }
  function renderFields(c) {
    const box = $("c-fields");
    box.textContent = "";
    const type = c.model_type;
    field(box, "model_type", "model_type", select(Object.keys(T.modelDefaults), type));
    const order = Object.keys(T.toDict(c)).map((k) => (k === "feed_forward_proj" && type === "switch_transformers" ? "dense_act_fn" : k));
    const rank = (k) => (order.includes(k) ? order.indexOf(k) : order.length);
    for (const k of Object.keys(T.modelDefaults[type]).sort((a, b) => rank(a) - rank(b))) {
      const key = k === "dense_act_fn" ? "feed_forward_proj" : k;
      const v = c[key];
      const control = typeof v === "boolean" ? select(["true", "false"], String(v))
        : el("input", { type: "text", inputmode: typeof v === "bigint" ? "numeric" : "text", autocomplete: "off" });
      if (control.tagName === "INPUT") control.value = k in st.edits ? st.edits[k] : show(v);
      field(box, k, k, control);
    }
    const heads = $("c-head");
    heads.textContent = "";
    for (const h of T.heads[type]) heads.append(el("option", { value: h }, T.classPrefix[type] + h));
    heads.value = c.head;
  }
  function renderWork() {
    const box = $("c-work");
    for (const k of WORK) {
      const input = el("input", { type: "text", inputmode: "numeric", autocomplete: "off" });
      input.value = st.work[k] || String(T.defaults[k]);
      field(box, k, k === "batch" ? "batch (sequences)" : `${k} (tokens)`, input);
    }
    const cores = el("input", { type: "text", inputmode: "numeric", autocomplete: "off", placeholder: "all on one" });
    cores.value = st.work.cores || "";
    field(box, "cores", "cores (model parallel, Mesh TF layout)", cores);
    for (const [k, options] of Object.entries(CHOICES)) {
      if (k !== "encoder_only") field(box, k, LABELS[k], select(options, st.work[k] || FALLBACK[k]));
    }
    // beside the picker: it is part of the model picked, and the weights table follows it
    field($("c-pick-encoder"), "encoder_only", "encoder only", select(CHOICES.encoder_only, st.work.encoder_only || FALLBACK.encoder_only));
  }

  // --- state <-> URL --------------------------------------------------------------------------
  function toHash() {
    const p = new URLSearchParams();
    if (st.preset) p.set("preset", st.preset); else p.set("config", st.json);
    if (st.head) p.set("head", st.head);
    for (const [k, v] of Object.entries(st.edits)) p.set(`f.${k}`, v);
    for (const [k, v] of Object.entries(st.work)) p.set(k, v);
    history.replaceState(null, "", "#" + p.toString());
  }
  function fromHash() {
    const p = new URLSearchParams(location.hash.slice(1));
    if (p.has("config")) { st.preset = ""; st.json = p.get("config"); }
    else if (T.presets[p.get("preset")]) st.preset = p.get("preset");
    st.head = p.get("head") || "";
    for (const [k, v] of p) {
      if (k.startsWith("f.")) st.edits[k.slice(2)] = v;
      else if (isWork(k)) st.work[k] = v;
    }
  }

  // --- output ---------------------------------------------------------------------------------
  function list(id, rows) {
    const dl = $(id);
    dl.textContent = "";
    for (const [k, v] of rows) dl.append(el("dt", {}, k), el("dd", {}, typeof v === "string" ? v : num(v)));
  }
  function pairs(id, rows) {  // a dl whose term and value stay together when the line wraps
    const dl = $(id);
    dl.textContent = "";
    for (const [k, v] of rows) {
      const pair = el("div");
      pair.append(el("dt", {}, k), el("dd", {}, typeof v === "string" ? v : num(v)));
      dl.append(pair);
    }
  }
  // bytes / unit to two decimals, rounded half up, in integers (BigInt) only
  const fixed2 = (b, unit) => {
    const h = (b * 100n + unit / 2n) / unit;
    return `${num(h / 100n)}.${String(h % 100n).padStart(2, "0")}`;
  };
  const GB = 10n ** 9n, GIB = 2n ** 30n;
  function formatsTable(rows, files) {  // [format, t5sym.weights result or an Error]; T.files
    const body = $("o-formats").tBodies[0], why = [];  // a refusal's message once, under the table
    body.textContent = "";
    for (const [format, x] of rows) {
      const tr = el("tr");
      tr.append(el("td", {}, format));
      if (x instanceof Error) {
        if (!why.includes(x.message)) why.push(x.message);
        tr.append(el("td", { colspan: "4", class: "calc-na" }, `not available (${why.indexOf(x.message) + 1})`));
      } else {
        for (const text of [num(x.total), fixed2(x.total, GB), fixed2(x.total, GIB)]) tr.append(el("td", {}, text));
        tr.append(el("td", {}, (files[format] || []).map(([, n]) => num(n)).join("; ")));
      }
      body.append(tr);
    }
    $("o-formats-why").replaceChildren(...why.map((m, i) => el("li", { value: String(i + 1) }, m)));
    const x = rows.map(([, r]) => r).find((r) => !(r instanceof Error));
    $("o-formats-caption").textContent = "Weights" + (x ? ` of ${x.model}` : "") + ", every format";
    const named = Object.entries(files).map(([f, l]) => `${f}: ${l.map(([t]) => t).join("; ")}`);
    $("o-formats-files").textContent = named.length ? `file: the bytes of this preset's file as published files are laid out (${named.join("; ")})` : "";
  }
  function tree(rows) {
    const root = el("div"), stack = [root];
    rows.forEach(([depth, name, v], i) => {
      const leaf = i + 1 >= rows.length || rows[i + 1][0] <= depth;
      const text = `${name || "total"}: ${num(v)}`;
      stack.length = depth + 1;
      let node;
      if (leaf) node = el("div", {}, text);
      else { node = el("details", depth < 1 ? { open: "" } : {}); node.append(el("summary", {}, text)); }
      stack[depth].append(node);
      stack[depth + 1] = node;
    });
    $("o-tree").replaceChildren(root);
  }
  const bytes = (v) => `${num(v)} B (${(Number(v) / 2 ** 30).toPrecision(4)} GiB)`;
  const decimal = (f) => {  // an exact "n/d" (result.plain) shown to 4 digits, a whole one as is
    const [n, d] = String(f).split("/");
    if (d === undefined) return num(BigInt(n));
    const x = Number(n) / Number(d);
    return Math.abs(x) < 1000 ? x.toPrecision(4) : Math.round(x).toLocaleString("en-US");
  };
  // A view that refuses this structure (or these options) says why in its section; an
  // error in one of the fields `own` goes beside that field instead.
  function attempt(id, fn, own = [...WORK, "dtype", "optimizer", "cores"]) {
    try { return fn(); } catch (e) {
      const name = e.message.split(":")[0];
      if (own.includes(name)) throw e;
      list(id, [["not available", e.message]]);
      return null;
    }
  }
  function compute() {
    const c = config(), w = st.work, d = T.defaults;
    const lengths = Object.fromEntries(WORK.map((k) => [k, w[k] === undefined ? d[k] : value(w[k])]));
    const count = T.count(c);
    const out = { count, outline: T.outline(c), math: T.mathml(c) };
    out.flops = attempt("o-flops", () => T.flops(c, lengths));
    const training = { dtype: w.dtype || d.dtype, optimizer: w.optimizer || d.optimizer };
    const cores = (w.cores || "").trim() ? value(w.cores) : null;
    try {
      out.memory = attempt("o-memory", () => T.memory(c, { ...training, cores }));
      const checkpointing = (w.checkpointing || FALLBACK.checkpointing) === "true";
      const setup = Object.fromEntries(SETUP.map((k) => [k, w[k] || FALLBACK[k]]));
      out.tuning = attempt("o-tuning", () => T.memory(c, { ...training, ...lengths, checkpointing, ...setup }), [...WORK, ...SETUP]);
    } catch (e) { throw Object.assign(e, { field: e.message.startsWith("dtype") ? "dtype" : undefined }); }
    try {
      out.inference = attempt("o-inference", () => T.inference(c, { ...lengths, dtype: w.serve_dtype || d.inference_dtype }));
    } catch (e) { throw Object.assign(e, { field: e.message.startsWith("dtype") ? "serve_dtype" : undefined }); }
    out.shard = cores === null ? false : attempt("o-shard", () => T.shard(c, { cores }));
    const format = w.format || FALLBACK.format, encoder_only = (w.encoder_only || FALLBACK.encoder_only) === "true";
    out.weights = T.weights(c, { format, encoder_only });
    const asPicked = st.preset && !Object.keys(st.edits).length && !st.head;  // a file is of the preset
    out.files = asPicked ? T.files(st.preset, encoder_only) : {};
    out.formats = T.formats.map((f) => {
      try { return [f, T.weights(c, { format: f, encoder_only })]; } catch (e) { return [f, e]; }
    });
    return out;
  }
  function render(r) {
    const k = r.count;
    pairs("o-count", [["model", k.model], ["total", k.total], ["encoder only", k.encoder_only_total],
      ...(k.active_total !== undefined ? [["active per token", k.active_total]] : [])]);
    formatsTable(r.formats, r.files);
    tree(r.outline);
    const math = $("o-math");
    math.textContent = "";
    for (const [name, m] of r.math) {
      const p = el("div");
      p.append(el("code", {}, name));
      p.insertAdjacentHTML("beforeend", m);
      math.append(p);
    }
    if (r.flops) {
      const f = r.flops;
      list("o-flops", [["model", f.model], ["tokens", f.tokens], ["forward", f.forward], ["training step", f.training],
        ["2·N per token (N parameters)", `${num(f.naive)}; forward ÷ it = ${decimal(f.naive_ratio)}`],
        ["6·N per token (training)", f.naive_training],
        ["2·B·(N_enc·S + N_dec·T)", `${num(f.per_side)}; forward ÷ it = ${decimal(f.ratio)}`],
        ...Object.entries(f.excess).map(([k, v]) => [`forward − that: ${k}`, v])]);
    }
    if (r.memory) {
      const m = r.memory, one = m.cores === null ? "" : ` (one of ${num(m.cores)} cores)`;
      list("o-memory", [["dtype, optimizer", `${m.dtype}, ${m.optimizer}`], [`weights${one}`, bytes(m.weights)],
        [`gradients${one}`, bytes(m.gradients)], [`optimizer state${one}`, bytes(m.optimizer_state)],
        [`total${one}`, bytes(m.total)], ["state tensors", m.state_tensors]]);
    }
    const from = $("o-tuning-from");
    from.hidden = !(r.tuning && r.tuning.derived);
    if (r.tuning) {
      const t = r.tuning, how = t.checkpointing ? ", blocks checkpointed" : "";
      list("o-tuning", [[`batch, lengths${how}`, `B=${t.batch}, S=${t.encoder_length}, T=${t.decoder_length}`],
        ["setup", `${t.attention}, ${t.device}, ${t.precision}, dropout ${t.dropout}, no padding mask`],
        ["figures", t.derived ? "derived from torch's source, not measured (below)" : "as torch saves them on the CPU, measured"],
        ...Object.entries(t.parts).map(([k, v]) => [`activations: ${k}`, bytes(v)]),
        ["activations saved for backward", bytes(t.activations_bytes)], ["total, whole model", bytes(t.total)]]);
      from.querySelector("ul").replaceChildren(...t.derived_from.map((x) => el("li", {}, x)));
    }
    if (r.inference) {
      const i = r.inference;
      list("o-inference", [["weights", bytes(i.weights_bytes)], ["self-attention cache", bytes(i.self_attention_cache_bytes)],
        ["cross-attention cache", bytes(i.cross_attention_cache_bytes)], ["activation peak", bytes(i.activation_peak_bytes)],
        ["total", bytes(i.total_bytes)], ["generate() FLOPs, cached", i.generation_flops],
        ["generate() FLOPs, uncached", i.uncached_generation_flops], ["last step FLOPs per byte", decimal(i.intensity)]]);
    }
    const h = r.shard;
    if (h) {
      const ld = h.local_dims;
      list("o-shard", [["cores, bytes per activation value", `${num(h.cores)}, ${num(h.bytes_per_value)}`],
        ["per core: num_heads, num_heads·d_kv, d_ff, vocab_size", [ld.num_heads, ld.inner_dim, ld.d_ff, ld.vocab_size].map(num).join(", ")],
        ["parameters per core", h.parameters_per_core], ["of which whole on every core", h.replicated_per_core],
        ["forward FLOPs per token, per core", h.flops_per_token_per_core],
        ...Object.entries(h.blocks).flatMap(([k, b]) => [[`${k} block: all-reduces`, b.allreduces],
          [`${k} block: bytes sent per core`, decimal(b.bytes_sent_per_core)],
          ...(b.ratio === null ? [] : [[`${k} block: FLOPs per byte sent`, decimal(b.ratio)]])]),
        ["embedding all-reduce, bytes", h.embedding_allreduce_bytes], ["loss all-reduces, bytes", h.loss_allreduce_bytes]]);
    } else if (h === false) list("o-shard", [["cores", "set the cores above to split the model"]]);
    const x = r.weights;
    list("o-weights", [["model, format", `${x.model}, ${x.format}`], ["total", bytes(x.total)],
      ["bytes per parameter", decimal(x.bytes_per_parameter)],
      ...Object.entries(x.by_storage).map(([k, v]) => [`stored as ${k}`, bytes(v)])]);
  }
  function clearErrors() { for (const e of document.querySelectorAll(".calc-err")) e.textContent = ""; }
  function problem(e) {  // the one-line message beside the field it names
    const name = e.field || e.message.split(":")[0];
    const target = $(`e-${name === "dense_act_fn" ? "feed_forward_proj" : name}`) ||
      (name === "architectures" ? $("e-head") : $("e-json"));
    target.textContent = e.message;
    const box = target.closest("details");  // the config editor, folded: opened to show it
    if (box) box.open = true;
  }
  function update(rerender = false) {
    let r;
    const answers = $("calc").classList;  // dimmed while the numbers are the last good config's
    try { r = compute(); } catch (e) { clearErrors(); problem(e); answers.add("calc-stale"); return false; }
    clearErrors();
    answers.remove("calc-stale");
    const c = T.load(config());
    if (rerender) renderFields(c);
    if (st.preset) {  // the preset as a config.json (its loaded fields)
      const { model: _, ...fields } = T.toDict(c);
      $("c-json").value = JSON.stringify(fields, (k, v) => (typeof v === "bigint" ? Number(v) : v), 1);
    }
    render(r);
    toHash();
    return true;
  }
  function edit(name, text) {
    if (isWork(name)) st.work[name] = text;
    else st.edits[name] = text;
    update(name === "model_type");
  }
  function replaceBase(preset, json) {
    st.preset = preset; st.json = json; st.edits = {}; st.head = "";
    if (!update(true)) $("c-fields").textContent = "";
  }

  // --- wiring -----------------------------------------------------------------------------------
  const presets = $("c-preset");
  const group = (label, entries) => {
    const g = el("optgroup", { label });
    for (const [value, text] of entries) g.append(el("option", { value }, text));
    presets.append(g);
  };
  group("Text encoders (the encoder only)", ENCODERS.map(([name, text]) => [ENCODER + name, text]));
  group("Presets (the whole model)", Object.keys(T.presets).map((name) => [name, name]));
  const picked = () => {  // the picker's entry for the state: a text encoder, a preset or none
    const encoder = (st.work.encoder_only || FALLBACK.encoder_only) === "true";
    return encoder && ENCODERS.some(([name]) => name === st.preset) ? ENCODER + st.preset : st.preset;
  };
  presets.addEventListener("change", () => {
    const value = presets.value, encoder = value.startsWith(ENCODER);
    if (!value) return;
    st.work.encoder_only = String(encoder);  // an entry is a whole model or a text encoder
    $("f-encoder_only").value = st.work.encoder_only;
    replaceBase(encoder ? value.slice(ENCODER.length) : value, "");
  });
  $("c-json").addEventListener("input", (e) => { presets.value = ""; replaceBase("", e.target.value); });
  $("c-head").addEventListener("change", (e) => { st.head = e.target.value; update(); });
  const read = (file) => file && file.text().then((text) => { $("c-json").value = text; presets.value = ""; replaceBase("", text); });
  $("c-file").addEventListener("change", (e) => read(e.target.files[0]));
  $("c-json").addEventListener("dragover", (e) => e.preventDefault());
  $("c-json").addEventListener("drop", (e) => { e.preventDefault(); read(e.dataTransfer.files[0]); });

  fromHash();
  renderWork();
  $("f-encoder_only").addEventListener("change", () => { presets.value = picked(); });
  presets.value = picked();
  if (!st.preset || Object.keys(st.edits).length || st.head) $("c-edit").open = true;  // a config of one's own
  if (!st.preset) $("c-json").value = st.json;
  try { renderFields(T.load(config())); } catch { /* shown by update */ }
  update();

  // The page measures itself in the reader's browser: its two scripts' bytes (uncompressed,
  // and gzip-compressed by this browser's CompressionStream, the budget's measure) and the
  // median time of one count with its breakdown, as benchmarks/calculator.py does.
  setTimeout(async () => {
    const scripts = performance.getEntriesByType("resource")
      .filter((e) => /assets\/(t5sym-calc|calculator)\.js$/.test(e.name));
    const bytes = scripts.reduce((n, e) => n + e.decodedBodySize, 0);
    const times = [];
    for (let b = 0; b < 21; b++) {
      const t0 = performance.now();
      for (let i = 0; i < 20; i++) T.count("t5-11b");
      times.push((performance.now() - t0) / 20);
    }
    times.sort((x, y) => x - y);
    const gzip = async (url) => {
      const body = (await fetch(url)).body.pipeThrough(new CompressionStream("gzip"));
      return (await new Response(body).arrayBuffer()).byteLength;
    };
    let zipped = "";
    try { zipped = `, ${num(BigInt((await Promise.all(scripts.map((e) => gzip(e.name)))).reduce((n, x) => n + x, 0)))} with gzip`; } catch { /* no CompressionStream */ }
    $("o-self").textContent = `Measured here: this page's two scripts weigh ${num(BigInt(bytes))} bytes ` +
      `uncompressed${zipped}, and one t5sym.count("t5-11b") with its breakdown takes ${times[10].toFixed(3)} ms ` +
      "(median of 21 rounds of 20 calls).";
  }, 0);
})();
