// PUT creates what does not exist yet (the SDK's upsert methods).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { newApp, Receiver, svixClient, unique } from "./support.js";

const svix = svixClient();
let receiver;
before(async () => {
  receiver = await Receiver.start();
});
after(() => receiver.close());

test("application.upsert on a uid that does not exist creates the application, then updates it", async (t) => {
  const uid = unique("upsert-app");
  const created = await svix.application.upsert(uid, { name: "First", uid });
  t.after(() => svix.application.delete(created.id));
  assert.match(created.id, /^app_/);
  assert.equal(created.uid, uid);
  assert.equal(created.name, "First");
  assert.equal((await svix.application.get(uid)).id, created.id);

  const updated = await svix.application.upsert(uid, { name: "Second", uid });
  assert.equal(updated.id, created.id);
  assert.equal(updated.name, "Second");
});

test("endpoint.upsert on a uid that does not exist creates the endpoint", async (t) => {
  const app = await newApp(svix, t, "upsert-ep");
  const uid = unique("ep");
  const url = receiver.url(`/${app.uid}/hook`);
  const created = await svix.endpoint.upsert(app.id, uid, { url, uid, description: "made by PUT" });
  assert.match(created.id, /^ep_/);
  assert.equal(created.uid, uid);
  assert.equal(created.url, url);
  assert.equal(created.description, "made by PUT");
  const got = await svix.endpoint.get(app.id, uid);
  assert.equal(got.id, created.id);
  assert.deepEqual((await svix.endpoint.list(app.id)).data.map((e) => e.id), [created.id]);
});
