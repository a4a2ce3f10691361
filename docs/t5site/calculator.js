// t5sym calculator runtime (hand-written): the loader's checks in the order and words of
// t5sym/model/config.py and t5sym/model/checks.py, the evaluation of the generated trees, and the API.
// DATA, FORMULAS and q come before it in the generated file; no formula is written here.

class Float { constructor(v) { this.v = v; } }  // a JSON number with a fraction or exponent

const fail = (message) => { throw new Error(message); };
const has = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
const isDict = (v) => v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Float);
const MAX = BigInt(DATA.MAX_DIGITS);
const comma = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");

// --- Python's repr of a JSON value, and checks.shown -------------------------------------

function floatRepr(x) {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (Object.is(x, -0)) return "-0.0";
  const [m, e] = x.toExponential().split("e");
  const exp = Number(e);
  if (exp >= -4 && exp < 16) {
    const s = String(x);
    return /[.e]/.test(s) ? s : s + ".0";
  }
  return `${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
}

function strRepr(s) {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0);
    if (ch === "\\" || ch === quote) out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch !== " " && /[\p{C}\p{Z}]/u.test(ch)) {
      const hex = code.toString(16);
      out += code < 0x100 ? "\\x" + hex.padStart(2, "0")
        : code < 0x10000 ? "\\u" + hex.padStart(4, "0") : "\\U" + hex.padStart(8, "0");
    } else out += ch;
  }
  return out + quote;
}

function repr(v) {
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Float) return floatRepr(v.v);
  if (v === true) return "True";
  if (v === false) return "False";
  if (v === null || v === undefined) return "None";
  if (typeof v === "string") return strRepr(v);
  if (Array.isArray(v)) return "[" + v.map(repr).join(", ") + "]";
  return "{" + Object.keys(v).map((k) => `${strRepr(k)}: ${repr(v[k])}`).join(", ") + "}";
}

const abs = (n) => (n < 0n ? -n : n);
const digits = (n) => abs(n).toString().length;

function shown(v) {  // checks.shown: repr cut to ECHO_LIMIT characters
  if (typeof v === "bigint" && abs(v).toString(2).length > 200) {
    return `${v < 0n ? "a negative" : "an"} integer of ${comma(digits(v))} digits`;
  }
  const chars = Array.from(repr(v));
  const limit = DATA.ECHO_LIMIT;
  return chars.length <= limit ? chars.join("") : chars.slice(0, limit - 1).join("") + "\u2026";
}

const reprCut = (v) => Array.from(repr(v)).slice(0, 60).join("");  // f"{v!r:.60}"

// --- checks --------------------------------------------------------------------------------

function positiveInt(field, v) {
  if (typeof v === "bigint") {
    if (v > 0n) {
      if (digits(v) > DATA.MAX_DIGITS) {
        fail(`${field}: must have at most ${comma(DATA.MAX_DIGITS)} digits, got ${shown(v)}`);
      }
      return v;
    }
    fail(`${field}: must be a positive integer, got ${shown(v)}`);
  }
  if (v instanceof Float && Number.isFinite(v.v) && Number.isInteger(v.v)) {
    fail(`${field}: must be an integer, got the float ${shown(v)}`);
  }
  return fail(`${field}: must be a positive integer, got ${shown(v)}`);
}

const nonNegative = (field, v) => (v === 0n ? 0n : positiveInt(field, v));

function probability(field, v) {  // config._probability: a number from 0 to 1, as a float
  const x = typeof v === "bigint" ? Number(v) : v instanceof Float ? v.v : typeof v === "number" ? v : NaN;
  if (!(x >= 0 && x <= 1)) fail(`${field}: must be a number from 0 to 1, got ${shown(v)}`);
  return x;
}

function boolean(field, v) {  // checks.boolean
  if (typeof v !== "boolean") fail(`${field}: must be true or false, got ${shown(v)}`);
  return v;
}

function text(field, v, what) {
  if (typeof v !== "string") fail(`${field}: must be ${what}, got ${shown(v)}`);
  return v;
}

function checkModelType(v) {
  text("model_type", v, `a string, one of ${DATA.MODEL_TYPES.join(", ")}`);
  if (!DATA.MODEL_TYPES.includes(v)) {
    fail(`model_type: ${shown(v)} is not a T5-family type; t5sym counts ${DATA.MODEL_TYPES.join(", ")}`);
  }
}

// difflib.get_close_matches (SequenceMatcher.ratio, autojunk as in difflib), on code points.
function ratio(a, b) {
  const b2j = new Map();
  b.forEach((ch, j) => { if (!b2j.has(ch)) b2j.set(ch, []); b2j.get(ch).push(j); });
  if (b.length >= 200) {
    const ntest = Math.floor(b.length / 100) + 1;
    for (const [ch, idx] of [...b2j]) if (idx.length > ntest) b2j.delete(ch);
  }
  const longest = (alo, ahi, blo, bhi) => {
    let bi = alo, bj = blo, size = 0, j2len = new Map();
    for (let i = alo; i < ahi; i++) {
      const next = new Map();
      for (const j of b2j.get(a[i]) || []) {
        if (j < blo) continue;
        if (j >= bhi) break;
        const k = (j2len.get(j - 1) || 0) + 1;
        next.set(j, k);
        if (k > size) { bi = i - k + 1; bj = j - k + 1; size = k; }
      }
      j2len = next;
    }
    while (bi > alo && bj > blo && a[bi - 1] === b[bj - 1]) { bi--; bj--; size++; }
    while (bi + size < ahi && bj + size < bhi && a[bi + size] === b[bj + size]) size++;
    return [bi, bj, size];
  };
  let matches = 0;
  const queue = [[0, a.length, 0, b.length]];
  while (queue.length) {
    const [alo, ahi, blo, bhi] = queue.pop();
    const [i, j, k] = longest(alo, ahi, blo, bhi);
    if (k) {
      matches += k;
      if (alo < i && blo < j) queue.push([alo, i, blo, j]);
      if (i + k < ahi && j + k < bhi) queue.push([i + k, ahi, j + k, bhi]);
    }
  }
  const total = a.length + b.length;
  return total ? (2 * matches) / total : 1;
}

function closeMatches(word, possibilities, n = 3, cutoff = 0.6) {
  const b = Array.from(word);
  const scored = [];
  for (const x of possibilities) {
    const r = ratio(Array.from(x), b);
    if (r >= cutoff) scored.push([r, x]);
  }
  scored.sort((p, q2) => q2[0] - p[0] || (q2[1] > p[1] ? 1 : q2[1] < p[1] ? -1 : 0));
  return scored.slice(0, n).map((s) => s[1]);
}

function checkFeedForwardProj(v) {
  text("feed_forward_proj", v, "a string such as 'relu'");
  const parts = v.split("-");
  if (parts.length > 2 || (parts.length === 2 && parts[0] !== "gated")) {
    fail(`feed_forward_proj: ${shown(v)} is not '<act>' or 'gated-<act>' (e.g. 'gated-gelu')`);
  }
  const act = parts[parts.length - 1];
  if (DATA.ACTIVATIONS_WITH_PARAMETERS.includes(act)) {
    fail(`feed_forward_proj: activation ${repr(act)} has learnable parameters, not counted yet`);
  }
  if (!DATA.ACTIVATIONS.includes(act)) {
    const close = closeMatches(act, DATA.ACTIVATIONS);
    const hint = close.length ? `; did you mean ${close.join(", ")}?` : "";
    fail(`feed_forward_proj: unknown activation ${shown(act)}${hint} (known: the ` +
      `${DATA.ACTIVATIONS.length} of t5sym.model.config.ACTIVATIONS, e.g. relu, gelu_new, silu)`);
  }
}

function head(modelType, architectures) {
  const heads = DATA.HEADS[modelType], prefix = DATA.CLASS_PREFIX[modelType];
  const known = heads.map((h) => prefix + h).join(", ");
  let found = "";
  if (architectures.length) {
    const name = architectures[0];
    const prefixes = Object.values(DATA.CLASS_PREFIX).sort((x, y) => y.length - x.length);
    const p = prefixes.find((p2) => name.startsWith(p2) && DATA.ALL_HEADS.includes(name.slice(p2.length)));
    if (p === undefined) {
      fail(`architectures: ${shown(name)} is not a ${modelType} model class; t5sym counts ${known}`);
    }
    found = name.slice(p.length);
  }
  found = found || "ForConditionalGeneration";
  if (!heads.includes(found)) {
    fail(`architectures: ${modelType} has no ${prefix}${found}; transformers defines ${known}`);
  }
  return found;
}

function architectures(v) {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v) && v.every((a) => typeof a === "string")) return v;
  return fail(`architectures: must be a list of class names, got ${shown(v)}`);
}

// Config.__post_init__, in its order.
function makeConfig(fields) {
  const c = { ...DEFAULTS_BIG.config, ...fields };
  for (const k of [...DATA.DIMS, "num_labels", "local_radius", "global_block_size", "num_experts"]) {
    c[k] = positiveInt(k, c[k]);
  }
  for (const k of ["num_sparse_encoder_layers", "num_sparse_decoder_layers"]) c[k] = nonNegative(k, c[k]);
  c.expert_capacity = nonNegative("expert_capacity", c.expert_capacity);
  c.dropout_rate = probability("dropout_rate", c.dropout_rate);
  if (c.num_decoder_layers === null) c.num_decoder_layers = c.num_layers;
  c.num_decoder_layers = positiveInt("num_decoder_layers", c.num_decoder_layers);
  checkFeedForwardProj(c.feed_forward_proj);
  for (const k of ["tie_word_embeddings", "router_bias"]) boolean(k, c[k]);
  checkModelType(c.model_type);
  c.is_gated = c.feed_forward_proj.startsWith("gated-");
  if (c.model_type === "switch_transformers" && c.is_gated) {
    fail(`dense_act_fn: Switch Transformers' experts are not gated, got ${shown(c.feed_forward_proj)}`);
  }
  if (!DATA.ENCODER_ATTENTION.includes(c.encoder_attention_type)) {
    fail(`encoder_attention_type: must be one of ${DATA.ENCODER_ATTENTION.join(", ")}, ` +
      `got ${shown(c.encoder_attention_type)}`);
  }
  c.architectures = architectures(c.architectures);
  c.head = head(c.model_type, c.architectures);
  c.model = DATA.CLASS_PREFIX[c.model_type] + c.head;
  c.encoder_only = c.head === "EncoderModel" || c.head === "ForTokenClassification";
  return c;
}

