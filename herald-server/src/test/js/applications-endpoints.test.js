// Applications and endpoints with the 2.x field names: eventTypes and throttleRate.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { finishedAttempts, listAll, newApp, newEventType, Receiver, svixClient, unique } from "./support.js";

const svix = svixClient();
let receiver;
before(async () => {
  receiver = await Receiver.start();
});
after(() => receiver.close());

const sorted = (a) => [...a].sort();

test("application: created, read by id and by uid, listed", async (t) => {
  const uid = unique("apps");
  const app = await svix.application.create({ name: "Acme", uid });
  t.after(() => svix.application.delete(app.id));
  assert.match(app.id, /^app_/);
  assert.equal(app.uid, uid);
  assert.equal(app.name, "Acme");
  assert.ok(!Number.isNaN(app.createdAt.getTime()), "createdAt is a date");

  const byId = await svix.application.get(app.id);
  assert.deepEqual(byId, app);
  assert.equal((await svix.application.get(uid)).id, app.id);
  const all = await listAll((iterator) => svix.application.list({ iterator }));
  assert.deepEqual(all.filter((a) => a.uid === uid).map((a) => a.id), [app.id]);
});

test("endpoint eventTypes: a message of a subscribed type is delivered, one of another type is not", async (t) => {
  const app = await newApp(svix, t, "filter");
  const subscribed = await newEventType(svix, "subscribed");
  const other = await newEventType(svix, "other");
  const filteredPath = `/${app.uid}/filtered`;
  const allPath = `/${app.uid}/all`;
  const filtered = await svix.endpoint.create(app.id, { url: receiver.url(filteredPath), eventTypes: [subscribed] });
  const everything = await svix.endpoint.create(app.id, { url: receiver.url(allPath) });

  const unwanted = await svix.message.create(app.id, { eventType: other, payload: { n: 1 } });
  const wanted = await svix.message.create(app.id, { eventType: subscribed, payload: { n: 2 } });

  // The unfiltered endpoint got both, so both were dispatched; the filtered one only the subscribed.
  await receiver.await(allPath, 2);
  await receiver.await(filteredPath, 1, wanted.id);
  const attempts = await finishedAttempts(svix, app.id, unwanted.id, 1);
  assert.deepEqual(attempts.map((a) => a.endpointId), [everything.id], "only the unfiltered endpoint was tried");
  assert.deepEqual(receiver.received(filteredPath).map((r) => r.headers["webhook-id"]), [wanted.id]);
  assert.notEqual(filtered.id, everything.id);
});

test("endpoint eventTypes and throttleRate: read back from create, get and list", async (t) => {
  const app = await newApp(svix, t, "readback");
  const types = [await newEventType(svix, "one"), await newEventType(svix, "two")];
  const created = await svix.endpoint.create(app.id, {
    url: receiver.url(`/${app.uid}/hook`), uid: "siem", eventTypes: types, throttleRate: 5,
  });
  const got = await svix.endpoint.get(app.id, created.id);
  const listed = (await svix.endpoint.list(app.id)).data.find((e) => e.id === created.id);
  for (const [how, ep] of [["create", created], ["get", got], ["list", listed]]) {
    assert.deepEqual(sorted(ep.eventTypes ?? []), sorted(types), `eventTypes from ${how}`);
    assert.equal(ep.throttleRate, 5, `throttleRate from ${how}`);
    assert.equal(ep.uid, "siem", `uid from ${how}`);
  }
});

test("endpoint eventTypes: replaced by upsert (PUT) and by patch, and read back", async (t) => {
  const app = await newApp(svix, t, "update");
  const [one, two] = [await newEventType(svix, "one"), await newEventType(svix, "two")];
  const url = receiver.url(`/${app.uid}/hook`);
  const ep = await svix.endpoint.create(app.id, { url, eventTypes: [one] });

  const put = await svix.endpoint.upsert(app.id, ep.id, { url, eventTypes: [two] });
  assert.deepEqual(put.eventTypes, [two], "from PUT");
  assert.deepEqual((await svix.endpoint.get(app.id, ep.id)).eventTypes, [two], "get after PUT");

  const patched = await svix.endpoint.patch(app.id, ep.id, { eventTypes: [one, two] });
  assert.deepEqual(sorted(patched.eventTypes), sorted([one, two]), "from PATCH");
  assert.deepEqual(sorted((await svix.endpoint.get(app.id, ep.id)).eventTypes), sorted([one, two]), "get after PATCH");
  assert.equal(patched.url, url, "PATCH keeps what it was not given");
});
