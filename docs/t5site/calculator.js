// t5sym calculator runtime (hand-written): config.json read by JSON.parse, its fields read
// and checked by the library's printed rules and tables (DATA.FIELDS: what each field takes),
// the generated trees evaluated, and the API. DATA, FORMULAS, the helpers (jsprint.HELPERS:
// q, fl, ce, md, mn, mx, gt, ln) and the library's printed rules (t5site.calculator.RULES:
// the model type's defaults and aliases, the head architectures names and the type it
// implies, Switch's sparse steps and blocks, is_gated_act and dense_act_fn over
// feed_forward_proj, a core count's check, llama.cpp's tensor_types, with the tables they
// read) come before it in the generated file; no formula and no field rule is written here.
// The checks of a value's type the rules call (t5site.calculator.NATIVES) are defined below.

class Float {  // a JSON number written with a fraction or an exponent (Python reads a float)
  constructor(v) { this.v = v; }
  toJSON() { return this.v; }
}

const fail = (message) => { throw new Error(message); };
const has = (o, k) => o !== null && o !== undefined && Object.prototype.hasOwnProperty.call(o, k);
const isDict = (v) => v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Float);
const comma = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
const abs = (n) => (n < 0n ? -n : n);
const digits = (n) => abs(n).toString().length;
const SWITCH = "switch_transformers";

// A value as a message repeats it: JSON, at most 60 characters.
function shown(v) {
  if (typeof v === "bigint" && digits(v) > 40) return `${v < 0n ? "a negative" : "an"} integer of ${comma(digits(v))} digits`;
  let s;  // a whole number as its digits (JSON.rawJSON where the browser has it), not a string
  try { s = JSON.stringify(v, (k, x) => (typeof x === "bigint" ? (JSON.rawJSON || String)(String(x)) : x)); } catch { s = undefined; }
  s = s === undefined ? String(v) : s;
  return s.length > 60 ? `${s.slice(0, 59)}…` : s;
}
const some = (list) => (list.length > 6 ? `${list.slice(0, 4).join(", ")}, … (${list.length} in all)` : list.join(", "));

// --- what each field takes (DATA.FIELDS: asked of t5sym's Config at build time) -------------

const within = (field, n) => (digits(n) > DATA.MAX_DIGITS ? fail(`${field}: more than ${comma(DATA.MAX_DIGITS)} digits`) : n);
const KINDS = {
  positive: (f, v) => (typeof v === "bigint" && v > 0n ? within(f, v) : fail(`${f}: must be a whole number above 0, got ${shown(v)}`)),
  count: (f, v) => (typeof v === "bigint" && v >= 0n ? within(f, v) : fail(`${f}: must be a whole number, 0 or more, got ${shown(v)}`)),
  probability: (f, v) => {
    const x = typeof v === "bigint" ? Number(v) : v instanceof Float ? v.v : NaN;
    return x >= 0 && x <= 1 ? x : fail(`${f}: must be a number from 0 to 1, got ${shown(v)}`);
  },
  boolean: (f, v) => (typeof v === "boolean" ? v : fail(`${f}: must be true or false, got ${shown(v)}`)),
};
function check(field, v, kind = DATA.FIELDS[field]) {
  if (!Array.isArray(kind)) return KINDS[kind](field, v);
  return kind.includes(v) ? v : fail(`${field}: ${shown(v)} is not one of ${some(kind)}`);
}
const ACTIVATIONS = DATA.FIELDS.feed_forward_proj.filter((a) => !a.startsWith("gated-"));
// the checks of t5sym.model.checks the printed rules call (t5site.calculator.NATIVES)
const positive_int = (field, v) => KINDS.positive(field, v);
const _non_negative = (field, v) => KINDS.count(field, v);
const boolean = (field, v) => KINDS.boolean(field, v);
const text = (field, v, what) => (typeof v === "string" ? v : fail(`${field}: must be ${what}, got ${shown(v)}`));
const activation = (field, act) => check(field, act, ACTIVATIONS);

// --- the loader: t5sym.model.config's from_hf, its rules printed ----------------------------

function classNames(v) {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v) && v.every((a) => typeof a === "string")) return v;
  return fail(`architectures: must be a list of class names, got ${shown(v)}`);
}