// config._from_fields: defaults of the model type, aliases, id2label, Switch's dense_act_fn.
function fromFields(data, name = null) {
  const modelType = has(data, "model_type") ? data.model_type : "t5";
  checkModelType(modelType);
  const fields = { ...DEFAULTS_BIG.model[modelType] };
  for (const k of Object.keys(fields)) if (has(data, k)) fields[k] = data[k];
  if (fields.num_decoder_layers === null) fields.num_decoder_layers = fields.num_layers;
  for (const [alias, k] of Object.entries(DATA.ALIASES[modelType])) {
    if (has(data, alias)) fields[k] = data[alias];
  }
  const labels = data.id2label;
  if (!has(data, "num_labels") && has(data, "id2label") && labels !== null) {
    if (!(Array.isArray(labels) || isDict(labels))) {
      fail(`id2label: must be an object of labels, got ${shown(labels)}`);
    }
    fields.num_labels = BigInt(Array.isArray(labels) ? labels.length : Object.keys(labels).length);
  }
  if (modelType === "switch_transformers") {
    fields.feed_forward_proj = fields.dense_act_fn;
    delete fields.dense_act_fn;
  }
  const arch = has(data, "architectures") ? data.architectures : null;
  const dropout = has(data, "dropout_rate") ? data.dropout_rate : DEFAULTS_BIG.config.dropout_rate;
  return makeConfig({ ...fields, dropout_rate: dropout, model_type: modelType, architectures: arch, name });
}

