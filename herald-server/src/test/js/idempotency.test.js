// Idempotency keys: the SDK sends one on every POST; the same key twice must act once.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { listAll, newApp, Receiver, svixClient, unique } from "./support.js";

const svix = svixClient();
let receiver;
before(async () => {
  receiver = await Receiver.start();
});
after(() => receiver.close());

test("application.create twice with one idempotency key: the same application, and only one", async (t) => {
  const key = unique("idem-app");
  const name = `JS SDK ${key}`;
  const first = await svix.application.create({ name }, { idempotencyKey: key });
  t.after(() => svix.application.delete(first.id));
  const second = await svix.application.create({ name }, { idempotencyKey: key });
  if (second.id !== first.id) {
    t.after(() => svix.application.delete(second.id));
  }
  assert.equal(second.id, first.id);
  assert.deepEqual(second, first, "the first answer is replayed");
  const all = await listAll((iterator) => svix.application.list({ iterator }));
  assert.deepEqual(all.filter((a) => a.name === name).map((a) => a.id), [first.id]);
});

test("message.create twice with one idempotency key: the same message, delivered once", async (t) => {
  const app = await newApp(svix, t, "idem-msg");
  const path = `/${app.uid}/hook`;
  await svix.endpoint.create(app.id, { url: receiver.url(path) });
  const key = unique("idem-msg");
  const message = { eventType: "invoice.paid", payload: { invoice: 7 } };
  const first = await svix.message.create(app.id, message, { idempotencyKey: key });
  const second = await svix.message.create(app.id, message, { idempotencyKey: key });
  assert.equal(second.id, first.id);

  // A message published after both: once it has arrived, a second copy had its chance too.
  const later = await svix.message.create(app.id, { eventType: "invoice.paid", payload: { invoice: 8 } });
  await receiver.await(path, 1, first.id);
  await receiver.await(path, 1, later.id);
  const messages = await listAll((iterator) => svix.message.list(app.id, { iterator }));
  assert.deepEqual(messages.map((m) => m.id).sort(), [first.id, later.id].sort());
  assert.deepEqual(receiver.received(path).map((r) => r.headers["webhook-id"]).sort(), [first.id, later.id].sort(),
    "one delivery each");
});