function makeConfig(fields) {  // Config: each field as DATA.FIELDS says, then the heads' rules
  const c = { ...DEFAULTS.config, ...fields };
  c.architectures = classNames(c.architectures);
  c.head = _head(c.model_type, c.architectures, "");
  c.encoder_only = DATA.ENCODER_ONLY.includes(c.head);
  if (c.num_decoder_layers === null) c.num_decoder_layers = c.num_layers;
  for (const k of Object.keys(DATA.FIELDS)) {
    if (k.endsWith("_sparse_step")) continue;  // _sparse_steps
    const zero = c[k] === 0n && c.encoder_only && DATA.ZERO_WITHOUT_DECODER.includes(k);
    c[k] = zero ? 0n : check(k, c[k]);
  }
  c.is_gated = c.feed_forward_proj.startsWith("gated-");
  if (c.is_gated && DATA.UNGATED.includes(c.model_type)) {
    fail(`dense_act_fn: ${c.model_type}'s experts are not gated, got ${shown(c.feed_forward_proj)}`);
  }
  c.model = CLASS_PREFIX[c.model_type] + c.head;
  return c;
}

// config._from_fields: the type the file names or implies, its fields (config._fields, printed),
// then Config's checks (makeConfig).
function fromFields(data, name = null) {
  const type = _model_type(data);
  if (DATA.OTHER_TYPES.includes(type)) {  // T5Gemma's trees would take the page past its budget
    fail(`model_type: ${type} is counted by the t5sym command, not on this page (kept under 40 KB)`);
  }
  check("model_type", type);
  const fields = _fields(data, type);
  const c = makeConfig({
    ...fields, model_type: type, architectures: has(data, "architectures") ? data.architectures : null,
    dropout_rate: has(data, "dropout_rate") ? data.dropout_rate : DEFAULTS.config.dropout_rate,
    router_jitter_noise: type === SWITCH && has(data, "router_jitter_noise")
      ? data.router_jitter_noise : DEFAULTS.config.router_jitter_noise,  // Switch's own key
  });
  _check_is_t5(data);
  for (const [stack, layers] of type === SWITCH ? [["encoder", c.num_layers], ["decoder", c.num_decoder_layers]] : []) {
    const own = sparse_step_of(layers, c[`num_sparse_${stack}_layers`]);  // a step of its own: to_dict shows it
    const step = `${stack}_sparse_step`;
    c[step] = fields[step] === own ? null : fields[step];
  }
  return Object.assign(c, { fields, name });  // fields: as read, Switch's steps before Config's
}

// --- values: JavaScript input as the Python loader sees it ---------------------------------

// A JS value as JSON gives it to Python: whole numbers are ints, others floats.
function normalize(v) {
  if (typeof v === "number") return Number.isInteger(v) ? BigInt(v) : new Float(v);
  if (Array.isArray(v)) return v.map(normalize);
  if (isDict(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalize(x)]));
  return v === undefined ? null : v;
}

const DEFAULTS = { config: normalize(DATA.CONFIG_DEFAULTS) };

// config.json by JSON.parse, every integer exact (BigInt, from the number's own text).
function parse(source, where = "config.json") {
  const text = String(source).replace(/^\uFEFF/, "");
  if (!text.trim()) fail(`${where}: empty, expected a JSON object`);
  let long = 0;
  const exact = (k, v, context) => {
    if (typeof v !== "number") return v;
    if (/[.eE]/.test(context.source)) return new Float(v);
    long = Math.max(long, context.source.replace("-", "").length);
    return long > DATA.MAX_DIGITS ? null : BigInt(context.source);
  };
  let data;
  try { data = JSON.parse(text, exact); } catch (e) {  // V8's message may quote the whole text: its place only
    const at = /line (\d+) column (\d+)/.exec(e.message);
    fail(`${where}: not valid JSON` + (at ? ` (line ${at[1]}, column ${at[2]})` : ""));
  }
  if (long > DATA.MAX_DIGITS) fail(`${where}: an integer of ${comma(long)} digits, more than ${comma(DATA.MAX_DIGITS)}`);
  if (!isDict(data)) fail(`${where}: must hold a JSON object, got ${Array.isArray(data) ? "an array" : shown(data)}`);
  return data;
}

const PRESETS = DATA.presets;

// A config: a preset's name, JSON text, or an object (a config.json's fields).
function load(input) {
  if (typeof input === "string" && has(PRESETS, input)) return fromFields(normalize(PRESETS[input]), input);
  const data = typeof input === "string" ? parse(input) : normalize(input);
  if (!isDict(data)) fail(`config: must be a config.json object, got ${shown(data)}`);
  return fromFields(data, null);
}