// --- values: JavaScript input as the Python loader sees it ---------------------------------

// A JS value as JSON gives it to Python: whole numbers are ints, others floats.
function normalize(v) {
  if (typeof v === "number") return Number.isInteger(v) ? BigInt(v) : new Float(v);
  if (Array.isArray(v)) return v.map(normalize);
  if (isDict(v)) {
    const out = Object.create(null);
    for (const k of Object.keys(v)) out[k] = normalize(v[k]);
    return out;
  }
  return v === undefined ? null : v;
}

const toBig = (v) => (typeof v === "number" && Number.isInteger(v) ? BigInt(v) : v);
const bigValues = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, toBig(v)]));
const DEFAULTS_BIG = {
  config: bigValues(DATA.CONFIG_DEFAULTS),
  model: Object.fromEntries(Object.entries(DATA.MODEL_DEFAULTS).map(([k, v]) => [k, bigValues(v)])),
};

// JSON as Python's json module reads it: integers exact (BigInt), NaN and Infinity accepted,
// the last of a repeated key kept; errors in its words, at its line and column.
function parse(source, where = "config.json") {
  let s = source.replace(/^\uFEFF/, "");
  if (!s.trim()) fail(`${where}: empty file, expected a JSON object`);
  let i = 0;
  const err = (msg, at = i) => {
    const line = s.slice(0, at).split("\n").length;
    const col = at - s.lastIndexOf("\n", at - 1);
    fail(`${where}: invalid JSON at line ${line}, column ${col}: ${msg}`);
  };
  const ws = () => { while (i < s.length && " \t\n\r".includes(s[i])) i++; };
  const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/y;
  function string() {
    const start = i++;
    let out = "";
    for (;;) {
      if (i >= s.length) err("Unterminated string starting at", start);
      const ch = s[i];
      if (ch === '"') { i++; return out; }
      if (ch === "\\") {
        const e = s[i + 1];
        const simple = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
        if (e !== undefined && has(simple, e)) { out += simple[e]; i += 2; continue; }
        if (e === "u" && /^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(s.slice(i + 2, i + 6), 16)); i += 6; continue;
        }
        if (e === "u") err("Invalid \\uXXXX escape", i + 1);
        if (e === undefined) err("Unterminated string starting at", start);
        err("Invalid \\escape", i);
      }
      if (ch < " ") err("Invalid control character at", i);
      out += ch; i++;
    }
  }
  function value() {
    ws();
    const ch = s[i];
    if (ch === "{") {
      i++; ws();
      const obj = Object.create(null);
      if (s[i] === "}") { i++; return obj; }
      for (;;) {
        if (s[i] !== '"') err("Expecting property name enclosed in double quotes");
        const k = string(); ws();
        if (s[i] !== ":") err("Expecting ':' delimiter");
        i++;
        obj[k] = value(); ws();
        if (s[i] === "}") { i++; return obj; }
        if (s[i] !== ",") err("Expecting ',' delimiter");
        i++; ws();
        if (s[i] !== '"') err("Expecting property name enclosed in double quotes");
      }
    }
    if (ch === "[") {
      i++; ws();
      const arr = [];
      if (s[i] === "]") { i++; return arr; }
      for (;;) {
        arr.push(value()); ws();
        if (s[i] === "]") { i++; return arr; }
        if (s[i] !== ",") err("Expecting ',' delimiter");
        i++;
      }
    }
    if (ch === '"') return string();
    for (const [word, v] of [["null", null], ["true", true], ["false", false], ["NaN", new Float(NaN)],
      ["Infinity", new Float(Infinity)], ["-Infinity", new Float(-Infinity)]]) {
      if (s.startsWith(word, i)) { i += word.length; return v; }
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(s);
    if (!m) err("Expecting value");
    i += m[0].length;
    if (m[1] || m[2]) return new Float(Number(m[0]));
    const n = m[0].replace(/^-/, "");
    if (n.length > DATA.MAX_DIGITS) {
      fail(`${where}: an integer of ${comma(n.length)} digits, over the ${comma(DATA.MAX_DIGITS)}-digit limit`);
    }
    return BigInt(m[0]);
  }
  const out = value();
  ws();
  if (i < s.length) err("Extra data");
  if (!isDict(out)) {
    const kind = Array.isArray(out) ? "an array" : typeof out === "string" ? "a string"
      : out === null ? "null" : typeof out === "boolean" ? "a boolean" : "a number";
    fail(`${where}: must hold a JSON object, got ${kind}`);
  }
  return out;
}

