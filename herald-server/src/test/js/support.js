// What every file of the suite shares: a Svix client pointed at the Herald under test, a loopback
// receiver, polling with a deadline, and names no other test uses.
//
// ./herald test runs the suite (SvixJsSdkCompatibilityTest). By hand, after one such run, against
// a Herald started with HERALD_RETRY_DELAYS=none HERALD_HTTPS_ONLY=false
// HERALD_ALLOWED_TARGETS=127.0.0.1/32: in herald-server/target/svix-js,
//   HERALD_URL=http://127.0.0.1:8080 HERALD_TOKEN=... node --test *.test.js
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { ApiException, MessageStatus, Svix } from "svix";

/** Herald's base URL and admin token, from the JUnit driver (SvixJsSdkCompatibilityTest). */
export const HERALD_URL = required("HERALD_URL");
export const HERALD_TOKEN = required("HERALD_TOKEN");

function required(name) {
  const v = process.env[name];
  if (!v) {
    throw new Error(`${name} is not set: run this suite through SvixJsSdkCompatibilityTest (./herald test)`);
  }
  return v;
}

/** A Svix client as a user would make one, only pointed at Herald. */
export function svixClient(token = HERALD_TOKEN) {
  return new Svix(token, { serverUrl: HERALD_URL });
}

/** A name unique to one test of one run, usable as an application or endpoint uid. */
export function unique(prefix) {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/**
 * Reads a value every 100 ms until {@code done(value)} holds and returns that value; after
 * {@code timeoutMs} fails naming {@code what} and the last value read, so a wait never hangs a test.
 */
export async function waitFor(what, read, done, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last read: ${JSON.stringify(value)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A new application whose uid no other test uses, deleted again when test {@code t} ends (a
 * failing delete fails the test: it is part of what the SDK must be able to do).
 */
export async function newApp(svix, t, prefix) {
  const uid = unique(prefix);
  const app = await svix.application.create({ name: `JS SDK ${uid}`, uid });
  t.after(() => svix.application.delete(app.id));
  return app;
}

/** An event type of its own for one test (event types are global, tests share one Herald). */
export async function newEventType(svix, prefix) {
  const name = `${unique(prefix)}.created`;
  await svix.eventType.create({ name, description: `made by the Svix JS SDK suite (${prefix})` });
  return name;
}

/** The attempts of message {@code msgId} once {@code n} of them have ended in success or failure. */
export async function finishedAttempts(svix, appId, msgId, n) {
  return waitFor(`${n} finished attempt(s) of ${msgId}`,
    async () => (await svix.messageAttempt.listByMsg(appId, msgId)).data,
    (data) => data.filter((a) => a.status === MessageStatus.Success || a.status === MessageStatus.Fail).length >= n);
}

/** For assert.rejects: the SDK's ApiException with HTTP status {@code code}, anything else rethrown. */
export function apiError(code) {
  return (e) => {
    if (!(e instanceof ApiException)) {
      throw e;
    }
    if (e.code !== code) {
      throw new Error(`expected HTTP ${code}, got ${e.code}: ${JSON.stringify(e.body)}`);
    }
    return true;
  };
}

/** Every item of a Svix list, following the iterator until the last page. */
export async function listAll(page) {
  const items = [];
  let iterator;
  for (let pages = 0; pages < 100; pages++) {
    const p = await page(iterator);
    items.push(...p.data);
    if (p.done || p.iterator == null) {
      return items;
    }
    iterator = p.iterator;
  }
  throw new Error("more than 100 pages: the list does not end");
}

/**
 * An HTTP server on 127.0.0.1 (a free port) that records every request and answers 200, or the
 * status set for its path with {@link Receiver#answer}.
 */
export class Receiver {
  /** @type {{path: string, headers: Record<string, string>, body: string, status: number}[]} */
  requests = [];
  #statuses = new Map();
  #server;

  static async start() {
    const r = new Receiver();
    r.#server = createServer((req, res) => {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        const path = new URL(req.url, "http://receiver").pathname;
        const status = r.#statuses.get(path) ?? 200;
        r.requests.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), status });
        res.writeHead(status, { "content-type": "text/plain" }).end(status < 300 ? "ok" : "receiver says no");
      });
    });
    await new Promise((resolve, reject) => {
      r.#server.once("error", reject);
      r.#server.listen(0, "127.0.0.1", resolve);
    });
    return r;
  }

  url(path) {
    return `http://127.0.0.1:${this.#server.address().port}${path}`;
  }

  /** From now on, requests to {@code path} get {@code status}. */
  answer(path, status) {
    this.#statuses.set(path, status);
  }

  /** The requests to {@code path}, oldest first; only those for message {@code msgId} when given. */
  received(path, msgId) {
    return this.requests.filter((r) => r.path === path && (msgId === undefined || r.headers["webhook-id"] === msgId));
  }

  /** Waits until {@code path} got {@code n} requests (for message {@code msgId} when given); returns them. */
  async await(path, n, msgId) {
    return waitFor(`${n} request(s) at ${path}${msgId ? ` for ${msgId}` : ""}`,
      () => this.received(path, msgId), (got) => got.length >= n);
  }

  async close() {
    // Herald keeps connections alive; without this the server would wait for them to time out.
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}