// --- evaluation of the generated trees -----------------------------------------------------

const NODES = DATA.nodes, SAVED = DATA.saved;
const LEAF = new Map(DATA.views.leaves.map((id, pos) => [id, pos]));

function sparseBlocks(c, stack) {  // Config.sparse_blocks, by the library's printed rule
  if (c.model_type !== SWITCH) return 0n;
  return sparse_count(stack === "encoder" ? c.num_layers : c.num_decoder_layers, c.fields[`${stack}_sparse_step`]);
}

function values(c, extra = {}) {  // Config.values(): the symbols' values
  const out = {};
  for (const k of DATA.SYMBOL_FIELDS) out[k] = c[k];
  out.num_sparse_encoder_layers = sparseBlocks(c, "encoder");
  out.num_sparse_decoder_layers = sparseBlocks(c, "decoder");
  return Object.assign(out, extra);
}

// Tree.evaluate of a tree or of a leaf view of it (Tree.view: a dropped leaf goes, and a
// group left empty, but the root): {"": total, name: value, ...} in walk order.
// view: a name in DATA.views, or a function (leaf position, name, formula) → its value
// (null: the leaf is dropped).
function evaluate(root, c, view = null, depths = null) {
  const entries = [];
  const column = typeof view === "string" && DATA.views[view];
  const walk = (id, depth = 0) => {
    const [name, x] = NODES[id];
    if (typeof x === "number") {
      const f = column ? column[LEAF.get(id)] : x;
      if (f === null) return null;
      const v = typeof view === "function" ? view(LEAF.get(id), name, f) : FORMULAS[f](c);
      if (v === null) return null;
      entries.push([name, v, depth]);
      return v;
    }
    const at = entries.length;
    entries.push([name, 0n, depth]);
    let sum = 0n, kept = false;
    for (const child of x) {
      const v = walk(child, depth + 1);
      if (v !== null) { sum += v; kept = true; }
    }
    if (!kept && name !== "") { entries.length = at; return null; }
    entries[at][1] = sum;
    return sum;
  };
  walk(root);
  if (depths) return entries;
  return Object.fromEntries(entries.map(([n, v]) => [n, v]));
}

function structureOf(c, headName = c.head) {
  const key = [DATA.MODEL_TYPES.indexOf(c.model_type), _ALL_HEADS.indexOf(headName),
    +c.is_gated, +c.tie_word_embeddings, DATA.ENCODER_ATTENTION.indexOf(c.encoder_attention_type),
    +c.router_bias].join("");
  return DATA.structures[DATA.keys[key]];
}

function toDict(c) {  // Config.to_dict
  const list = DATA.to_dict.lists[DATA.to_dict.keys[
    `${DATA.MODEL_TYPES.indexOf(c.model_type)}${_ALL_HEADS.indexOf(c.head)}`]];
  const steps = ["encoder_sparse_step", "decoder_sparse_step"].filter((k) => c[k] !== null && c[k] !== undefined);
  return Object.fromEntries([...list, ...steps].map((k) => [k, k === "model" ? c.model : c[k]]));
}

const gcd = (a, b) => { while (b) [a, b] = [b, a % b]; return abs(a); };
function fraction(n, d) {  // result.plain(Fraction(n, d))
  const g = gcd(n, d);
  return d / g === 1n ? `${n / g}` : `${n / g}/${d / g}`;
}

function option(opts, key, fallback) {
  const v = opts && has(opts, key) && opts[key] !== undefined ? opts[key] : fallback;
  return typeof v === "string" || typeof v === "bigint" ? v : normalize(v);
}

// --- the API -------------------------------------------------------------------------------

function count(input) {
  const c = load(input);
  const s = structureOf(c), v = values(c);
  const breakdown = evaluate(s[0], v);
  const encoder = evaluate(s[1], v);
  const out = { name: c.name, model: c.model, total: breakdown[""], encoder_only_total: encoder[""] };
  if (s[3]) out.active_total = evaluate(s[0], v, "active")[""];
  return Object.assign(out, { config: toDict(c), breakdown, encoder_only_breakdown: encoder });
}