// jspack.pack_presets: each preset's config.json fields back as an object.
const PRESETS = {};
for (const [name, row] of Object.entries(DATA.presets.rows)) {
  const fields = (PRESETS[name] = {});
  for (let i = 0; i < row.length; i += 2) fields[DATA.presets.fields[row[i]]] = row[i + 1];
}

// A config: a preset's name, JSON text, or an object (a config.json's fields).
function load(input) {
  if (typeof input === "string" && has(PRESETS, input)) {
    return fromFields(normalize(PRESETS[input]), input);
  }
  const data = typeof input === "string" ? parse(input) : normalize(input);
  if (!isDict(data)) fail(`config: must be a config.json object, got ${shown(data)}`);
  return fromFields(data, null);
}

// --- evaluation of the generated trees -----------------------------------------------------

const LEAF = new Map(DATA.views.leaves.map((id, pos) => [id, pos]));

// jspack.pack_column: every column over the leaves back as an array.
const unpackColumn = (x) => (Array.isArray(x) ? x : typeof x === "number" ? Array(LEAF.size).fill(x)
  : Array.from(x.s, (ch) => x.p[ch.charCodeAt(0) - 48]));
for (const k of Object.keys(DATA.views)) DATA.views[k] = unpackColumn(DATA.views[k]);
for (const k of ["rows", "cols", "repeat"]) DATA.weights[k] = unpackColumn(DATA.weights[k]);

// calculator.pack_ints: w digits (35..126 but the backslash) per int, offset by 100.
function unpackInts([w, text]) {
  const digit = (ch) => { const x = ch.charCodeAt(0); return x - (x > 92 ? 36 : 35); };
  const out = [];
  for (let i = 0; i < text.length; i += w) {
    let v = 0;
    for (let k = 0; k < w; k++) v = v * 91 + digit(text[i + k]);
    out.push(v - 100);
  }
  return out;
}

// jspack.flat_nodes: [name, formula] for a leaf, [name, [children]] for a group.
const NODES = [];
const SAVED = { plain: unpackInts(DATA.saved.plain), checkpointed: unpackInts(DATA.saved.checkpointed) };
for (let i = 0, n = unpackInts(DATA.nodes); i < n.length; i += n[i + 1] < 0 ? 2 - n[i + 1] : 2) {
  NODES.push([n[i], n[i + 1] < 0 ? n.slice(i + 2, i + 2 - n[i + 1]) : n[i + 1]]);
}

