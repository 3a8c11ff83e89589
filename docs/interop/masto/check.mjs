// check.mjs drives a live copse node through masto.js, the client library
// the Elk and Phanpy apps use, the way those apps do on start and in use,
// and checks the shapes of what comes back, not just the status codes.
//
//   node check.mjs <base-url> <user-a> <password-a> <user-b> <password-b>
//
// It prints one line per step, "ok <step>" or "FAIL <step>: <reason>", and
// exits 1 if any step failed. run.sh starts a node and runs it.
//
// masto.js makes every API call, the token exchange included. Plain fetch
// is used only where masto has no helper and an app's browser or code does
// it by hand: the sign-in and consent pages (with their cookies and CSRF
// fields), /.well-known/oauth-authorization-server (Phanpy reads it to
// choose PKCE), a CORS preflight, the uploaded files themselves, and the
// rate-limit headers.

import { createHash, randomBytes } from "node:crypto";
import { deflateSync } from "node:zlib";

// masto 8 is written for Node 22; Node 20 lacks Promise.withResolvers,
// which its WebSocket connector uses.
if (typeof Promise.withResolvers !== "function") {
  Promise.withResolvers = function withResolvers() {
    let resolve, reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

const { createOAuthAPIClient, createRestAPIClient, createStreamingAPIClient } = await import("masto");

const [base, userA, passA, userB, passB] = process.argv.slice(2);
if (!passB) {
  console.error("usage: node check.mjs <base-url> <user-a> <password-a> <user-b> <password-b>");
  process.exit(2);
}

// ---------------------------------------------------------------- steps

let failures = 0;
const state = {};

async function step(name, fn) {
  try {
    const note = await fn();
    console.log(`ok ${name}${note ? ` (${note})` : ""}`);
    return true;
  } catch (err) {
    failures++;
    console.log(`FAIL ${name}: ${reason(err)}`);
    return false;
  }
}

function reason(err) {
  if (err?.statusCode) {
    const extra = err.description ? `: ${err.description}` : "";
    return `HTTP ${err.statusCode} ${err.message}${extra}`;
  }
  return String(err?.message ?? err).split("\n")[0];
}

function need(...keys) {
  for (const k of keys) {
    if (state[k] === undefined) throw new Error(`skipped: an earlier step did not give ${k}`);
  }
}

// ---------------------------------------------------------------- shapes

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

const ID = /^\d+$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function isID(v, what) {
  assert(typeof v === "string" && ID.test(v), `${what} is ${JSON.stringify(v)}, want a string of digits`);
}
function isISO(v, what) {
  assert(typeof v === "string" && ISO.test(v) && !Number.isNaN(Date.parse(v)),
    `${what} is ${JSON.stringify(v)}, want an ISO 8601 date-time`);
}
function isType(v, type, what) {
  const got = v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
  assert(got === type, `${what} is ${got} (${JSON.stringify(v)?.slice(0, 60)}), want ${type}`);
}
function isNullOr(v, type, what) {
  if (v !== null) isType(v, type, what);
}
function isURL(v, what) {
  isType(v, "string", what);
  assert(/^https?:\/\//.test(v), `${what} is ${JSON.stringify(v)}, want an absolute URL`);
}

function checkAccount(a, what = "account") {
  isType(a, "object", what);
  isID(a.id, `${what}.id`);
  isType(a.username, "string", `${what}.username`);
  isType(a.acct, "string", `${what}.acct`);
  assert(a.acct.length > 0, `${what}.acct is empty`);
  isURL(a.url, `${what}.url`);
  isType(a.displayName, "string", `${what}.display_name`);
  isType(a.note, "string", `${what}.note`);
  isURL(a.avatar, `${what}.avatar`);
  isURL(a.avatarStatic, `${what}.avatar_static`);
  isURL(a.header, `${what}.header`);
  isURL(a.headerStatic, `${what}.header_static`);
  isType(a.locked, "boolean", `${what}.locked`);
  isType(a.bot, "boolean", `${what}.bot`);
  isISO(a.createdAt, `${what}.created_at`);
  isType(a.followersCount, "number", `${what}.followers_count`);
  isType(a.followingCount, "number", `${what}.following_count`);
  isType(a.statusesCount, "number", `${what}.statuses_count`);
  if (a.lastStatusAt !== null) {
    assert(/^\d{4}-\d{2}-\d{2}/.test(a.lastStatusAt), `${what}.last_status_at is ${JSON.stringify(a.lastStatusAt)}`);
  }
  isType(a.emojis, "array", `${what}.emojis`);
  isType(a.fields, "array", `${what}.fields`);
}

function checkStatus(s, what = "status") {
  isType(s, "object", what);
  isID(s.id, `${what}.id`);
  isType(s.uri, "string", `${what}.uri`);
  isISO(s.createdAt, `${what}.created_at`);
  checkAccount(s.account, `${what}.account`);
  isType(s.content, "string", `${what}.content`);
  assert(["public", "unlisted", "private", "direct"].includes(s.visibility), `${what}.visibility is ${s.visibility}`);
  isType(s.sensitive, "boolean", `${what}.sensitive`);
  isType(s.spoilerText, "string", `${what}.spoiler_text`);
  isType(s.mediaAttachments, "array", `${what}.media_attachments`);
  isType(s.mentions, "array", `${what}.mentions`);
  isType(s.tags, "array", `${what}.tags`);
  isType(s.emojis, "array", `${what}.emojis`);
  isType(s.reblogsCount, "number", `${what}.reblogs_count`);
  isType(s.favouritesCount, "number", `${what}.favourites_count`);
  isType(s.repliesCount, "number", `${what}.replies_count`);
  if (s.url !== null) isURL(s.url, `${what}.url`);
  if (s.inReplyToId !== null) isID(s.inReplyToId, `${what}.in_reply_to_id`);
  if (s.inReplyToAccountId !== null) isID(s.inReplyToAccountId, `${what}.in_reply_to_account_id`);
  isNullOr(s.reblog, "object", `${what}.reblog`);
  isNullOr(s.poll, "object", `${what}.poll`);
  isNullOr(s.card, "object", `${what}.card`);
  isNullOr(s.language, "string", `${what}.language`);
  if (s.editedAt !== null) isISO(s.editedAt, `${what}.edited_at`);
  if (s.reblog) checkStatus(s.reblog, `${what}.reblog`);
  for (const [i, m] of s.mentions.entries()) {
    isID(m.id, `${what}.mentions[${i}].id`);
    isType(m.acct, "string", `${what}.mentions[${i}].acct`);
    isType(m.username, "string", `${what}.mentions[${i}].username`);
    isURL(m.url, `${what}.mentions[${i}].url`);
  }
  for (const [i, t] of s.tags.entries()) {
    isType(t.name, "string", `${what}.tags[${i}].name`);
    isURL(t.url, `${what}.tags[${i}].url`);
  }
  for (const [i, m] of s.mediaAttachments.entries()) checkMedia(m, `${what}.media_attachments[${i}]`);
  if (s.poll) checkPoll(s.poll, `${what}.poll`);
}

// checkViewer checks the fields a signed-in viewer gets on a status.
function checkViewer(s, what = "status") {
  for (const k of ["favourited", "reblogged", "bookmarked", "muted"]) {
    isType(s[k], "boolean", `${what}.${k}`);
  }
  if (s.account.id === state.meA?.id || s.account.id === state.meB?.id) {
    isType(s.pinned, "boolean", `${what}.pinned`);
  }
}

function checkMedia(m, what = "media") {
  isID(m.id, `${what}.id`);
  assert(["image", "gifv", "video", "audio", "unknown"].includes(m.type), `${what}.type is ${m.type}`);
  isURL(m.url, `${what}.url`);
  isURL(m.previewUrl, `${what}.preview_url`);
  isNullOr(m.description, "string", `${what}.description`);
  isNullOr(m.blurhash, "string", `${what}.blurhash`);
  isNullOr(m.meta, "object", `${what}.meta`);
}

function checkPoll(p, what = "poll") {
  isID(p.id, `${what}.id`);
  if (p.expiresAt !== null) isISO(p.expiresAt, `${what}.expires_at`);
  isType(p.expired, "boolean", `${what}.expired`);
  isType(p.multiple, "boolean", `${what}.multiple`);
  isType(p.votesCount, "number", `${what}.votes_count`);
  isType(p.options, "array", `${what}.options`);
  for (const [i, o] of p.options.entries()) {
    isType(o.title, "string", `${what}.options[${i}].title`);
    isNullOr(o.votesCount, "number", `${what}.options[${i}].votes_count`);
  }
  isType(p.emojis, "array", `${what}.emojis`);
}

function checkNotification(n, what = "notification") {
  isID(n.id, `${what}.id`);
  isType(n.type, "string", `${what}.type`);
  isISO(n.createdAt, `${what}.created_at`);
  checkAccount(n.account, `${what}.account`);
  if (["mention", "status", "reblog", "favourite", "poll", "update"].includes(n.type)) {
    checkStatus(n.status, `${what}.status`);
  }
}

function checkRelationship(r, what = "relationship") {
  isID(r.id, `${what}.id`);
  for (const k of ["following", "showingReblogs", "notifying", "followedBy", "blocking", "blockedBy", "muting",
    "mutingNotifications", "requested", "domainBlocking", "endorsed"]) {
    isType(r[k], "boolean", `${what}.${k.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase())}`);
  }
  isType(r.note, "string", `${what}.note`);
}

function checkTag(t, what = "tag") {
  isType(t.name, "string", `${what}.name`);
  isURL(t.url, `${what}.url`);
  isType(t.history, "array", `${what}.history`);
}

// ---------------------------------------------------------------- OAuth

// A cookie jar for one browser.
class Browser {
  cookies = new Map();
  async fetch(url, init = {}) {
    const headers = new Headers(init.headers);
    if (this.cookies.size) {
      headers.set("Cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    }
    const res = await fetch(new URL(url, base), { ...init, headers, redirect: "manual" });
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(";");
      const i = pair.indexOf("=");
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=(0|-)/i.test(a)) || value === "";
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }
}

function htmlDecode(s) {
  return s.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCharCode(parseInt(n, 16)))
    .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

// formFields returns the action and the hidden fields of the first form
// on a page, as a browser would submit them.
function formOf(html) {
  const form = html.match(/<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/);
  if (!form) throw new Error(`no form on the page: ${html.replace(/\s+/g, " ").slice(0, 200)}`);
  const fields = new URLSearchParams();
  for (const m of form[2].matchAll(/<input([^>]*)>/g)) {
    const attr = (n) => m[1].match(new RegExp(`\\b${n}="([^"]*)"`))?.[1];
    if (attr("type") === "hidden") fields.append(htmlDecode(attr("name")), htmlDecode(attr("value") ?? ""));
  }
  return { action: htmlDecode(form[1]), fields };
}

async function expectStatus(res, want, what) {
  if (res.status !== want) {
    const body = (await res.text()).replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").slice(0, 200);
    throw new Error(`${what}: HTTP ${res.status}, want ${want}: ${body}`);
  }
}

const redirectUri = "http://127.0.0.1:9/copse-masto-check/callback";
const scopes = "read write follow push";

// signIn does what Elk and Phanpy do: register the app with masto, send
// the member through the authorization pages, and trade the code for a
// token with masto's OAuth client. Phanpy uses PKCE (S256); Elk does not,
// and adds force_login=false and lang to the authorization URL.
async function signIn(login, password, { pkce = true, extra = {} } = {}) {
  const anon = createRestAPIClient({ url: base });
  const app = await anon.v1.apps.create({
    clientName: "copse masto.js check",
    redirectUris: redirectUri,
    scopes,
    website: "https://github.com/copse-dev/copse",
  });
  assert(typeof app.clientId === "string" && app.clientId, "app has no client_id");
  assert(typeof app.clientSecret === "string" && app.clientSecret, "app has no client_secret");

  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const oauthState = randomBytes(8).toString("hex");
  const authorize = new URL("/oauth/authorize", base);
  authorize.search = new URLSearchParams({
    response_type: "code", client_id: app.clientId, redirect_uri: redirectUri, scope: scopes, state: oauthState,
    ...(pkce ? { code_challenge: challenge, code_challenge_method: "S256" } : {}), ...extra,
  });

  const browser = new Browser();
  let res = await browser.fetch(authorize);
  await expectStatus(res, 200, "sign-in page");
  const signInForm = formOf(await res.text());
  assert(signInForm.fields.get("csrf"), "sign-in form has no csrf field");
  signInForm.fields.set("login", login);
  signInForm.fields.set("password", password);
  res = await browser.fetch(signInForm.action, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: signInForm.fields,
  });
  await expectStatus(res, 303, "sign-in");
  res = await browser.fetch(res.headers.get("location"));
  await expectStatus(res, 200, "consent page");
  const consent = formOf(await res.text());
  assert(consent.fields.get("csrf"), "consent form has no csrf field");
  consent.fields.set("decision", "authorize");
  res = await browser.fetch(consent.action, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: consent.fields,
  });
  await expectStatus(res, 302, "consent");
  const back = new URL(res.headers.get("location"));
  assert(back.href.startsWith(redirectUri), `redirected to ${back.href}, want ${redirectUri}`);
  assert(back.searchParams.get("state") === oauthState, "state did not come back");
  const code = back.searchParams.get("code");
  assert(code, `no code in ${back.href}`);

  const oauth = createOAuthAPIClient({ url: base });
  const token = await oauth.token.create({
    grantType: "authorization_code",
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    redirectUri,
    code,
    scope: scopes,
    ...(pkce ? { codeVerifier: verifier } : {}),
  });
  assert(typeof token.accessToken === "string" && token.accessToken, "token has no access_token");
  assert(/^bearer$/i.test(token.tokenType), `token_type is ${token.tokenType}`);
  assert(token.scope === scopes, `token scope is ${JSON.stringify(token.scope)}, want ${JSON.stringify(scopes)}`);
  assert(typeof token.createdAt === "number", `token created_at is ${typeof token.createdAt}, want a number`);
  return { app, token: token.accessToken };
}

// ---------------------------------------------------------------- helpers

// tinyPNG makes a valid 4x4 RGB PNG.
function tinyPNG() {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc32 = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const w = 4, h = 4;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const rows = [];
  for (let y = 0; y < h; y++) {
    rows.push(0); // no filter
    for (let x = 0; x < w; x++) rows.push((x * 60) & 0xff, (y * 60) & 0xff, 0x80);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(Buffer.from(rows))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

// walk reads pages of a masto paginator, up to max pages.
async function walk(paginator, max) {
  const pages = [];
  for await (const page of paginator) {
    pages.push(page);
    if (pages.length >= max || page.length === 0) break;
  }
  return pages;
}

function checkPages(pages, what) {
  const seen = new Set();
  let last = null;
  for (const [p, page] of pages.entries()) {
    for (const s of page) {
      checkStatus(s, `${what} page ${p + 1} status`);
      checkViewer(s, `${what} page ${p + 1} status`);
      assert(!seen.has(s.id), `${what}: status ${s.id} came twice (page ${p + 1})`);
      seen.add(s.id);
      if (last !== null) assert(BigInt(s.id) < BigInt(last), `${what}: ${s.id} after ${last} is not newest first`);
      last = s.id;
    }
  }
  return seen.size;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function expectHTTPError(promise, code, what) {
  try {
    await promise;
  } catch (err) {
    assert(err?.statusCode === code, `${what}: ${reason(err)}, want HTTP ${code}`);
    return;
  }
  throw new Error(`${what} succeeded, want HTTP ${code}`);
}

// ---------------------------------------------------------------- run

const run = randomBytes(3).toString("hex");
const tag = `copsecheck${run}`;
const word = `zebrafinch${run}`;

await step("oauth sign-in (apps.create, authorize pages, token with PKCE) as A", async () => {
  const s = await signIn(userA, passA);
  state.appA = s.app;
  state.a = createRestAPIClient({ url: base, accessToken: s.token });
  state.tokenA = s.token;
});
await step("oauth sign-in as B (as Elk: no PKCE, force_login=false, lang)", async () => {
  const s = await signIn(userB, passB, { pkce: false, extra: { force_login: "false", lang: "en" } });
  state.b = createRestAPIClient({ url: base, accessToken: s.token });
  state.tokenB = s.token;
});
if (!state.a || !state.b) {
  console.log(`${failures} step(s) failed`);
  process.exit(1);
}
const { a, b } = state;

await step("apps verify_credentials", async () => {
  const app = await a.v1.apps.verifyCredentials();
  assert(app.name === "copse masto.js check", `name is ${app.name}`);
});

await step("oauth server metadata (Phanpy reads it to use PKCE)", async () => {
  const res = await fetch(new URL("/.well-known/oauth-authorization-server", base));
  assert(res.status === 200, `HTTP ${res.status}`);
  const m = await res.json();
  assert(m.code_challenge_methods_supported?.includes("S256"), `code_challenge_methods_supported is ${JSON.stringify(m.code_challenge_methods_supported)}`);
  assert(typeof m.authorization_endpoint === "string" && typeof m.token_endpoint === "string", "endpoints missing");
});

await step("CORS preflight and headers (Elk and Phanpy run in a browser)", async () => {
  const origin = "https://elk.example";
  const pre = await fetch(new URL("/api/v1/statuses", base), {
    method: "OPTIONS",
    headers: {
      Origin: origin,
      "Access-Control-Request-Method": "POST",
      "Access-Control-Request-Headers": "authorization,content-type,idempotency-key",
    },
  });
  assert(pre.status >= 200 && pre.status < 300, `preflight HTTP ${pre.status}`);
  const allowOrigin = pre.headers.get("access-control-allow-origin");
  assert(allowOrigin === "*" || allowOrigin === origin, `allow-origin is ${allowOrigin}`);
  const allowHeaders = (pre.headers.get("access-control-allow-headers") ?? "").toLowerCase();
  for (const h of ["authorization", "content-type", "idempotency-key"]) {
    assert(allowHeaders === "*" || allowHeaders.includes(h), `allow-headers ${JSON.stringify(allowHeaders)} lacks ${h}`);
  }
  const allowMethods = (pre.headers.get("access-control-allow-methods") ?? "").toUpperCase();
  assert(allowMethods.includes("POST"), `allow-methods is ${allowMethods}`);
  // The apps page with the Link header and read the rate limit, so a
  // cross-origin response must expose them.
  const res = await fetch(new URL("/api/v1/timelines/public?limit=1", base), { headers: { Origin: origin } });
  const expose = (res.headers.get("access-control-expose-headers") ?? "").toLowerCase();
  assert(expose.includes("link"), `expose-headers ${JSON.stringify(expose)} lacks link`);
});

await step("a revoked or wrong token is a 401 masto can read", async () => {
  const bad = createRestAPIClient({ url: base, accessToken: "not-a-token" });
  await expectHTTPError(bad.v1.accounts.verifyCredentials(), 401, "verify_credentials with a bad token");
  try {
    await bad.v1.accounts.verifyCredentials();
  } catch (err) {
    assert(typeof err.message === "string" && err.message.length > 0, "error has no message");
  }
});

await step("accounts verify_credentials", async () => {
  const me = await a.v1.accounts.verifyCredentials();
  checkAccount(me, "credential account");
  assert(me.username === userA && me.acct === userA, `username ${me.username}, acct ${me.acct}, want ${userA}`);
  isType(me.source, "object", "source");
  assert(["public", "unlisted", "private", "direct"].includes(me.source.privacy), `source.privacy is ${me.source.privacy}`);
  isType(me.source.sensitive, "boolean", "source.sensitive");
  isType(me.source.note, "string", "source.note");
  isType(me.source.fields, "array", "source.fields");
  state.meA = me;
  state.meB = await b.v1.accounts.verifyCredentials();
  checkAccount(state.meB, "B's credential account");
});

await step("instance v2", async () => {
  const i = await a.v2.instance.fetch();
  isType(i.domain, "string", "domain");
  isType(i.title, "string", "title");
  isType(i.version, "string", "version");
  assert(/^\d+\.\d+\.\d+/.test(i.version), `version ${i.version} does not start with a Mastodon version`);
  isType(i.description, "string", "description");
  isType(i.usage?.users?.activeMonth, "number", "usage.users.active_month");
  isType(i.languages, "array", "languages");
  isType(i.rules, "array", "rules");
  isType(i.registrations?.enabled, "boolean", "registrations.enabled");
  const c = i.configuration;
  isType(c, "object", "configuration");
  assert(/^wss?:\/\//.test(c.urls?.streaming), `configuration.urls.streaming is ${c.urls?.streaming}`);
  isType(c.statuses?.maxCharacters, "number", "configuration.statuses.max_characters");
  isType(c.statuses?.maxMediaAttachments, "number", "configuration.statuses.max_media_attachments");
  isType(c.statuses?.charactersReservedPerUrl, "number", "configuration.statuses.characters_reserved_per_url");
  isType(c.mediaAttachments?.supportedMimeTypes, "array", "configuration.media_attachments.supported_mime_types");
  assert(c.mediaAttachments.supportedMimeTypes.includes("image/png"), "image/png is not a supported type");
  isType(c.mediaAttachments?.imageSizeLimit, "number", "configuration.media_attachments.image_size_limit");
  isType(c.polls?.maxOptions, "number", "configuration.polls.max_options");
  isType(c.polls?.maxCharactersPerOption, "number", "configuration.polls.max_characters_per_option");
  isType(c.polls?.minExpiration, "number", "configuration.polls.min_expiration");
  isType(c.polls?.maxExpiration, "number", "configuration.polls.max_expiration");
  isType(c.translation?.enabled, "boolean", "configuration.translation.enabled");
  state.streaming = c.urls.streaming;
  state.instance = i;
  return `version ${i.version}, streaming ${c.urls.streaming}`;
});

await step("instance v1", async () => {
  const i = await a.v1.instance.fetch();
  isType(i.uri, "string", "uri");
  isType(i.title, "string", "title");
  isType(i.version, "string", "version");
  assert(/^wss?:\/\//.test(i.urls?.streamingApi), `urls.streaming_api is ${i.urls?.streamingApi}`);
  isType(i.stats?.userCount, "number", "stats.user_count");
  isType(i.stats?.statusCount, "number", "stats.status_count");
  isType(i.stats?.domainCount, "number", "stats.domain_count");
  isType(i.registrations, "boolean", "registrations");
  isType(i.configuration?.statuses?.maxCharacters, "number", "configuration.statuses.max_characters");
});

await step("preferences", async () => {
  const p = await a.v1.preferences.fetch();
  // masto camel-cases keys; Mastodon's are "posting:default:visibility" and so on.
  const vis = p["posting:default:visibility"] ?? p.postingDefaultVisibility;
  assert(["public", "unlisted", "private", "direct"].includes(vis), `posting:default:visibility is ${vis}`);
  const exp = p["reading:expand:media"] ?? p.readingExpandMedia;
  assert(["default", "show_all", "hide_all"].includes(exp), `reading:expand:media is ${exp}`);
});

await step("custom emojis", async () => {
  const list = await a.v1.customEmojis.list();
  isType(list, "array", "custom emojis");
  return `${list.length}`;
});

await step("announcements, trends, suggestions (apps call these on start)", async () => {
  isType(await a.v1.announcements.list(), "array", "announcements");
  isType(await a.v1.trends.tags.list(), "array", "trends/tags");
  isType(await a.v1.trends.statuses.list(), "array", "trends/statuses");
  isType(await a.v1.trends.links.list(), "array", "trends/links");
  isType(await a.v2.suggestions.list(), "array", "v2 suggestions");
});

await step("filters v2 (list, create with a keyword, fetch, delete)", async () => {
  const before = await a.v2.filters.list();
  isType(before, "array", "filters");
  const f = await a.v2.filters.create({
    title: `masto check ${run}`,
    context: ["home", "public"],
    filterAction: "warn",
    expiresIn: 3600,
    keywordsAttributes: [{ keyword: `nomatch${run}`, wholeWord: true }],
  });
  isID(f.id, "filter.id");
  assert(f.title === `masto check ${run}`, `filter.title is ${f.title}`);
  assert(f.context.includes("home") && f.context.includes("public"), `filter.context is ${f.context}`);
  assert(f.filterAction === "warn", `filter.filter_action is ${f.filterAction}`);
  isISO(f.expiresAt, "filter.expires_at");
  isType(f.keywords, "array", "filter.keywords");
  assert(f.keywords.length === 1 && f.keywords[0].keyword === `nomatch${run}` && f.keywords[0].wholeWord === true,
    `filter.keywords is ${JSON.stringify(f.keywords)}`);
  isID(f.keywords[0].id, "filter.keywords[0].id");
  const got = await a.v2.filters.$select(f.id).fetch();
  assert(got.id === f.id, "fetched another filter");
  const after = await a.v2.filters.list();
  assert(after.some((x) => x.id === f.id), "new filter not listed");
  await a.v2.filters.$select(f.id).remove();
  await expectHTTPError(a.v2.filters.$select(f.id).fetch(), 404, "fetch deleted filter");
});

await step("markers (fetch home and notifications)", async () => {
  const m = await a.v1.markers.fetch({ timeline: ["home", "notifications"] });
  isType(m, "object", "markers");
});

await step("followed tags (follow a tag, list)", async () => {
  const t = await a.v1.tags.$select(tag).follow();
  checkTag(t, "tag");
  assert(t.name.toLowerCase() === tag, `tag name is ${t.name}`);
  assert(t.following === true, `tag.following is ${t.following}`);
  const list = await a.v1.followedTags.list();
  assert(list.some((x) => x.name.toLowerCase() === tag), "followed tag not listed");
  list.forEach((x, i) => checkTag(x, `followed_tags[${i}]`));
});

await step("relationships (A to B, before following)", async () => {
  const [r] = await a.v1.accounts.relationships.fetch({ id: [state.meB.id] });
  checkRelationship(r);
  assert(r.id === state.meB.id, `relationship.id is ${r.id}`);
  assert(r.following === false, "A already follows B");
});

await step("follow (A follows B)", async () => {
  const r = await a.v1.accounts.$select(state.meB.id).follow();
  checkRelationship(r);
  assert(r.following === true || r.requested === true, `following ${r.following}, requested ${r.requested}`);
  const [r2] = await b.v1.accounts.relationships.fetch({ id: [state.meA.id] });
  assert(r2.followedBy === true, `B's relationship with A has followed_by ${r2.followedBy}`);
  state.following = true;
});

await step("lists (create, add B, list accounts, list timeline, delete)", async () => {
  need("following");
  const l = await a.v1.lists.create({ title: `masto check ${run}`, repliesPolicy: "list" });
  isID(l.id, "list.id");
  assert(l.title === `masto check ${run}`, `list.title is ${l.title}`);
  assert(l.repliesPolicy === "list", `list.replies_policy is ${l.repliesPolicy}`);
  const lists = await a.v1.lists.list();
  assert(lists.some((x) => x.id === l.id), "new list not listed");
  await a.v1.lists.$select(l.id).accounts.create({ accountIds: [state.meB.id] });
  const members = await a.v1.lists.$select(l.id).accounts.list();
  assert(members.length === 1 && members[0].id === state.meB.id, `list accounts are ${members.map((x) => x.acct)}`);
  members.forEach((x, i) => checkAccount(x, `list account ${i}`));
  const tl = await a.v1.timelines.list.$select(l.id).list({ limit: 5 });
  isType(tl, "array", "list timeline");
  await a.v1.lists.$select(l.id).remove();
});

// Streaming: subscribe before posting, as the apps do when they open.
let streamA;
let updates = [];
let streamError;
await step("streaming (connect over WebSocket, subscribe to user and public:local)", async () => {
  need("streaming");
  streamA = createStreamingAPIClient({ streamingApiUrl: state.streaming, accessToken: state.tokenA, retry: 3 });
  const consume = async (sub) => {
    try {
      for await (const e of sub) updates.push(e);
    } catch (err) {
      streamError = err;
    }
  };
  consume(streamA.user.subscribe());
  consume(streamA.public.local.subscribe());
  await Promise.race([
    streamA.prepare(),
    sleep(5000).then(() => {
      throw new Error("no WebSocket connection within 5 s");
    }),
  ]);
  await sleep(300); // let the subscribe messages reach the server
});

await step("post a status (mention B, hashtag)", async () => {
  const text = `Hello @${userB}, this is a ${word} #${tag} check`;
  const s = await a.v1.statuses.create({ status: text, visibility: "public", language: "en" });
  checkStatus(s);
  checkViewer(s);
  assert(s.account.id === state.meA.id, "status is not A's");
  assert(s.mentions.length === 1 && s.mentions[0].id === state.meB.id && s.mentions[0].acct === userB,
    `mentions are ${JSON.stringify(s.mentions)}`);
  assert(s.tags.some((t) => t.name.toLowerCase() === tag), `tags are ${JSON.stringify(s.tags)}`);
  // Elk and Phanpy find mentions and hashtags in the HTML by these links.
  const links = [...s.content.matchAll(/<a ([^>]*)>/g)].map((m) => m[1]);
  const mentionURL = s.mentions[0].url;
  assert(links.some((l) => l.includes(`href="${mentionURL}"`) && /class="[^"]*\bmention\b/.test(l)),
    `content has no link with class mention to ${mentionURL}: ${s.content}`);
  const tagURL = s.tags.find((t) => t.name.toLowerCase() === tag).url;
  assert(links.some((l) => l.includes(`href="${tagURL}"`) && /class="[^"]*\bhashtag\b/.test(l)),
    `content has no link with class hashtag to ${tagURL}: ${s.content}`);
  assert(s.editedAt === null, `edited_at is ${s.editedAt} on a new status`);
  assert(s.language === "en", `language is ${s.language}`);
  state.status = s;
});

await step("streaming update for the new status", async () => {
  need("status");
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const e = updates.find((u) => u.event === "update" && u.payload?.id === state.status.id);
    if (e) {
      checkStatus(e.payload, "streamed status");
      isType(e.stream, "array", "event.stream");
      return `on ${[...new Set(updates.filter((u) => u.payload?.id === state.status.id).map((u) => u.stream.join(":")))].join(", ")}`;
    }
    await sleep(100);
  }
  throw new Error(`no update within 5 s; got ${updates.map((u) => u.event).join(",") || "nothing"}${streamError ? `; error ${reason(streamError)}` : ""}`);
});

await step("edit the status (history, source)", async () => {
  need("status");
  const text = `Hello @${userB}, this is an edited ${word} #${tag} check`;
  const s = await a.v1.statuses.$select(state.status.id).update({ status: text });
  checkStatus(s, "edited status");
  assert(s.id === state.status.id, "edit changed the id");
  isISO(s.editedAt, "edited_at");
  assert(s.content.includes("edited"), "content not edited");
  const history = await a.v1.statuses.$select(s.id).history.list();
  assert(history.length === 2, `history has ${history.length} versions, want 2`);
  history.forEach((h, i) => {
    isType(h.content, "string", `history[${i}].content`);
    isISO(h.createdAt, `history[${i}].created_at`);
    checkAccount(h.account, `history[${i}].account`);
    isType(h.mediaAttachments, "array", `history[${i}].media_attachments`);
  });
  const src = await a.v1.statuses.$select(s.id).source.fetch();
  assert(src.id === s.id && src.text === text, `source is ${JSON.stringify(src)}`);
  isType(src.spoilerText, "string", "source.spoiler_text");
  state.status = s;
});

await step("reply as B and fetch the context", async () => {
  need("status");
  const r = await b.v1.statuses.create({ status: `@${userA} a reply ${word}`, inReplyToId: state.status.id });
  checkStatus(r, "reply");
  assert(r.inReplyToId === state.status.id, `in_reply_to_id is ${r.inReplyToId}`);
  assert(r.inReplyToAccountId === state.meA.id, `in_reply_to_account_id is ${r.inReplyToAccountId}`);
  const ctx = await a.v1.statuses.$select(state.status.id).context.fetch();
  isType(ctx.ancestors, "array", "context.ancestors");
  isType(ctx.descendants, "array", "context.descendants");
  assert(ctx.descendants.some((d) => d.id === r.id), "reply not among descendants");
  ctx.descendants.forEach((d, i) => checkStatus(d, `descendants[${i}]`));
  const up = await a.v1.statuses.$select(r.id).context.fetch();
  assert(up.ancestors.length === 1 && up.ancestors[0].id === state.status.id, "status not the reply's ancestor");
  const fresh = await a.v1.statuses.$select(state.status.id).fetch();
  assert(fresh.repliesCount === 1, `replies_count is ${fresh.repliesCount}, want 1`);
  state.reply = r;
});

await step("favourite, reblog and bookmark as B", async () => {
  need("status");
  const sel = b.v1.statuses.$select(state.status.id);
  const f = await sel.favourite();
  checkStatus(f, "favourited");
  assert(f.favourited === true && f.favouritesCount === 1, `favourited ${f.favourited}, count ${f.favouritesCount}`);
  const r = await sel.reblog();
  checkStatus(r, "reblog");
  assert(r.reblog?.id === state.status.id, `reblog.reblog.id is ${r.reblog?.id}`);
  assert(r.account.id === state.meB.id, "reblog is not B's");
  assert(r.reblog.reblogged === true && r.reblog.reblogsCount === 1,
    `reblog.reblogged ${r.reblog.reblogged}, count ${r.reblog.reblogsCount}`);
  const k = await sel.bookmark();
  assert(k.bookmarked === true, `bookmarked is ${k.bookmarked}`);
  const bookmarks = await b.v1.bookmarks.list();
  assert(bookmarks.some((x) => x.id === state.status.id), "not in bookmarks");
  const favs = await b.v1.favourites.list();
  assert(favs.some((x) => x.id === state.status.id), "not in favourites");
  const by = await a.v1.statuses.$select(state.status.id).favouritedBy.list();
  assert(by.some((x) => x.id === state.meB.id), "B not in favourited_by");
  const rb = await a.v1.statuses.$select(state.status.id).rebloggedBy.list();
  assert(rb.some((x) => x.id === state.meB.id), "B not in reblogged_by");
  const seen = await b.v1.statuses.$select(state.status.id).fetch();
  assert(seen.favourited && seen.reblogged && seen.bookmarked, "B's view lacks favourited/reblogged/bookmarked");
});

await step("notifications with types[] (A: favourite and reblog; B: mention)", async () => {
  need("status");
  const ns = await a.v1.notifications.list({ types: ["favourite", "reblog"] });
  isType(ns, "array", "notifications");
  ns.forEach((n, i) => checkNotification(n, `notifications[${i}]`));
  const types = new Set(ns.map((n) => n.type));
  assert(types.has("favourite") && types.has("reblog"), `types are ${[...types]}, want favourite and reblog`);
  assert([...types].every((t) => t === "favourite" || t === "reblog"), `types[] not applied: got ${[...types]}`);
  assert(ns.every((n) => n.status?.id === state.status.id), "notifications not about the status");
  const mentions = await b.v1.notifications.list({ types: ["mention"] });
  assert(mentions.length >= 1 && mentions.every((n) => n.type === "mention"),
    `B's mention notifications: ${mentions.map((n) => n.type)}`);
  const excl = await a.v1.notifications.list({ excludeTypes: ["favourite"] });
  assert(excl.every((n) => n.type !== "favourite"), "exclude_types[] not applied");
  const one = await a.v1.notifications.$select(ns[0].id).fetch();
  assert(one.id === ns[0].id, "notification fetch");
  state.lastNotification = ns[0].id;
});

await step("markers (save home and notifications, read back)", async () => {
  need("status", "lastNotification");
  const saved = await a.v1.markers.create({
    home: { lastReadId: state.status.id },
    notifications: { lastReadId: state.lastNotification },
  });
  for (const t of ["home", "notifications"]) {
    isType(saved[t], "object", `saved ${t} marker`);
    isType(saved[t].version, "number", `${t}.version`);
    isISO(saved[t].updatedAt, `${t}.updated_at`);
  }
  assert(saved.home.lastReadId === state.status.id, `home.last_read_id is ${saved.home.lastReadId}`);
  const m = await a.v1.markers.fetch({ timeline: ["home", "notifications"] });
  assert(m.home?.lastReadId === state.status.id, `home marker is ${JSON.stringify(m.home)}`);
  assert(m.notifications?.lastReadId === state.lastNotification, `notifications marker is ${JSON.stringify(m.notifications)}`);
});

await step("markers and new-notification poll as Phanpy does (timeline as a string, since_id)", async () => {
  need("lastNotification");
  const m = await a.v1.markers.fetch({ timeline: "notifications" });
  assert(m.notifications?.lastReadId === state.lastNotification, `markers with timeline=notifications: ${JSON.stringify(m)}`);
  assert(m.home === undefined, "home marker given though not asked for");
  const it = a.v1.notifications.list({ limit: 1, sinceId: "0" }).values();
  const { value } = await it.next();
  assert(Array.isArray(value) && value.length === 1, `limit 1 gave ${value?.length}`);
  const newer = await a.v1.notifications.list({ sinceId: value[0].id });
  assert(newer.length === 0, `since_id the newest gave ${newer.length}`);
});

await step("search v2 (accounts, statuses, hashtags)", async () => {
  need("status");
  const acc = await a.v2.search.list({ q: userB, type: "accounts" });
  isType(acc.accounts, "array", "accounts");
  isType(acc.statuses, "array", "statuses");
  isType(acc.hashtags, "array", "hashtags");
  assert(acc.accounts.some((x) => x.id === state.meB.id), `B not found: ${acc.accounts.map((x) => x.acct)}`);
  acc.accounts.forEach((x, i) => checkAccount(x, `accounts[${i}]`));
  const st = await a.v2.search.list({ q: word, type: "statuses" });
  assert(st.statuses.some((x) => x.id === state.status.id), `status not found by "${word}"`);
  st.statuses.forEach((x, i) => checkStatus(x, `statuses[${i}]`));
  const ht = await a.v2.search.list({ q: `#${tag}`, type: "hashtags" });
  assert(ht.hashtags.some((x) => x.name.toLowerCase() === tag), `hashtag not found: ${JSON.stringify(ht.hashtags)}`);
  ht.hashtags.forEach((x, i) => checkTag(x, `hashtags[${i}]`));
  const all = await a.v2.search.list({ q: word });
  assert(all.statuses.length >= 1, "untyped search found no status");
});

await step("media upload (v2, PNG) and post it", async () => {
  const png = tinyPNG();
  const m = await a.v2.media.create({
    file: new Blob([png], { type: "image/png" }),
    description: "A four-pixel test square",
    focus: "0.5,-0.5",
  });
  checkMedia(m, "media");
  assert(m.type === "image", `type is ${m.type}`);
  assert(m.description === "A four-pixel test square", `description is ${m.description}`);
  assert(m.meta?.original?.width === 4 && m.meta?.original?.height === 4, `meta.original is ${JSON.stringify(m.meta?.original)}`);
  assert(m.meta?.focus?.x === 0.5 && m.meta?.focus?.y === -0.5, `meta.focus is ${JSON.stringify(m.meta?.focus)}`);
  const file = await fetch(m.url);
  assert(file.ok && file.headers.get("content-type") === "image/png", `GET url: ${file.status} ${file.headers.get("content-type")}`);
  const s = await a.v1.statuses.create({ status: `A picture ${word}`, mediaIds: [m.id] });
  checkStatus(s, "status with media");
  assert(s.mediaAttachments.length === 1 && s.mediaAttachments[0].id === m.id,
    `media_attachments is ${JSON.stringify(s.mediaAttachments.map((x) => x.id))}`);
  const only = await a.v1.timelines.public.list({ local: true, onlyMedia: true, limit: 5 });
  assert(only.some((x) => x.id === s.id), "not in public only_media timeline");
  assert(only.every((x) => x.mediaAttachments.length > 0), "only_media timeline has a status without media");
  state.mediaStatus = s;
});

await step("poll (post with a poll, B votes)", async () => {
  const s = await a.v1.statuses.create({
    status: `Which colour? ${word}`,
    poll: { options: ["red", "green", "blue"], expiresIn: 3600, multiple: false },
  });
  checkStatus(s, "status with poll");
  assert(s.poll, "status has no poll");
  assert(s.poll.options.map((o) => o.title).join() === "red,green,blue", `options are ${JSON.stringify(s.poll.options)}`);
  isISO(s.poll.expiresAt, "poll.expires_at");
  assert(s.poll.expired === false, "poll already expired");
  const p = await b.v1.polls.$select(s.poll.id).votes.create({ choices: [1] });
  checkPoll(p, "voted poll");
  assert(p.voted === true, `voted is ${p.voted}`);
  assert(JSON.stringify(p.ownVotes) === "[1]", `own_votes is ${JSON.stringify(p.ownVotes)}`);
  assert(p.votesCount === 1 && p.options[1].votesCount === 1, `counts are ${p.votesCount}, ${p.options.map((o) => o.votesCount)}`);
  isType(p.votersCount, "number", "voters_count");
  const again = await a.v1.polls.$select(s.poll.id).fetch();
  assert(again.votesCount === 1, `A sees ${again.votesCount} votes`);
  await expectHTTPError(a.v1.polls.$select(s.poll.id).votes.create({ choices: [0] }), 422, "voting in one's own poll");
  state.pollStatus = s;
});

await step("home and public timelines with masto's paginator (two or more pages, no repeats)", async () => {
  need("following");
  // Make sure there are enough posts for several pages.
  for (let i = 0; i < 4; i++) {
    await (i % 2 ? a : b).v1.statuses.create({ status: `Filler ${i} ${word}` });
  }
  const home = await walk(a.v1.timelines.home.list({ limit: 3 }), 4);
  assert(home.length >= 2 && home[1].length > 0, `home: only ${home.length} page(s)`);
  const nHome = checkPages(home, "home");
  const pub = await walk(a.v1.timelines.public.list({ limit: 3, local: true }), 4);
  assert(pub.length >= 2 && pub[1].length > 0, `public: only ${pub.length} page(s)`);
  const nPub = checkPages(pub, "public");
  const tagged = await walk(a.v1.timelines.tag.$select(tag).list({ limit: 1 }), 3);
  assert(tagged[0].length === 1 && tagged[0][0].id === state.status.id, "tag timeline does not start with the status");
  // And back: prev from the second page gives the first page again.
  const prev = a.v1.timelines.home.list({ limit: 3, maxId: home[0].at(-1).id }).setDirection("prev");
  const back = await walk(prev, 2);
  const ids = (page) => page.map((x) => x.id).join();
  assert(back.length === 2 && ids(back[0]) === ids(home[1]) && ids(back[1]) === ids(home[0]),
    `prev from page 2 gave ${back.map(ids).join(" | ")}, want ${ids(home[1])} | ${ids(home[0])}`);
  return `home ${nHome} statuses in ${home.length} pages, public ${nPub} in ${pub.length}`;
});

await step("account statuses and lookup", async () => {
  const acct = await a.v1.accounts.lookup({ acct: userB });
  checkAccount(acct, "looked-up account");
  assert(acct.id === state.meB.id, "lookup found someone else");
  const ss = await a.v1.accounts.$select(state.meA.id).statuses.list({ limit: 5, excludeReplies: true });
  ss.forEach((s, i) => checkStatus(s, `account statuses[${i}]`));
  assert(ss.every((s) => s.account.id === state.meA.id), "someone else's status in A's statuses");
  const pinned = await a.v1.accounts.$select(state.meA.id).statuses.list({ pinned: true });
  isType(pinned, "array", "pinned statuses");
});

await step("compose as Phanpy does (snake_case keys, empty media_ids, Idempotency-Key)", async () => {
  const key = `phanpy-${run}`;
  const params = { status: `Phanpy style ${word}`, spoiler_text: undefined, language: "en", sensitive: false,
    poll: undefined, media_ids: [], visibility: "public", in_reply_to_id: undefined, scheduled_at: undefined };
  const s1 = await a.v1.statuses.create(params, { requestInit: { headers: { "Idempotency-Key": key } } });
  checkStatus(s1, "status");
  assert(s1.visibility === "public" && s1.mediaAttachments.length === 0 && s1.poll === null, "wrong status made");
  const s2 = await a.v1.statuses.create(params, { requestInit: { headers: { "Idempotency-Key": key } } });
  assert(s2.id === s1.id, `same Idempotency-Key made a second status (${s1.id}, ${s2.id})`);
  state.phanpyStatus = s1;
});

await step("compose as Elk does (null and empty fields, quote policy)", async () => {
  const s = await a.v1.statuses.create({
    status: `Elk style ${word}`, poll: null, scheduledAt: null, inReplyToId: null, quotedStatusId: null,
    quoteApprovalPolicy: "public", visibility: "unlisted", sensitive: false, spoilerText: "", language: "en",
    mediaIds: [],
  });
  checkStatus(s, "status");
  assert(s.visibility === "unlisted", `visibility is ${s.visibility}`);
  assert(s.inReplyToId === null && s.poll === null, "null fields were taken as values");
  assert(s.spoilerText === "" && s.sensitive === false, "spoiler or sensitive set");
});

await step("media as Elk does (v1 upload, PUT description as JSON, edit with media_attributes)", async () => {
  const m = await a.v1.media.create({ file: new Blob([tinyPNG()], { type: "image/png" }) });
  checkMedia(m, "v1 media");
  assert(m.url, "v1 upload has no url");
  const u = await a.v1.media.$select(m.id).update({ description: "set after upload" });
  assert(u.description === "set after upload", `description is ${u.description}`);
  const got = await a.v1.media.$select(m.id).fetch();
  assert(got.description === "set after upload", `fetched description is ${got.description}`);
  const s = await a.v1.statuses.create({ status: `Elk media ${word}`, mediaIds: [m.id] });
  assert(s.mediaAttachments[0]?.description === "set after upload", "post lost the description");
  const e = await a.v1.statuses.$select(s.id).update({
    status: `Elk media edited ${word}`, mediaIds: [m.id],
    mediaAttributes: [{ id: m.id, description: "changed in an edit" }],
  });
  checkStatus(e, "edited status");
  assert(e.mediaAttachments.length === 1 && e.mediaAttachments[0].description === "changed in an edit",
    `media_attributes not applied: description is ${JSON.stringify(e.mediaAttachments[0]?.description)}`);
});

await step("streaming: user:notification, hashtag and status.update events", async () => {
  need("streaming");
  const events = [];
  const consume = async (sub) => {
    try {
      for await (const e of sub) events.push(e);
    } catch (err) {
      streamError = err;
    }
  };
  const s = createStreamingAPIClient({ streamingApiUrl: state.streaming, accessToken: state.tokenA, retry: 3 });
  try {
    consume(s.user.notification.subscribe());
    consume(s.hashtag.subscribe({ tag }));
    await s.prepare();
    await sleep(300);
    const post = await b.v1.statuses.create({ status: `Streamed #${tag} ${word}` });
    await b.v1.statuses.$select(post.id).update({ status: `Streamed and edited #${tag} ${word}` });
    await b.v1.statuses.$select(state.phanpyStatus?.id ?? post.id).favourite();
    const want = ["notification", "update", "status.update"];
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && !want.every((w) => events.some((e) => e.event === w))) await sleep(100);
    const missing = want.filter((w) => !events.some((e) => e.event === w));
    assert(missing.length === 0, `no ${missing.join(", ")} within 5 s; got ${events.map((e) => `${e.event}@${e.stream.join(":")}`)}`);
    const n = events.find((e) => e.event === "notification");
    checkNotification(n.payload, "streamed notification");
    assert(n.stream.includes("user:notification"), `notification on ${n.stream}`);
    const h = events.find((e) => e.event === "update");
    assert(h.payload.id === post.id && h.stream[0] === "hashtag", `hashtag update on ${h.stream}`);
    const su = events.find((e) => e.event === "status.update");
    checkStatus(su.payload, "status.update payload");
    assert(su.payload.id === post.id && su.payload.editedAt, "status.update is not the edit");
  } finally {
    s.close();
  }
});

await step("update credentials (display name, note, fields; multipart PATCH)", async () => {
  const me = await a.v1.accounts.updateCredentials({
    displayName: "Alice Checked",
    note: "Works on #digital services",
    fieldsAttributes: [{ name: "Team", value: "Digital" }, { name: "Site", value: "https://example.org" }],
    locked: false,
  });
  checkAccount(me, "credential account");
  assert(me.displayName === "Alice Checked", `display_name is ${me.displayName}`);
  assert(me.source?.note === "Works on #digital services", `source.note is ${me.source?.note}`);
  assert(me.fields.length >= 2 && me.fields.some((f) => f.name === "Team" && f.value.includes("Digital")),
    `fields are ${JSON.stringify(me.fields)}`);
  assert(me.source.fields.some((f) => f.name === "Team" && f.value === "Digital"), `source.fields are ${JSON.stringify(me.source.fields)}`);
});

await step("account actions (note, pin, mute, block, domain block, familiar followers, lists of account)", async () => {
  const id = state.meB.id;
  const n = await a.v1.accounts.$select(id).note.create({ comment: "met at the conference" });
  checkRelationship(n);
  assert(n.note === "met at the conference", `note is ${n.note}`);
  const ff = await a.v1.accounts.familiarFollowers.fetch({ id: [id] });
  assert(Array.isArray(ff) && ff[0]?.id === id && Array.isArray(ff[0].accounts), `familiar_followers is ${JSON.stringify(ff)}`);
  isType(await a.v1.accounts.$select(id).lists.list(), "array", "account lists");
  isType(await a.v1.followRequests.list(), "array", "follow requests");
  const m = await a.v1.accounts.$select(id).mute({ notifications: true, duration: 0 });
  assert(m.muting === true && m.mutingNotifications === true, `muting ${m.muting}, notifications ${m.mutingNotifications}`);
  assert((await a.v1.mutes.list()).some((x) => x.id === id), "not in mutes");
  assert((await a.v1.accounts.$select(id).unmute()).muting === false, "still muting");
  const bl = await a.v1.accounts.$select(id).block();
  assert(bl.blocking === true && bl.following === false, `blocking ${bl.blocking}, following ${bl.following}`);
  assert((await a.v1.blocks.list()).some((x) => x.id === id), "not in blocks");
  assert((await a.v1.accounts.$select(id).unblock()).blocking === false, "still blocking");
  await a.v1.domainBlocks.create({ domain: "spam.example" });
  assert((await a.v1.domainBlocks.list()).includes("spam.example"), "domain block not listed");
  await a.v1.domainBlocks.remove({ domain: "spam.example" });
  assert(!(await a.v1.domainBlocks.list()).includes("spam.example"), "domain block not removed (DELETE with a JSON body)");
  // Blocking ended the follow; follow again for the steps after.
  await a.v1.accounts.$select(id).follow();
});

await step("pin and unpin a status", async () => {
  need("phanpyStatus");
  const p = await a.v1.statuses.$select(state.phanpyStatus.id).pin();
  assert(p.pinned === true, `pinned is ${p.pinned}`);
  const pinned = await a.v1.accounts.$select(state.meA.id).statuses.list({ pinned: true });
  assert(pinned.some((x) => x.id === p.id), "not among pinned statuses");
  const u = await a.v1.statuses.$select(p.id).unpin();
  assert(u.pinned === false, `pinned is ${u.pinned} after unpin`);
});

await step("direct message and conversations", async () => {
  const d = await a.v1.statuses.create({ status: `@${userB} just between us ${word}`, visibility: "direct" });
  checkStatus(d, "direct status");
  assert(d.visibility === "direct", `visibility is ${d.visibility}`);
  const convs = await b.v1.conversations.list();
  const c = convs.find((x) => x.lastStatus?.id === d.id);
  assert(c, "conversation not listed for B");
  isID(c.id, "conversation.id");
  isType(c.unread, "boolean", "conversation.unread");
  isType(c.accounts, "array", "conversation.accounts");
  assert(c.accounts.some((x) => x.id === state.meA.id), "A not among the conversation's accounts");
  checkStatus(c.lastStatus, "conversation.last_status");
  const r = await b.v1.conversations.$select(c.id).read();
  assert(r.unread === false, `unread is ${r.unread} after read`);
  const pub = await b.v1.timelines.public.list({ limit: 40 });
  assert(!pub.some((x) => x.id === d.id), "direct status on the public timeline");
});

await step("notification policy and tag fetch (Phanpy)", async () => {
  const p = await a.v2.notifications.policy.fetch();
  isType(p, "object", "notification policy");
  const t = await a.v1.tags.$select(tag).fetch();
  checkTag(t, "tag");
  assert(t.following === true, `tag.following is ${t.following}`);
});

await step("filters as Phanpy edits them (update with null expiry, keyword add/change/_destroy) and applied", async () => {
  const f = await b.v2.filters.create({
    title: `applied ${run}`, context: ["home", "public", "thread"], filterAction: "warn", expiresIn: 3600,
    keywordsAttributes: [{ keyword: word, wholeWord: false }, { keyword: `other${run}`, wholeWord: true }],
  });
  const [k1, k2] = f.keywords;
  const u = await b.v2.filters.$select(f.id).update({
    title: `applied ${run} edited`, context: ["home", "public", "thread"], filterAction: "warn", expiresIn: null,
    keywordsAttributes: [
      { id: k1.id, keyword: word, wholeWord: false },
      { id: k2.id, _destroy: true },
      { keyword: `third${run}`, wholeWord: true },
    ],
  });
  assert(u.title === `applied ${run} edited`, `title is ${u.title}`);
  assert(u.expiresAt === null, `expires_at is ${u.expiresAt} after expires_in null`);
  const kws = u.keywords.map((k) => k.keyword).sort();
  assert(JSON.stringify(kws) === JSON.stringify([`third${run}`, word].sort()), `keywords are ${kws}`);
  const pub = await b.v1.timelines.public.list({ local: true, limit: 40 });
  const hit = pub.find((x) => x.account.id === state.meA.id && x.content.includes(word));
  assert(hit, "no status of A's with the word on B's public timeline");
  isType(hit.filtered, "array", "status.filtered");
  const fr = hit.filtered.find((x) => x.filter.id === f.id);
  assert(fr, `status.filtered lacks the filter: ${JSON.stringify(hit.filtered)}`);
  assert(fr.filter.filterAction === "warn" && Array.isArray(fr.filter.context), `filter result's filter is ${JSON.stringify(fr.filter)}`);
  assert(Array.isArray(fr.keywordMatches) && fr.keywordMatches.some((m) => m.toLowerCase() === word),
    `keyword_matches is ${JSON.stringify(fr.keywordMatches)}`);
  await b.v2.filters.$select(f.id).update({ filterAction: "hide" });
  const hidden = await b.v1.timelines.public.list({ local: true, limit: 40 });
  assert(!hidden.some((x) => x.id === hit.id), "a hide filter left the status on the timeline");
  await b.v2.filters.$select(f.id).remove();
});

await step("lists as Phanpy edits them (update title, exclusive, replies policy)", async () => {
  const l = await a.v1.lists.create({ title: `edit ${run}` });
  const u = await a.v1.lists.$select(l.id).update({ title: `edited ${run}`, exclusive: true, repliesPolicy: "followed" });
  assert(u.title === `edited ${run}` && u.exclusive === true && u.repliesPolicy === "followed", `list is ${JSON.stringify(u)}`);
  const got = await a.v1.lists.$select(l.id).fetch();
  assert(got.exclusive === true, "exclusive not kept");
  await a.v1.lists.$select(l.id).remove();
});

await step("update credentials as Phanpy does (unset avatar/header fields, avatar file)", async () => {
  const me = await a.v1.accounts.updateCredentials({
    header: undefined, avatar: new Blob([tinyPNG()], { type: "image/png" }), displayName: "Alice Phanpy", note: "",
    fieldsAttributes: [{ name: "Team", value: "Digital" }],
  });
  assert(me.displayName === "Alice Phanpy", `display_name is ${me.displayName}`);
  assert(!me.avatar.includes("missing"), `avatar is ${me.avatar}`);
  assert(me.header.includes("missing"), `header changed to ${me.header}`);
  const img = await fetch(me.avatar);
  assert(img.ok, `GET avatar: ${img.status}`);
});

await step("account search, notification dismiss and clear", async () => {
  const found = await a.v1.accounts.search.list({ q: userB.slice(0, 2), limit: 5, resolve: false });
  assert(found.some((x) => x.id === state.meB.id), `account search for "${userB.slice(0, 2)}" missed B`);
  const ns = await a.v1.notifications.list({ limit: 5 });
  assert(ns.length > 0, "no notifications to dismiss");
  await a.v1.notifications.$select(ns[0].id).dismiss();
  await expectHTTPError(a.v1.notifications.$select(ns[0].id).fetch(), 404, "fetch dismissed notification");
  await a.v1.notifications.clear();
  const left = await a.v1.notifications.list();
  assert(left.length === 0, `${left.length} notifications after clear`);
});

await step("more compose shapes (content warning, multiple-choice poll, reblog and unreblog)", async () => {
  const cw = await a.v1.statuses.create({ status: `Behind a warning ${word}`, spoilerText: "spoiler", sensitive: true });
  assert(cw.spoilerText === "spoiler" && cw.sensitive === true, `spoiler_text ${cw.spoilerText}, sensitive ${cw.sensitive}`);
  const p = await a.v1.statuses.create({
    status: `Pick two ${word}`, poll: { options: ["a", "b", "c"], expiresIn: 600, multiple: true, hideTotals: false },
  });
  assert(p.poll.multiple === true, "poll not multiple");
  const v = await b.v1.polls.$select(p.poll.id).votes.create({ choices: [0, 2] });
  assert(JSON.stringify(v.ownVotes) === "[0,2]" && v.votesCount === 2 && v.votersCount === 1,
    `own_votes ${JSON.stringify(v.ownVotes)}, votes ${v.votesCount}, voters ${v.votersCount}`);
  // Elk and Phanpy send no visibility with a reblog; copse boosts publicly.
  const r = await b.v1.statuses.$select(cw.id).reblog();
  assert(r.reblog?.id === cw.id && r.visibility === "public", `reblog visibility is ${r.visibility}`);
  const un = await b.v1.statuses.$select(cw.id).unreblog();
  assert(un.id === cw.id && un.reblogged === false, `unreblog gave ${un.id}, reblogged ${un.reblogged}`);
});

await step("search paging with offset, account statuses filters", async () => {
  const first = await a.v2.search.list({ q: word, type: "statuses", limit: 1 });
  const second = await a.v2.search.list({ q: word, type: "statuses", limit: 1, offset: 1 });
  assert(first.statuses.length === 1 && second.statuses.length === 1, "limit 1 did not give one status");
  assert(first.statuses[0].id !== second.statuses[0].id, "offset 1 gave the same status");
  const media = await a.v1.accounts.$select(state.meA.id).statuses.list({ onlyMedia: true });
  assert(media.length > 0 && media.every((x) => x.mediaAttachments.length > 0), "only_media");
  const tagged = await a.v1.accounts.$select(state.meA.id).statuses.list({ tagged: tag });
  assert(tagged.length > 0 && tagged.every((x) => x.tags.some((t) => t.name.toLowerCase() === tag)), "tagged");
  const noBoosts = await b.v1.accounts.$select(state.meB.id).statuses.list({ excludeReblogs: true });
  assert(noBoosts.every((x) => x.reblog === null), "exclude_reblogs");
  const byId = await a.v1.accounts.fetch({ id: [state.meA.id, state.meB.id] });
  assert(byId.length === 2, `accounts?id[] gave ${byId.length}`);
});

await step("streaming a list and direct messages", async () => {
  need("streaming");
  const l = await a.v1.lists.create({ title: `stream ${run}` });
  await a.v1.lists.$select(l.id).accounts.create({ accountIds: [state.meB.id] });
  const events = [];
  const s = createStreamingAPIClient({ streamingApiUrl: state.streaming, accessToken: state.tokenA, retry: 3 });
  const consume = async (sub) => {
    try {
      for await (const e of sub) events.push(e);
    } catch (err) {
      streamError = err;
    }
  };
  try {
    consume(s.list.subscribe({ list: l.id }));
    consume(s.direct.subscribe());
    await s.prepare();
    await sleep(300);
    const post = await b.v1.statuses.create({ status: `For the list ${word}` });
    const dm = await b.v1.statuses.create({ status: `@${userA} psst ${word}`, visibility: "direct" });
    const deadline = Date.now() + 5000;
    const got = () => [events.find((e) => e.event === "update" && e.payload.id === post.id),
      events.find((e) => e.event === "conversation" && e.payload.lastStatus?.id === dm.id)];
    while (Date.now() < deadline && !got().every(Boolean)) await sleep(100);
    const [u, c] = got();
    assert(u, `no list update within 5 s; got ${events.map((e) => `${e.event}@${e.stream.join(":")}`)}`);
    assert(c, `no conversation event within 5 s; got ${events.map((e) => `${e.event}@${e.stream.join(":")}`)}`);
  } finally {
    s.close();
    await a.v1.lists.$select(l.id).remove();
  }
});

await step("hashtag timeline with any[] and none[] (Phanpy's multi-hashtag timeline)", async () => {
  const other = `${tag}b`;
  const s1 = await b.v1.statuses.create({ status: `Only the other tag #${other} ${word}` });
  const both = await a.v1.timelines.tag.$select(tag).list({ any: [other], limit: 40 });
  assert(both.some((x) => x.id === s1.id), `any[]=${other} left out a status tagged only #${other}`);
  assert(both.some((x) => x.tags.some((t) => t.name.toLowerCase() === tag)), `no #${tag} status with any[]`);
  const none = await a.v1.timelines.tag.$select(other).list({ none: [tag], limit: 40 });
  assert(none.some((x) => x.id === s1.id) && none.every((x) => !x.tags.some((t) => t.name.toLowerCase() === tag)),
    "none[] did not exclude the tag");
});

await step("own featured tags (Phanpy's hashtag page)", async () => {
  const tags = await a.v1.featuredTags.list();
  isType(tags, "array", "featured tags");
  isType(await a.v1.featuredTags.suggestions.list(), "array", "featured tag suggestions");
});

await step("follow options (notify bell, hide boosts) and status/update notifications", async () => {
  const r = await a.v1.accounts.$select(state.meB.id).follow({ notify: true, reblogs: false });
  try {
    assert(r.following === true && r.notifying === true && r.showingReblogs === false,
      `following ${r.following}, notifying ${r.notifying}, showing_reblogs ${r.showingReblogs}`);
    const post = await b.v1.statuses.create({ status: `Ring the bell ${word}` });
    // B boosts a status of A's, then A edits it: B is told of the edit.
    const mine = await a.v1.statuses.create({ status: `To be edited ${word}` });
    await b.v1.statuses.$select(mine.id).reblog();
    await a.v1.statuses.$select(mine.id).update({ status: `Edited after a boost ${word}` });
    const deadline = Date.now() + 5000;
    let st = [], up = [];
    while (Date.now() < deadline) {
      st = await a.v1.notifications.list({ types: ["status"] });
      up = await b.v1.notifications.list({ types: ["update"] });
      if (st.some((n) => n.status?.id === post.id) && up.some((n) => n.status?.id === mine.id)) break;
      await sleep(250);
    }
    assert(st.some((n) => n.status?.id === post.id), "no status notification for a followed account with notify");
    assert(up.some((n) => n.status?.id === mine.id), "no update notification for an edited status one boosted");
    // Elk's and Phanpy's "hide boosts" on a profile.
    const home = await a.v1.timelines.home.list({ limit: 40 });
    assert(!home.some((x) => x.reblog?.id === mine.id && x.account.id === state.meB.id),
      "B's boost, made after A followed B with reblogs: false, is on A's home timeline");
  } finally {
    await a.v1.accounts.$select(state.meB.id).follow({ notify: false, reblogs: true });
  }
});

await step("anonymous reads (before sign-in: instance, public timeline, profile, thread)", async () => {
  const anon = createRestAPIClient({ url: base });
  const i = await anon.v2.instance.fetch();
  isType(i.configuration?.urls?.streaming, "string", "configuration.urls.streaming");
  const pub = await anon.v1.timelines.public.list({ limit: 5 });
  assert(pub.length > 0, "public timeline is empty");
  pub.forEach((x, k) => checkStatus(x, `public[${k}]`));
  const acct = await anon.v1.accounts.lookup({ acct: userA });
  checkAccount(acct, "looked-up account");
  const ss = await anon.v1.accounts.$select(acct.id).statuses.list({ limit: 3 });
  assert(ss.length > 0, "no statuses for anonymous");
  const ctx = await anon.v1.statuses.$select(ss[0].id).context.fetch();
  isType(ctx.descendants, "array", "context.descendants");
  await expectHTTPError(anon.v1.timelines.home.list(), 401, "home timeline anonymously");
});

await step("unfollow (A unfollows B)", async () => {
  need("following");
  const r = await a.v1.accounts.$select(state.meB.id).unfollow();
  checkRelationship(r);
  assert(r.following === false && r.requested === false, `following ${r.following}, requested ${r.requested}`);
  const [r2] = await a.v1.accounts.relationships.fetch({ id: [state.meB.id] });
  assert(r2.following === false, "still following after unfollow");
});

await step("delete the status (returns its text for redraft)", async () => {
  need("status");
  const d = await a.v1.statuses.$select(state.status.id).remove();
  checkStatus(d, "deleted status");
  assert(typeof d.text === "string" && d.text.includes("edited"), `deleted status text is ${JSON.stringify(d.text)}`);
  await expectHTTPError(a.v1.statuses.$select(state.status.id).fetch(), 404, "fetch deleted status");
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (updates.some((u) => u.event === "delete" && u.payload === state.status.id)) return;
    await sleep(100);
  }
  throw new Error("no streaming delete event within 5 s");
});

await step("unfollow tag", async () => {
  const t = await a.v1.tags.$select(tag).unfollow();
  assert(t.following === false, `following is ${t.following}`);
});

await step("rate limit headers (the budget this run used)", async () => {
  const res = await fetch(new URL("/api/v1/accounts/verify_credentials", base), { headers: { Authorization: `Bearer ${state.tokenA}` } });
  const limit = Number(res.headers.get("x-ratelimit-limit"));
  const remaining = Number(res.headers.get("x-ratelimit-remaining"));
  assert(limit > 0 && remaining >= 0, `X-RateLimit-Limit ${limit}, -Remaining ${remaining}`);
  isISO(res.headers.get("x-ratelimit-reset"), "X-RateLimit-Reset");
  return `A's token has ${remaining} of ${limit} left`;
});

streamA?.close();
console.log(failures ? `${failures} step(s) failed` : "all steps passed");
process.exit(failures ? 1 : 0);