function flops(input, opts = {}) {
  const c = load(input);
  const d = DATA.DEFAULTS;
  const batch = positive_int("batch", option(opts, "batch", d.batch));
  const S = positive_int("encoder_length", option(opts, "encoder_length", d.encoder_length));
  let T = positive_int("decoder_length", option(opts, "decoder_length", d.decoder_length));
  const asked = option(opts, "encoder_only", null);
  const headName = asked !== null && boolean("encoder_only", asked) ? "EncoderModel" : c.head;
  const s = structureOf(c, headName);
  if (typeof s[4] === "string") fail(s[4]);
  if (DATA.SHIFTED_INPUT_HEADS.includes(headName)) T = S;
  const encoderOnly = headName === "EncoderModel" || headName === "ForTokenClassification";
  const v = values(c, { batch, encoder_length: S, decoder_length: T });
  const [tree, tokens, perSide, naive, excess, training] = s[4];
  const breakdown = evaluate(tree, v), forward = breakdown[""];
  const parameters = evaluate(s[0], v)[""];
  Object.assign(v, { parameters });
  const n = FORMULAS[naive](v), side = FORMULAS[perSide](v), times = BigInt(1 + DATA.BACKWARD_PER_FORWARD);
  return {
    name: c.name, model: CLASS_PREFIX[c.model_type] + headName, batch, encoder_length: S,
    decoder_length: encoderOnly ? null : T, tokens: FORMULAS[tokens](v), forward,
    training: FORMULAS[training](v), parameters, naive: n, naive_training: times * n,
    naive_ratio: fraction(forward, n), per_side: side, per_side_training: times * side,
    ratio: fraction(forward, side),
    excess: Object.fromEntries(excess.map(([k, f]) => [k, FORMULAS[f](v)])),
    breakdown,
  };
}

function checkDtype(dtype) {  // memory.dtype_bytes
  if (typeof dtype !== "string" || !has(DATA.DTYPE_BYTES, dtype)) {
    fail(`dtype: ${shown(dtype)} is not one of ${Object.keys(DATA.DTYPE_BYTES).join(", ")}`);
  }
  return BigInt(DATA.DTYPE_BYTES[dtype]);
}

// layout.check_cores: a positive integer dividing every split dimension (layout.dividing).
const checkCores = (c, count) => dividing(positive_int("cores", count), DATA.SPLIT.map(([name, k]) => [name, c[k]]));

// memory.training_memory: weights, gradients and optimizer state, whole or on one of `cores`.
function held(c, dtype, optimizer, cores) {
  const b = checkDtype(dtype);
  if (typeof optimizer !== "string" || !DATA.ALL_OPTIMIZERS.includes(optimizer)) {
    fail(`optimizer: ${shown(optimizer)} is not one of ${DATA.ALL_OPTIMIZERS.join(", ")}`);
  }
  if (!has(DATA.OPTIMIZERS, optimizer)) {  // the library's torch and bitsandbytes optimizers
    fail(`optimizer: ${optimizer} is counted by t5sym memory --optimizer ${optimizer}, not on ` +
      `this page (${Object.keys(DATA.OPTIMIZERS).join(", ")})`);
  }
  const gradients = DATA.OPTIMIZERS[optimizer];
  if (has(DATA.HELD, `${dtype} ${optimizer}`)) fail(DATA.HELD[`${dtype} ${optimizer}`]);  // memory.check's
  const s = structureOf(c);
  if (cores !== null) {  // memory.check_layout (the class named), then the core count
    if (s[5]) fail(s[5].refused);
    cores = checkCores(c, cores);
  }
  const core = cores === null ? "" : ":core";
  const tree = s[0], v = values(c, { bytes_per_value: b, cores: cores || 1n });
  const breakdown = { weights: evaluate(tree, v, `bytes${core}`) };
  if (gradients) breakdown.gradients = evaluate(tree, v, `bytes${core}`);
  if (optimizer !== "none") breakdown.optimizer_state = evaluate(tree, v, `state:${optimizer}${core}`);
  const part = (k) => (breakdown[k] ? breakdown[k][""] : 0n);
  const [w, g, st] = DATA.PARTS.map(part);
  return {
    name: c.name, dtype, optimizer, cores, weights: w, gradients: g, optimizer_state: st,
    total: w + g + st,
    state_tensors: evaluate(tree, v, `state_tensors:${optimizer}`)[""],
    state_scalars: evaluate(tree, v, `state_scalars:${optimizer}`)[""],
    breakdown,
  };
}