// Config.sparse_blocks: blocks i with step == 1 or i % step == 1, step = layers // wanted.
function sparseBlocks(c, stack) {
  if (c.model_type !== "switch_transformers") return 0n;
  const layers = stack === "encoder" ? c.num_layers : c.num_decoder_layers;
  const wanted = c[`num_sparse_${stack}_layers`];
  const step = wanted > 0n ? layers / wanted : layers;
  if (step <= 0n) return 0n;
  if (step === 1n) return layers;
  return layers >= 2n ? (layers - 2n) / step + 1n : 0n;
}

// Each value also under the one letter the formulas read it by (jspack.shorten).
function aliased(o) {
  for (const k of Object.keys(o)) if (has(DATA.SHORT, k)) o[DATA.SHORT[k]] = o[k];
  return o;
}

function values(c, extra = {}) {  // Config.values(): the symbols' values
  const out = {};
  for (const k of DATA.SYMBOL_FIELDS) out[k] = c[k];
  out.num_sparse_encoder_layers = sparseBlocks(c, "encoder");
  out.num_sparse_decoder_layers = sparseBlocks(c, "decoder");
  return aliased(Object.assign(out, extra));
}

// Tree.evaluate of a tree or of a leaf view of it (Tree.view: a dropped leaf goes, and a
// group left empty, but the root): {"": total, name: value, ...} in walk order.
// view: a name in DATA.views, or a function (leaf position, name, formula) → its value
// (null: the leaf is dropped).
function evaluate(root, c, view = null, depths = null) {
  const entries = [];
  const column = typeof view === "string" && DATA.views[view];
  const walk = (id, parent, depth = 0) => {
    const [ni, x] = NODES[id];
    const raw = DATA.names[ni];
    const name = raw[0] === "~" ? `${parent}.${raw.slice(1)}` : raw;
    if (typeof x === "number") {
      const f = column ? column[LEAF.get(id)] - 1 : x;
      if (f < 0) return null;
      const v = typeof view === "function" ? view(LEAF.get(id), name, f) : FORMULAS[f](c);
      if (v === null) return null;
      entries.push([name, v, depth]);
      return v;
    }
    const at = entries.length;
    entries.push([name, 0n, depth]);
    let sum = 0n, kept = false;
    for (const child of x) {
      const v = walk(child, name, depth + 1);
      if (v !== null) { sum += v; kept = true; }
    }
    if (!kept && name !== "") { entries.length = at; return null; }
    entries[at][1] = sum;
    return sum;
  };
  walk(root, "");
  if (depths) return entries;
  return Object.fromEntries(entries.map(([n, v]) => [n, v]));
}

function structureOf(c, headName = c.head) {
  const key = [DATA.MODEL_TYPES.indexOf(c.model_type), DATA.ALL_HEADS.indexOf(headName),
    +c.is_gated, +c.tie_word_embeddings, DATA.ENCODER_ATTENTION.indexOf(c.encoder_attention_type),
    +c.router_bias].join("");
  return DATA.structures[DATA.keys[key]];
}

function toDict(c) {  // Config.to_dict
  const list = DATA.to_dict.lists[DATA.to_dict.keys[
    `${DATA.MODEL_TYPES.indexOf(c.model_type)}${DATA.ALL_HEADS.indexOf(c.head)}`]];
  return Object.fromEntries(list.map((k) => [k, k === "model" ? c.model : c[k]]));
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

// flops.training_tree: each product times 1 + its backward share (BACKWARD_PER_FORWARD,
// or DATA.BACKWARD's for the products named there, all leaves of the FLOP tree).
function training(breakdown) {
  let total = BigInt(1 + DATA.BACKWARD_PER_FORWARD) * breakdown[""];
  for (const [name, value] of Object.entries(breakdown)) {
    const short = name.slice(name.lastIndexOf(".") + 1);
    if (has(DATA.BACKWARD, short)) {
      total -= BigInt(DATA.BACKWARD_PER_FORWARD - DATA.BACKWARD[short]) * value;
    }
  }
  return total;
}

function flops(input, opts = {}) {
  const c = load(input);
  const d = DATA.DEFAULTS;
  const batch = positiveInt("batch", option(opts, "batch", d.batch));
  const S = positiveInt("encoder_length", option(opts, "encoder_length", d.encoder_length));
  let T = positiveInt("decoder_length", option(opts, "decoder_length", d.decoder_length));
  const asked = option(opts, "encoder_only", null);
  const headName = asked !== null && boolean("encoder_only", asked) ? "EncoderModel" : c.head;
  const s = structureOf(c, headName);
  if (typeof s[4] === "string") fail(s[4]);
  if (DATA.SHIFTED_INPUT_HEADS.includes(headName)) T = S;
  const encoderOnly = headName === "EncoderModel" || headName === "ForTokenClassification";
  const v = values(c, { batch, encoder_length: S, decoder_length: T });
  const [tree, tokens, perSide, naive, excess] = s[4];
  const breakdown = evaluate(tree, v), forward = breakdown[""];
  const parameters = evaluate(s[0], v)[""];
  aliased(Object.assign(v, { parameters }));
  const n = FORMULAS[naive](v), side = FORMULAS[perSide](v), times = BigInt(1 + DATA.BACKWARD_PER_FORWARD);
  return {
    name: c.name, model: DATA.CLASS_PREFIX[c.model_type] + headName, batch, encoder_length: S,
    decoder_length: encoderOnly ? null : T, tokens: FORMULAS[tokens](v), forward,
    training: training(breakdown), parameters, naive: n, naive_training: times * n,
    naive_ratio: fraction(forward, n), per_side: side, per_side_training: times * side,
    ratio: fraction(forward, side),
    excess: Object.fromEntries(excess.map(([k, f]) => [DATA.names[k], FORMULAS[f](v)])),
    breakdown,
  };
}

function checkDtype(dtype) {  // memory.dtype_bytes
  if (typeof dtype !== "string" || !has(DATA.DTYPE_BYTES, dtype)) {
    fail(`dtype: unknown ${reprCut(dtype)}; known: ${Object.keys(DATA.DTYPE_BYTES).join(", ")}`);
  }
  return BigInt(DATA.DTYPE_BYTES[dtype]);
}

// checks.servable: caches and saved activations are modelled for SERVED_TYPES' *ForConditionalGeneration.
function servable(c, what) {
  if (!DATA.SERVED_TYPES.includes(c.model_type)) {
    fail(`model_type: ${what} is modelled for ${DATA.SERVED_TYPES.join(", ")}, not ${c.model_type} ` +
      "(its attention or experts keep other tensors)");
  }
  if (c.head !== "ForConditionalGeneration") {
    fail(`architectures: ${what} is modelled for *ForConditionalGeneration, not *${c.head}`);
  }
}

// layout.check_cores: a positive integer dividing every dimension the cores split.
function checkCores(c, count) {
  count = positiveInt("cores", count);
  const most = DATA.SPLIT.reduce((g, [, k]) => gcd(g, c[k]), 0n);
  for (const [name, k] of DATA.SPLIT) {
    if (c[k] % count) fail(`cores: ${count} does not divide ${name} = ${c[k]}; use a divisor of ${most}`);
  }
  return count;
}

// memory.training_memory: weights, gradients and optimizer state, whole or on one of `cores`.
function held(c, dtype, optimizer, cores) {
  const b = checkDtype(dtype);
  if (typeof optimizer !== "string" || !DATA.ALL_OPTIMIZERS.includes(optimizer)) {
    fail(`optimizer: unknown ${reprCut(optimizer)}; known: ${DATA.ALL_OPTIMIZERS.join(", ")}`);
  }
  if (!has(DATA.OPTIMIZERS, optimizer)) {  // the library's torch and bitsandbytes optimizers
    fail(`optimizer: ${optimizer} is counted by t5sym memory --optimizer ${optimizer}, not on ` +
      `this page (${Object.keys(DATA.OPTIMIZERS).join(", ")})`);
  }
  const gradients = DATA.OPTIMIZERS[optimizer];
  if (gradients && !DATA.TRAINING_DTYPES.includes(dtype)) {
    fail(`dtype: ${dtype} holds weights for inference only; training with ${optimizer} needs ` +
      `${DATA.TRAINING_DTYPES.join(", ")} (or optimizer 'none')`);
  }
  const s = structureOf(c);
  if (cores !== null) {  // memory.check_layout (the class named), then the core count
    if (s[5]) fail(DATA.names[s[5].refused]);
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

// activations.saved_tree's case in DATA.SETUP (calculator.saved_trees' index), after its
// checks (the dtype, the config's dropout_rate, d_kv's alignment for CUDA's memory-efficient
// kernel, the activation): [tree, the leaf view]. The trees have dropout; dropout_rate 0
// saves no mask (no *.dropout leaf), and a plain ReLU's output is then wo's input (no wo).
function savedTree(c, dtype, checkpointing) {
  if (!DATA.TRAINING_DTYPES.includes(dtype)) {
    fail(`dtype: ${dtype} cannot be trained; use ${DATA.TRAINING_DTYPES.join(", ")}`);
  }
  if (!(c.dropout_rate < 1)) fail(`dropout: must be a number in [0, 1), got ${floatRepr(c.dropout_rate)}`);
  const align = DATA.DTYPE_BYTES[dtype] === 4 ? 4n : 8n;
  if (c.d_kv % align) {
    fail(`d_kv: CUDA's memory-efficient kernel needs a multiple of ${align} in ${dtype}, got ` +
      `${c.d_kv} (sdpa falls back to math: not modelled on CUDA)`);
  }
  const index = (radix, digits) => digits.reduce((i, x, k) => i * radix[k] + x, 0);  // mixed radix
  const umt5 = +(c.model_type === "umt5"), d = DATA.TRAINING_DTYPES.indexOf(dtype);
  const act = DATA.ACTIVATION_NAMES[c.feed_forward_proj] || c.feed_forward_proj.replace(/^gated-/, "");
  let tree;
  if (checkpointing) {
    tree = SAVED.checkpointed[index([0, 2, 2, 2],
      [d, +(c.num_layers > 1n), +(c.num_decoder_layers > 1n), umt5])];
  } else {
    const a = DATA.SAVED_ACTIVATIONS.indexOf(act);
    if (a < 0) {
      fail(`feed_forward_proj: saved activations of ${repr(act)} not modelled; ${DATA.SAVED_ACTIVATIONS.join(", ")}`);
    }
    tree = SAVED.plain[index([0, DATA.SAVED_ACTIVATIONS.length, 2, 2], [d, a, +c.is_gated, umt5])];
  }
  const shared = DATA.KEEPS_OUTPUT.includes(act) && !c.is_gated;
  const dropped = (name) => name.endsWith(".dropout") || (shared && name.endsWith(".DenseReluDense.wo"));
  return [tree, c.dropout_rate > 0 ? () => false : dropped];
}

// activations.memory_at: training memory, or with any of batch, encoder_length,
// decoder_length or checkpointing, fine_tuning_memory (plus the activations saved for backward).
function memory(input, opts = {}) {
  const dtype = option(opts, "dtype", DATA.DEFAULTS.dtype);
  const optimizer = option(opts, "optimizer", DATA.DEFAULTS.optimizer);
  const cores = option(opts, "cores", null);
  const c = load(input);
  const checkpointing = boolean("checkpointing", option(opts, "checkpointing", false));
  const lengths = ["batch", "encoder_length", "decoder_length"];
  if (lengths.every((k) => option(opts, k, null) === null) && !checkpointing) {
    return held(c, dtype, optimizer, cores);
  }
  if (cores !== null) fail("cores: per-core memory does not include activations yet");
  const m = held(c, dtype, optimizer, null);
  servable(c, "fine-tuning at a length");
  const [tree, dropped] = savedTree(c, dtype, checkpointing);
  const [batch, S, T] = lengths.map((k) => positiveInt(k, option(opts, k, DATA.DEFAULTS[k])));
  const v = values(c, { batch, encoder_length: S, decoder_length: T });
  const activations = evaluate(tree, v, (pos, name, f) => (dropped(name) ? null : FORMULAS[f](v)));
  const { derived, derived_from, ...setup } = DATA.SETUP;
  return {
    name: c.name, dtype, optimizer, batch, encoder_length: S, decoder_length: T, checkpointing,
    ...setup, dropout: c.dropout_rate,
    weights: m.weights, gradients: m.gradients, optimizer_state: m.optimizer_state,
    activations_bytes: activations[""], derived, derived_from, total: m.total + activations[""],
    parts: Object.fromEntries(Object.entries(activations).filter(([k]) => k && !k.includes("."))),
    activations,
  };
}

function inference(input, opts = {}) {
  const c = load(input);
  servable(c, "serving with a cache");
  const s = structureOf(c)[6];
  const dtype = option(opts, "dtype", DATA.DEFAULTS.inference_dtype);
  const b = checkDtype(dtype);
  if (!DATA.INFERENCE_DTYPES.includes(dtype)) {
    fail(`dtype: ${dtype} is not modelled for serving; use one of ${DATA.INFERENCE_DTYPES.join(", ")}`);
  }
  const d = DATA.DEFAULTS;
  const batch = positiveInt("batch", option(opts, "batch", d.batch));
  const S = positiveInt("encoder_length", option(opts, "encoder_length", d.encoder_length));
  const T = positiveInt("decoder_length", option(opts, "decoder_length", d.decoder_length));
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
  if (!Array.isArray(s[7])) fail(DATA.names[s[7].refused]);
  const cores = checkCores(c, option(opts, "cores", null));
  const b = positiveInt("bytes_per_value", option(opts, "bytes_per_value", DATA.BF16));
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
    fail(`view: unknown ${reprCut(name)}; known: ${known}`);
  }
  const more = Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, positiveInt(k, option(extra, k))]));
  return evaluate(structureOf(c)[0], values(c, more), name);
}