// activations.setup: the fine-tuning setup in opts (each field one of DATA.SETUP_CHOICES,
// the library's default first), the dropout the config's dropout_rate unless given. The page
// takes no padding mask and no mask_bytes (the command and the library do).
function setupOf(c, opts) {
  const s = {};
  for (const [k, choices] of Object.entries(DATA.SETUP_CHOICES)) s[k] = check(k, option(opts, k, null) ?? choices[0], choices);
  if (SAVED.eager_only.includes(c.model_type)) s.attention = "eager";  // transformers has no sdpa for them
  for (const k of ["padding_mask", "mask_bytes"]) {
    const v = option(opts, k, null);
    if (v !== null && v !== false) fail(`${k}: counted by the t5sym command (t5sym memory), not on this page`);
  }
  const v = option(opts, "dropout", null);
  const x = v === null ? c.dropout_rate : typeof v === "bigint" ? Number(v) : v instanceof Float ? v.v : NaN;
  if (!(x >= 0 && x < 1)) fail(`dropout: the rate must be at least 0 and below 1, got ${Number.isNaN(x) ? shown(v) : x}`);
  return Object.assign(s, { dropout: x });
}

// activations.saved_tree of the case the setup and the config decide, after its checks (the
// dtype, the setup, d_kv's multiple, the activation): [[root, column], the case, setup].
// The case (calculator.saved_trees) says what the library refuses in that setup, by field.
function savedTree(c, dtype, checkpointing, opts) {
  if (!DATA.TRAINING_DTYPES.includes(dtype)) {
    fail(`dtype: ${dtype} cannot be trained; use ${DATA.TRAINING_DTYPES.join(", ")}`);
  }
  const s = { ...setupOf(c, opts), dtype };
  const key = (x) => DATA.SAVED_SETUP.map((k) => (k === "dropout" ? +(x.dropout > 0) : x[k])).join(" ");
  const kase = SAVED.cases[key(s)];
  if (kase.refused) {
    const f = kase.refused, others = Object.keys(DATA.SETUP_CHOICES).filter((k) => k !== f).map((k) => s[k]);
    const taken = (f === "dtype" ? DATA.TRAINING_DTYPES : DATA.SETUP_CHOICES[f] || [])
      .filter((x) => !SAVED.cases[key({ ...s, [f]: x })].refused);
    const takes = taken.length ? "; this setup takes " + taken.join(", ") : "";
    fail(`${f}: ${s[f]} is not modelled with ${others.join(", ")}${takes}`);
  }
  if (c.d_kv % BigInt(kase.d_kv)) {
    fail(`d_kv: ${c.d_kv} is not a multiple of ${kase.d_kv}, as ${s.attention} on ${s.device} needs in ` +
      `${s.precision === "cast" ? dtype : s.precision}; the kernel it falls back to is not modelled`);
  }
  const index = (radix, digits) => digits.reduce((i, x, k) => i * radix[k] + x, 0);  // mixed radix
  // the kind of config whose trees these are (calculator.saved_kind): the first of the type
  // SAVED.types names whose fields the config has
  const as = SAVED.types[c.model_type], kinds = SAVED.kinds.length;
  const fits = (k) => Object.entries(k).every(([f, x]) => (f === "model_type" ? x === as : c[f] === x));
  const kind = SAVED.kinds.findIndex(fits);
  if (kind < 0) {
    const f = Object.keys(SAVED.kinds.find((k) => k.model_type === as)).find((k) => k !== "model_type");
    fail(`${f}: the t5sym command counts the activations of this ${c.model_type}, not this page`);
  }
  const act = dense_act_fn(c.feed_forward_proj);
  let tree;
  if (checkpointing) {
    tree = kase.checkpointed[index([2, 2, kinds], [+(c.num_layers > 1n), +(c.num_decoder_layers > 1n), kind])];
  } else {
    const a = DATA.SAVED_ACTIVATIONS.indexOf(act);
    if (a < 0) {
      fail(`feed_forward_proj: the saved tensors of ${act} are not modelled; ${DATA.SAVED_ACTIVATIONS.join(", ")} are`);
    }
    tree = kase.plain[index([0, 2, kinds], [a, +c.is_gated, kind])];
  }
  return [SAVED.trees[tree], kase, s];
}