// The page's extras: every node of the tree as [depth, name, parameters]; the part formulas.
function outline(input) {
  const c = load(input);
  return evaluate(structureOf(c)[0], values(c), null, true).map(([n, v, d]) => [d, n, v]);
}

// jspack.math_codec: each tag was written as one character.
const unpack = (s) => s.replace(/./g, (ch) => DATA.mathml.tags[ch] ?? ch);

function mathml(input) {
  const c = load(input);
  const label = (n) => (n[0] === "~" ? `transformer.${n.slice(1)}` : n);
  return structureOf(c)[2].map(([name, m]) => [label(DATA.names[name]),
    `<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">${unpack(DATA.mathml.text[m])}</math>`]);
}

// formats.Plan._walk: llama.cpp's type for every quantizable tensor, in its order (names
// sorted), from DATA.weights' gguf columns; → for each leaf position, [[type, count], ...].
const moreBits = (i, n) => i < n / 8n || i >= (7n * n) / 8n || (i - n / 8n) % 3n === 2n;

// formats._ruled: the first rule of FTYPE_RULES that holds for the i-th of n tensors.
function ruled(rules, i, n, main) {
  for (const [test, k, t] of rules || []) {
    const K = BigInt(k);
    if (test === "all" || (test === "more" && moreBits(i, n)) || (test === "first" && i < K) ||
        (test === "part" && i < n / K)) return t;
  }
  return main;
}

function ggufTypes(format, leaves, v, ncols) {
  const W = DATA.weights, [main, ftype, rest] = W.gguf[format], rules = W.rules[ftype] || {};
  const first = leaves.find(([pos]) => typeof W.gguf_names[pos] !== "number");
  const unnamed = (name) => fail(`format: GGUF (llama.cpp) has no tensor name for ${Array.from(repr(name)).slice(0, 80).join("")}`);
  if (first && W.gguf_names[first[0]] === null) unnamed(first[1]);
  const tensors = new Map();
  for (const [pos, name] of leaves) {
    const template = W.gguf_names[pos];
    if (typeof template === "number") continue;
    const repeat = FORMULAS[W.repeat[pos]](v);
    if (repeat > BigInt(W.max_layers)) {
      fail(`num_layers: GGUF formats walk every block; at most ${comma(W.max_layers)}, got ${shown(repeat)}`);
    }
    for (let i = 0n; i < repeat; i++) {
      if (template === null) unnamed(name);
      tensors.set(template.replace("#", i), pos);
    }
  }
  const names = [...tensors.keys()].sort();
  const nV = BigInt(names.filter((n) => n.includes("attn_v.weight")).length);
  const tied = !tensors.has("output.weight");
  const fallback = (t, cols) => {
    if (cols % BigInt(W.blocks[t] || 1) === 0n) return t;
    const back = W.fallback[t] || t;
    return cols % BigInt(W.blocks[back] || 1) === 0n ? back : "F16";
  };
  let iV = 0n, iDown = 0n;
  const out = new Map();
  for (const name of names) {
    const pos = tensors.get(name), cols = ncols(pos);
    let t = main;
    if (!cols) t = rest;
    else if (ftype && (name === "output.weight" || (tied && name === "token_embd.weight"))) {
      t = main === "Q8_0" ? main : cols % BigInt(W.blocks[main]) ? "Q8_0" : "Q6_K";
    } else if (ftype && name.includes("attn_v.weight")) t = ruled(rules.attn_v, iV++, nV, main);
    else if (ftype && name.includes("ffn_down")) t = ruled(rules.ffn_down, iDown++, v.num_layers, main);
    if (cols && W.blocks[main]) t = fallback(t, cols);
    const counts = out.get(pos) || {};
    counts[t] = (counts[t] || 0n) + 1n;
    out.set(pos, counts);
  }
  return (pos) => Object.entries(out.get(pos)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

// formats.weights: each leaf's tensors × their storage's bytes for its shape, the storage as
// formats.storage picks it (one letter per leaf, or for GGUF, llama.cpp's walk above).
function weights(input, opts = {}) {
  const c = load(input), W = DATA.weights;
  const format = option(opts, "format", "bf16");
  if (typeof format !== "string" || !has(W.main, format)) {
    fail(`format: unknown ${shown(format)}; known: ${Object.keys(W.main).join(", ")}`);
  }
  const encoderOnly = boolean("encoder_only", option(opts, "encoder_only", false));
  const s = structureOf(c), v = values(c), root = s[encoderOnly ? 1 : 0];
  const shape = (pos) => aliased({ rows: FORMULAS[W.rows[pos]](v), cols: FORMULAS[W.cols[pos]](v) });
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
    const letters = plain || W.choices[format];
    choose = (pos) => [[W.names[letters.charCodeAt(pos) - 97], FORMULAS[W.repeat[pos]](v)]];
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
  const model = encoderOnly ? `${DATA.CLASS_PREFIX[c.model_type]}EncoderModel` : c.model;
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
  optimizers: Object.keys(DATA.OPTIMIZERS), heads: DATA.HEADS, classPrefix: DATA.CLASS_PREFIX,
  modelDefaults: DATA.MODEL_DEFAULTS,
});