// activations.memory_at: training memory, or with any of batch, encoder_length,
// decoder_length or checkpointing, fine_tuning_memory (plus the activations saved for
// backward, in the setup opts choose: attention, device, precision; dropout).
function memory(input, opts = {}) {
  const dtype = option(opts, "dtype", DATA.DEFAULTS.dtype);
  const optimizer = option(opts, "optimizer", DATA.DEFAULTS.optimizer);
  const cores = option(opts, "cores", null);
  const c = load(input);
  const checkpointing = boolean("checkpointing", option(opts, "checkpointing", false));
  const lengths = ["batch", "encoder_length", "decoder_length"];
  if (lengths.every((k) => option(opts, k, null) === null) && !checkpointing) {
    setupOf(c, opts);  // checked, though no activations are counted
    return held(c, dtype, optimizer, cores);
  }
  if (cores !== null) fail("cores: per-core memory does not include activations yet");
  const m = held(c, dtype, optimizer, null);
  if (structureOf(c)[9]) fail(structureOf(c)[9]);  // config.served's refusal, asked at build
  if (!has(SAVED.types, c.model_type)) fail(`model_type: the t5sym command counts the activations ${c.model_type} saves, not this page`);
  const [[root, column], kase, s] = savedTree(c, dtype, checkpointing, opts);
  const [batch, S, T] = lengths.map((k) => positive_int(k, option(opts, k, DATA.DEFAULTS[k])));
  const v = values(c, { batch, encoder_length: S, decoder_length: T });
  for (const k of SAVED.fields) v[k] = c[k];
  let leaf = 0;  // the case's formula of each leaf of its shape, in walk order
  const activations = evaluate(root, v, () => FORMULAS[column[leaf++]](v));
  const out = {
    name: c.name, dtype, optimizer, batch, encoder_length: S, decoder_length: T, checkpointing,
    attention: s.attention, device: s.device, precision: s.precision, padding_mask: false, dropout: s.dropout,
    reentrant: false,  // the page checkpoints as transformers 5 does by default (activations.REENTRANT)
    weights: m.weights, gradients: m.gradients, optimizer_state: m.optimizer_state,
    activations_bytes: activations[""], derived: kase.derived,
    derived_from: kase.derived_from.map((i) => SAVED.sources[i]), total: m.total + activations[""],
    parts: Object.fromEntries(Object.entries(activations).filter(([k]) => k && !k.includes("."))),
    routing: SAVED.routing,
  };
  const fields = SAVED.results[has(SAVED.results, c.model_type) ? c.model_type : ""];
  if (fields.includes("routed_tokens")) {
    out.routed_tokens = Object.fromEntries(Object.entries(SAVED.routed).map(([k, f]) => [k, FORMULAS[f](v)]));
  }
  return Object.assign(Object.fromEntries(fields.map((k) => [k, out[k]])), { activations });
}

function inference(input, opts = {}) {
  const c = load(input);
  const s = structureOf(c)[6];
  if (typeof s === "string") fail(s);  // config.served's refusal, asked at build
  const dtype = option(opts, "dtype", DATA.DEFAULTS.inference_dtype);
  const b = checkDtype(dtype);
  if (!DATA.INFERENCE_DTYPES.includes(dtype)) {
    fail(`dtype: ${dtype} is not modelled for serving; use one of ${DATA.INFERENCE_DTYPES.join(", ")}`);
  }
  const d = DATA.DEFAULTS;
  const batch = positive_int("batch", option(opts, "batch", d.batch));
  const S = positive_int("encoder_length", option(opts, "encoder_length", d.encoder_length));
  const T = positive_int("decoder_length", option(opts, "decoder_length", d.decoder_length));
  const v = values(c, { batch, encoder_length: S, decoder_length: T, bytes_per_value: b });
  const [tree, ...formulas] = s;
  const [encPeak, stepPeak, gen, uncached, step, read] = formulas.map((f) => FORMULAS[f](v));
  const weights = evaluate(tree, v, "bytes")[""];
  const self = evaluate(tree, v, "cache:self")[""], cross = evaluate(tree, v, "cache:cross")[""];
  const peak = encPeak > stepPeak ? encPeak : stepPeak;
  return {
    name: c.name, dtype, batch, encoder_length: S, decoder_length: T, weights_bytes: weights,
    self_attention_cache_bytes: self, cross_attention_cache_bytes: cross,
    kv_cache_bytes: self + cross, encoder_peak_bytes: encPeak, step_peak_bytes: stepPeak,
    activation_peak_bytes: peak, total_bytes: weights + self + cross + peak,
    generation_flops: gen, uncached_generation_flops: uncached, step_flops: step,
    step_bytes_read: read, intensity: fraction(step, read),
    cache_breakdown: evaluate(tree, v, "cache"),
  };
}

// sharding.shard: the config on `cores` cores under Mesh TF's layout, per token (B = S = T = 1).
function shard(input, opts = {}) {
  const c = load(input);
  const s = structureOf(c);
  if (!Array.isArray(s[7])) fail(s[7].refused);
  const cores = checkCores(c, option(opts, "cores", null));
  const b = positive_int("bytes_per_value", option(opts, "bytes_per_value", DATA.BF16));
  const v = values(c, { cores, bytes_per_value: b });
  const [sums, blocks] = s[7], talks = cores > 1n;
  const sum = Object.fromEntries(DATA.SHARD_SUMS.map((k, i) => [k, FORMULAS[sums[i]](v)]));
  const breakdown = evaluate(s[0], v, "parameters:core");
  const frac = ([n, d]) => fraction(FORMULAS[n](v), FORMULAS[d](v));
  const block = ([, f, n, bytes, sent, ratio]) => (talks
    ? { flops_per_core: FORMULAS[f](v), allreduces: BigInt(n), allreduce_bytes: FORMULAS[bytes](v),
      bytes_sent_per_core: frac(sent), ratio: frac(ratio) }
    : { flops_per_core: FORMULAS[f](v), allreduces: 0n, allreduce_bytes: 0n, bytes_sent_per_core: 0n, ratio: null });
  return {
    name: c.name, cores, bytes_per_value: b,
    local_dims: Object.fromEntries(Object.entries(DATA.LOCAL_DIMS).map(([k, f]) => [k, FORMULAS[f](v)])),
    parameters: evaluate(s[0], v)[""], parameters_per_core: breakdown[""], replicated_per_core: sum.replicated_per_core,
    flops_per_token: sum.flops_per_token, flops_per_token_per_core: sum.flops_per_token_per_core,
    blocks: Object.fromEntries(blocks.map((x) => [x[0], block(x)])),
    embedding_allreduce_bytes: talks ? sum.embedding_allreduce_bytes : 0n,
    loss_allreduce_bytes: talks && !c.encoder_only ? BigInt(DATA.LOSS_REDUCTIONS) * b : 0n,
    breakdown_per_core: breakdown,
  };
}

// Any leaf view of the config's parameter tree by its name in t5site.calculator.VIEWS (a
// view added there, a weight format say, needs no code here); extra: its other symbols.
function view(input, name, extra = {}) {
  const c = load(input);
  if (typeof name !== "string" || name === "leaves" || !has(DATA.views, name)) {
    const known = Object.keys(DATA.views).filter((k) => k !== "leaves").join(", ");
    fail(`view: ${shown(name)} is not one of ${known}`);
  }
  const more = Object.fromEntries(Object.entries(extra).map(([k]) => [k, positive_int(k, option(extra, k))]));
  return evaluate(structureOf(c)[0], values(c, more), name);
}

// The page's extras: every node of the tree as [depth, name, parameters]; the part formulas.
function outline(input) {
  const c = load(input);
  return evaluate(structureOf(c)[0], values(c), null, true).map(([n, v, d]) => [d, n, v]);
}

function mathml(input) {
  const c = load(input);
  return structureOf(c)[2].map(([name, m]) => [name, DATA.mathml[m].replace("<math ", '<math display="block" ')]);
}

// formats.Plan._walk: every tensor llama.cpp names (DATA.weights.gguf_names, printed from
// formats.gguf_name), sorted, with its row length; their types by formats.tensor_types (printed
// from the library's Python); → for each leaf position, [[type, count], ...].
function ggufTypes(format, leaves, v, ncols) {
  const W = DATA.weights, [main, ftype, rest] = W.gguf[format];
  const unnamed = (name) => fail(`format: GGUF (llama.cpp) has no tensor name for ${name}`);
  const first = leaves.find(([pos]) => typeof W.gguf_names[pos] !== "number");
  if (first && W.gguf_names[first[0]] === null) unnamed(first[1]);
  const tensors = new Map();
  for (const [pos, name] of leaves) {
    const template = W.gguf_names[pos];
    if (typeof template === "number") continue;
    if (template === null) unnamed(name);
    const repeat = FORMULAS[W.repeat[pos]](v);
    if (repeat > BigInt(W.max_layers)) {
      fail(`num_layers: GGUF formats walk every block, at most ${comma(W.max_layers)}; got ${shown(repeat)}`);
    }
    for (let i = 0n; i < repeat; i++) tensors.set(template.replace("#", i), pos);
  }
  const names = [...tensors.keys()].sort();
  const types = tensor_types(names.map((n) => [n, ncols(tensors.get(n))]), v.num_layers, main, rest, ftype);
  const out = new Map();
  names.forEach((n, i) => {
    const counts = out.get(tensors.get(n)) || {};
    counts[types[i]] = (counts[types[i]] || 0n) + 1n;
    out.set(tensors.get(n), counts);
  });
  return (pos) => Object.entries(out.get(pos)).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
}

// formats.weights: each leaf's tensors × their storage's bytes for its shape, the storage as
// formats.storage picks it (one letter per leaf, or for GGUF, llama.cpp's walk above).
function weights(input, opts = {}) {
  const c = load(input), W = DATA.weights;
  const format = option(opts, "format", "bf16");
  if (typeof format !== "string" || !has(W.main, format)) {
    fail(`format: ${shown(format)} is not one of ${Object.keys(W.main).join(", ")}`);
  }
  const encoderOnly = boolean("encoder_only", option(opts, "encoder_only", false));
  const s = structureOf(c), v = values(c), root = s[encoderOnly ? 1 : 0];
  if (s[8] && has(s[8][+encoderOnly], format)) fail(s[8][+encoderOnly][format]);  // the library's refusal
  const shape = (pos) => ({ rows: FORMULAS[W.rows[pos]](v), cols: FORMULAS[W.cols[pos]](v) });
  let choose;
  if (has(W.gguf, format)) {
    const leaves = [];
    evaluate(root, v, (pos, name) => { leaves.push([pos, name]); return 0n; });
    const ncols = (pos) => { const x = shape(pos); return x.rows === 1n ? 0n : x.cols; };
    const walked = ggufTypes(format, leaves, v, ncols);
    const fixed = (pos, t) => [[t, FORMULAS[W.repeat[pos]](v)]];
    choose = (pos) => (W.gguf_names[pos] === 0 ? fixed(pos, "F32") : W.gguf_names[pos] === 1 ? fixed(pos, W.gguf[format][2]) : walked(pos));
  } else {
    const plain = W.keeps_wo.includes(c.model_type) ? null : W.choices[`${format}:plain`];
    const column = plain || W.choices[format];
    const [oneColumn, main] = W.one_column[format] || [];  // formats.one_column_refusal
    if (oneColumn) {
      evaluate(root, v, (pos, name) => {
        if (column[pos] === main && shape(pos).cols === 1n) {
          fail(oneColumn.replace("{leaf}", name).replace("{dim}", W.last_dim[pos]));
        }
        return 0n;
      });
    }
    choose = (pos) => [[column[pos], FORMULAS[W.repeat[pos]](v)]];
  }
  const storages = {}, by = {};
  const leafBytes = (pos, name) => {
    const x = shape(pos);
    let bytes = 0n;
    storages[name] = {};
    for (const [storage, n] of choose(pos)) {
      const b = n * FORMULAS[W.storages[storage]](x);
      storages[name][storage] = n;
      by[storage] = (by[storage] || 0n) + b;
      bytes += b;
    }
    return bytes;
  };
  const breakdown = evaluate(root, v, leafBytes);
  const parameters = evaluate(root, v)[""];
  const model = encoderOnly ? `${CLASS_PREFIX[c.model_type]}EncoderModel` : c.model;
  const [p, q] = W.main[format];
  return { name: c.name, model, format, applicable: true, parameters, total: breakdown[""],
    bytes_per_parameter: fraction(breakdown[""], parameters),
    main_bytes_per_parameter: fraction(BigInt(p), BigInt(q)), by_storage: by, breakdown, storages };
}

globalThis.t5sym = Object.freeze({
  count, flops, memory, inference, shard, weights, view, mathml, outline, parse, load, toDict,
  formats: Object.keys(DATA.weights.main),
  presets: PRESETS, defaults: DATA.DEFAULTS, dtypes: Object.keys(DATA.DTYPE_BYTES),
  inferenceDtypes: DATA.INFERENCE_DTYPES,
  optimizers: Object.keys(DATA.OPTIMIZERS), setups: DATA.SETUP_CHOICES, heads: HEADS, classPrefix: CLASS_PREFIX,
  aliases: ALIASES,
  // a preset's files as the published layouts write them: {format: [[title, bytes], ...]}
  files: (preset, encoderOnly = false) => Object.fromEntries(Object.entries(
    (DATA.files[preset] || {})[String(encoderOnly)] || {}).map(([f, l]) => [f, l.map(([t, n]) => [t, BigInt(n)])])),
  modelDefaults: MODEL_DEFAULTS,
});
